//! Implicit solvers for stiff problems: ImplicitEuler and the ESDIRK methods
//! Kvaerno3, Kvaerno4 and Kvaerno5.
//!
//! Each stage `Y_i = y0 + h Σ_{j<i} a_ij k_j + hγ k_i` is solved for
//! `Z_i = hγ k_i` by simplified Newton on `I − hγJ`, with `J` the term's exact
//! Jacobian at the start of a step. The Jacobian and the LU factors of the
//! iteration matrix are kept in the [`ImplicitState`] and reused across stages
//! and steps while the iteration contracts fast; a step whose stages do not
//! converge with a reused Jacobian is retried once with a fresh one before it
//! reports [`StepStatus::NonlinearSolveFailed`](crate::StepStatus) (the step
//! loop then rejects it and shrinks the step).
//!
//! The stage derivatives are taken as `k_i = Z_i / (hγ)` rather than
//! `f(Y_i)`: evaluating `f` at an inexact stage multiplies the Newton error by
//! the stiffness (Hairer and Wanner, *Solving Ordinary Differential Equations
//! II*, §IV.8), and it keeps `Y_i = y0 + h Σ_j a_ij k_j` exact, which is what
//! the discrete adjoint differentiates.
//!
//! Tolerances. A stage solve stops when its predicted remaining error is below
//! `kappa` in the norm weighted by `atol + rtol·|y0|`. These `rtol`/`atol`
//! belong to the solver ([`NewtonConfig`]), not the step-size controller (the
//! solver never sees the controller): set them to the controller's values,
//! as Diffrax's `with_stepsize_controller_tols` does.
//!
//! References: A. Kværnø, *Singly diagonally implicit Runge–Kutta methods with
//! an explicit first stage*, BIT 44 (2004) 489–502; Hairer and Wanner, *Solving
//! Ordinary Differential Equations II*, 2nd ed., §IV.6 and §IV.8.
//!
//! # Examples
//!
//! A stiff problem, `y' = −λ (y − cos t)` with `λ = 1000`: its solution is
//! `(λ² cos t + λ sin t)/(λ² + 1)` after a transient of length `1/λ`.
//! Kvaerno5 follows it with steps the size of the solution's variation;
//! Tsit5 is held to its stability limit, `h ≲ 3.3/λ`.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, Kvaerno5, OdeTerm, PidController};
//! use odegrad::{SaveAt, SaveBuffers, Tsit5};
//! #[ode_system]
//! fn relax(t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
//!     [-p[0] * (y[0] - t.cos())]
//! }
//! let lambda = 1000.0f64;
//! let term = OdeTerm::new(&Relax, SVector::from([lambda]));
//! let pid = PidController::new(1e-6, 1e-6)?;
//! let kvaerno = diffeqsolve(&term, &Kvaerno5::new(1e-6, 1e-6)?, 0.0, 1.0, None,
//!     SVector::from([1.0]), &SaveAt::nothing(), &pid, 10_000, &mut SaveBuffers::none())?;
//! let tsit = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
//!     &SaveAt::nothing(), &pid, 10_000, &mut SaveBuffers::none())?;
//! let exact = (lambda * lambda * 1f64.cos() + lambda * 1f64.sin()) / (lambda * lambda + 1.0);
//! assert!((kvaerno.y[0] - exact).abs() < 1e-5);
//! assert!(10 * kvaerno.stats.num_accepted_steps < tsit.stats.num_accepted_steps);
//! # Ok::<(), odegrad::Error>(())
//! ```

pub(crate) mod esdirk;
mod implicit_euler;
mod kvaerno;
mod newton;

pub use esdirk::{EsdirkTableau, HermiteDense};
pub use implicit_euler::{IMPLICIT_EULER, ImplicitEuler};
pub use kvaerno::{KVAERNO3, KVAERNO4, KVAERNO5, Kvaerno3, Kvaerno4, Kvaerno5};
pub use newton::{ImplicitState, NewtonConfig};
