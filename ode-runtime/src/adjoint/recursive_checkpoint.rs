//! `RecursiveCheckpointAdjoint`: the exact gradient of the computed solution
//! ("discretise then optimise"), with memory bounded by a checkpoint buffer
//! the caller owns.
//!
//! The forward solve runs the ordinary step loop ([`Integrator`]) and offers
//! the loop state before every accepted step to the online checkpointing
//! schedule of [`super::checkpoint`]; the outputs at the requested times `ts`
//! are written as [`crate::diffeqsolve`] writes them. The backward pass then
//! reverses the accepted steps, last first. For each it replays the accepted
//! attempt with one solver step from its loop state to the start of the step
//! reversed before it — bit for bit, since a rejected attempt changes neither
//! the state nor the solver state, and without the controller — to recover
//! the stage derivatives; recomputation between checkpoints runs the whole
//! loop, controller and rejections included. The reverse step adds the
//! cotangents of the outputs the step produced (through the continuous
//! extension for a time inside the step) and pulls them back through the
//! stages with the solver's [`SolverVjp`]: one vector–Jacobian product of the
//! term per stage for an explicit method ([`super::explicit_rk`]), a
//! transposed solve with the exact Jacobian at each converged stage before
//! it for an ESDIRK method ([`super::esdirk`]), and a transposed solve plus a
//! second-order product per stage for a Rosenbrock method
//! ([`super::rosenbrock`]). Steps the schedule only recomputes take no
//! products.
//!
//! What is differentiated, as in Diffrax: the arithmetic of every step,
//! including the continuous extension that produces outputs inside a step.
//! What is not: the step-size controller's decisions (accept or reject, the
//! step-size factor, the automatic initial step). So every interior step
//! boundary moves with `t0` — a shift of the whole step grid — and a boundary
//! placed exactly at `t1` moves with `t1`; the save times `ts` stay fixed.
//! With a constant step size this is the exact derivative of the discrete
//! solve; with an adaptive one it is the derivative at a frozen step sequence.
//! Two edge cases are one-sided: an output at exactly `t0` is `y0`, and
//! with its save time fixed it moves with `t0` by `−f(t0, y0)` (the limit of
//! an output just after `t0`, as `t0` moves below it); an output at exactly
//! a step end (`t1` included) is differentiated through the continuous
//! extension at `θ = 1`, which is the derivative as that step grows past it.
//!
//! The gradient of the computed solution is not always close to the gradient
//! of the ODE's solution. On a stiff problem an explicit method settles at
//! its stability limit: the step size keeps the fast modes of the solution
//! from growing, which is enough for the forward solve because those modes
//! are hardly present. The cotangent, though, contains them, and the
//! transposed step amplifies them. On the heat equation P6 with Tsit5 the
//! exact discrete `∂L/∂y0` is about 1e5 where the ODE's is 0.075 (the
//! parameter gradient, which only sees the smooth modes, is right to 3e-7).
//! That is the true derivative of what was computed — finite differences of
//! the same steps agree — and useless as a derivative of the model: use an
//! implicit solver for stiff problems.
//!
//! Implicit solvers keep their Jacobian, LU factors and Newton monitor in the
//! solver state, which is part of the checkpointed loop state, so their
//! replays are bit-identical too. An implicit step is differentiated as if its
//! stages were solved exactly (the implicit function theorem at the
//! converged stages; Newton's iterations are not differentiated), so its
//! gradient is exact up to the Newton tolerance. On P6 an implicit solver's
//! discrete gradient is the ODE's: L-stable steps damp the fast modes in the
//! transposed step as in the step.
//!
//! Memory: the caller's slots, `C` [`Checkpoint`]s — the loop state
//! ([`LoopStateOf`]: `t`, `y`, the next step end, the FSAL derivative, the
//! controller state and counters) and the previous step's end — not the
//! stages, not the outputs. See
//! [`super::binomial::default_checkpoint_count`] for the default `C`.
//!
//! # Examples
//!
//! The number of slots changes the cost, never the result: with two slots
//! for forty steps the gradient is bit for bit the one with a slot per step,
//! paid for with recomputed steps.
//!
//! ```
//! use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
//! use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
//! // The gradient of x(2) for Lotka–Volterra, forty steps of 0.05.
//! let gradient = |slots: &mut [_]| {
//!     RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 2.0,
//!         Some(0.05), SVector::from([1.0, 1.0]), &[], &mut [], 100, slots)?
//!         .backward(&[], &SVector::from([1.0, 0.0]))
//! };
//! let many = gradient(&mut [Slot::EMPTY; 40])?;
//! let two = gradient(&mut [Slot::EMPTY; 2])?;
//! assert_eq!(many.params, two.params);
//! assert_eq!(many.stats.checkpoints.recomputed_steps, 0);
//! assert!(two.stats.checkpoints.recomputed_steps > 40);
//! # Ok::<(), odegrad::Error>(())
//! ```

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::checkpoint::{CheckpointStats, OnlineCheckpointer, Slot};
use super::solver_vjp::{OutputCotangents, SolverVjp, StepVjpWork};
use crate::controller::StepSizeController;
use crate::event::{DifferentiableEvent, EventLocator, NoEvent};
use crate::integrate::{AcceptedStepOf, Advance, Integrator, LoopStateOf, Stats};
use crate::{Error, InvalidArgument, Scalar, Solver, State, Term, VjpTerm};

