//! # ode-runtime
//!
//! The `#![no_std]`, allocation-free runtime of odegrad: the state algebra,
//! the [`OdeSystem`] interface that `#[ode_system]` implements, the [`Loss`]
//! interface that `#[differentiable]` implements, terms, solvers,
//! step-size controllers, saving, and the adjoint methods that differentiate a
//! solve.
//!
//! Nothing here allocates or panics on bad input: every failure is an
//! [`Error`]. Elementary functions go through [`math`], which uses std when the
//! `std` feature is on and the `libm` crate otherwise.
//!
//! # Examples
//!
//! The path of a solve: a vector field made differentiable by
//! `#[ode_system]`, bound to its parameters in an [`OdeTerm`], solved by
//! [`diffeqsolve`] with a [`Solver`] and a [`StepSizeController`], outputs
//! saved into the caller's buffers as [`SaveAt`] asks.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, OdeTerm, PidController};
//! use odegrad::{SaveAt, SaveBuffers, Tsit5};
//! #[ode_system] // the harmonic oscillator x'' = −ω² x
//! fn oscillator(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
//!     [y[1], -p[0] * p[0] * y[0]]
//! }
//! let omega = 2.0;
//! let term = OdeTerm::new(&Oscillator, SVector::from([omega]));
//! let pid = PidController::new(1e-9, 1e-9)?;
//! let times = [0.5, 1.0, 1.5];
//! let (mut ts, mut ys) = ([0.0; 3], [SVector::zeros(); 3]);
//! let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.5, None, SVector::from([1.0, 0.0]),
//!     &SaveAt::ts(&times), &pid, 1000, &mut SaveBuffers::new(&mut ts, &mut ys))?;
//! assert_eq!(sol.num_saved, 3);
//! for (t, y) in ts.iter().zip(&ys) {
//!     assert!((y[0] - (omega * t).cos()).abs() < 1e-7); // x(t) = cos ωt
//! }
//! # Ok::<(), odegrad::Error>(())
//! ```
//!
//! [`StepSizeController`]: controller::StepSizeController
#![no_std]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod adjoint;
pub mod controller;
pub mod error;
pub mod event;
pub mod integrate;
pub mod loss;
pub mod math;
pub mod saveat;
pub mod scalar;
pub mod solver;
pub mod state;
pub mod system;
pub mod term;

pub use controller::{ConstantStepSize, PidController, StepSizeController, StepTo};
pub use error::{Error, InvalidArgument};
pub use integrate::{
    AcceptedStep, Advance, Integrator, LoopState, Solution, Stats, diffeqsolve,
    diffeqsolve_with_event,
};
pub use loss::{DataLoss, Loss};
pub use saveat::{DenseStep, SaveAt, SaveBuffers, evaluate_dense};
pub use scalar::Scalar;
pub use solver::explicit::{Bosh3, Dopri5, Dopri8, Euler, Heun, Midpoint, Ralston, Tsit5};
pub use solver::implicit::{ImplicitEuler, Kvaerno3, Kvaerno4, Kvaerno5, NewtonConfig};
pub use solver::rosenbrock::Rodas5P;
pub use solver::{Solver, StepOutput, StepStatus, StepWork};
pub use state::State;
pub use system::OdeSystem;
pub use term::{
    FnTerm, JacobianTerm, JvpTerm, OdeTerm, ParamJacobianTerm, SecondOrderTerm, Term, VjpTerm,
};

/// nalgebra, re-exported so generated code and users name the same version.
pub use nalgebra;
