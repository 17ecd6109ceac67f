//! Adjoint methods: how the gradient of a solve is computed.
//!
//! The discretise-then-optimise adjoint reverses the steps of the forward
//! solve one by one; [`checkpoint`] decides which forward states it keeps in a
//! buffer the caller owns and replays the rest, [`solver_vjp`] is the reverse
//! of one step, implemented by [`explicit_rk`] for explicit Runge–Kutta
//! methods, [`esdirk`] for the ESDIRK methods and [`rosenbrock`] for Rodas5P,
//! and [`recursive_checkpoint`] combines the two into
//! the gradient of a solve (Diffrax's `RecursiveCheckpointAdjoint`), and
//! [`binomial`] holds the counting behind the schedule (Griewank 1992; Griewank and Walther 2000;
//! Stumm and Walther 2010; Wang, Moin and Iaccarino 2009).

pub mod binomial;
pub mod checkpoint;
pub mod esdirk;
pub mod explicit_rk;
pub mod recursive_checkpoint;
pub mod rosenbrock;
pub mod solver_vjp;

pub use recursive_checkpoint::{
    AdjointStats, Checkpoint, CheckpointOf, CheckpointSlot, Gradient, RecursiveCheckpointAdjoint,
};
pub use solver_vjp::{OutputCotangents, SolverVjp, StepVjp, StepVjpResult, StepVjpWork};
