//! `BacksolveAdjoint` re-anchored everywhere: the continuous adjoint with `y`
//! read from the forward solve's dense output instead of integrated
//! backwards, so the backward pass can be solved by an implicit method.
//!
//! [`super::backsolve`] integrates `(y, a, a_p)` as one tuple state, which
//! only explicit solvers accept: the implicit ones need a Jacobian over an
//! `SVector`, and stable Rust cannot name `SVector<T, {2N + P}>`. Integrating
//! `y` backwards is in any case what fails on stiff problems. Here the
//! forward solve keeps every accepted step with its continuous extension in
//! a caller-owned buffer ([`DenseRecord`]), `y(t)` is evaluated from it
//! wherever the backward pass needs it — the limit of re-anchoring at every
//! point — and the backward system shrinks to the linear equation
//! `a' = −(∂f/∂y)ᵀ a` over `SVector<T, N>` ([`DenseAdjointTerm`]), whose
//! Jacobian `−(∂f/∂y)ᵀ` is the forward term's, transposed. Any solver runs
//! it, Kvaerno5 included. The parameter cotangent does not feed back into
//! anything, so it needs no solver: `a_p = ∫ aᵀ ∂f/∂p dt` is accumulated by
//! 4-point Gauss–Legendre quadrature over each accepted backward step, split
//! at the forward step boundaries so that every piece sees one polynomial
//! `y`, with `a` from the backward step's own continuous extension. This is
//! SciMLSensitivity's `InterpolatingAdjoint(checkpointing = false)` with the
//! dense output stored; memory grows with the number of forward steps.
//!
//! Save times split the backward pass into segments as in
//! [`super::backsolve`] (cotangent added to `a`, solver state recomputed,
//! step size carried over). A non-finite `a` or `a_p` is
//! [`Error::AdjointDiverged`]. `a_p` is never part of the backward state, so
//! the step-size control already sees `a` alone: the adjoint seminorm is
//! built in.
//!
//! `∂(−Jᵀa)/∂t`, which Rosenbrock methods use, would need second derivatives
//! of `f`; [`DenseAdjointTerm`] approximates it by a central difference in
//! `t` (through the dense output), which is accurate where `y` is smooth
//! and costs two evaluations. The ESDIRK methods do not use it.
//!
//! # Examples
//!
//! On a non-stiff problem the interpolated backward pass and the plain
//! continuous adjoint compute the same gradient to the tolerances:
//!
//! ```
//! use odegrad::adjoint::{BacksolveAdjoint, DenseBacksolveAdjoint};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
//! let pid = PidController::new(1e-9, 1e-9)?;
//! let (y0, y1_bar) = (SVector::from([1.0, 1.0]), SVector::from([1.0, -1.0]));
//! let mut records = [None; 256];
//! let dense = DenseBacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0, &[],
//!     &mut [], 1000, &mut records)?
//!     .backward(&[], &y1_bar)?;
//! let plain = BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0, &[], &mut [],
//!     1000, &mut [])?
//!     .backward(&[], &y1_bar)?;
//! assert!((dense.params - plain.params).norm() < 1e-6 * plain.params.norm());
//! assert!((dense.y0 - plain.y0).norm() < 1e-6 * plain.y0.norm());
//! # Ok::<(), odegrad::Error>(())
//! ```

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::backsolve::{
    BacksolveConfig, BacksolveStats, add_stats, as_divergence, direction, validate_ts,
};
use super::recursive_checkpoint::Gradient;
use crate::controller::StepSizeController;
use crate::integrate::{Advance, Integrator, Stats};
use crate::{Error, InvalidArgument, JacobianTerm, Scalar, Solver, State, Term, VjpTerm};
use core::cell::Cell;
use nalgebra::{SMatrix, SVector};

