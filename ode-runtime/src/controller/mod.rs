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
//!
//! # Examples
//!
//! The same problem under the three controllers: constant steps take as
//! many steps as `dt0` implies, `StepTo` ends its steps at the given times,
//! and the PID controller chooses its own steps to meet its tolerances.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, SaveAt, SaveBuffers, Tsit5};
//! use odegrad::{ConstantStepSize, PidController, StepTo};
//! let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
//! let y0 = SVector::from([1.0]);
//! let exact = (-2.0f64).exp();
//! let constant = diffeqsolve(&term, &Tsit5, 0.0, 2.0, Some(0.1), y0, &SaveAt::nothing(),
//!     &ConstantStepSize, 100, &mut SaveBuffers::none())?;
//! assert_eq!(constant.stats.num_accepted_steps, 20);
//! let ts = [0.0, 0.5, 1.5, 2.0];
//! let step_to = diffeqsolve(&term, &Tsit5, 0.0, 2.0, None, y0, &SaveAt::nothing(),
//!     &StepTo::new(&ts), 100, &mut SaveBuffers::none())?;
//! assert_eq!(step_to.stats.num_accepted_steps, 3);
//! let pid = PidController::new(1e-6, 1e-6)?;
//! let adaptive = diffeqsolve(&term, &Tsit5, 0.0, 2.0, None, y0, &SaveAt::nothing(),
//!     &pid, 100, &mut SaveBuffers::none())?;
//! assert!((adaptive.y[0] - exact).abs() < 1e-5 && adaptive.stats.num_accepted_steps < 20);
//! # Ok::<(), odegrad::Error>(())
//! ```

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
///
/// # Examples
///
/// Given `dt0`, the first attempt ends at `t0 + dt0`; without it the PID
/// controller picks a step (Hairer, Nørsett and Wanner's algorithm, two
/// evaluations of the vector field).
///
/// ```
/// use odegrad::{controller::StepSizeController, nalgebra::SVector, FnTerm, PidController};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-6, 1e-6)?;
/// let y0 = SVector::from([1.0]);
/// let given = pid.init(&term, 0.0, 1.0, &y0, Some(0.1), Some(5))?;
/// assert!((given.t_next - 0.1).abs() < 1e-15 && given.vf_evals == 0);
/// let chosen = pid.init(&term, 0.0, 1.0, &y0, None, Some(5))?;
/// assert!(chosen.t_next > 0.0 && chosen.t_next < 1.0 && chosen.vf_evals == 2);
/// # Ok::<(), odegrad::Error>(())
/// ```
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
///
/// # Examples
///
/// An attempt whose error estimate is 500 times the tolerance
/// `atol + rtol·|y| = 2·10⁻⁶` is rejected, and the step shrinks by Diffrax's
/// factor `safety · (1/500)^(1/5)`:
///
/// ```
/// use odegrad::controller::{StepAttempt, StepSizeController};
/// use odegrad::{nalgebra::SVector, FnTerm, PidController};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-6, 1e-6)?;
/// let y = SVector::from([1.0]);
/// let init = pid.init(&term, 0.0, 100.0, &y, Some(0.1), Some(5))?;
/// let err = SVector::from([1e-3]);
/// let attempt = StepAttempt { t_start: 0.0, t0: 0.0, t1: 0.1, t_end: 100.0, y0: &y, y1: &y,
///     y_error: Some(&err), error_order: Some(5), failed: false };
/// let d = pid.adapt(&attempt, &init.state)?;
/// assert!(!d.accept && d.next_t0.abs() < 1e-15);
/// assert!((d.next_t1 - 0.1 * 0.9 * (1.0f64 / 500.0).powf(0.2)).abs() < 1e-12);
/// # Ok::<(), odegrad::Error>(())
/// ```
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
///
/// # Examples
///
/// A nearly exact step is kept, and the next one grows by the largest
/// factor the PID controller allows (`factormax = 10`):
///
/// ```
/// use odegrad::controller::{StepAttempt, StepSizeController};
/// use odegrad::{nalgebra::SVector, FnTerm, PidController};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-6, 1e-6)?;
/// let y = SVector::from([1.0]);
/// let init = pid.init(&term, 0.0, 100.0, &y, Some(0.1), Some(5))?;
/// let err = SVector::from([1e-12]);
/// let attempt = StepAttempt { t_start: 0.0, t0: 0.0, t1: 0.1, t_end: 100.0, y0: &y, y1: &y,
///     y_error: Some(&err), error_order: Some(5), failed: false };
/// let d = pid.adapt(&attempt, &init.state)?;
/// assert!(d.accept && !d.made_jump);
/// assert!((d.next_t0 - 0.1).abs() < 1e-15 && (d.next_t1 - 1.1).abs() < 1e-12);
/// # Ok::<(), odegrad::Error>(())
/// ```
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
/// use odegrad::controller::{ControllerInit, Decision, StepAttempt, StepSizeController};
/// use odegrad::{diffeqsolve, Error, FnTerm, SaveAt, SaveBuffers, Scalar, State, Term, Tsit5};
/// use odegrad::nalgebra::SVector;
///
/// struct EqualSteps(u32);
///
/// impl<T: Scalar, Y: State<T>> StepSizeController<T, Y> for EqualSteps {
///     type ControllerState = T; // the step size
///     fn init<Tm: Term<T, Y>>(&self, _term: &Tm, t0: T, t1: T, _y0: &Y, _dt0: Option<T>,
///         _error_order: Option<u32>) -> Result<ControllerInit<T, T>, Error> {
///         let dt = (t1 - t0) / T::cast(f64::from(self.0));
///         Ok(ControllerInit { t_next: if self.0 == 1 { t1 } else { t0 + dt }, state: dt, vf_evals: 0 })
///     }
///     fn adapt(&self, a: &StepAttempt<'_, T, Y>, dt: &T) -> Result<Decision<T, T>, Error> {
///         // Snap to the end once within half a step of it.
///         let next = a.t1 + *dt;
///         let half = T::cast(0.5);
///         let next = if (a.t_end - next) * *dt < *dt * *dt * half { a.t_end } else { next };
///         Ok(Decision { accept: true, next_t0: a.t1, next_t1: next, made_jump: false, state: *dt })
///     }
/// }
///
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
///     &SaveAt::nothing(), &EqualSteps(8), 100, &mut SaveBuffers::none())?;
/// assert_eq!(sol.stats.num_accepted_steps, 8);
/// assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-8);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub trait StepSizeController<T: Scalar, Y: State<T>> {
    /// What the controller carries from one attempt to the next (`Copy`, so a
    /// checkpoint can store it).
    type ControllerState: Copy + core::fmt::Debug;

    /// Validates the controller against the solve and picks the first step
    /// (none on an empty interval, `t0 == t1`: see the module documentation).
    /// Except on an empty interval,
    /// `dt0` has already been checked to be finite, non-zero and pointing to `t1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::controller::StepSizeController;
    /// use odegrad::{nalgebra::SVector, ConstantStepSize, Error, FnTerm, InvalidArgument};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let y0 = SVector::from([1.0]);
    /// let init = ConstantStepSize.init(&term, 0.0, 1.0, &y0, Some(0.25), None)?;
    /// assert!((init.t_next - 0.25).abs() < 1e-15);
    /// // constant steps need dt0
    /// let missing = ConstantStepSize.init(&term, 0.0, 1.0, &y0, None, None);
    /// assert_eq!(missing.unwrap_err(), Error::InvalidArgument(InvalidArgument::MissingDt0));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// A step that could not be computed is never kept; the PID controller
    /// retries it at the smallest factor it allows (`factormin = 0.2`).
    ///
    /// ```
    /// use odegrad::controller::{StepAttempt, StepSizeController};
    /// use odegrad::{nalgebra::SVector, FnTerm, PidController};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-6, 1e-6)?;
    /// let y = SVector::from([1.0]);
    /// let init = pid.init(&term, 0.0, 100.0, &y, Some(0.1), Some(5))?;
    /// let attempt = StepAttempt { t_start: 0.0, t0: 0.0, t1: 0.1, t_end: 100.0, y0: &y, y1: &y,
    ///     y_error: None, error_order: Some(5), failed: true };
    /// let d = pid.adapt(&attempt, &init.state)?;
    /// assert!(!d.accept && (d.next_t1 - 0.02).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
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
    let tol = span * T::EPSILON.sqrt() * T::cast(1e-2);
    if (t_next - t_end) * dir > -tol {
        if accept {
            t_end
        } else {
            t_prev + (t_end - t_prev) * T::cast(0.5)
        }
    } else {
        t_next
    }
}
