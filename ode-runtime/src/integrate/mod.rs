//! Solving an initial value problem: the step loop and its driver.
//!
//! [`diffeqsolve`] is the entry point (Diffrax's `diffeqsolve`): it validates
//! the arguments, runs an [`Integrator`] to `t1` and saves what [`SaveAt`]
//! asks for into the caller's buffers. The [`Integrator`] is the step loop
//! itself, a resumable state machine, public so that adjoints and users can
//! drive it step by step and replay it from a stored [`LoopState`].
//! [`diffeqsolve_with_event`] adds a terminating event ([`crate::event`]).
//!
//! [`SaveAt`]: crate::SaveAt
//!
//! # Examples
//!
//! `diffeqsolve` is the step loop run to the end: driving an [`Integrator`]
//! by hand takes the same steps to the same result.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, Integrator, PidController};
//! use odegrad::{SaveAt, SaveBuffers, Tsit5};
//! let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
//! let pid = PidController::new(1e-8, 1e-8)?;
//! let y0 = SVector::from([1.0]);
//! let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.1), y0, &SaveAt::nothing(), &pid, 1000,
//!     &mut SaveBuffers::none())?;
//! let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, Some(0.1), y0, 1000)?;
//! while !integrator.is_done() {
//!     integrator.advance()?;
//! }
//! assert_eq!(integrator.state().stats, sol.stats);
//! assert!((integrator.state().y - sol.y).norm() < 1e-15);
//! assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-8);
//! # Ok::<(), odegrad::Error>(())
//! ```

mod diffeqsolve;
mod integrator;

pub use diffeqsolve::{Solution, diffeqsolve, diffeqsolve_with_event};
pub use integrator::{
    AcceptedStep, AcceptedStepOf, Advance, Integrator, LoopState, LoopStateOf,
    MAX_CONSECUTIVE_FAILURES, Stats,
};
