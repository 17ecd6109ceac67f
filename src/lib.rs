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
//!
//! # Examples
//!
//! The gradient of `L = y(1)` for `y' = −k y`, `y(0) = y0`: since
//! `y(1) = y0 e⁻ᵏ`, `∂L/∂y0 = e⁻ᵏ` and `∂L/∂k = −y0 e⁻ᵏ`.
//!
//! ```
//! use odegrad::adjoint::{checkpoint::Slot, RecursiveCheckpointAdjoint};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//! #[ode_system]
//! fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
//!     [-p[0] * y[0]]
//! }
//! let (k, y0) = (0.5, 2.0);
//! let term = OdeTerm::new(&Decay, SVector::from([k]));
//! let pid = PidController::new(1e-10, 1e-10)?;
//! let (ts, mut ys, mut slots) = ([1.0], [SVector::zeros()], [Slot::EMPTY; 8]);
//! let solve = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
//!     SVector::from([y0]), &ts, &mut ys, 1000, &mut slots)?;
//! let grad = solve.backward(&[SVector::from([1.0])], &SVector::zeros())?; // ∂L/∂y(ts[0]) = 1
//! assert!((grad.y0[0] - (-k).exp()).abs() < 1e-8);
//! assert!((grad.params[0] + y0 * (-k).exp()).abs() < 1e-8);
//! # Ok::<(), odegrad::Error>(())
//! ```
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
