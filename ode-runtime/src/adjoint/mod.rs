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
//! Stumm and Walther 2010; Wang, Moin and Iaccarino 2009). [`implicit`] is
//! Diffrax's `ImplicitAdjoint`: the gradient of a steady state by the
//! implicit function theorem.
//!
//! Forward mode: [`tangent_field`] linearises the vector field along the
//! directions carried, [`tangent_step`] differentiates one accepted step,
//! [`direct`] propagates tangents and sensitivities through a solve
//! (Diffrax's `DirectAdjoint`), and [`forward_mode`] makes "which adjoints
//! allow forward mode" a trait bound.
//!
//! The optimise-then-discretise adjoint, [`backsolve`] (Diffrax's
//! `BacksolveAdjoint`), solves the continuous adjoint equations backwards in
//! time instead, optionally with the [`seminorm`] of Kidger, Chen and Lyons
//! (2021) controlling its steps; [`backsolve_dense`] reads `y` from the
//! forward solve's stored dense output instead, which lets an implicit method
//! solve the backward pass of a stiff problem.
//!
//! # Examples
//!
//! The gradient of `L = y(1)` for `y' = −p·y` by both routes: reversing the
//! forward steps and solving the adjoint equations backwards. Both approach
//! `dy(1)/dp = −e^{−p}·y0` as the tolerances shrink.
//!
//! ```
//! use odegrad::adjoint::{checkpoint::Slot, BacksolveAdjoint, RecursiveCheckpointAdjoint};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//!
//! #[ode_system]
//! fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
//!     [-p[0] * y[0]]
//! }
//! let term = OdeTerm::new(&Decay, SVector::from([2.0]));
//! let pid = PidController::new(1e-10, 1e-10)?;
//! let (y0, y1_bar) = (SVector::from([1.0]), SVector::from([1.0]));
//! // Discretise then optimise: reverse the forward steps, replaying from checkpoints.
//! let mut slots = [Slot::EMPTY; 8];
//! let discrete = RecursiveCheckpointAdjoint::forward(
//!     &term, &Tsit5, &pid, 0.0, 1.0, None, y0, &[], &mut [], 1000, &mut slots)?
//!     .backward(&[], &y1_bar)?;
//! // Optimise then discretise: integrate the adjoint ODE from t1 back to t0.
//! let continuous = BacksolveAdjoint::forward(
//!     &term, &Tsit5, &pid, 0.0, 1.0, None, y0, &[], &mut [], 1000, &mut [])?
//!     .backward(&[], &y1_bar)?;
//! let exact = -(-2.0f64).exp();
//! assert!((discrete.params[0] - exact).abs() < 1e-8);
//! assert!((continuous.params[0] - exact).abs() < 1e-8);
//! assert!((discrete.y0[0] - continuous.y0[0]).abs() < 1e-8);
//! # Ok::<(), odegrad::Error>(())
//! ```

pub mod backsolve;
pub mod backsolve_dense;
pub mod binomial;
pub mod checkpoint;
pub mod direct;
pub mod esdirk;
pub mod explicit_rk;
pub mod forward_mode;
pub mod implicit;
pub mod recursive_checkpoint;
pub mod rosenbrock;
pub mod seminorm;
pub mod solver_vjp;
pub mod tangent_field;
pub mod tangent_step;

pub use direct::DirectAdjoint;
pub use forward_mode::{
    Direct, ForwardMode, Implicit, JvpOutput, RecursiveCheckpoint, Tangent, jvp,
};
pub use tangent_field::{JvpField, Sensitivity, SensitivityField, TangentField};
pub use tangent_step::TangentStep;

pub use implicit::ImplicitAdjoint;

pub use backsolve::{
    AdjointTerm, Anchor, AugmentedState, BacksolveAdjoint, BacksolveConfig, BacksolveStats,
};
pub use backsolve_dense::{DenseAdjointTerm, DenseBacksolveAdjoint, DenseRecord, DenseSlot};
pub use recursive_checkpoint::{
    AdjointStats, Checkpoint, CheckpointOf, CheckpointSlot, EventEnd, Gradient,
    RecursiveCheckpointAdjoint,
};
pub use seminorm::AdjointRmsSeminorm;
pub use solver_vjp::{OutputCotangents, SolverVjp, StepVjp, StepVjpResult, StepVjpWork};