/// A checkpoint slot of [`RecursiveCheckpointAdjoint`]: one loop state of the
/// solve. Build the buffer with `[Slot::EMPTY; C]`; the payload type is
/// inferred from the solve.
pub type CheckpointSlot<T, Y, Tm, S, C> = Slot<CheckpointOf<T, Y, Tm, S, C>>;

/// The [`Checkpoint`] of a solve with this term, solver and controller.
pub type CheckpointOf<T, Y, Tm, S, C> = Checkpoint<T, LoopStateOf<T, Y, Tm, S, C>>;

/// What [`RecursiveCheckpointAdjoint`] keeps of the solve before a step: the
/// loop state, and where the step before it ended (one ulp short of the loop
/// state's time when that step stopped at a discontinuity).
///
/// # Examples
///
/// With as many slots as steps every checkpoint is kept, slot `k` holding the
/// loop state before step `k`:
///
/// ```
/// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Euler, OdeTerm};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// // Four Euler steps of 0.25 for y' = −2y: y_k = (1 − 2·0.25)^k.
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let mut slots = [Slot::EMPTY; 4];
/// let solve = RecursiveCheckpointAdjoint::forward(&term, &Euler, &ConstantStepSize,
///     0.0, 1.0, Some(0.25), SVector::from([1.0]), &[], &mut [], 100, &mut slots)?;
/// drop(solve); // releases the buffer
/// for (k, slot) in slots.iter().enumerate() {
///     let checkpoint = slot.state().expect("every state is kept");
///     assert!((checkpoint.loop_state.t - 0.25 * k as f64).abs() < 1e-15);
///     assert!((checkpoint.loop_state.y[0] - 0.5f64.powi(k as i32)).abs() < 1e-15);
///     assert!((checkpoint.previous_step_end - checkpoint.loop_state.t).abs() < 1e-15);
/// }
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint<T, L> {
    /// The loop state the step starts from.
    pub loop_state: L,
    /// The end of the previous accepted step (`t0` before the first).
    pub previous_step_end: T,
}

/// The gradient of a scalar loss of a solve's outputs. `St` is the adjoint's
/// work counters ([`AdjointStats`] here, `BacksolveStats` for the continuous
/// adjoint).
///
/// # Examples
///
/// For `y' = −p·y`, `y(t1) = e^{−p(t1 − t0)}·y0`; with a constant step size
/// every field of the gradient of `L = y(t1)` matches the closed form to the
/// method's accuracy:
///
/// ```
/// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let (p, y0) = (2.0, 3.0);
/// let term = OdeTerm::new(&Decay, SVector::from([p]));
/// let mut slots = [Slot::EMPTY; 8];
/// let g = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
///     Some(0.05), SVector::from([y0]), &[], &mut [], 100, &mut slots)?
///     .backward(&[], &SVector::from([1.0]))?;
/// let y1 = (-p).exp() * y0;
/// assert!((g.y0[0] - (-p).exp()).abs() < 1e-9);  // ∂y(1)/∂y0 = e^{−p}
/// assert!((g.params[0] + y1).abs() < 1e-8);      // ∂y(1)/∂p = −(t1 − t0)·y(1)
/// assert!((g.t1 + p * y1).abs() < 1e-6);         // ∂y(1)/∂t1 = f(y(1))
/// assert!((g.t0 - p * y1).abs() < 1e-6);         // ∂y(1)/∂t0 = −f(y(1)), autonomous
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Gradient<T, Y, P, St = AdjointStats> {
    /// With respect to the initial state.
    pub y0: Y,
    /// With respect to the term's parameters.
    pub params: P,
    /// With respect to the initial time.
    pub t0: T,
    /// With respect to the final time.
    pub t1: T,
    /// What it cost.
    pub stats: St,
}