/// One accepted forward step with its continuous extension.
///
/// # Examples
///
/// The records a forward solve leaves: one per accepted step, end to end:
///
/// ```
/// use odegrad::adjoint::DenseBacksolveAdjoint;
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let mut records = [None; 16];
/// let solve = DenseBacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
///     Some(0.1), SVector::from([1.0]), &[], &mut [], 100, &mut records)?;
/// drop(solve); // releases the buffer
/// assert_eq!(records.iter().filter(|r| r.is_some()).count(), 10);
/// for pair in records[..10].windows(2) {
///     let (a, b) = (pair[0].expect("stored"), pair[1].expect("stored"));
///     assert!((a.t1 - b.t0).abs() < 1e-15 && (a.y1 - b.y0).norm() < 1e-15);
/// }
/// let last = records[9].expect("stored");
/// assert!((last.t1 - 1.0).abs() < 1e-15);
/// assert!((last.y1[0] - (-2.0f64).exp()).abs() < 1e-7);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DenseRecord<T, Y, D> {
    /// Start of the step.
    pub t0: T,
    /// End of the step.
    pub t1: T,
    /// State at `t0`.
    pub y0: Y,
    /// State at `t1`.
    pub y1: Y,
    /// The solver's dense information for the step.
    pub dense: D,
}

/// A buffer entry of [`DenseBacksolveAdjoint`]: fill the buffer with `None`.
pub type DenseSlot<T, Y, D> = Option<DenseRecord<T, Y, D>>;

/// The forward solution on `[t0, t1]` as a piecewise polynomial: the stored
/// steps and the solver whose continuous extension they carry.
struct DenseSolution<'a, T, const N: usize, Tm, S>
where
    T: Scalar,
    Tm: Term<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
{
    solver: &'a S,
    records: &'a [DenseSlot<T, SVector<T, N>, S::DenseInfo>],
    /// `+1` for a forward solve forward in time.
    dir: T,
}

impl<T, const N: usize, Tm, S> DenseSolution<'_, T, N, Tm, S>
where
    T: Scalar,
    Tm: Term<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
{
    /// The index of the step that contains `t` (the later one at a boundary;
    /// the first or last one outside the span).
    fn locate(&self, t: T) -> usize {
        let s = t * self.dir;
        let k = self
            .records
            .partition_point(|r| r.as_ref().is_some_and(|r| r.t1 * self.dir <= s));
        k.min(self.records.len().saturating_sub(1))
    }

    fn record(&self, k: usize) -> Option<&DenseRecord<T, SVector<T, N>, S::DenseInfo>> {
        self.records.get(k).and_then(Option::as_ref)
    }

    /// `y(t)` (a zero vector if nothing is stored, which a validated solve
    /// never produces).
    fn y(&self, t: T) -> SVector<T, N> {
        match self.record(self.locate(t)) {
            Some(r) => self
                .solver
                .interpolate(r.t0, r.t1, &r.y0, &r.y1, &r.dense, t),
            None => SVector::zeros(),
        }
    }
}

/// The adjoint equation `a' = −(∂f/∂y)ᵀ a` along a stored forward solution:
/// a linear term over `SVector<T, N>` with Jacobian `−(∂f/∂y)ᵀ`, so the
/// implicit solvers accept it. Counts its vector–Jacobian products.
///
/// # Examples
///
/// It is built inside the backward pass; code generic over the backward solver
/// names it in a bound. Here the same gradient by an explicit and an implicit
/// backward solver:
///
/// ```
/// use odegrad::adjoint::{BacksolveConfig, DenseAdjointTerm, DenseBacksolveAdjoint};
/// use odegrad::{nalgebra::SVector, ode_system, Error, Kvaerno5, OdeTerm, PidController, Solver,
///     Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type Decay1 = OdeTerm<'static, Decay, f64, 1, 1>;
///
/// /// ∂y(1)/∂p with the backward pass solved by `solver`.
/// fn d_dp<S2>(solver: &S2) -> Result<f64, Error>
/// where
///     S2: for<'t> Solver<f64, SVector<f64, 1>, DenseAdjointTerm<'t, f64, 1, Decay1, Tsit5>>,
/// {
///     let term = OdeTerm::new(&Decay, SVector::from([2.0]));
///     let pid = PidController::new(1e-10, 1e-10)?;
///     let mut records = [None; 64];
///     let solve = DenseBacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
///         SVector::from([1.0]), &[], &mut [], 1000, &mut records)?;
///     let config = BacksolveConfig { solver, controller: &pid, dt0: None, max_steps: 1000 };
///     Ok(solve.backward_with(&config, &[], &SVector::from([1.0]))?.params[0])
/// }
/// let exact = -(-2.0f64).exp();
/// assert!((d_dp(&Tsit5)? - exact).abs() < 1e-8);
/// assert!((d_dp(&Kvaerno5::new(1e-12, 1e-12)?)? - exact).abs() < 1e-8);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct DenseAdjointTerm<'a, T, const N: usize, Tm, S>
where
    T: Scalar,
    Tm: Term<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
{
    term: &'a Tm,
    forward: DenseSolution<'a, T, N, Tm, S>,
    vjp_evals: Cell<usize>,
}

