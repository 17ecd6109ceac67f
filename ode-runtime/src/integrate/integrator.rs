//! The step loop as a resumable state machine.
//!
//! [`Integrator::advance`] performs one step attempt and reports whether it
//! was accepted. Everything the loop needs to continue is in [`LoopState`], a
//! small `Copy` value: store it, rebuild the integrator from it with
//! [`Integrator::from_state`], and the following attempts are bit-identical —
//! which is how a checkpointing adjoint replays a stretch of the solve. Each
//! accepted step is returned whole ([`AcceptedStep`]: times, states, the
//! solver state it started from and its dense information), so saving,
//! interpolation and adjoints need nothing else.

use crate::controller::{StepAttempt, StepSizeController};
use crate::solver::StepStatus;
use crate::{Error, InvalidArgument, Scalar, Solver, State, StepWork, Term};

/// Consecutive failed attempts (non-finite values or an implicit stage that
/// did not converge) before the solve gives up, as CVODE's `MXNCF`: ten
/// shrinks by `factormin = 0.2` cover seven orders of magnitude of step size.
///
/// # Examples
///
/// A vector field that is undefined after `t = 0`: every attempt fails, the
/// controller shrinks the step nine times, and the tenth failure ends the
/// solve.
///
/// ```
/// use odegrad::integrate::MAX_CONSECUTIVE_FAILURES;
/// use odegrad::{nalgebra::SVector, Advance, Error, FnTerm, Integrator, PidController, Tsit5};
/// let term = FnTerm::new(|t: f64, y: &SVector<f64, 1>| if t > 0.0 { SVector::from([f64::NAN]) } else { -y });
/// let pid = PidController::new(1e-6, 1e-6)?;
/// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), SVector::from([1.0]), 100)?;
/// let mut rejected = 0;
/// let error = loop {
///     match integrator.advance() {
///         Ok(Advance::Rejected { .. }) => rejected += 1,
///         Ok(other) => panic!("no attempt can succeed, got {other:?}"),
///         Err(e) => break e,
///     }
/// };
/// assert_eq!(rejected + 1, MAX_CONSECUTIVE_FAILURES);
/// assert_eq!(error, Error::NonFiniteState { t: 0.0 }); // f(t0, y0) itself is finite
/// # Ok::<(), odegrad::Error>(())
/// ```
pub const MAX_CONSECUTIVE_FAILURES: u32 = 10;

/// Counters of a solve.
///
/// # Examples
///
/// ```
/// use odegrad::{Stats, StepWork};
/// let mut s = Stats::default();
/// s.add_work(&StepWork { vf_evals: 6, jac_evals: 1, lu_factorisations: 1 });
/// assert_eq!((s.num_rhs_evals, s.num_jac_evals, s.num_lu_factorisations), (6, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Step attempts (accepted + rejected); what `max_steps` bounds.
    pub num_steps: usize,
    /// Accepted steps.
    pub num_accepted_steps: usize,
    /// Rejected steps.
    pub num_rejected_steps: usize,
    /// Vector-field evaluations (including the initial-step heuristic and
    /// FSAL initialisation).
    pub num_rhs_evals: usize,
    /// Jacobian evaluations (implicit solvers).
    pub num_jac_evals: usize,
    /// LU factorisations (implicit solvers).
    pub num_lu_factorisations: usize,
}

impl Stats {
    /// Adds the work of one solver call.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
    /// // the solve adds every call's work: Tsit5's FSAL initialisation (1) and 6 per step
    /// assert_eq!(sol.stats.num_rhs_evals, 1 + 6 * 4);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[inline(always)]
    pub fn add_work(&mut self, w: &StepWork) {
        self.num_rhs_evals += w.vf_evals as usize;
        self.num_jac_evals += w.jac_evals as usize;
        self.num_lu_factorisations += w.lu_factorisations as usize;
    }
}

