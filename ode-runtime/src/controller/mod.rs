//! Step-size controllers: where the next step ends and whether the last one
//! is kept.
//!
//! A controller sees only values — the times, states and error estimate of
//! the attempt and its own small `Copy` state — never a clock or a counter
//! outside its state, so replaying a solve from a stored loop state makes the
//! same decisions bit for bit (what the checkpointing adjoint relies on).
//!
//! - [`ConstantStepSize`]: `t0 + n·dt0`, every step accepted.
//! - [`StepTo`]: the steps end at given times.
//! - [`PidController`]: error-based adaptation as Diffrax's `PIDController`,
//!   with the pluggable [`ErrorNorm`], `step_ts` and `jump_ts`, and the
//!   automatic initial step of Hairer, Nørsett & Wanner, *Solving ODEs I*,
//!   §II.4.
//!
//! On an empty interval (`t0 == t1`) no step is taken: [`StepSizeController::init`]
//! is still called, to validate the controller, but its proposed step is
//! ignored, so it should neither divide by the span nor spend vector-field
//! evaluations; `dt0` is then only known to be finite (zero, or of either
//! sign, is allowed).
//!
//! Controllers clip the proposed step end to `t1` themselves (Diffrax's
//! `_clip_to_end`), because only they know whether their step times are exact.

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

mod constant;
mod initial_step;
mod norm;
mod pid;
mod step_to;

pub use constant::{ConstantStepSize, ConstantStepSizeState};
pub use initial_step::select_initial_step;
pub use norm::{ErrorNorm, MaxNorm, RmsNorm};
pub use pid::{PidController, PidState};
pub use step_to::{StepTo, StepToState};

use crate::{Error, Scalar, State, Term};

/// What a controller decides at the start of a solve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControllerInit<T, CS> {
    /// The end of the first step attempt.
    pub t_next: T,
    /// The controller's state.
    pub state: CS,
    /// Vector-field evaluations spent choosing the first step.
    pub vf_evals: u32,
}

/// One step attempt, as a controller sees it.
#[derive(Clone, Copy, Debug)]
pub struct StepAttempt<'a, T, Y> {
    /// Start of the solve.
    pub t_start: T,
    /// Start of the step.
    pub t0: T,
    /// End of the step.
    pub t1: T,
    /// End of the solve (for clipping the next step).
    pub t_end: T,
    /// State at `t0`.
    pub y0: &'a Y,
    /// Candidate state at `t1`.
    pub y1: &'a Y,
    /// Embedded error estimate, if the solver has one.
    pub y_error: Option<&'a Y>,
    /// The solver's error order.
    pub error_order: Option<u32>,
    /// The step could not be computed (non-finite values, or an implicit
    /// stage that did not converge): it must not be accepted.
    pub failed: bool,
}

/// A controller's verdict on a step attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision<T, CS> {
    /// Keep the step.
    pub accept: bool,
    /// The start of the next attempt: `t0` if rejected; `t1` if accepted,
    /// or the discontinuity itself if the step ended just before one.
    pub next_t0: T,
    /// The end of the next attempt, already clipped to the end of the solve.
    pub next_t1: T,
    /// The accepted step ended at a discontinuity (`jump_ts`): the solver's
    /// FSAL derivative must be recomputed at `next_t0`.
    pub made_jump: bool,
    /// The controller's new state.
    pub state: CS,
}

/// Chooses step sizes; see the module documentation.
///
/// # Examples
///
/// A complete controller: `n` equal steps, every one accepted (failed
/// attempts are never accepted by the loop, so this one ends the solve with
/// an error on the first failure).
///
/// ```
/// use ode_runtime::controller::{ControllerInit, Decision, StepAttempt, StepSizeController};
/// use ode_runtime::{diffeqsolve, Error, FnTerm, SaveAt, SaveBuffers, Scalar, State, Term, Tsit5};
/// use ode_runtime::nalgebra::SVector;
///
/// struct EqualSteps(u32);
///
/// impl<T: Scalar, Y: State<T>> StepSizeController<T, Y> for EqualSteps {
///     type ControllerState = T; // the step size
///     fn init<Tm: Term<T, Y>>(&self, _term: &Tm, t0: T, t1: T, _y0: &Y, _dt0: Option<T>,
///         _error_order: Option<u32>) -> Result<ControllerInit<T, T>, Error> {
///         let dt = (t1 - t0) / <T as Scalar>::from_f64(f64::from(self.0));
///         Ok(ControllerInit { t_next: if self.0 == 1 { t1 } else { t0 + dt }, state: dt, vf_evals: 0 })
///     }
///     fn adapt(&self, a: &StepAttempt<'_, T, Y>, dt: &T) -> Result<Decision<T, T>, Error> {
///         // Snap to the end once within half a step of it.
///         let next = a.t1 + *dt;
///         let half = <T as Scalar>::from_f64(0.5);
///         let next = if (a.t_end - next) * *dt < *dt * *dt * half { a.t_end } else { next };
///         Ok(Decision { accept: true, next_t0: a.t1, next_t1: next, made_jump: false, state: *dt })
///     }
/// }
///
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
///     &SaveAt::nothing(), &EqualSteps(8), 100, &mut SaveBuffers::none()).unwrap();
/// assert_eq!(sol.stats.num_accepted_steps, 8);
/// assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-8);
/// ```
pub trait StepSizeController<T: Scalar, Y: State<T>> {
    /// What the controller carries from one attempt to the next (`Copy`, so a
    /// checkpoint can store it).
    type ControllerState: Copy + core::fmt::Debug;

    /// Validates the controller against the solve and picks the first step
    /// (none on an empty interval, `t0 == t1`: see the module documentation).
    /// Except on an empty interval,
    /// `dt0` has already been checked to be finite, non-zero and pointing to `t1`.
    #[allow(clippy::too_many_arguments)]
    fn init<Tm: Term<T, Y>>(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &Y,
        dt0: Option<T>,
        error_order: Option<u32>,
    ) -> Result<ControllerInit<T, Self::ControllerState>, Error>;

    /// Decides on an attempt and proposes the next.
    fn adapt(
        &self,
        attempt: &StepAttempt<'_, T, Y>,
        state: &Self::ControllerState,
    ) -> Result<Decision<T, Self::ControllerState>, Error>;
}

/// `+1` forwards in time, `−1` backwards.
#[inline(always)]
pub(crate) fn direction<T: Scalar>(t0: T, t1: T) -> T {
    if t1 >= t0 { T::one() } else { -T::one() }
}

/// Snaps a proposed step end that lies beyond, or within a whisker of, the end
/// of the solve to that end (Diffrax's `_clip_to_end`). A rejected step whose
/// retry would overshoot retries halfway instead. The whisker is relative to
/// the span, so tiny and huge time scales behave alike, and keeps the last
/// step from being a sliver whose dense output is all rounding error.
#[inline(always)]
pub(crate) fn clip_to_end<T: Scalar>(
    t_start: T,
    t_prev: T,
    t_next: T,
    t_end: T,
    accept: bool,
) -> T {
    let dir = direction(t_start, t_end);
    let span = (t_end - t_start).abs();
    let tol = span * T::EPSILON.sqrt() * <T as Scalar>::from_f64(1e-2);
    if (t_next - t_end) * dir > -tol {
        if accept {
            t_end
        } else {
            t_prev + (t_end - t_prev) * <T as Scalar>::from_f64(0.5)
        }
    } else {
        t_next
    }
}
