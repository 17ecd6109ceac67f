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

mod diffeqsolve;
mod integrator;

pub use diffeqsolve::{Solution, diffeqsolve, diffeqsolve_with_event};
pub use integrator::{
    AcceptedStep, AcceptedStepOf, Advance, Integrator, LoopState, LoopStateOf,
    MAX_CONSECUTIVE_FAILURES, Stats,
};
