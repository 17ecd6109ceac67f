//! # odegrad
//!
//! Compile-time differentiable ODE solvers. Put [`ode_system`] on a plain Rust
//! vector field and the macro emits its Jacobians, Jacobian–vector products and
//! vector–Jacobian products as straight-line code ([`differentiable`] does the
//! same for a scalar loss, emitting its gradient); the runtime combines them
//! with statically dispatched solvers, step-size controllers and adjoints.
//!
//! This crate is a facade: it re-exports [`ode_runtime`] and the macros of
//! `ode-macros`. It is `#![no_std]`; the default `std` feature only adds
//! `std::error::Error` support and routes elementary functions through std.
#![no_std]
#![deny(missing_docs)]

pub use ode_macros::{differentiable, ode_system};
pub use ode_runtime::*;
