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