/// Counters of a gradient computation.
///
/// # Examples
///
/// Ten Euler steps reversed with four checkpoints: one vector–Jacobian product
/// per step (Euler has one stage), and the `n − C` recomputations that are the
/// least any schedule needs ([`super::binomial::min_recomputations`]):
///
/// ```
/// use odegrad::adjoint::{binomial::min_recomputations, checkpoint::Slot, RecursiveCheckpointAdjoint};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Euler, OdeTerm};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let mut slots = [Slot::EMPTY; 4];
/// let g = RecursiveCheckpointAdjoint::forward(&term, &Euler, &ConstantStepSize, 0.0, 1.0,
///     Some(0.1), SVector::from([1.0]), &[], &mut [], 100, &mut slots)?
///     .backward(&[], &SVector::from([1.0]))?;
/// let s = g.stats;
/// assert_eq!(s.forward.num_accepted_steps, 10);
/// assert_eq!(s.checkpoints.reverse_steps, 10);
/// assert_eq!(Some(s.checkpoints.recomputed_steps), min_recomputations(10, 4)); // 6
/// assert_eq!(s.vjp_evals, 10);
/// assert_eq!((s.second_order_evals, s.jac_evals, s.lu_factorisations), (0, 0, 0));
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdjointStats {
    /// The forward solve's counters.
    pub forward: Stats,
    /// Accepted steps, recomputed steps, reversed steps and checkpoints used.
    pub checkpoints: CheckpointStats,
    /// Vector–Jacobian products of the term.
    pub vjp_evals: usize,
    /// Products of the linearised term in forward mode (Jacobian–vector
    /// products, or Jacobian pairs for full sensitivities).
    pub tangent_evals: usize,
    /// Second-order products of the term (Rosenbrock steps).
    pub second_order_evals: usize,
    /// Jacobian evaluations of the backward pass (implicit steps, at the
    /// converged stages).
    pub jac_evals: usize,
    /// LU factorisations of the backward pass.
    pub lu_factorisations: usize,
}

/// The derivative work of a backward pass, summed over its steps.
#[derive(Clone, Copy, Debug, Default)]
struct BackwardWork {
    vjp_evals: usize,
    second_order_evals: usize,
    jac_evals: usize,
    lu_factorisations: usize,
}

impl BackwardWork {
    fn add(&mut self, w: &StepVjpWork) {
        self.vjp_evals += w.vjp_evals as usize;
        self.second_order_evals += w.second_order_evals as usize;
        self.jac_evals += w.jac_evals as usize;
        self.lu_factorisations += w.lu_factorisations as usize;
    }
}

/// A forward solve that has kept what its gradient needs: build it with
/// [`Self::forward`], read the outputs, then call [`Self::backward`] with the
/// loss's cotangents.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// // y' = −p y: y(1) = e^{−p} y0.
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let mut slots = [Slot::EMPTY; 4];
/// let adjoint = RecursiveCheckpointAdjoint::forward(
///     &term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.05),
///     SVector::from([1.0]), &[], &mut [], 1000, &mut slots)?;
/// let y1 = *adjoint.y1();
/// // loss = y(1): its cotangent is one.
/// let g = adjoint.backward(&[], &SVector::from([1.0]))?;
/// assert!((g.y0[0] - y1[0]).abs() < 1e-12);          // dy(1)/dy0 = e^{−p}
/// assert!((g.params[0] + y1[0]).abs() < 1e-9);       // dy(1)/dp = −e^{−p}
/// // dy(1)/dt1 = f(y(1)) = −p y(1), up to the local error of the last step.
/// assert!((g.t1 + 2.0 * y1[0]).abs() < 1e-6, "{} {}", g.t1, -2.0 * y1[0]);
/// assert_eq!(g.stats.checkpoints.reverse_steps, 20);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct RecursiveCheckpointAdjoint<'a, T, Y, Tm, S, C>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    term: &'a Tm,
    solver: &'a S,
    controller: &'a C,
    t0: T,
    t1: T,
    max_steps: usize,
    ts: &'a [T],
    checkpoints: OnlineCheckpointer<'a, CheckpointOf<T, Y, Tm, S, C>>,
    end: LoopStateOf<T, Y, Tm, S, C>,
    /// The end of the last accepted step.
    last_step_end: T,
    /// Where a terminating event ended the solve, if one did.
    event_end: Option<EventEnd<T, Y>>,
}