/// Everything the step loop carries from one attempt to the next.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let y0 = SVector::from([1.0]);
/// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 100)?;
/// assert!((integrator.state().t_next - 0.1).abs() < 1e-15); // the first attempt ends at t0 + dt0
/// let Advance::Accepted(step) = integrator.advance()? else { panic!("a step of 0.1 is kept") };
/// let state = integrator.state();
/// assert!((state.t - step.t1).abs() < 1e-15 && (state.y - step.y1).norm() < 1e-15);
/// assert_eq!(state.stats.num_accepted_steps, 1);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct LoopState<T, Y, SS, CS> {
    /// The current (accepted) time.
    pub t: T,
    /// The state at `t`.
    pub y: Y,
    /// The end of the next attempt.
    pub t_next: T,
    /// The solver state at `t` (e.g. the FSAL derivative).
    pub solver_state: SS,
    /// The controller state.
    pub controller_state: CS,
    /// Counters so far.
    pub stats: Stats,
    /// Failed attempts since the last accepted step.
    pub consecutive_failures: u32,
}

/// An accepted step: what saving, dense output and adjoints need.
///
/// # Examples
///
/// The accepted steps of a solve tile its interval, each starting where
/// the previous one ended:
///
/// ```
/// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, None, SVector::from([1.0]), 1000)?;
/// let (mut t, mut y) = (0.0, SVector::from([1.0]));
/// while !integrator.is_done() {
///     if let Advance::Accepted(step) = integrator.advance()? {
///         assert!((step.t0 - t).abs() < 1e-15 && (step.y0 - y).norm() < 1e-15);
///         assert!((step.y1[0] - (-step.t1).exp()).abs() < 1e-8);
///         (t, y) = (step.t1, step.y1);
///     }
/// }
/// assert!((t - 1.0).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct AcceptedStep<T, Y, SS, D> {
    /// Start of the step.
    pub t0: T,
    /// End of the step.
    pub t1: T,
    /// State at `t0`.
    pub y0: Y,
    /// State at `t1`.
    pub y1: Y,
    /// The solver state the step started from.
    pub solver_state: SS,
    /// The step's dense information (for explicit RK, its stage derivatives).
    pub dense: D,
    /// The step ended just before a discontinuity; the next starts on it with
    /// a re-initialised solver state.
    pub made_jump: bool,
}

/// The outcome of one call of [`Integrator::advance`].
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// // a first step of 1 cannot meet rtol = 1e-10: it is rejected and retried shorter
/// let pid = PidController::new(1e-10, 1e-10)?;
/// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 2.0, Some(1.0), SVector::from([1.0]), 1000)?;
/// let Advance::Rejected { t0, t1 } = integrator.advance()? else { panic!("expected a rejection") };
/// assert!(t0.abs() < 1e-15 && (t1 - 1.0).abs() < 1e-15);
/// assert!(integrator.state().t_next < 1.0);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Advance<T, Y, SS, D> {
    /// The attempt was kept.
    Accepted(AcceptedStep<T, Y, SS, D>),
    /// The attempt `[t0, t1]` was rejected; the next one is shorter.
    Rejected {
        /// Start of the rejected attempt.
        t0: T,
        /// Its end.
        t1: T,
    },
    /// The solve had already reached `t1`; nothing was done.
    Finished,
}

/// The state type of the loop for a solver and controller.
///
/// # Examples
///
/// ```
/// use odegrad::integrate::{AcceptedStepOf, LoopStateOf};
/// use odegrad::{nalgebra::SVector, Advance, Integrator, PidController, Term, Tsit5};
/// struct Decay; // y' = −y
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// type Y = SVector<f64, 1>;
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let mut integrator = Integrator::new(&Decay, &Tsit5, &pid, 0.0, 1.0, Some(0.1), Y::from([1.0]), 100)?;
/// // a checkpoint buffer names the state type without spelling out its parts
/// let mut checkpoints: [Option<LoopStateOf<f64, Y, Decay, Tsit5, PidController<'_, f64>>>; 2] = [None; 2];
/// checkpoints[0] = Some(*integrator.state());
/// integrator.advance()?;
/// checkpoints[1] = Some(*integrator.state());
/// let steps: [usize; 2] = core::array::from_fn(|i| checkpoints[i].map_or(0, |c| c.stats.num_steps));
/// assert_eq!(steps, [0, 1]); // before and after one attempt
/// # Ok::<(), odegrad::Error>(())
/// ```
pub type LoopStateOf<T, Y, Tm, S, C> = LoopState<
    T,
    Y,
    <S as Solver<T, Y, Tm>>::SolverState,
    <C as StepSizeController<T, Y>>::ControllerState,
