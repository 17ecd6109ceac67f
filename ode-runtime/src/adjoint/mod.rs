//! Adjoint methods: how the gradient of a solve is computed.
//!
//! The discretise-then-optimise adjoint reverses the steps of the forward
//! solve one by one; [`checkpoint`] decides which forward states it keeps in a
//! buffer the caller owns and replays the rest, [`explicit_rk`] reverses one
//! explicit Runge–Kutta step, [`recursive_checkpoint`] combines the two into
//! the gradient of a solve (Diffrax's `RecursiveCheckpointAdjoint`), and
//! [`binomial`] holds the counting behind the schedule (Griewank 1992; Griewank and Walther 2000;
//! Stumm and Walther 2010; Wang, Moin and Iaccarino 2009). [`implicit`] is
//! Diffrax's `ImplicitAdjoint`: the gradient of a steady state by the
//! implicit function theorem.
//!
//! Forward mode: [`tangent_field`] linearises the vector field along the
//! directions carried, [`tangent_step`] differentiates one accepted step,
//! [`direct`] propagates tangents and sensitivities through a solve
//! (Diffrax's `DirectAdjoint`), and [`forward_mode`] makes "which adjoints
//! allow forward mode" a trait bound.

pub mod binomial;
pub mod checkpoint;
pub mod direct;
pub mod explicit_rk;
pub mod forward_mode;
pub mod implicit;
pub mod recursive_checkpoint;
pub mod tangent_field;
pub mod tangent_step;

pub use direct::DirectAdjoint;
pub use forward_mode::{jvp, Direct, ForwardMode, JvpOutput, RecursiveCheckpoint, Tangent};
pub use tangent_field::{JvpField, Sensitivity, SensitivityField, TangentField};
pub use tangent_step::TangentStep;

pub use implicit::ImplicitAdjoint;
pub use recursive_checkpoint::{
    AdjointStats, Checkpoint, CheckpointOf, CheckpointSlot, EventEnd, Gradient,
    RecursiveCheckpointAdjoint,
};