/// Where a terminating event ended a solve, and what moving it takes.
///
/// # Examples
///
/// `y' = −p·y` from `y0 = 1` stopped where `y = 1/2`, at `t* = ln 2 / p`:
///
/// ```
/// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
/// use odegrad::event::{Direction, FloatEvent};
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type V1 = SVector<f64, 1>;
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let half = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.5)
///     .with_direction(Direction::Down)
///     .with_gradient(|_t: f64, _y: &V1| (0.0, V1::from([1.0]))); // (∂g/∂t, ∂g/∂y)
/// let pid = PidController::new(1e-10, 1e-10)?;
/// let mut slots = [Slot::EMPTY; 16];
/// let solve = RecursiveCheckpointAdjoint::forward_with_event(&term, &Tsit5, &pid, 0.0,
///     f64::INFINITY, None, V1::from([1.0]), &[], &mut [], 1000, &mut slots, &half)?;
/// let end = solve.event().expect("the event triggers");
/// assert!((end.t - 2f64.ln() / 2.0).abs() < 1e-9);
/// assert!((end.y[0] - 0.5).abs() < 1e-9);
/// // A located event: ġ = ∂g/∂y·f = −p·y* = −1.
/// let (_g_y, g_dot, _f) = end.sensitivity.expect("located, with a gradient");
/// assert!((g_dot + 1.0).abs() < 1e-8);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct EventEnd<T, Y> {
    /// The event time `t*`.
    pub t: T,
    /// The state `y*` there.
    pub y: Y,
    /// For a located (real-valued) event, `(∂g/∂y, dg/dt along the solution,
    /// f(t*, y*))`: the implicit function theorem on `g(t*, y(t*)) = 0`
    /// moves `t*` by `−∂g/∂y · δy / ġ` when `y(t*)` moves by `δy`.
    pub sensitivity: Option<(Y, T, Y)>,
}

/// `+1` if the solve runs forward in time, `−1` if backward.
pub(super) fn direction<T: Scalar>(t0: T, t1: T) -> T {
    if t1 >= t0 { T::one() } else { -T::one() }
}

/// Checks that `ts` is monotone and inside `[t0, t1]`.
pub(super) fn validate_ts<T: Scalar>(ts: &[T], t0: T, t1: T) -> Result<(), Error> {
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

/// Advances a loop until a step is accepted and returns that step.
pub(super) fn next_accepted<T, Y, Tm, S, C>(
    it: &mut Integrator<'_, T, Y, Tm, S, C>,
) -> Result<AcceptedStepOf<T, Y, Tm, S>, Error>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    loop {
        match it.advance()? {
            Advance::Accepted(step) => return Ok(step),
            Advance::Rejected { .. } => {}
            // Only reachable if a replay diverged from the recorded solve.
            Advance::Finished => {
                return Err(Error::NonFiniteState {
                    t: it.state().t.to_f64(),
                });
            }
        }
    }
}