>;

/// The accepted-step type for a solver.
///
/// # Examples
///
/// ```
/// use odegrad::integrate::{AcceptedStepOf, LoopStateOf};
/// use odegrad::{nalgebra::SVector, Advance, Integrator, PidController, Term, Tsit5};
/// struct Decay; // y' = −y
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// type Y = SVector<f64, 1>;
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let mut integrator = Integrator::new(&Decay, &Tsit5, &pid, 0.0, 1.0, Some(0.1), Y::from([1.0]), 100)?;
/// // collect the accepted steps, e.g. to evaluate dense output afterwards
/// let mut steps: [Option<AcceptedStepOf<f64, Y, Decay, Tsit5>>; 32] = [None; 32];
/// let mut n = 0;
/// while !integrator.is_done() {
///     if let Advance::Accepted(step) = integrator.advance()? {
///         steps[n] = Some(step);
///         n += 1;
///     }
/// }
/// assert_eq!(n, integrator.state().stats.num_accepted_steps);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub type AcceptedStepOf<T, Y, Tm, S> =
    AcceptedStep<T, Y, <S as Solver<T, Y, Tm>>::SolverState, <S as Solver<T, Y, Tm>>::DenseInfo>;

/// The step loop of a solve: a term, a solver, a controller, the interval,
/// a step budget and the [`LoopState`].
///
/// An empty interval (`t0 == t1`) is valid, as in Diffrax: the integrator
/// is done from the start ([`Self::is_done`]), [`Self::advance`] returns
/// [`Advance::Finished`] and the state stays `y0`. The arguments and the
/// controller are still validated, but `dt0` need only be finite (zero or
/// of either sign, it is never used) and the controller picks no step; the
/// only work is the solver's initialisation (one vector-field evaluation for
/// a first-same-as-last explicit method).
///
/// # Examples
///
/// ```
/// use odegrad::{FnTerm, nalgebra::SVector, Integrator, Advance};
/// use odegrad::{controller::PidController, solver::explicit::Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let mut it = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1),
///     SVector::from([1.0]), 1000)?;
/// let checkpoint = *it.state();
/// let mut ends = Vec::new();
/// while !it.is_done() {
///     if let Advance::Accepted(step) = it.advance()? {
///         ends.push(step.t1);
///     }
/// }
/// assert!((it.state().y[0] - (-1.0f64).exp()).abs() < 1e-8);
/// // Replaying from the stored state takes the same steps, bit for bit.
/// let mut replay = Integrator::from_state(&term, &Tsit5, &pid, 0.0, 1.0, 1000, checkpoint);
/// let mut again = Vec::new();
/// while !replay.is_done() {
///     if let Advance::Accepted(step) = replay.advance()? {
///         again.push(step.t1);
///     }
/// }
/// assert_eq!(ends, again);
/// assert_eq!(replay.state().y, it.state().y);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct Integrator<'a, T, Y, Tm, S, C>
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
    state: LoopStateOf<T, Y, Tm, S, C>,
}

