//! Adjoint methods: how the gradient of a solve is computed.
//!
//! The discretise-then-optimise adjoint reverses the steps of the forward
//! solve one by one; [`checkpoint`] decides which forward states it keeps in a
//! buffer the caller owns and replays the rest, [`explicit_rk`] reverses one
//! explicit Runge–Kutta step, [`recursive_checkpoint`] combines the two into
//! the gradient of a solve (Diffrax's `RecursiveCheckpointAdjoint`), and
//! [`binomial`] holds the counting behind the schedule (Griewank 1992; Griewank and Walther 2000;
//! Stumm and Walther 2010; Wang, Moin and Iaccarino 2009).
//!
//! The optimise-then-discretise adjoint, [`backsolve`] (Diffrax's
//! `BacksolveAdjoint`), solves the continuous adjoint equations backwards in
//! time instead, optionally with the [`seminorm`] of Kidger, Chen and Lyons
//! (2021) controlling its steps; [`backsolve_dense`] reads `y` from the
//! forward solve's stored dense output instead, which lets an implicit method
//! solve the backward pass of a stiff problem.

pub mod backsolve;
pub mod backsolve_dense;
pub mod binomial;
pub mod checkpoint;
pub mod explicit_rk;
pub mod recursive_checkpoint;
pub mod seminorm;

pub use backsolve::{
    AdjointTerm, Anchor, AugmentedState, BacksolveAdjoint, BacksolveConfig, BacksolveStats,
};
pub use backsolve_dense::{DenseAdjointTerm, DenseBacksolveAdjoint, DenseRecord, DenseSlot};
pub use recursive_checkpoint::{
    AdjointStats, Checkpoint, CheckpointOf, CheckpointSlot, Gradient, RecursiveCheckpointAdjoint,
};
pub use seminorm::AdjointRmsSeminorm;
