//! `BacksolveAdjoint`: the gradient of a solve from the continuous adjoint
//! equations, solved backwards in time ("optimise then discretise").
//!
//! For `y' = f(t, y, p)` and a loss `L(y(ts), y(t1))`, the cotangent
//! `a(t) = ∂L/∂y(t)` and the parameter cotangent `a_p` satisfy
//!
//! ```text
//! y' = f,   a' = −aᵀ ∂f/∂y,   a_p' = −aᵀ ∂f/∂p,
//! ```
//!
//! integrated from `(y(t1), ∂L/∂y(t1), 0)` back to `t0`, where `a(t0)` is the
//! gradient with respect to `y0` and `a_p(t0)` the one with respect to `p`
//! (Pontryagin; Chen, Rubanova, Bettencourt and Duvenaud, "Neural Ordinary
//! Differential Equations", NeurIPS 2018). [`AdjointTerm`] is this system over
//! the tuple state `(y, a, a_p)`; the backward pass is an ordinary step loop
//! ([`Integrator`]) over it, with its own solver, controller, `dt0` and step
//! budget ([`BacksolveConfig`]; by default the forward solve's). With
//! [`super::AdjointRmsSeminorm`] as the backward controller's norm, `a_p` is
//! left out of step-size control (Kidger, Chen and Lyons, ICML 2021).
//!
//! Save times split the backward solve into segments. At each saved time the
//! backward `y` is replaced by the saved forward value and the loss's
//! cotangent is added to `a`; the next segment starts a new step loop from
//! there, so the first-same-as-last derivative is recomputed at the jumped
//! state (reusing it would integrate across the jump with a stale stage and
//! roughly double the step count), while the step size carries over so the
//! restart costs no step-size search.
//!
//! Memory is independent of the step count — unless re-anchoring is asked
//! for. Integrating `y` backwards is unstable wherever the forward problem is
//! stable (stiff or diffusive directions grow backwards), which is why
//! Diffrax's backsolve fails on stiff problems. Passing a non-empty `anchors`
//! buffer to [`BacksolveAdjoint::forward`] keeps the end of every accepted
//! forward step, and the backward pass re-anchors `y` at each of them (as
//! SciMLSensitivity's `BacksolveAdjoint(checkpointing = true)` does at its
//! checkpoints), so `y` is never integrated backwards further than one forward
//! step.
//!
//! A backward pass that goes wrong is an error, never a gradient: a
//! non-finite value anywhere in `(y, a, a_p)`, a backward `y` whose largest
//! component exceeds [`DIVERGENCE_GROWTH`] times the forward solution's, or a
//! backward `y` that arrives at a saved or anchored time more than
//! [`DIVERGENCE_MISMATCH`] times the forward solution's size away from the
//! forward value, is reported as [`Error::AdjointDiverged`]. The last
//! criterion is what catches a backward `y` that stayed bounded but lost the
//! forward trajectory.
//!
//! Only the explicit solvers integrate the tuple state: the implicit ones
//! need a Jacobian over an `SVector`, and stable Rust cannot name
//! `SVector<T, {2N + P}>`. Re-anchoring at step ends helps where one forward
//! step is short enough for `y` to survive backwards (the heat equation P6),
//! not on problems whose forward steps are long and stiff (P2, P3: the
//! explicit backward pass runs out of steps). For those,
//! [`super::backsolve_dense`] takes `y` from the stored forward dense output
//! and solves `a` alone, with an implicit method.
//!
//! # Examples
//!
//! The continuous adjoint, plain and re-anchored at every forward step,
//! against the discrete adjoint of the same solve: all three approximate the
//! same gradient to the tolerances.
//!
//! ```
//! use odegrad::adjoint::{checkpoint::Slot, Anchor, BacksolveAdjoint, RecursiveCheckpointAdjoint};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
//! let pid = PidController::new(1e-9, 1e-9)?;
//! let (y0, y1_bar) = (SVector::from([1.0, 1.0]), SVector::from([1.0, 1.0]));
//! let plain = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0, &[], &mut [],
//!     1000, &mut [])?
//!     .backward(&[], &y1_bar)?;
//! let mut anchors = [Anchor::zero(); 256];
//! let anchored = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0, &[],
//!     &mut [], 1000, &mut anchors)?
//!     .backward(&[], &y1_bar)?;
//! let mut slots = [Slot::EMPTY; 32];
//! let discrete = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0,
//!     &[], &mut [], 1000, &mut slots)?
//!     .backward(&[], &y1_bar)?;
//! let scale = discrete.params.norm();
//! assert!((plain.params - discrete.params).norm() < 1e-6 * scale);
//! assert!((anchored.params - discrete.params).norm() < 1e-6 * scale);
//! assert!(anchored.stats.segments > plain.stats.segments); // one per forward step
//! # Ok::<(), odegrad::Error>(())
//! ```

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::recursive_checkpoint::Gradient;
use crate::controller::StepSizeController;
use crate::integrate::{Advance, Integrator, Stats};
use crate::{Error, InvalidArgument, Scalar, Solver, State, Term, VjpTerm};