/// Checks the arguments every solve shares (not the controller's own). An
/// infinite `t1` is allowed only when a terminating event can end the solve
/// (`infinite_t1_allowed`); a NaN never.
///
/// `t0 == t1` is a valid, empty interval (as in Diffrax): no step is taken,
/// so `dt0` only has to be finite or `None` — zero or of either sign, it is
/// never used (a `dt0` computed as `(t1 − t0)/n` is zero there).
#[allow(clippy::too_many_arguments)]
pub(crate) fn validate_common<T: Scalar, Y: State<T>, Tm: Term<T, Y>>(
    term: &Tm,
    t0: T,
    t1: T,
    dt0: Option<T>,
    y0: &Y,
    max_steps: usize,
    infinite_t1_allowed: bool,
) -> Result<(), Error> {
    use InvalidArgument::*;
    if !t0.finite() {
        return Err(NonFiniteT0.into());
    }
    let t1_ok = t1.finite() || (infinite_t1_allowed && t1.abs() == T::one() / T::zero());
    if !t1_ok {
        return Err(NonFiniteT1.into());
    }
    if !y0.is_finite() {
        return Err(NonFiniteY0.into());
    }
    if !term.params_are_finite() {
        return Err(NonFiniteParams.into());
    }
    if let Some(dt0) = dt0 {
        if !dt0.finite() {
            return Err(NonFiniteDt0.into());
        }
        // On an empty interval no step is taken: its size and sign are moot.
        if t0 != t1 {
            if dt0 == T::zero() {
                return Err(ZeroDt0.into());
            }
            if (dt0 > T::zero()) != (t1 > t0) {
                return Err(Dt0WrongDirection.into());
            }
        }
    }
    if max_steps == 0 {
        return Err(ZeroMaxSteps.into());
    }
    Ok(())
}