impl<T, const N: usize, Tm, S> Term<T, SVector<T, N>> for DenseAdjointTerm<'_, T, N, Tm, S>
where
    T: Scalar,
    Tm: VjpTerm<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
{
    #[inline(always)]
    fn vf(&self, t: T, a: &SVector<T, N>) -> SVector<T, N> {
        self.vjp_evals.set(self.vjp_evals.get() + 1);
        let y = self.forward.y(t);
        -self.term.vjp(t, &y, a).0
    }
    fn params_are_finite(&self) -> bool {
        self.term.params_are_finite()
    }
}

impl<T, const N: usize, Tm, S> JacobianTerm<T, N> for DenseAdjointTerm<'_, T, N, Tm, S>
where
    T: Scalar,
    Tm: VjpTerm<T, SVector<T, N>> + JacobianTerm<T, N>,
    S: Solver<T, SVector<T, N>, Tm>,
{
    fn jac(&self, t: T, _a: &SVector<T, N>) -> SMatrix<T, N, N> {
        -self.term.jac(t, &self.forward.y(t)).transpose()
    }
    fn dfdt(&self, t: T, a: &SVector<T, N>) -> SVector<T, N> {
        let dt = T::EPSILON.cbrt() * t.abs().max(T::one());
        let two = T::cast(2.0);
        (self.vf(t + dt, a) - self.vf(t - dt, a)) / (two * dt)
    }
}

/// 4-point Gauss–Legendre nodes on [−1, 1] and their weights (exact for
/// polynomials of degree 7).
const GAUSS_4: [(f64, f64); 4] = [
    (-0.861_136_311_594_052_6, 0.347_854_845_137_453_8),
    (-0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.339_981_043_584_856_3, 0.652_145_154_862_546_1),
    (0.861_136_311_594_052_6, 0.347_854_845_137_453_8),
];

/// A forward solve that kept its dense output for a continuous-adjoint
/// gradient with `y` interpolated (see the module documentation): build it
/// with [`Self::forward`], read the outputs, call [`Self::backward`] or
/// [`Self::backward_with`].
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::DenseBacksolveAdjoint;
/// use odegrad::{nalgebra::SVector, ode_system, Kvaerno5, OdeTerm, PidController};
///
/// // y' = −p y, stiff for p = 20: y(1/2) = e^{−p/2} y0.
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type V1 = SVector<f64, 1>;
/// let term = OdeTerm::new(&Decay, V1::from([20.0]));
/// let pid = PidController::new(1e-8, 1e-12)?;
/// let solver = Kvaerno5::new(1e-8, 1e-12)?;
/// let mut records = [None; 256];
/// let adjoint = DenseBacksolveAdjoint::forward(&term, &solver, &pid, 0.0, 0.5,
///     Some(1e-4), V1::from([1.0]), &[], &mut [], 1000, &mut records)?;
/// let y1 = adjoint.y1()[0];
/// let g = adjoint.backward(&[], &V1::from([1.0]))?;
/// assert!((g.y0[0] - y1).abs() < 1e-5 * y1);             // e^{−p/2}
/// assert!((g.params[0] + 0.5 * y1).abs() < 1e-5 * y1);   // −e^{−p/2} / 2
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct DenseBacksolveAdjoint<'a, T, const N: usize, Tm, S, C>
where
    T: Scalar,
    Tm: Term<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
{
    term: &'a Tm,
    solver: &'a S,
    controller: &'a C,
    t0: T,
    t1: T,
    dt0: Option<T>,
    max_steps: usize,
    y0: SVector<T, N>,
    y1: SVector<T, N>,
    ts: &'a [T],
    ys: &'a [SVector<T, N>],
    records: &'a [DenseSlot<T, SVector<T, N>, S::DenseInfo>],
    forward_stats: Stats,
}

