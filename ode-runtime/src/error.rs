//! Why a solve or a gradient did not produce a result.
//!
//! One small `Copy` enum, as in heapless: no strings, no allocation, times as
//! `f64` so the type is the same for `f32` and `f64` solves. Every failure of
//! the runtime is one of these; nothing panics.
//!
//! # Examples
//!
//! A solve that runs out of steps says where it stopped, and converts into
//! any error type through `core::error::Error`:
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, Error, FnTerm, PidController};
//! use odegrad::{SaveAt, SaveBuffers, Tsit5};
//! let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
//! let pid = PidController::new(1e-10, 1e-10)?;
//! let result = diffeqsolve(&term, &Tsit5, 0.0, 100.0, Some(0.01), SVector::from([1.0]),
//!     &SaveAt::nothing(), &pid, 5, &mut SaveBuffers::none());
//! match result {
//!     Err(Error::MaxStepsReached { t, max_steps }) => {
//!         assert_eq!(max_steps, 5);
//!         assert!(t > 0.0 && t < 100.0);
//!     }
//!     other => panic!("expected MaxStepsReached, got {other:?}"),
//! }
//! let boxed: Box<dyn core::error::Error> = Box::new(result.unwrap_err());
//! assert!(boxed.to_string().starts_with("maximum number of steps (5)"));
//! # Ok::<(), odegrad::Error>(())
//! ```

use core::fmt;

/// An invalid argument, named.
///
/// # Examples
///
/// Arguments are checked before any work is done, each failure with its own
/// variant:
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, Error, FnTerm, InvalidArgument};
/// use odegrad::{PidController, SaveAt, SaveBuffers, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-6, 1e-6)?;
/// let mut solve = |t1: f64, dt0: f64| diffeqsolve(&term, &Tsit5, 0.0, t1, Some(dt0),
///     SVector::from([1.0]), &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none());
/// assert_eq!(solve(0.0, 0.1)?.y, SVector::from([1.0])); // t0 == t1 is no error: y(t1) = y0
/// assert_eq!(solve(1.0, -0.1).unwrap_err(), Error::InvalidArgument(InvalidArgument::Dt0WrongDirection));
/// assert_eq!(InvalidArgument::ZeroDt0.to_string(), "dt0 is zero");
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidArgument {
    /// `y0` has a NaN or infinite component.
    NonFiniteY0,
    /// The parameters have a NaN or infinite component.
    NonFiniteParams,
    /// `t0` is NaN or infinite.
    NonFiniteT0,
    /// `t1` is NaN (or infinite where no terminating event can end the solve).
    NonFiniteT1,
    /// `dt0` is zero (allowed only on an empty interval, where no step is taken).
    ZeroDt0,
    /// `dt0` is NaN or infinite.
    NonFiniteDt0,
    /// `dt0` points away from `t1` (any sign is allowed when `t0 == t1`).
    Dt0WrongDirection,
    /// The controller needs `dt0` but none was given and the solver cannot pick one.
    MissingDt0,
    /// `rtol` is negative, NaN or infinite.
    NegativeRtol,
    /// `atol` is negative, NaN or infinite.
    NegativeAtol,
    /// `rtol` and `atol` are both zero.
    ZeroTolerances,
    /// `dtmin` is negative, NaN, or above `dtmax`.
    InvalidDtmin,
    /// `dtmax` is not positive.
    InvalidDtmax,
    /// A controller coefficient (safety, factormin, factormax, pcoeff, icoeff,
    /// dcoeff) is out of range.
    InvalidControllerCoefficient,
    /// Save times are not monotone in the direction of integration.
    TsNotMonotone,
    /// A save time lies outside `[t0, t1]`.
    TsOutsideSpan,
    /// Step times (`StepTo`, `step_ts`, `jump_ts`) are not monotone or do not
    /// span `[t0, t1]`.
    StepTsInvalid,
    /// `max_steps` is zero.
    ZeroMaxSteps,
    /// The solver has no error estimate, so it cannot be used with an adaptive
    /// step-size controller.
    NoErrorEstimate,
    /// The adjoint saves only the final state (ImplicitAdjoint), but output
    /// times were requested.
    SaveAtNotFinal,
    /// `dt0` was given to `StepTo`, whose steps are the given times.
    Dt0WithStepTo,
    /// A Newton setting (`kappa`, `max_iters`, `jac_refresh_theta`,
    /// `lu_reuse_band`) is out of range.
    InvalidNewtonConfig,
    /// A loss against observed data was given fewer data points than save
    /// times (`loss::cotangents_with_data`).
    DataShorterThanTs,
}