/// The backward `y` may grow to this many times the largest component of the
/// forward solution before the backward pass counts as diverged.
pub const DIVERGENCE_GROWTH: f64 = 10.0;

/// At a saved or anchored time the backward `y` may differ from the forward
/// value by this fraction of the forward solution's largest component before
/// the backward pass counts as diverged.
pub const DIVERGENCE_MISMATCH: f64 = 0.1;

/// The augmented state of the backward pass: `(y, a, a_p)`.
pub type AugmentedState<Y, P> = (Y, Y, P);

/// The backward system of the continuous adjoint over `(y, a, a_p)`:
/// `(f, −aᵀ∂f/∂y, −aᵀ∂f/∂p)`, one evaluation of the vector field and one
/// vector–Jacobian product per call.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::AdjointTerm;
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Term};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type V1 = SVector<f64, 1>;
/// let term = OdeTerm::new(&Decay, V1::from([2.0]));
/// let adj = AdjointTerm::new(&term);
/// let (dy, da, dap) = adj.vf(0.0, &(V1::from([3.0]), V1::from([1.0]), V1::zeros()));
/// assert!((dy[0] + 6.0).abs() < 1e-15);  // f = −p y
/// assert!((da[0] - 2.0).abs() < 1e-15);  // −a ∂f/∂y = p a
/// assert!((dap[0] - 3.0).abs() < 1e-15); // −a ∂f/∂p = a y
/// ```
#[derive(Debug)]
pub struct AdjointTerm<'a, Tm> {
    term: &'a Tm,
}

impl<'a, Tm> AdjointTerm<'a, Tm> {
    /// The backward system of `term`.
    ///
    /// # Examples
    ///
    /// The backward field is `(f, −J_yᵀa, −J_pᵀa)`; checked against the Jacobians
    /// `#[ode_system]` generates for Lotka–Volterra:
    ///
    /// ```
    /// use odegrad::adjoint::AdjointTerm;
    /// use odegrad::{nalgebra::SVector, ode_system, OdeSystem, OdeTerm, Term};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
    /// let term = OdeTerm::new(&LotkaVolterra, p);
    /// let (y, a) = (SVector::from([1.0, 2.0]), SVector::from([0.3, -0.7]));
    /// let (dy, da, dap) = AdjointTerm::new(&term).vf(0.0, &(y, a, SVector::zeros()));
    /// assert!((dy - LotkaVolterra.rhs(0.0, &y, &p)).norm() < 1e-15);
    /// assert!((da + LotkaVolterra.jac_y(0.0, &y, &p).transpose() * a).norm() < 1e-14);
    /// assert!((dap + LotkaVolterra.jac_p(0.0, &y, &p).transpose() * a).norm() < 1e-14);
    /// ```
    pub fn new(term: &'a Tm) -> Self {
        Self { term }
    }
}

impl<T: Scalar, Y: State<T>, Tm: VjpTerm<T, Y>> Term<T, AugmentedState<Y, Tm::Params>>
    for AdjointTerm<'_, Tm>
{
    #[inline(always)]
    fn vf(&self, t: T, s: &AugmentedState<Y, Tm::Params>) -> AugmentedState<Y, Tm::Params> {
        let (y, a, _) = s;
        let f = self.term.vf(t, y);
        let (gy, gp, _) = self.term.vjp(t, y, a);
        (f, gy.scale(-T::one()), gp.scale(-T::one()))
    }
    fn params_are_finite(&self) -> bool {
        self.term.params_are_finite()
    }
}

