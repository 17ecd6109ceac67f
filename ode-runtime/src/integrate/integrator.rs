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
pub const MAX_CONSECUTIVE_FAILURES: u32 = 10;

/// Counters of a solve.
///
/// # Examples
///
/// ```
/// use ode_runtime::{Stats, StepWork};
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
    #[inline(always)]
    pub fn add_work(&mut self, w: &StepWork) {
        self.num_rhs_evals += w.vf_evals as usize;
        self.num_jac_evals += w.jac_evals as usize;
        self.num_lu_factorisations += w.lu_factorisations as usize;
    }
}

/// Everything the step loop carries from one attempt to the next.
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
pub type LoopStateOf<T, Y, Tm, S, C> = LoopState<
    T,
    Y,
    <S as Solver<T, Y, Tm>>::SolverState,
    <C as StepSizeController<T, Y>>::ControllerState,
>;

/// The accepted-step type for a solver.
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
/// use ode_runtime::{FnTerm, nalgebra::SVector, Integrator, Advance};
/// use ode_runtime::{controller::PidController, solver::explicit::Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-8, 1e-8).unwrap();
/// let mut it = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1),
///     SVector::from([1.0]), 1000).unwrap();
/// let checkpoint = *it.state();
/// let mut ends = Vec::new();
/// while !it.is_done() {
///     if let Advance::Accepted(step) = it.advance().unwrap() {
///         ends.push(step.t1);
///     }
/// }
/// assert!((it.state().y[0] - (-1.0f64).exp()).abs() < 1e-8);
/// // Replaying from the stored state takes the same steps, bit for bit.
/// let mut replay = Integrator::from_state(&term, &Tsit5, &pid, 0.0, 1.0, 1000, checkpoint);
/// let mut again = Vec::new();
/// while !replay.is_done() {
///     if let Advance::Accepted(step) = replay.advance().unwrap() {
///         again.push(step.t1);
///     }
/// }
/// assert_eq!(ends, again);
/// assert_eq!(replay.state().y, it.state().y);
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
    pub fn state(&self) -> &LoopStateOf<T, Y, Tm, S, C> {
        &self.state
    }

    /// The solver.
    pub fn solver(&self) -> &'a S {
        self.solver
    }

    /// The term.
    pub fn term(&self) -> &'a Tm {
        self.term
    }

    /// `t1` has been reached.
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