/// Why a solve or gradient failed.
///
/// # Examples
///
/// ```
/// use odegrad::Error;
/// let e = Error::MaxStepsReached { t: 2.5, max_steps: 16 };
/// assert_eq!(e.to_string(), "maximum number of steps (16) reached at t = 2.5");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Error {
    /// The step budget ran out before `t1`.
    MaxStepsReached {
        /// How far the solve got.
        t: f64,
        /// The budget.
        max_steps: usize,
    },
    /// The controller wanted a step smaller than `dtmin`, or the step became
    /// too small to change `t` in floating point.
    StepSizeBelowDtmin {
        /// Where the solve stopped.
        t: f64,
        /// The step the controller asked for.
        dt: f64,
    },
    /// The state became NaN or infinite.
    NonFiniteState {
        /// Where.
        t: f64,
    },
    /// The vector field returned NaN or infinity at a finite state.
    NonFiniteDerivative {
        /// Where.
        t: f64,
    },
    /// Attempts kept failing: an implicit stage did not converge and the
    /// step could not (or could no longer usefully) be shrunk.
    NonlinearSolveFailed {
        /// Where.
        t: f64,
    },
    /// A Newton or linear-solve matrix was singular.
    SingularMatrix {
        /// Where.
        t: f64,
    },
    /// The caller's save buffer cannot hold every requested output.
    SaveBufferTooSmall {
        /// Outputs the solve needs to store (at least).
        needed: usize,
        /// Its capacity.
        capacity: usize,
    },
    /// The caller's checkpoint buffer cannot hold the schedule the gradient needs.
    CheckpointBufferTooSmall {
        /// Checkpoints needed (at least).
        needed: usize,
        /// Its capacity.
        capacity: usize,
    },
    /// The backward pass of a continuous adjoint diverged.
    AdjointDiverged {
        /// Where.
        t: f64,
    },
    /// An argument is invalid.
    InvalidArgument(InvalidArgument),
}

impl From<InvalidArgument> for Error {
    fn from(e: InvalidArgument) -> Self {
        Error::InvalidArgument(e)
    }
}

impl fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use InvalidArgument::*;
        f.write_str(match self {
            NonFiniteY0 => "y0 has a NaN or infinite component",
            NonFiniteParams => "params have a NaN or infinite component",
            NonFiniteT0 => "t0 is NaN or infinite",
            NonFiniteT1 => "t1 is NaN or infinite",
            ZeroDt0 => "dt0 is zero",
            NonFiniteDt0 => "dt0 is NaN or infinite",
            Dt0WrongDirection => "dt0 points away from t1",
            MissingDt0 => "dt0 is required by this controller",
            NegativeRtol => "rtol is negative, NaN or infinite",
            NegativeAtol => "atol is negative, NaN or infinite",
            ZeroTolerances => "rtol and atol are both zero",
            InvalidDtmin => "dtmin is negative, NaN or larger than dtmax",
            InvalidDtmax => "dtmax is not positive",
            InvalidControllerCoefficient => "a step-size controller coefficient is out of range",
            TsNotMonotone => "save times are not monotone in the direction of integration",
            TsOutsideSpan => "a save time lies outside [t0, t1]",
            StepTsInvalid => "step times are not monotone or do not span [t0, t1]",
            ZeroMaxSteps => "max_steps is zero",
            NoErrorEstimate => "the solver has no error estimate for an adaptive controller",
            SaveAtNotFinal => "this adjoint saves only the final state: request no output times",
            Dt0WithStepTo => "dt0 must be None with StepTo",
            InvalidNewtonConfig => "a Newton solver setting is out of range",
            DataShorterThanTs => "fewer data points than save times",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::MaxStepsReached { t, max_steps } => {
                write!(
                    f,
                    "maximum number of steps ({max_steps}) reached at t = {t}"
                )
            }
            Error::StepSizeBelowDtmin { t, dt } => {
                write!(
                    f,
                    "step size {dt} at t = {t} is below dtmin or too small to advance t \
                     (often a stiff problem with an explicit solver: try Kvaerno5 or Rodas5P)"
                )
            }
            Error::NonFiniteState { t } => write!(f, "the state became NaN or infinite at t = {t}"),
            Error::NonFiniteDerivative { t } => {
                write!(f, "the vector field returned NaN or infinity at t = {t}")
            }
            Error::NonlinearSolveFailed { t } => {
                write!(f, "the nonlinear stage solve kept failing at t = {t}")
            }
            Error::SingularMatrix { t } => {
                write!(f, "singular matrix in a linear solve at t = {t}")
            }
            Error::SaveBufferTooSmall { needed, capacity } => write!(
                f,
                "save buffer too small: at least {needed} outputs needed, capacity {capacity}"
            ),
            Error::CheckpointBufferTooSmall { needed, capacity } => write!(
                f,
                "checkpoint buffer too small: {needed} checkpoints needed, capacity {capacity}"
            ),
            Error::AdjointDiverged { t } => {
                write!(f, "the backward adjoint solve diverged at t = {t}")
            }
            Error::InvalidArgument(a) => write!(f, "invalid argument: {a}"),
        }
    }
}

impl core::error::Error for InvalidArgument {}
impl core::error::Error for Error {}