impl<'a, T, Y, Tm, S, C> RecursiveCheckpointAdjoint<'a, T, Y, Tm, S, C>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    /// Solves from `(t0, y0)` to `t1`, writing `y(ts[m])` into `ys[m]` and
    /// keeping checkpoints in `slots`.
    ///
    /// `t0 == t1` is an empty interval, as in [`crate::diffeqsolve`]: no
    /// step is taken or recorded, [`Self::y1`] and every output (all `ts`
    /// must equal `t0`) are `y0`, and an event cannot trigger.
    ///
    /// # Errors
    ///
    /// Everything [`crate::diffeqsolve`] reports; [`Error::SaveBufferTooSmall`]
    /// if `ys` is shorter than `ts`; [`Error::CheckpointBufferTooSmall`] if
    /// `slots` is empty.
    ///
    /// # Examples
    ///
    /// The outputs at `ts` follow `y(t) = e^{−p·t}·y0`:
    ///
    /// ```
    /// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.0, 0.25, 0.5, 0.75];
    /// let mut ys = [SVector::zeros(); 4];
    /// let mut slots = [Slot::EMPTY; 16];
    /// let solve = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut ys, 1000, &mut slots)?;
    /// for (t, y) in ts.iter().zip(&ys) {
    ///     assert!((y[0] - (-2.0 * t).exp()).abs() < 1e-9);
    /// }
    /// assert!((solve.y1()[0] - (-2.0f64).exp()).abs() < 1e-9);
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
        ys: &mut [Y],
        max_steps: usize,
        slots: &'a mut [CheckpointSlot<T, Y, Tm, S, C>],
    ) -> Result<Self, Error> {
        Self::forward_impl(
            term,
            solver,
            controller,
            t0,
            t1,
            dt0,
            y0,
            ts,
            ys,
            max_steps,
            slots,
            None::<&NoEvent>,
        )
    }

    /// [`Self::forward`] with a terminating event: the solve ends at the
    /// event time `t*` if the event triggers before `t1` (which may then be
    /// infinite), outputs after `t*` are not written, and [`Self::y1`] is the
    /// state at `t*`. The gradient then includes the motion of `t*` with the
    /// parameters and the initial state, by the implicit function theorem on
    /// the condition `g(t*, y(t*)) = 0`: the state's cotangent `ȳ*` becomes
    /// `ȳ* − (ȳ*·f(t*, y*) + t̄*) ∂g/∂y / ġ` with `ġ = ∂g/∂t + ∂g/∂y·f`,
    /// where `t̄*` is the loss's cotangent of the event time
    /// ([`Self::backward_with_event_time`]). A boolean event ends at a step
    /// end, which moves only with the step grid (with `t0`).
    ///
    /// # Examples
    ///
    /// The event ends the solve early, and outputs after it stay unwritten:
    ///
    /// ```
    /// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// use odegrad::event::{Direction, FloatEvent};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// type V1 = SVector<f64, 1>;
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// // y = 1/2 at t* = ln 2 / 2 ≈ 0.347.
    /// let half = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.5)
    ///     .with_gradient(|_t: f64, _y: &V1| (0.0, V1::from([1.0])));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.25, 0.5];
    /// let mut ys = [V1::from([-1.0]); 2];
    /// let mut slots = [Slot::EMPTY; 16];
    /// let solve = RecursiveCheckpointAdjoint::forward_with_event(&term, &Tsit5, &pid, 0.0, 1.0,
    ///     None, V1::from([1.0]), &ts, &mut ys, 1000, &mut slots, &half)?;
    /// assert!((solve.y1()[0] - 0.5).abs() < 1e-9);
    /// assert!((ys[0][0] - (-0.5f64).exp()).abs() < 1e-9);
    /// assert!((ys[1][0] + 1.0).abs() < 1e-15); // after t*: untouched
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn forward_with_event<E: DifferentiableEvent<T, Y, Tm>>(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: Y,
        ts: &'a [T],
        ys: &mut [Y],
        max_steps: usize,
        slots: &'a mut [CheckpointSlot<T, Y, Tm, S, C>],
        event: &E,
    ) -> Result<Self, Error> {
        Self::forward_impl(
            term,
            solver,
            controller,
            t0,
            t1,
            dt0,
            y0,
            ts,
            ys,
            max_steps,
            slots,
            Some(event),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn forward_impl<E: DifferentiableEvent<T, Y, Tm>>(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: Y,
        ts: &'a [T],
        ys: &mut [Y],
        max_steps: usize,
        slots: &'a mut [CheckpointSlot<T, Y, Tm, S, C>],
        event: Option<&E>,
    ) -> Result<Self, Error> {
        let mut it = Integrator::with_event_horizon(
            term,
            solver,
            controller,
            t0,
            t1,
            dt0,
            y0,
            max_steps,
            event.is_some(),
        )?;
        // An empty interval takes no step, so no event can end it.
        let mut locator = event
            .filter(|_| t0 != t1)
            .map(|e| EventLocator::new(e, term, t0, &y0));
        let mut event_end = None;
        validate_ts(ts, t0, t1)?;
        if ys.len() < ts.len() {
            return Err(Error::SaveBufferTooSmall {
                needed: ts.len(),
                capacity: ys.len(),
            });
        }
        let mut checkpoints = OnlineCheckpointer::new(slots)?;
        let dir = direction(t0, t1);
        let mut outputs = ts.iter().zip(ys.iter_mut()).peekable();
        // Requested times equal to t0 are y0 itself.
        while let Some((_, y)) = outputs.next_if(|&(&t, _)| !((t - t0) * dir > T::zero())) {
            *y = y0;
        }
        let mut previous_step_end = t0;
        while !it.is_done() {
            checkpoints.record(&Checkpoint {
                loop_state: *it.state(),
                previous_step_end,
            });
            let step = next_accepted(&mut it)?;
            previous_step_end = step.t1;
            let hit = match (locator.as_mut(), event) {
                (Some(l), Some(e)) => l.check(term, solver, &step)?.map(|h| EventEnd {
                    t: h.t,
                    y: h.y,
                    sensitivity: e
                        .condition_gradient(term, h.t, &h.y)
                        .filter(|_| h.located)
                        .map(|(g_t, g_y)| {
                            let f = term.vf(h.t, &h.y);
                            (g_y, g_t + g_y.dot(&f), f)
                        }),
                }),
                _ => None,
            };
            let t_end = hit.as_ref().map_or(step.t1, |h| h.t);
            while let Some((&t, y)) = outputs.next_if(|&(&t, _)| !((t - t_end) * dir > T::zero())) {
                *y = solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
            }
            if hit.is_some() {
                event_end = hit;
                break;
            }
        }
        let end = *it.state();
        let last_step_end = previous_step_end;
        Ok(Self {
            term,
            solver,
            controller,
            t0,
            t1,
            max_steps,
            ts,
            checkpoints,
            end,
            last_step_end,
            event_end,
        })
    }

    /// The state at `t1` (at the event time if an event ended the solve).
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// # use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) to t1 = 1: y(1) = e^{−p}·y0.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let mut slots = [Slot::EMPTY; 8];
    /// let solve = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([3.0]), &[], &mut [], 100, &mut slots)?;
    /// assert!((solve.y1()[0] - 3.0 * (-2.0f64).exp()).abs() < 1e-9);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn y1(&self) -> &Y {
        self.event_end.as_ref().map_or(&self.end.y, |e| &e.y)
    }

    /// Where a terminating event ended the solve, if one did.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// # use odegrad::event::FloatEvent;
    /// # use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// # type V1 = SVector<f64, 1>;
    /// // y' = −2y from y0 = 1 crosses 1/2 at ln 2 / 2 ≈ 0.347: after t1 = 0.2, before t1 = 1.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let half = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.5)
    ///     .with_gradient(|_t: f64, _y: &V1| (0.0, V1::from([1.0])));
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// for (t1, triggers) in [(0.2, false), (1.0, true)] {
    ///     let mut slots = [Slot::EMPTY; 16];
    ///     let solve = RecursiveCheckpointAdjoint::forward_with_event(&term, &Tsit5, &pid, 0.0,
    ///         t1, None, V1::from([1.0]), &[], &mut [], 1000, &mut slots, &half)?;
    ///     assert_eq!(solve.event().is_some(), triggers);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn event(&self) -> Option<&EventEnd<T, Y>> {
        self.event_end.as_ref()
    }

    /// The forward solve's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// # use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) over [0, 1] in steps of 0.05.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let mut slots = [Slot::EMPTY; 8];
    /// let solve = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([1.0]), &[], &mut [], 100, &mut slots)?;
    /// assert_eq!(solve.stats().num_accepted_steps, 20);
    /// assert_eq!(solve.stats().num_rejected_steps, 0);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.end.stats
    }

    /// The gradient of a loss `L(y(ts), y(t1))` given its cotangents:
    /// `ys_bar[m] = ∂L/∂y(ts[m])` and `y1_bar = ∂L/∂y(t1)`.
    ///
    /// After a solve over an empty interval (`t0 == t1`, so `y(t1) = y0`) it
    /// is exact: `∂L/∂y0 = y1_bar + Σ_m ys_bar[m]`, `∂L/∂p = 0`,
    /// `∂L/∂t1 = y1_bar · f(t1, y0)` and `∂L/∂t0 = −(y1_bar + Σ_m ys_bar[m]) ·
    /// f(t0, y0)` (one vector-field evaluation): every output is at `t0` and
    /// moves with it as for a non-empty interval, while the save times, fixed,
    /// do not move with `t1`.
    ///
    /// `∂L/∂t0` includes the outputs at exactly `t0`: each is `y0` and moves
    /// with `t0` by `−f(t0, y0)` (one vector-field evaluation if there are
    /// any).
    ///
    /// # Errors
    ///
    /// [`Error::SaveBufferTooSmall`] if `ys_bar` is shorter than `ts`; an
    /// error of a recomputed step, which would mean the term is not
    /// deterministic (a replay that ends early is reported as
    /// [`Error::NonFiniteState`]).
    ///
    /// # Examples
    ///
    /// The loss `L = Σ_m y(t_m)` over three save times has
    /// `∂L/∂p = −Σ_m t_m·e^{−p·t_m}·y0`; its cotangents are all one:
    ///
    /// ```
    /// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.25, 0.5, 1.0];
    /// let mut ys = [SVector::zeros(); 3];
    /// let mut slots = [Slot::EMPTY; 16];
    /// let solve = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut ys, 1000, &mut slots)?;
    /// let ys_bar = [SVector::from([1.0]); 3];
    /// let g = solve.backward(&ys_bar, &SVector::zeros())?;
    /// let exact: f64 = ts.iter().map(|t| -t * (-2.0 * t).exp()).sum();
    /// assert!((g.params[0] - exact).abs() < 1e-8);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward(self, ys_bar: &[Y], y1_bar: &Y) -> Result<Gradient<T, Y, Tm::Params>, Error>
    where
        Tm: VjpTerm<T, Y>,
        S: SolverVjp<T, Y, Tm>,
    {
        self.backward_with_event_time(ys_bar, y1_bar, T::zero())
    }

    /// [`Self::backward`] for a loss that also depends on the event time
    /// `t*` of a solve ended by a located event, `t_event_bar = ∂L/∂t*`
    /// (ignored if no located event ended the solve). With `ys_bar` and
    /// `y1_bar` zero and `t_event_bar = 1` it is the gradient of `t*`.
    ///
    /// # Errors
    ///
    /// As [`Self::backward`]; [`Error::SingularMatrix`] if the condition
    /// crosses zero tangentially (`dg/dt = 0` along the solution), where the
    /// event time has no derivative.
    ///
    /// # Examples
    ///
    /// The gradient of the event time itself: `y0·e^{−p·t*} = 1/2` gives
    /// `t* = ln(2·y0)/p`, so `∂t*/∂p = −t*/p` and `∂t*/∂y0 = 1/(p·y0)`:
    ///
    /// ```
    /// use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
    /// use odegrad::event::FloatEvent;
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// type V1 = SVector<f64, 1>;
    /// let (p, y0) = (2.0, 1.5);
    /// let term = OdeTerm::new(&Decay, SVector::from([p]));
    /// let half = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.5)
    ///     .with_gradient(|_t: f64, _y: &V1| (0.0, V1::from([1.0])));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let mut slots = [Slot::EMPTY; 16];
    /// let solve = RecursiveCheckpointAdjoint::forward_with_event(&term, &Tsit5, &pid, 0.0,
    ///     f64::INFINITY, None, V1::from([y0]), &[], &mut [], 1000, &mut slots, &half)?;
    /// // L = t*: no state cotangents, t̄* = 1.
    /// let g = solve.backward_with_event_time(&[], &V1::zeros(), 1.0)?;
    /// let t_star = (2.0 * y0).ln() / p;
    /// assert!((g.params[0] + t_star / p).abs() < 1e-7);
    /// assert!((g.y0[0] - 1.0 / (p * y0)).abs() < 1e-7);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward_with_event_time(
        self,
        ys_bar: &[Y],
        y1_bar: &Y,
        t_event_bar: T,
    ) -> Result<Gradient<T, Y, Tm::Params>, Error>
    where
        Tm: VjpTerm<T, Y>,
        S: SolverVjp<T, Y, Tm>,
    {
        let Self {
            term,
            solver,
            controller,
            t0,
            t1,
            max_steps,
            ts,
            checkpoints,
            end,
            last_step_end,
            event_end,
        } = self;
        // A located event: y* is the continuous extension at t* of the last
        // step, and t* moves with y(t*) by the implicit function theorem.
        let mut event_output = None;
        if let Some(EventEnd {
            t,
            sensitivity: Some((g_y, g_dot, f)),
            ..
        }) = event_end
        {
            let t_bar = y1_bar.dot(&f) + t_event_bar;
            let y_bar_at_fixed_t = y1_bar.axpy(-(t_bar / g_dot), &g_y);
            if !(g_dot != T::zero()) || !y_bar_at_fixed_t.is_finite() {
                return Err(Error::SingularMatrix { t: t.to_f64() });
            }
            event_output = Some((t, y_bar_at_fixed_t));
        }
        let ys_bar = ys_bar.get(..ts.len()).ok_or(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity: ys_bar.len(),
        })?;
        let dir = direction(t0, t1);
        // Recomputation runs the loop itself, controller and rejected
        // attempts included, to reach the next checkpointed state.
        let mut forward = |_k: usize, checkpoint: &CheckpointOf<T, Y, Tm, S, C>| {
            let mut it = Integrator::from_state(
                term,
                solver,
                controller,
                t0,
                t1,
                max_steps,
                checkpoint.loop_state,
            );
            let step = next_accepted(&mut it)?;
            Ok::<_, Error>(Checkpoint {
                loop_state: *it.state(),
                previous_step_end: step.t1,
            })
        };
        // With a located event the final cotangent enters through the
        // continuous extension of the last step, not through its end.
        let mut y_bar = if event_output.is_some() {
            Y::zero()
        } else {
            *y1_bar
        };
        let mut params = <Tm::Params as State<T>>::zero();
        let (mut t0_bar, mut t1_bar) = (T::zero(), T::zero());
        let mut work = BackwardWork::default();
        // Outputs not yet pulled back: ts[..pending].
        // (Outputs requested after an event were never written: skip them.)
        let mut pending = event_end.map_or(ts.len(), |e| {
            ts.iter()
                .take_while(|&&t| !((t - e.t) * dir > T::zero()))
                .count()
        });
        // The end of the step being reversed, recorded with the state of the
        // step reversed before it.
        let mut step_end = last_step_end;
        // y0, met as the state of the first step (the last one reversed).
        let mut y0 = end.y;
        let mut reverse = |_k: usize, checkpoint: &CheckpointOf<T, Y, Tm, S, C>| {
            // The accepted attempt of this step went from the recorded state to
            // `step_end` with the recorded solver state (a rejection changes
            // neither), so one solver step replays it bit for bit, without the
            // controller or the rejected attempts.
            let state = &checkpoint.loop_state;
            let (start, stop) = (state.t, step_end);
            step_end = checkpoint.previous_step_end;
            // The outputs this step produced: t0_k < t ≤ t1_k. Those at
            // t = t1_k too go through the continuous extension, where the
            // forward pass returned y1 itself: the values agree there, and
            // moving the step (with t0) moves θ, which only the extension
            // accounts for.
            let mut first = pending;
            while let Some(m) = first.checked_sub(1) {
                match ts.get(m) {
                    Some(&t) if (t - start) * dir > T::zero() => first = m,
                    _ => break,
                }
            }
            let outputs = OutputCotangents {
                ts: ts.get(first..pending).unwrap_or(&[]),
                ys_bar: ys_bar.get(first..pending).unwrap_or(&[]),
            };
            pending = first;
            if start == t0 {
                y0 = state.y;
            }
            let (mut g, step_work) = solver.step_vjp(
                term,
                start,
                stop,
                &state.y,
                &state.solver_state,
                &y_bar,
                outputs,
            )?;
            work.add(&step_work);
            // A located event's output lies in the last step, the first one
            // reversed. A step's pull-back is linear in its cotangents, so the
            // event's is a second call on the same replayed step, added.
            if let Some((t, t_bar)) = event_output.take() {
                let (g_event, event_work) = solver.step_vjp(
                    term,
                    start,
                    stop,
                    &state.y,
                    &state.solver_state,
                    &Y::zero(),
                    OutputCotangents {
                        ts: &[t],
                        ys_bar: &[t_bar],
                    },
                )?;
                work.add(&event_work);
                g.y0 = g.y0.add(&g_event.y0);
                g.params = g.params.add(&g_event.params);
                g.t0 += g_event.t0;
                g.h += g_event.h;
            }
            y_bar = g.y0;
            params = params.add(&g.params);
            // Step boundaries: exactly t1 moves with t1, any other with t0.
            let start_bar = g.t0 - g.h;
            for (node, node_bar) in [(start, start_bar), (stop, g.h)] {
                if node == t1 {
                    t1_bar += node_bar;
                } else {
                    t0_bar += node_bar;
                }
            }
            Ok(())
        };
        let checkpoint_stats = checkpoints.reverse(&mut forward, &mut reverse)?;
        // On an empty interval no step was taken: y(t1) = y0 moves with t1
        // by f(t1, y0) (a reversed step would contribute this through its h̄
        // otherwise), and with t0 by −f(t0, y0), as the outputs at t0 do.
        let empty = t0 == t1;
        let y1_at_t0_bar = if empty { y_bar } else { Y::zero() };
        // Outputs at t0 itself are y0: with their save times fixed they are
        // Φ(ts_m; t0, y0) at ts_m = t0, which moves with t0 by −f(t0, y0).
        let mut at_t0_bar = y1_at_t0_bar;
        for t_bar in ys_bar.iter().take(pending) {
            y_bar = y_bar.add(t_bar);
            at_t0_bar = at_t0_bar.add(t_bar);
        }
        if empty || pending > 0 {
            let f0 = term.vf(t0, &y0);
            t1_bar += y1_at_t0_bar.dot(&f0);
            t0_bar -= at_t0_bar.dot(&f0);
        }
        Ok(Gradient {
            y0: y_bar,
            params,
            t0: t0_bar,
            t1: t1_bar,
            stats: AdjointStats {
                forward: end.stats,
                checkpoints: checkpoint_stats,
                vjp_evals: work.vjp_evals,
                tangent_evals: 0,
                second_order_evals: work.second_order_evals,
                jac_evals: work.jac_evals,
                lu_factorisations: work.lu_factorisations,
            },
        })
    }
}
