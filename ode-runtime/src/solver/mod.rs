//! Solvers: one step of a numerical method, statically dispatched.
//!
//! A [`Solver`] advances a [`Term`] from `t0` to `t1` and returns the new
//! state, an embedded error estimate, the coefficients of its continuous
//! extension, and the solver state the next step starts from (the FSAL
//! derivative, a reusable Jacobian factorisation). It is generic over the term
//! type, so explicit methods accept any [`Term`] while implicit ones ask for a
//! [`crate::JacobianTerm`]. The step loop, step-size control and saving live
//! elsewhere; a solver knows one step only.
//!
//! Everything a step needs to be restarted — `t`, `y`, the step size and
//! `SolverState` — is small and `Copy`, which is what checkpoints store.

pub mod explicit;
pub mod tableau;

use crate::{Scalar, State, Term};

pub mod implicit;
pub mod lu;
#[cfg(test)]
mod order_conditions;
pub mod rosenbrock;
#[cfg(test)]
mod stiff_tests;

/// What happened inside one step, beside its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// The step was computed; the controller decides whether to keep it.
    Computed,
    /// An implicit stage did not converge, or the linear system of a stage
    /// was singular at this step size: reject the step and shrink it.
    NonlinearSolveFailed,
    /// The Jacobian at the start of the step is not finite, so the Newton or
    /// Rosenbrock matrix `I − hγJ` is unusable at every step size: stop with
    /// [`crate::Error::SingularMatrix`].
    SingularMatrix,
}

/// Work counters of one step attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepWork {
    /// Vector field evaluations.
    pub vf_evals: u32,
    /// Jacobian evaluations.
    pub jac_evals: u32,
    /// LU factorisations.
    pub lu_factorisations: u32,
}

/// The result of one step attempt from `t0` to `t1`.
#[derive(Clone, Copy, Debug)]
pub struct StepOutput<Y, S, D> {
    /// The candidate state at `t1`.
    pub y1: Y,
    /// The embedded local error estimate, if the method has one.
    pub y_error: Option<Y>,
    /// The coefficients of the continuous extension on `[t0, t1]`.
    pub dense: D,
    /// The solver state for the next step, if this one is accepted.
    pub state: S,
    /// Whether the step could be computed at all.
    pub status: StepStatus,
    /// The work it took.
    pub work: StepWork,
}

/// One step of a numerical method for `y' = f(t, y)`.
pub trait Solver<T: Scalar, Y: State<T>, Tm: Term<T, Y>> {
    /// What one step hands the next (e.g. the first-same-as-last derivative).
    type SolverState: Copy;
    /// The coefficients of a step's continuous extension.
    type DenseInfo: Copy;

    /// The order of the method.
    fn order(&self) -> u32;
    /// The order of the embedded error estimate the controller uses, or `None`
    /// if the method has no error estimate (then only constant steps work).
    fn error_order(&self) -> Option<u32>;
    /// The solver state before the first step.
    fn init(&self, term: &Tm, t0: T, t1: T, y0: &Y) -> Self::SolverState;
    /// The work [`Solver::init`] does (counted into the solve statistics);
    /// none unless the solver overrides it.
    fn init_work(&self) -> StepWork {
        StepWork::default()
    }
    /// Attempts one step from `(t0, y0)` to `t1`.
    fn step(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &Y,
        state: &Self::SolverState,
    ) -> StepOutput<Y, Self::SolverState, Self::DenseInfo>;
    /// Evaluates the continuous extension of an accepted step at `t ∈ [t0, t1]`.
    fn interpolate(&self, t0: T, t1: T, y0: &Y, y1: &Y, dense: &Self::DenseInfo, t: T) -> Y;
}