impl<'a, T, const N: usize, Tm, S, C> DenseBacksolveAdjoint<'a, T, N, Tm, S, C>
where
    T: Scalar,
    Tm: VjpTerm<T, SVector<T, N>> + JacobianTerm<T, N>,
    S: Solver<T, SVector<T, N>, Tm>,
    C: StepSizeController<T, SVector<T, N>>,
{
    /// Solves from `(t0, y0)` to `t1`, writing `y(ts[m])` into `ys[m]` and
    /// every accepted step into `records`.
    ///
    /// `t0 == t1` is an empty interval, as in [`crate::diffeqsolve`]: no
    /// step is taken, the state and every output (all `ts` must equal `t0`)
    /// are `y0` and no record is written.
    ///
    /// # Errors
    ///
    /// Everything [`crate::diffeqsolve`] reports; [`Error::SaveBufferTooSmall`]
    /// if `ys` is shorter than `ts`; [`Error::CheckpointBufferTooSmall`] if
    /// `records` cannot hold every accepted step (reported after the solve,
    /// with the number needed).
    ///
    /// # Examples
    ///
    /// Every accepted step needs a record; a buffer too small is reported with
    /// the number needed:
    ///
    /// ```
    /// use odegrad::adjoint::DenseBacksolveAdjoint;
    /// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Error, OdeTerm, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let (ts, mut ys) = ([0.5], [SVector::zeros()]);
    /// let mut records = [None; 10];
    /// let solve = DenseBacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.1), SVector::from([1.0]), &ts, &mut ys, 100, &mut records)?;
    /// assert!((solve.ys()[0][0] - (-1.0f64).exp()).abs() < 1e-7);
    /// let mut too_few = [None; 4];
    /// let result = DenseBacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.1), SVector::from([1.0]), &[], &mut [], 100, &mut too_few);
    /// assert!(matches!(result, Err(Error::CheckpointBufferTooSmall { needed: 10, capacity: 4 })));
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
        y0: SVector<T, N>,
        ts: &'a [T],
        ys: &'a mut [SVector<T, N>],
        max_steps: usize,
        records: &'a mut [DenseSlot<T, SVector<T, N>, S::DenseInfo>],
    ) -> Result<Self, Error> {
        let mut it = Integrator::new(term, solver, controller, t0, t1, dt0, y0, max_steps)?;
        validate_ts(ts, t0, t1)?;
        let capacity = ys.len();
        let ys = ys.get_mut(..ts.len()).ok_or(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity,
        })?;
        let dir = direction(t0, t1);
        let mut n = 0usize;
        let mut outputs = ts.iter().zip(ys.iter_mut()).peekable();
        while let Some((_, y)) = outputs.next_if(|&(&t, _)| !((t - t0) * dir > T::zero())) {
            *y = y0;
        }
        while !it.is_done() {
            let step = match it.advance()? {
                Advance::Accepted(step) => step,
                Advance::Rejected { .. } | Advance::Finished => continue,
            };
            while let Some((&t, y)) = outputs.next_if(|&(&t, _)| !((t - step.t1) * dir > T::zero()))
            {
                *y = solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
            }
            if let Some(slot) = records.get_mut(n) {
                *slot = Some(DenseRecord {
                    t0: step.t0,
                    t1: step.t1,
                    y0: step.y0,
                    y1: step.y1,
                    dense: step.dense,
                });
            }
            n += 1;
        }
        if n > records.len() {
            return Err(Error::CheckpointBufferTooSmall {
                needed: n,
                capacity: records.len(),
            });
        }
        let state = it.state();
        let (y1, forward_stats) = (state.y, state.stats);
        let records: &'a [DenseSlot<T, SVector<T, N>, S::DenseInfo>] = records;
        let ys: &'a [SVector<T, N>] = ys;
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
            records: records.get(..n).unwrap_or(&[]),
            forward_stats,
        })
    }

    /// The state at `t1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::DenseBacksolveAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, Kvaerno5, OdeTerm, PidController};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]), stiff for p = 50: y(1/2) = e^{−25}·y0.
    /// let term = OdeTerm::new(&Decay, SVector::from([50.0]));
    /// let pid = PidController::new(1e-8, 1e-14)?;
    /// let mut records = [None; 256];
    /// let solver = Kvaerno5::new(1e-10, 1e-14)?;
    /// let solve = DenseBacksolveAdjoint::forward(&term, &solver, &pid, 0.0, 0.5, None,
    ///     SVector::from([1.0]), &[], &mut [], 1000, &mut records)?;
    /// let exact = (-25.0f64).exp();
    /// assert!((solve.y1()[0] - exact).abs() < 1e-4 * exact);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn y1(&self) -> &SVector<T, N> {
        &self.y1
    }

    /// The outputs `y(ts[m])`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::DenseBacksolveAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) saved at three times.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let (ts, mut ys) = ([0.1, 0.4, 0.7], [SVector::zeros(); 3]);
    /// let mut records = [None; 64];
    /// let solve = DenseBacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut ys, 1000, &mut records)?;
    /// for (t, y) in ts.iter().zip(solve.ys()) {
    ///     assert!((y[0] - (-2.0 * t).exp()).abs() < 1e-9);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn ys(&self) -> &[SVector<T, N>] {
        self.ys
    }

    /// The forward solve's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::DenseBacksolveAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) over [0, 1] in steps of 0.05.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let mut records = [None; 32];
    /// let solve = DenseBacksolveAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([1.0]), &[], &mut [], 100, &mut records)?;
    /// assert_eq!(solve.stats().num_accepted_steps, 20);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.forward_stats
    }

    /// The gradient with the backward pass solved by the forward solver and
    /// controller, `dt0` reversed and the forward step budget.
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
    /// A stiff chain `u' = −p0·u`, `v' = p0·u − p1·v` with `p1 = 1000`, solved
    /// both ways by Kvaerno5. From `(u, v) = (1, 0)`, `u(t) = e^{−p0·t}` and
    /// `v(t) = p0·(e^{−p0·t} − e^{−p1·t})/(p1 − p0)`, which gives the gradient of
    /// `L = u(1) + v(1)` in closed form:
    ///
    /// ```
    /// use odegrad::adjoint::DenseBacksolveAdjoint;
    /// use odegrad::{nalgebra::SVector, ode_system, Kvaerno5, OdeTerm, PidController};
    ///
    /// #[ode_system]
    /// fn chain(_t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [-p[0] * y[0], p[0] * y[0] - p[1] * y[1]]
    /// }
    /// let (p0, p1) = (1.0, 1000.0);
    /// let term = OdeTerm::new(&Chain, SVector::from([p0, p1]));
    /// let pid = PidController::new(1e-6, 1e-8)?;
    /// let solver = Kvaerno5::new(1e-10, 1e-12)?;
    /// let mut records = [None; 256];
    /// let g = DenseBacksolveAdjoint::forward(&term, &solver, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0, 0.0]), &[], &mut [], 1000, &mut records)?
    ///     .backward(&[], &SVector::from([1.0, 1.0]))?;
    /// let (e0, e1, d) = ((-p0).exp(), (-p1).exp(), p1 - p0);
    /// let dl_dp0 = -e0 + p1 / (d * d) * (e0 - e1) - p0 / d * e0;
    /// let dl_dp1 = -p0 / (d * d) * (e0 - e1) + p0 / d * e1;
    /// assert!((g.params[0] - dl_dp0).abs() < 1e-4 * dl_dp0.abs());
    /// assert!((g.params[1] - dl_dp1).abs() < 1e-4 * dl_dp1.abs());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward(
        self,
        ys_bar: &[SVector<T, N>],
        y1_bar: &SVector<T, N>,
    ) -> Result<Gradient<T, SVector<T, N>, Tm::Params, BacksolveStats>, Error>
    where
        S: for<'t> Solver<T, SVector<T, N>, DenseAdjointTerm<'t, T, N, Tm, S>>,
        C: StepSizeController<T, SVector<T, N>>,
    {
        let config = BacksolveConfig {
            solver: self.solver,
            controller: self.controller,
            dt0: self.dt0.map(|dt| -dt),
            max_steps: self.max_steps,
        };
        self.backward_with(&config, ys_bar, y1_bar)
    }

    /// The gradient of a loss `L(y(ts), y(t1))` given `ys_bar[m] =
    /// ∂L/∂y(ts[m])` and `y1_bar = ∂L/∂y(t1)`, with the backward pass
    /// configured by `config`. Time gradients as in
    /// [`super::BacksolveAdjoint::backward_with`], outputs at `t0` included.
    ///
    /// # Errors
    ///
    /// [`Error::SaveBufferTooSmall`] if `ys_bar` is shorter than `ts`;
    /// [`Error::AdjointDiverged`] for a non-finite cotangent; any error of
    /// the backward step loop.
    ///
    /// # Examples
    ///
    /// A backward pass with its own solver: Kvaerno3 instead of the forward
    /// Kvaerno5, against `∂y(1/2)/∂p = −e^{−p/2}/2`:
    ///
    /// ```
    /// use odegrad::adjoint::{BacksolveConfig, DenseBacksolveAdjoint};
    /// use odegrad::{nalgebra::SVector, ode_system, Kvaerno3, Kvaerno5, OdeTerm, PidController};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([20.0]));
    /// let pid = PidController::new(1e-7, 1e-10)?;
    /// let mut records = [None; 256];
    /// let kvaerno5 = Kvaerno5::new(1e-10, 1e-12)?;
    /// let solve = DenseBacksolveAdjoint::forward(&term, &kvaerno5, &pid, 0.0, 0.5, None,
    ///     SVector::from([1.0]), &[], &mut [], 1000, &mut records)?;
    /// let (kvaerno3, pid3) = (Kvaerno3::new(1e-10, 1e-12)?, PidController::new(1e-5, 1e-8)?);
    /// let config = BacksolveConfig { solver: &kvaerno3, controller: &pid3, dt0: None, max_steps: 1000 };
    /// let g = solve.backward_with(&config, &[], &SVector::from([1.0]))?;
    /// let exact = -(-10.0f64).exp() / 2.0;
    /// assert!((g.params[0] - exact).abs() < 1e-3 * exact.abs());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward_with<S2, C2>(
        self,
        config: &BacksolveConfig<'_, T, S2, C2>,
        ys_bar: &[SVector<T, N>],
        y1_bar: &SVector<T, N>,
    ) -> Result<Gradient<T, SVector<T, N>, Tm::Params, BacksolveStats>, Error>
    where
        S2: for<'t> Solver<T, SVector<T, N>, DenseAdjointTerm<'t, T, N, Tm, S>>,
        C2: StepSizeController<T, SVector<T, N>>,
    {
        let ts = self.ts;
        let ys_bar = ys_bar.get(..ts.len()).ok_or(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity: ys_bar.len(),
        })?;
        let (t0, t1) = (self.t0, self.t1);
        let dir = direction(t0, t1);
        let adjoint_term = DenseAdjointTerm {
            term: self.term,
            forward: DenseSolution {
                solver: self.solver,
                records: self.records,
                dir,
            },
            vjp_evals: Cell::new(0),
        };
        let mut stats = BacksolveStats {
            forward: self.forward_stats,
            ..BacksolveStats::default()
        };
        let t1_bar = y1_bar.dot(&self.term.vf(t1, &self.y1));
        let mut a = *y1_bar;
        let mut a_p = <Tm::Params as State<T>>::zero();
        let mut pending = ts.len();
        let mut tc = t1;
        let mut dt = config.dt0;
        loop {
            while let Some(m) = pending.checked_sub(1) {
                let (Some(&t), Some(bar)) = (ts.get(m), ys_bar.get(m)) else {
                    break;
                };
                if t != tc || tc == t0 {
                    break;
                }
                a += bar;
                pending = m;
            }
            if tc == t0 {
                break;
            }
            let mut next = t0;
            if let Some(&t) = pending.checked_sub(1).and_then(|m| ts.get(m))
                && (t - next) * dir > T::zero()
            {
                next = t;
            }
            let budget = config
                .max_steps
                .saturating_sub(stats.backward.num_steps)
                .max(1);
            let mut it = Integrator::new(
                &adjoint_term,
                config.solver,
                config.controller,
                tc,
                next,
                dt,
                a,
                budget,
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
            let result = loop {
                if it.is_done() {
                    break Ok(());
                }
                match it.advance().map_err(as_divergence) {
                    Err(e) => break Err(e),
                    Ok(Advance::Accepted(step)) => {
                        if !step.y1.is_finite() {
                            break Err(Error::AdjointDiverged {
                                t: step.t1.to_f64(),
                            });
                        }
                        a_p = a_p.add(&self.parameter_integral(
                            &adjoint_term,
                            config.solver,
                            &step,
                            &mut stats.vjp_evals,
                        ));
                    }
                    Ok(_) => {}
                }
            };
            let seg = it.state();
            add_stats(&mut stats.backward, &seg.stats);
            result.map_err(budget_error)?;
            if stats.backward.num_steps > config.max_steps {
                return Err(Error::MaxStepsReached {
                    t: seg.t.to_f64(),
                    max_steps: config.max_steps,
                });
            }
            let proposed = seg.t_next - seg.t;
            if proposed != T::zero() && proposed.finite() && (proposed * dir) < T::zero() {
                dt = Some(proposed);
            }
            a = seg.y;
            tc = next;
        }
        // Outputs at t0 itself are y0 and move with t0 by −f(t0, y0) (the
        // save times stay fixed), so they join a(t0) before the time gradient.
        for bar in ys_bar.iter().take(pending) {
            a += bar;
        }
        let t0_bar = -a.dot(&self.term.vf(t0, &self.y0));
        stats.backward.num_rhs_evals += 2;
        stats.vjp_evals += adjoint_term.vjp_evals.get();
        if !(a.is_finite() && a_p.is_finite() && t0_bar.finite() && t1_bar.finite()) {
            return Err(Error::AdjointDiverged { t: t0.to_f64() });
        }
        Ok(Gradient {
            y0: a,
            params: a_p,
            t0: t0_bar,
            t1: t1_bar,
            stats,
        })
    }

    /// `∫ aᵀ ∂f/∂p dt` over one accepted backward step (oriented so that it
    /// adds to `a_p`), by Gauss–Legendre on each piece between forward step
    /// boundaries.
    fn parameter_integral<S2>(
        &self,
        adjoint_term: &DenseAdjointTerm<'_, T, N, Tm, S>,
        solver: &S2,
        step: &crate::integrate::AcceptedStepOf<
            T,
            SVector<T, N>,
            DenseAdjointTerm<'_, T, N, Tm, S>,
            S2,
        >,
        vjp_evals: &mut usize,
    ) -> Tm::Params
    where
        S2: for<'t> Solver<T, SVector<T, N>, DenseAdjointTerm<'t, T, N, Tm, S>>,
    {
        let forward = &adjoint_term.forward;
        let dir = forward.dir;
        let half = T::cast(0.5);
        // In the forward direction's coordinate s = dir · t the pieces run
        // from the step's end (earlier in the forward solve) to its start.
        let (s_lo, s_hi) = (step.t1 * dir, step.t0 * dir);
        let mut total = <Tm::Params as State<T>>::zero();
        let mut s = s_lo;
        let mut k = forward.locate(step.t1);
        while s < s_hi {
            let piece_end = match forward.record(k) {
                Some(r) if r.t1 * dir > s => (r.t1 * dir).min(s_hi),
                _ => s_hi,
            };
            let (mid, rad) = ((s + piece_end) * half, (piece_end - s) * half);
            for (x, w) in GAUSS_4 {
                let t = (mid + rad * T::cast(x)) * dir;
                let a = solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
                let y = match forward.record(k) {
                    Some(r) => forward
                        .solver
                        .interpolate(r.t0, r.t1, &r.y0, &r.y1, &r.dense, t),
                    None => forward.y(t),
                };
                let (_, gp, _) = self.term.vjp(t, &y, &a);
                *vjp_evals += 1;
                // dt = dir · ds.
                total = total.axpy(rad * T::cast(w) * dir, &gp);
            }
            s = piece_end;
            k += 1;
        }
        total
    }
}