impl<'a, T, Y, Tm, S, C> Integrator<'a, T, Y, Tm, S, C>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    /// Validates the arguments, lets the controller pick the first step and
    /// initialises the solver; over an empty interval (`t0 == t1`) the
    /// integrator is done at once, as the [`Integrator`] documentation
    /// describes. `dt0 = None` asks the controller to choose
    /// (the PID controller's automatic initial step).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, FnTerm, Integrator, InvalidArgument, PidController, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([1.0]);
    /// let integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 100)?;
    /// assert!(integrator.state().t.abs() < 1e-15 && (integrator.state().t_next - 0.1).abs() < 1e-15);
    /// // arguments are validated up front
    /// let bad = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(-0.1), y0, 100);
    /// assert_eq!(bad.err(), Some(InvalidArgument::Dt0WrongDirection.into()));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: Y,
        max_steps: usize,
    ) -> Result<Self, Error> {
        Self::with_event_horizon(term, solver, controller, t0, t1, dt0, y0, max_steps, false)
    }

    /// [`Self::new`] (an empty interval, `t0 == t1`, included), also
    /// accepting `t1 = ±∞` if `ended_by_event`: a solve
    /// with a terminating event may run until the event ends it.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, FnTerm, Integrator, InvalidArgument, PidController, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([1.0]);
    /// let unbounded = Integrator::new(&term, &Tsit5, &pid, 0.0, f64::INFINITY, Some(0.1), y0, 100);
    /// assert_eq!(unbounded.err(), Some(InvalidArgument::NonFiniteT1.into()));
    /// // an event will end this one, so it may run towards infinity
    /// let mut integrator = Integrator::with_event_horizon(&term, &Tsit5, &pid, 0.0, f64::INFINITY,
    ///     Some(0.1), y0, 100, true)?;
    /// while integrator.state().y[0] > 0.5 {
    ///     integrator.advance()?;
    /// }
    /// assert!(integrator.state().t > 2f64.ln());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn with_event_horizon(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: Y,
        max_steps: usize,
        ended_by_event: bool,
    ) -> Result<Self, Error> {
        validate_common(term, t0, t1, dt0, &y0, max_steps, ended_by_event)?;
        let init = controller.init(term, t0, t1, &y0, dt0, solver.error_order())?;
        let solver_state = solver.init(term, t0, t1, &y0);
        let mut stats = Stats {
            num_rhs_evals: init.vf_evals as usize,
            ..Stats::default()
        };
        stats.add_work(&solver.init_work());
        Ok(Self {
            term,
            solver,
            controller,
            t0,
            t1,
            max_steps,
            state: LoopState {
                t: t0,
                y: y0,
                // An empty interval has no attempt, whatever the controller proposed.
                t_next: if t0 == t1 { t1 } else { init.t_next },
                solver_state,
                controller_state: init.state,
                stats,
                consecutive_failures: 0,
            },
        })
    }

    /// Resumes from a stored loop state of a solve with the same term, solver,
    /// controller, `t0`, `t1` and `max_steps`. No validation: the state came
    /// from a validated solve.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([1.0]);
    /// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 1000)?;
    /// for _ in 0..3 {
    ///     integrator.advance()?;
    /// }
    /// let checkpoint = *integrator.state();
    /// while !integrator.is_done() {
    ///     integrator.advance()?;
    /// }
    /// // resuming from the checkpoint takes the same steps to the same end, bit for bit
    /// let mut resumed = Integrator::from_state(&term, &Tsit5, &pid, 0.0, 1.0, 1000, checkpoint);
    /// while !resumed.is_done() {
    ///     resumed.advance()?;
    /// }
    /// assert_eq!(resumed.state().y, integrator.state().y);
    /// assert_eq!(resumed.state().stats, integrator.state().stats);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn from_state(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        max_steps: usize,
        state: LoopStateOf<T, Y, Tm, S, C>,
    ) -> Self {
        Self {
            term,
            solver,
            controller,
            t0,
            t1,
            max_steps,
            state,
        }
    }

    /// The loop state (copy it to checkpoint).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([1.0]);
    /// let integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 100)?;
    /// let state = *integrator.state(); // Copy: a checkpoint is this value
    /// assert!(state.t.abs() < 1e-15 && (state.y - y0).norm() < 1e-15);
    /// assert!((state.solver_state[0] + 1.0).abs() < 1e-15); // Tsit5's FSAL f(t0, y0)
    /// assert_eq!(state.stats.num_steps, 0);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn state(&self) -> &LoopStateOf<T, Y, Tm, S, C> {
        &self.state
    }

    /// The solver.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, ode_system, Integrator, Kvaerno5, OdeTerm, PidController};
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([1.0]));
    /// let (solver, pid) = (Kvaerno5::new(1e-6, 1e-9)?, PidController::new(1e-6, 1e-9)?);
    /// let integrator = Integrator::new(&term, &solver, &pid, 0.0, 1.0, None, SVector::from([1.0]), 100)?;
    /// // the integrator lends out the solver it was built with, settings included
    /// assert!(core::ptr::eq(integrator.solver(), &solver));
    /// assert!((integrator.solver().newton().atol - 1e-9).abs() < 1e-24);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn solver(&self) -> &'a S {
        self.solver
    }

    /// The term.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, FnTerm, Integrator, PidController, Term, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([2.0]);
    /// let integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 100)?;
    /// assert!(core::ptr::eq(integrator.term(), &term));
    /// assert!((integrator.term().vf(0.0, &y0)[0] + 2.0).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn term(&self) -> &'a Tm {
        self.term
    }

    /// `t1` has been reached.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([1.0]);
    /// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 100)?;
    /// assert!(!integrator.is_done());
    /// while !integrator.is_done() {
    ///     integrator.advance()?;
    /// }
    /// assert!((integrator.state().t - 1.0).abs() < 1e-15);
    /// assert!(matches!(integrator.advance()?, Advance::Finished)); // nothing left to do
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn is_done(&self) -> bool {
        self.state.t == self.t1
    }

    /// The error for a failed attempt from `(t, y)` that cannot be retried:
    /// a derivative problem if `f(t, y)` itself is not finite.
    fn failure_error(&mut self, status: StepStatus, nonfinite: bool) -> Error {
        let t = self.state.t;
        if status == StepStatus::NonlinearSolveFailed {
            return Error::NonlinearSolveFailed { t: t.to_f64() };
        }
        if nonfinite {
            self.state.stats.num_rhs_evals += 1;
            if !self.term.vf(t, &self.state.y).is_finite() {
                return Error::NonFiniteDerivative { t: t.to_f64() };
            }
        }
        Error::NonFiniteState { t: t.to_f64() }
    }

    /// Performs one step attempt.
    ///
    /// Errors: the step budget is exhausted ([`Error::MaxStepsReached`]), the
    /// step size fell below `dtmin` (with `force_dtmin = false`) or below the
    /// resolution of `t` ([`Error::StepSizeBelowDtmin`]), or attempts kept
    /// failing ([`MAX_CONSECUTIVE_FAILURES`], or any failure under a
    /// controller that cannot reject), or an implicit solver's Jacobian is not
    /// finite ([`Error::SingularMatrix`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let y0 = SVector::from([1.0]);
    /// use odegrad::Error;
    /// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 1000)?;
    /// let (mut accepted, mut rejected) = (0, 0);
    /// loop {
    ///     match integrator.advance()? {
    ///         Advance::Accepted(_) => accepted += 1,
    ///         Advance::Rejected { .. } => rejected += 1,
    ///         Advance::Finished => break,
    ///     }
    /// }
    /// let stats = integrator.state().stats;
    /// assert_eq!((stats.num_accepted_steps, stats.num_rejected_steps), (accepted, rejected));
    /// // a budget of two attempts is not enough
    /// let mut short = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 2)?;
    /// short.advance()?;
    /// short.advance()?;
    /// assert!(matches!(short.advance(), Err(Error::MaxStepsReached { max_steps: 2, .. })));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn advance(&mut self) -> Result<Advance<T, Y, S::SolverState, S::DenseInfo>, Error> {
        if self.is_done() {
            return Ok(Advance::Finished);
        }
        let st = &mut self.state;
        if st.stats.num_steps >= self.max_steps {
            return Err(Error::MaxStepsReached {
                t: st.t.to_f64(),
                max_steps: self.max_steps,
            });
        }
        let (t0, t1) = (st.t, st.t_next);
        if t1 == t0 || !t1.finite() {
            return Err(Error::StepSizeBelowDtmin {
                t: t0.to_f64(),
                dt: (t1 - t0).to_f64(),
            });
        }
        let out = self.solver.step(self.term, t0, t1, &st.y, &st.solver_state);
        st.stats.num_steps += 1;
        st.stats.add_work(&out.work);
        if out.status == StepStatus::SingularMatrix {
            // The Jacobian is not finite at (t0, y0): no step size helps.
            return Err(Error::SingularMatrix { t: t0.to_f64() });
        }
        let nonfinite = !out.y1.is_finite() || out.y_error.as_ref().is_some_and(|e| !e.is_finite());
        let failed = nonfinite || out.status != StepStatus::Computed;
        let decision = self.controller.adapt(
            &StepAttempt {
                t_start: self.t0,
                t0,
                t1,
                t_end: self.t1,
                y0: &st.y,
                y1: &out.y1,
                y_error: out.y_error.as_ref(),
                error_order: self.solver.error_order(),
                failed,
            },
            &st.controller_state,
        )?;
        if failed {
            st.consecutive_failures += 1;
            if decision.accept || st.consecutive_failures >= MAX_CONSECUTIVE_FAILURES {
                return Err(self.failure_error(out.status, nonfinite));
            }
        }
        st.controller_state = decision.state;
        st.t_next = decision.next_t1;
        if !decision.accept {
            st.stats.num_rejected_steps += 1;
            return Ok(Advance::Rejected { t0, t1 });
        }
        st.stats.num_accepted_steps += 1;
        st.consecutive_failures = 0;
        let step = AcceptedStep {
            t0,
            t1,
            y0: st.y,
            y1: out.y1,
            solver_state: st.solver_state,
            dense: out.dense,
            made_jump: decision.made_jump,
        };
        // Never step past the end, whatever a controller proposes.
        let past_end = (decision.next_t0 - self.t1) * (self.t1 - self.t0) >= T::zero();
        st.t = if past_end { self.t1 } else { decision.next_t0 };
        st.y = out.y1;
        st.solver_state = if decision.made_jump {
            st.stats.add_work(&self.solver.init_work());
            self.solver.init(self.term, st.t, self.t1, &out.y1)
        } else {
            out.state
        };
        Ok(Advance::Accepted(step))
    }
}