/// A forward state kept for re-anchoring: the end of an accepted step.
///
/// # Examples
///
/// With an anchor buffer the forward solve keeps every accepted step end
/// before `t1`:
///
/// ```
/// use odegrad::adjoint::{Anchor, BacksolveAdjoint};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let mut anchors = [Anchor::zero(); 16];
/// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
///     Some(0.1), SVector::from([1.0]), &[], &mut [], 100, &mut anchors)?;
/// drop(solve); // releases the buffer
/// // Steps end at 0.1, …, 0.9 and at t1 = 1, where the backward pass starts.
/// for (k, anchor) in anchors[..9].iter().enumerate() {
///     let t = 0.1 * (k + 1) as f64;
///     assert!((anchor.t - t).abs() < 1e-14);
///     assert!((anchor.y[0] - (-2.0 * t).exp()).abs() < 1e-7);
/// }
/// assert!(anchors[9].t.abs() < 1e-300); // unused
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Anchor<T, Y> {
    /// The time.
    pub t: T,
    /// The forward state at `t`.
    pub y: Y,
}

impl<T: Scalar, Y: State<T>> Anchor<T, Y> {
    /// A placeholder to fill a buffer with (`[Anchor::zero(); K]`).
    ///
    /// # Examples
    ///
    /// A buffer of placeholders; one too short for the solve is reported with the
    /// size it needs:
    ///
    /// ```
    /// use odegrad::adjoint::{Anchor, BacksolveAdjoint};
    /// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Error, OdeTerm, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let mut anchors = [Anchor::<f64, SVector<f64, 1>>::zero(); 2];
    /// assert!(anchors.iter().all(|a| a.t.abs() < 1e-300 && a.y[0].abs() < 1e-300));
    /// // Ten steps keep nine anchors.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let result = BacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.1), SVector::from([1.0]), &[], &mut [], 100, &mut anchors);
    /// assert!(matches!(result, Err(Error::CheckpointBufferTooSmall { needed: 9, capacity: 2 })));
    /// ```
    pub fn zero() -> Self {
        Self {
            t: T::zero(),
            y: Y::zero(),
        }
    }
}

/// How the backward pass is solved: solver, controller, first step and step
/// budget (Diffrax's `BacksolveAdjoint(**kwargs)`). [`BacksolveAdjoint::backward`]
/// uses the forward solve's solver and controller, the forward `dt0` reversed
/// and the forward `max_steps`; [`BacksolveAdjoint::backward_with`] takes this.
///
/// `dt0` is the first backward step, signed (negative when the forward solve
/// runs forward in time); `None` lets the controller choose. `max_steps`
/// bounds the attempts of the whole backward pass, summed over its segments.
///
/// # Examples
///
/// A backward pass with its own solver and tolerances, here tighter than the
/// forward solve's:
///
/// ```
/// use odegrad::adjoint::{BacksolveAdjoint, BacksolveConfig};
/// use odegrad::{nalgebra::SVector, ode_system, Dopri5, OdeTerm, PidController, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let forward_pid = PidController::new(1e-10, 1e-10)?;
/// let backward_pid = PidController::new(1e-12, 1e-12)?;
/// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &forward_pid, 0.0, 1.0, None,
///     SVector::from([1.0]), &[], &mut [], 1000, &mut [])?;
/// // Backwards in time: a negative first step.
/// let config = BacksolveConfig { solver: &Dopri5, controller: &backward_pid, dt0: Some(-0.01),
///     max_steps: 1000 };
/// let g = solve.backward_with(&config, &[], &SVector::from([1.0]))?;
/// assert!((g.params[0] + (-2.0f64).exp()).abs() < 1e-9); // ∂y(1)/∂p = −e^{−p}
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BacksolveConfig<'c, T, S, C> {
    /// The backward solver.
    pub solver: &'c S,
    /// The backward step-size controller (with [`super::AdjointRmsSeminorm`]
    /// as its norm for the seminorm).
    pub controller: &'c C,
    /// The first backward step, or `None`.
    pub dt0: Option<T>,
    /// The step budget of the backward pass.
    pub max_steps: usize,
}

/// Counters of a [`BacksolveAdjoint`] gradient.
///
/// # Examples
///
/// One save time inside the interval splits the backward pass in two; every
/// backward evaluation is one `f` and one vector–Jacobian product, and two more
/// `f` give the time gradients:
///
/// ```
/// use odegrad::adjoint::BacksolveAdjoint;
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let (ts, mut ys) = ([0.5], [SVector::zeros()]);
/// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
///     Some(0.1), SVector::from([1.0]), &ts, &mut ys, 100, &mut [])?;
/// let g = solve.backward(&[SVector::from([1.0])], &SVector::from([1.0]))?;
/// assert_eq!(g.stats.segments, 2);
/// assert_eq!(g.stats.backward.num_accepted_steps, 10);
/// assert_eq!(g.stats.vjp_evals, g.stats.backward.num_rhs_evals - 2);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BacksolveStats {
    /// The forward solve's counters.
    pub forward: Stats,
    /// The backward solve's counters, summed over its segments. Every
    /// backward vector-field evaluation is one `f` and one vector–Jacobian
    /// product; two more `f` evaluations give the time gradients.
    pub backward: Stats,
    /// Vector–Jacobian products of the term.
    pub vjp_evals: usize,
    /// Backward step loops run (one per stretch between saved or anchored
    /// times).
    pub segments: usize,
}

