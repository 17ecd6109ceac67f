//! # odegrad
//!
//! Compile-time differentiable ODE solvers. Put [`ode_system`] on a plain Rust
//! vector field and the macro emits its Jacobians, Jacobian–vector products and
//! vector–Jacobian products as straight-line code ([`differentiable`] does the
//! same for a scalar loss, emitting its gradient); the runtime combines them
//! with statically dispatched solvers, step-size controllers and adjoints.
//!
//! This crate is a facade: it re-exports [`ode_runtime`] and the macros of
//! `ode-macros`. It is `#![no_std]`; the default `std` feature adds
//! `std::error::Error` support, routes elementary functions through std and
//! re-exports `rayon` for parallel ensembles.
#![no_std]
#![deny(missing_docs)]

pub use ode_macros::{differentiable, ode_system};
pub use ode_runtime::*;

/// rayon, re-exported with the `std` feature so that parallel ensembles
/// of solves and gradients (`examples/ensemble.rs`) name the version odegrad
/// was built with. Every solve borrows only its own buffers, so solves run in
/// parallel without locks.
#[cfg(feature = "std")]
pub use rayon;

/// The README's code blocks, compiled and run as doctests so the tour a
/// newcomer copies stays correct.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
