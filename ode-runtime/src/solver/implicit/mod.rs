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

pub(crate) mod esdirk;
mod implicit_euler;
mod kvaerno;
mod newton;

pub use esdirk::{EsdirkTableau, HermiteDense};
pub use implicit_euler::{IMPLICIT_EULER, ImplicitEuler};
pub use kvaerno::{KVAERNO3, KVAERNO4, KVAERNO5, Kvaerno3, Kvaerno4, Kvaerno5};
pub use newton::{ImplicitState, NewtonConfig};