/// A forward solve ready for a continuous-adjoint gradient: build it with
/// [`Self::forward`], read the outputs with [`Self::ys`], then call
/// [`Self::backward`] or [`Self::backward_with`] with the loss's cotangents.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::{AdjointRmsSeminorm, BacksolveAdjoint, BacksolveConfig};
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
///
/// // y' = −p y: y(1) = e^{−p} y0.
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type V1 = SVector<f64, 1>;
/// let term = OdeTerm::new(&Decay, V1::from([2.0]));
/// let pid = PidController::new(1e-10, 1e-10)?;
/// let adjoint = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.05),
///     V1::from([1.0]), &[], &mut [], 1000, &mut [])?;
/// let y1 = adjoint.y1()[0];
/// // loss = y(1), backwards with the seminorm.
/// let semi = pid.with_norm(AdjointRmsSeminorm);
/// let config = BacksolveConfig { solver: &Tsit5, controller: &semi, dt0: None, max_steps: 1000 };
/// let g = adjoint.backward_with(&config, &[], &V1::from([1.0]))?;
/// assert!((g.y0[0] - y1).abs() < 1e-8);      // dy(1)/dy0 = e^{−p}
/// assert!((g.params[0] + y1).abs() < 1e-8);  // dy(1)/dp = −e^{−p}
/// assert!((g.t1 + 2.0 * y1).abs() < 1e-8);   // dy(1)/dt1 = f(y(1))
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct BacksolveAdjoint<'a, T, Y, Tm, S, C> {
    term: &'a Tm,
    solver: &'a S,
    controller: &'a C,
    t0: T,
    t1: T,
    dt0: Option<T>,
    max_steps: usize,
    y0: Y,
    y1: Y,
    ts: &'a [T],
    ys: &'a [Y],
    anchors: &'a [Anchor<T, Y>],
    forward_stats: Stats,
    /// The largest component of the forward solution over its accepted
    /// steps: the scale of the divergence tests.
    forward_max_abs: T,
}

/// `+1` if the solve runs forward in time, `−1` if backward.
pub(crate) fn direction<T: Scalar>(t0: T, t1: T) -> T {
    if t1 >= t0 { T::one() } else { -T::one() }
}

/// Checks that `ts` is monotone and inside `[t0, t1]`.
pub(crate) fn validate_ts<T: Scalar>(ts: &[T], t0: T, t1: T) -> Result<(), Error> {
    let dir = direction(t0, t1);
    for &t in ts {
        if !((t - t0) * dir >= T::zero() && (t1 - t) * dir >= T::zero()) {
            return Err(InvalidArgument::TsOutsideSpan.into());
        }
    }
    if !ts.windows(2).all(|w| (w[1] - w[0]) * dir >= T::zero()) {
        return Err(InvalidArgument::TsNotMonotone.into());
    }
    Ok(())
}

/// Adds the counters of one backward segment.
pub(crate) fn add_stats(total: &mut Stats, s: &Stats) {
    total.num_steps += s.num_steps;
    total.num_accepted_steps += s.num_accepted_steps;
    total.num_rejected_steps += s.num_rejected_steps;
    total.num_rhs_evals += s.num_rhs_evals;
    total.num_jac_evals += s.num_jac_evals;
    total.num_lu_factorisations += s.num_lu_factorisations;
}

/// A non-finite backward state is a diverged adjoint, whatever the loop
/// called it.
pub(crate) fn as_divergence(e: Error) -> Error {
    match e {
        Error::NonFiniteState { t } | Error::NonFiniteDerivative { t } => {
            Error::AdjointDiverged { t }
        }
        other => other,
    }
}

impl<'a, T, Y, Tm, S, C> BacksolveAdjoint<'a, T, Y, Tm, S, C>
where
    T: Scalar,
    Y: State<T>,
    Tm: VjpTerm<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    /// Solves from `(t0, y0)` to `t1`, writing `y(ts[m])` into `ys[m]`.
    ///
    /// `anchors`: pass `&mut []` for the plain continuous adjoint (memory
    /// independent of the step count), or a buffer with room for one entry
    /// per accepted step but the last to re-anchor the backward `y` at every
    /// forward step end before `t1` (where the backward pass starts anyway).
    ///
    /// `t0 == t1` is an empty interval, as in [`crate::diffeqsolve`]: no
    /// step is taken, the state and every output (all `ts` must equal `t0`)
    /// are `y0` and no anchor is needed.
    ///
    /// # Errors
    ///
    /// Everything [`crate::diffeqsolve`] reports; [`Error::SaveBufferTooSmall`]
    /// if `ys` is shorter than `ts`; [`Error::CheckpointBufferTooSmall`] if
    /// `anchors` is not empty and shorter than the number of accepted steps
    /// less one (reported after the solve, with the number needed).
    ///
    /// # Examples
    ///
    /// The outputs follow `y(t) = e^{−p·t}·y0`; a save buffer shorter than `ts` is
    /// an error:
    ///
    /// ```
    /// use odegrad::adjoint::BacksolveAdjoint;
    /// use odegrad::{nalgebra::SVector, ode_system, Error, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.25, 0.5];
    /// let mut ys = [SVector::zeros(); 2];
    /// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut ys, 1000, &mut [])?;
    /// assert!((solve.ys()[1][0] - (-1.0f64).exp()).abs() < 1e-9);
    /// let mut short = [SVector::zeros(); 1];
    /// let result = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut short, 1000, &mut []);
    /// assert!(matches!(result, Err(Error::SaveBufferTooSmall { needed: 2, capacity: 1 })));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: Y,
        ts: &'a [T],
        ys: &'a mut [Y],
        max_steps: usize,
        anchors: &'a mut [Anchor<T, Y>],
    ) -> Result<Self, Error> {
        let mut it = Integrator::new(term, solver, controller, t0, t1, dt0, y0, max_steps)?;
        validate_ts(ts, t0, t1)?;
        let capacity = ys.len();
        let ys = ys.get_mut(..ts.len()).ok_or(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity,
        })?;
        let dir = direction(t0, t1);
        let keep_anchors = !anchors.is_empty();
        let mut num_anchors = 0usize;
        let mut forward_max_abs = y0.max_abs();
        let mut outputs = ts.iter().zip(ys.iter_mut()).peekable();
        // Requested times equal to t0 are y0 itself.
        while let Some((_, y)) = outputs.next_if(|&(&t, _)| !((t - t0) * dir > T::zero())) {
            *y = y0;
        }
        while !it.is_done() {
            let step = match it.advance()? {
                Advance::Accepted(step) => step,
                Advance::Rejected { .. } | Advance::Finished => continue,
            };
            forward_max_abs = forward_max_abs.max(step.y1.max_abs());
            while let Some((&t, y)) = outputs.next_if(|&(&t, _)| !((t - step.t1) * dir > T::zero()))
            {
                *y = solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
            }
            // The last step ends at t1, where the backward pass starts anyway.
            if keep_anchors && !it.is_done() {
                if let Some(slot) = anchors.get_mut(num_anchors) {
                    *slot = Anchor {
                        t: it.state().t,
                        y: step.y1,
                    };
                }
                num_anchors += 1;
            }
        }
        if num_anchors > anchors.len() {
            return Err(Error::CheckpointBufferTooSmall {
                needed: num_anchors,
                capacity: anchors.len(),
            });
        }
        let state = it.state();
        let (y1, forward_stats) = (state.y, state.stats);
        let anchors: &'a [Anchor<T, Y>] = anchors;
        let ys: &'a [Y] = ys;
        Ok(Self {
            term,
            solver,
            controller,
            t0,
            t1,
            dt0,
            max_steps,
            y0,
            y1,
            ts,
            ys,
            anchors: anchors.get(..num_anchors).unwrap_or(&[]),
            forward_stats,
            forward_max_abs,
        })
    }

    /// The state at `t1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::BacksolveAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]): y(1) = e^{−p}·y0.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([3.0]), &[], &mut [], 1000, &mut [])?;
    /// assert!((solve.y1()[0] - 3.0 * (-2.0f64).exp()).abs() < 1e-9);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn y1(&self) -> &Y {
        &self.y1
    }

    /// The outputs `y(ts[m])`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::BacksolveAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) saved at three times, t0 among them.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.0, 0.3, 0.9];
    /// let mut ys = [SVector::zeros(); 3];
    /// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut ys, 1000, &mut [])?;
    /// assert_eq!(solve.ys().len(), 3);
    /// for (t, y) in ts.iter().zip(solve.ys()) {
    ///     assert!((y[0] - (-2.0 * t).exp()).abs() < 1e-9);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn ys(&self) -> &[Y] {
        self.ys
    }

    /// The forward solve's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::BacksolveAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) over [0, 1] in steps of 0.05.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([1.0]), &[], &mut [], 100, &mut [])?;
    /// assert_eq!(solve.stats().num_accepted_steps, 20);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.forward_stats
    }

    /// The gradient of a loss `L(y(ts), y(t1))` given `ys_bar[m] = ∂L/∂y(ts[m])`
    /// and `y1_bar = ∂L/∂y(t1)`, with the backward pass solved by the forward
    /// solver and controller, `dt0` reversed and the forward step budget.
    ///
    /// After a solve over an empty interval (`t0 == t1`) there is nothing to
    /// integrate backwards: `∂L/∂y0 = y1_bar + Σ_m ys_bar[m]`, `∂L/∂p = 0`
    /// `∂L/∂t1 = y1_bar · f(t1, y0)` and `∂L/∂t0 = −(y1_bar + Σ_m ys_bar[m]) ·
    /// f(t0, y0)`, exactly: every output is at `t0`, and `y(t1)` and the
    /// outputs move with `t0` by `−f(t0, y0)`, while only `y(t1)` moves with
    /// `t1` (the save times stay fixed).
    ///
    /// # Errors
    ///
    /// As [`Self::backward_with`].
    ///
    /// # Examples
    ///
    /// The loss `L = Σ_m y(t_m)²` has `∂L/∂y0 = Σ_m 2·e^{−2p·t_m}·y0`; its
    /// cotangents are `2·y(t_m)`:
    ///
    /// ```
    /// use odegrad::adjoint::BacksolveAdjoint;
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let (p, y0) = (2.0, 1.5);
    /// let term = OdeTerm::new(&Decay, SVector::from([p]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.25, 0.5, 1.0];
    /// let mut ys = [SVector::zeros(); 3];
    /// let solve = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([y0]), &ts, &mut ys, 1000, &mut [])?;
    /// let ys_bar = [0, 1, 2].map(|m| 2.0 * solve.ys()[m]);
    /// let g = solve.backward(&ys_bar, &SVector::zeros())?;
    /// let exact: f64 = ts.iter().map(|t| 2.0 * (-2.0 * p * t).exp() * y0).sum();
    /// assert!((g.y0[0] - exact).abs() < 1e-8);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward(
        self,
        ys_bar: &[Y],
        y1_bar: &Y,
    ) -> Result<Gradient<T, Y, Tm::Params, BacksolveStats>, Error>
    where
        S: Solver<T, AugmentedState<Y, Tm::Params>, AdjointTerm<'a, Tm>>,
        C: StepSizeController<T, AugmentedState<Y, Tm::Params>>,
    {
        let config = BacksolveConfig {
            solver: self.solver,
            controller: self.controller,
            dt0: self.dt0.map(|dt| -dt),
            max_steps: self.max_steps,
        };
        self.backward_with(&config, ys_bar, y1_bar)
    }

    /// The gradient of a loss `L(y(ts), y(t1))` given `ys_bar[m] = ∂L/∂y(ts[m])`
    /// and `y1_bar = ∂L/∂y(t1)`, with the backward pass configured by
    /// `config`.
    ///
    /// The time gradients are those of the ODE's solution: `∂L/∂t1 =
    /// y1_barᵀ f(t1, y(t1))` and `∂L/∂t0 = −a(t0)ᵀ f(t0, y0)`, with `a(t0)`
    /// including the cotangents of outputs at `t0` itself: with the save
    /// times `ts` fixed, such an output is `y(ts_m; t0, y0)` at `ts_m = t0`,
    /// which moves with `t0` by `−f(t0, y0)` (the one-sided derivative, as
    /// `t0` moves below it).
    ///
    /// # Errors
    ///
    /// [`Error::SaveBufferTooSmall`] if `ys_bar` is shorter than `ts`;
    /// [`Error::AdjointDiverged`] (see the module documentation); any error
    /// of the backward step loop ([`Error::MaxStepsReached`] with
    /// `config.max_steps`, …); a non-finite cotangent is
    /// [`InvalidArgument::NonFiniteY0`] of the backward solve.
    ///
    /// # Examples
    ///
    /// The same gradient with and without the seminorm, and the time gradients of
    /// `L = y(t1)`: `∂L/∂t1 = f(y(t1))` and, the system being autonomous,
    /// `∂L/∂t0 = −f(y(t1))`:
    ///
    /// ```
    /// use odegrad::adjoint::{AdjointRmsSeminorm, BacksolveAdjoint, BacksolveConfig};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let semi = pid.with_norm(AdjointRmsSeminorm);
    /// let y1 = (-2.0f64).exp();
    /// let mut steps = [0; 2];
    /// for (k, seminorm) in [false, true].into_iter().enumerate() {
    ///     let solve = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///         SVector::from([1.0]), &[], &mut [], 1000, &mut [])?;
    ///     let y1_bar = SVector::from([1.0]);
    ///     let g = if seminorm {
    ///         let config = BacksolveConfig { solver: &Tsit5, controller: &semi, dt0: None, max_steps: 1000 };
    ///         solve.backward_with(&config, &[], &y1_bar)?
    ///     } else {
    ///         let config = BacksolveConfig { solver: &Tsit5, controller: &pid, dt0: None, max_steps: 1000 };
    ///         solve.backward_with(&config, &[], &y1_bar)?
    ///     };
    ///     assert!((g.params[0] + y1).abs() < 1e-8);
    ///     assert!((g.t1 + 2.0 * y1).abs() < 1e-8);
    ///     assert!((g.t0 - 2.0 * y1).abs() < 1e-8);
    ///     steps[k] = g.stats.backward.num_steps;
    /// }
    /// // The seminorm leaves a_p out of step-size control: never more steps.
    /// assert!(steps[1] <= steps[0], "{steps:?}");
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward_with<S2, C2>(
        self,
        config: &BacksolveConfig<'_, T, S2, C2>,
        ys_bar: &[Y],
        y1_bar: &Y,
    ) -> Result<Gradient<T, Y, Tm::Params, BacksolveStats>, Error>
    where
        S2: Solver<T, AugmentedState<Y, Tm::Params>, AdjointTerm<'a, Tm>>,
        C2: StepSizeController<T, AugmentedState<Y, Tm::Params>>,
    {
        let ts = self.ts;
        let ys_bar = ys_bar.get(..ts.len()).ok_or(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity: ys_bar.len(),
        })?;
        let (t0, t1) = (self.t0, self.t1);
        let dir = direction(t0, t1);
        let adjoint_term = AdjointTerm::new(self.term);
        let c = T::cast;
        let scale = self.forward_max_abs.max(T::EPSILON);
        let max_y = scale * c(DIVERGENCE_GROWTH);
        let max_mismatch = scale * c(DIVERGENCE_MISMATCH);
        let mut stats = BacksolveStats {
            forward: self.forward_stats,
            ..BacksolveStats::default()
        };

        let f1 = self.term.vf(t1, &self.y1);
        stats.backward.num_rhs_evals += 1;
        let t1_bar = y1_bar.dot(&f1);

        let mut state = (self.y1, *y1_bar, <Tm::Params as State<T>>::zero());
        // Outputs not yet pulled back: ts[..pending]; anchors[..anchors_left].
        let mut pending = ts.len();
        let mut anchors_left = self.anchors.len();
        let mut tc = t1;
        let mut dt = config.dt0;
        loop {
            // Cotangents of the outputs at the current time (t1 included).
            while let Some(m) = pending.checked_sub(1) {
                let (Some(&t), Some(y), Some(bar)) = (ts.get(m), self.ys.get(m), ys_bar.get(m))
                else {
                    break;
                };
                if t != tc || tc == t0 {
                    break;
                }
                Self::reanchor(&mut state.0, y, max_mismatch, tc)?;
                state.1 = state.1.add(bar);
                pending = m;
            }
            if tc == t0 {
                break;
            }
            // The next stop backwards: an output, an anchor, or t0.
            let mut next = t0;
            if let Some(&t) = pending.checked_sub(1).and_then(|m| ts.get(m))
                && (t - next) * dir > T::zero()
            {
                next = t;
            }
            while let Some(anchor) = anchors_left
                .checked_sub(1)
                .and_then(|k| self.anchors.get(k))
            {
                if (anchor.t - tc) * dir >= T::zero() {
                    anchors_left -= 1;
                    continue;
                }
                if (anchor.t - next) * dir > T::zero() {
                    next = anchor.t;
                }
                break;
            }
            // A first step longer than the segment would be clipped anyway;
            // one pointing the wrong way cannot happen (both are backwards).
            let mut it = Integrator::new(
                &adjoint_term,
                config.solver,
                config.controller,
                tc,
                next,
                dt,
                state,
                config
                    .max_steps
                    .saturating_sub(stats.backward.num_steps)
                    .max(1),
            )
            .map_err(|e| match e {
                Error::InvalidArgument(InvalidArgument::NonFiniteY0) => {
                    Error::AdjointDiverged { t: tc.to_f64() }
                }
                other => other,
            })?;
            // A segment's budget is what is left of the whole pass's; report
            // the whole pass's.
            let budget_error = |e: Error| match e {
                Error::MaxStepsReached { t, .. } => Error::MaxStepsReached {
                    t,
                    max_steps: config.max_steps,
                },
                other => other,
            };
            stats.segments += 1;
            let result = Self::run_segment(&mut it, max_y);
            let seg = it.state();
            add_stats(&mut stats.backward, &seg.stats);
            result.map_err(budget_error)?;
            if stats.backward.num_steps > config.max_steps {
                return Err(Error::MaxStepsReached {
                    t: seg.t.to_f64(),
                    max_steps: config.max_steps,
                });
            }
            // Carry the controller's next step size into the next segment.
            let proposed = seg.t_next - seg.t;
            if proposed != T::zero() && proposed.finite() && (proposed * dir) < T::zero() {
                dt = Some(proposed);
            }
            state = seg.y;
            tc = next;
            if let Some(anchor) = anchors_left
                .checked_sub(1)
                .and_then(|k| self.anchors.get(k))
                && anchor.t == tc
            {
                Self::reanchor(&mut state.0, &anchor.y, max_mismatch, tc)?;
                anchors_left -= 1;
            }
        }
        // The backward y ends near y0; the gradient is taken at y0 itself.
        Self::reanchor(&mut state.0, &self.y0, max_mismatch, t0)?;
        // Outputs at t0 itself are y0 and, with `ts` fixed, `Φ(ts_m; t0, y0)`
        // with `ts_m = t0`: they move with t0 by `−Φ_y f(t0, y0) = −f(t0, y0)`,
        // so they join a(t0) before the time gradient is taken.
        for bar in ys_bar.iter().take(pending) {
            state.1 = state.1.add(bar);
        }
        let f0 = self.term.vf(t0, &self.y0);
        stats.backward.num_rhs_evals += 1;
        let t0_bar = -state.1.dot(&f0);
        // Every backward evaluation but the two for the time gradients took
        // one VJP.
        stats.vjp_evals = stats.backward.num_rhs_evals - 2;
        if !(state.1.is_finite() && state.2.is_finite() && t0_bar.finite() && t1_bar.finite()) {
            return Err(Error::AdjointDiverged { t: t0.to_f64() });
        }
        Ok(Gradient {
            y0: state.1,
            params: state.2,
            t0: t0_bar,
            t1: t1_bar,
            stats,
        })
    }

    /// Replaces the backward `y` by the forward value at `t`, failing if the
    /// two have drifted apart.
    fn reanchor(y: &mut Y, forward: &Y, max_mismatch: T, t: T) -> Result<(), Error> {
        if !(y.sub(forward).max_abs() <= max_mismatch) {
            return Err(Error::AdjointDiverged { t: t.to_f64() });
        }
        *y = *forward;
        Ok(())
    }

    /// Runs one backward segment to its end, checking every accepted state.
    fn run_segment<S2, C2>(
        it: &mut Integrator<'_, T, AugmentedState<Y, Tm::Params>, AdjointTerm<'a, Tm>, S2, C2>,
        max_y: T,
    ) -> Result<(), Error>
    where
        S2: Solver<T, AugmentedState<Y, Tm::Params>, AdjointTerm<'a, Tm>>,
        C2: StepSizeController<T, AugmentedState<Y, Tm::Params>>,
    {
        while !it.is_done() {
            if let Advance::Accepted(step) = it.advance().map_err(as_divergence)? {
                let (y, a, ap) = &step.y1;
                if !(a.is_finite() && ap.is_finite() && y.max_abs() <= max_y) {
                    return Err(Error::AdjointDiverged {
                        t: step.t1.to_f64(),
                    });
                }
            }
        }
        Ok(())
    }
}
