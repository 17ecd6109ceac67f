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
//!
//! # Examples
//!
//! Ten steps of Tsit5 taken by hand, each starting from the solver state the
//! previous one returned (for Tsit5, first same as last, the derivative at
//! the step's end):
//!
//! ```
//! use odegrad::{nalgebra::SVector, FnTerm, Solver, StepStatus, Tsit5};
//! let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
//! let (mut t, mut y) = (0.0, SVector::from([1.0]));
//! let mut state = Tsit5.init(&term, 0.0, 1.0, &y);
//! for _ in 0..10 {
//!     let out = Tsit5.step(&term, t, t + 0.1, &y, &state);
//!     assert_eq!(out.status, StepStatus::Computed);
//!     (t, y, state) = (t + 0.1, out.y1, out.state);
//! }
//! assert!((y[0] - (-1.0f64).exp()).abs() < 1e-9);
//! ```

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
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, Solver, Term};
/// use odegrad::{ImplicitEuler, StepStatus};
/// struct Sqrt; // y' = −√y, whose Jacobian −1/(2√y) is infinite at y = 0
/// impl Term<f64, SVector<f64, 1>> for Sqrt {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::from([-y[0].sqrt()]) }
/// }
/// impl odegrad::JacobianTerm<f64, 1> for Sqrt {
///     fn jac(&self, _t: f64, y: &SVector<f64, 1>) -> odegrad::nalgebra::SMatrix<f64, 1, 1> {
///         odegrad::nalgebra::SMatrix::from([[-0.5 / y[0].sqrt()]])
///     }
///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::zeros() }
/// }
/// let solver = ImplicitEuler::new(1e-6, 1e-6)?;
/// let y0 = SVector::from([1.0]);
/// let ok = solver.step(&Sqrt, 0.0, 0.1, &y0, &solver.init(&Sqrt, 0.0, 1.0, &y0));
/// assert_eq!(ok.status, StepStatus::Computed);
/// let y0 = SVector::zeros(); // no step size makes I − hJ usable here
/// let bad = solver.step(&Sqrt, 0.0, 0.1, &y0, &solver.init(&Sqrt, 0.0, 1.0, &y0));
/// assert_eq!(bad.status, StepStatus::SingularMatrix);
/// # Ok::<(), odegrad::Error>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, Solver, Term};
/// struct Decay; // y' = −y
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// use odegrad::Tsit5;
/// let y0 = SVector::from([1.0]);
/// // Tsit5 has 7 stages; the first is the previous step's last (FSAL)
/// let out = Tsit5.step(&Decay, 0.0, 0.1, &y0, &Tsit5.init(&Decay, 0.0, 1.0, &y0));
/// assert_eq!((out.work.vf_evals, out.work.jac_evals, out.work.lu_factorisations), (6, 0, 0));
/// ```
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
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, Solver, Term};
/// struct Decay; // y' = −y
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// use odegrad::Heun;
/// let y0 = SVector::from([1.0]);
/// let out = Heun.step(&Decay, 0.0, 0.1, &y0, &Heun.init(&Decay, 0.0, 0.1, &y0));
/// // k0 = −1, k1 = −0.9: Heun gives 1 − 0.1 (k0 + k1) / 2 = 0.905, its embedded Euler 0.9
/// assert!((out.y1[0] - 0.905).abs() < 1e-15);
/// assert!((out.y_error.expect("Heun has an error estimate")[0].abs() - 0.005).abs() < 1e-15);
/// ```
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
///
/// # Examples
///
/// A complete solver: the explicit midpoint rule, used by `diffeqsolve`.
///
/// ```
/// use odegrad::solver::{Solver, StepOutput, StepStatus, StepWork};
/// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm};
/// use odegrad::{SaveAt, SaveBuffers, Scalar, State, Term};
/// struct Midpoint2; // the explicit midpoint rule, written by hand
/// impl<T: Scalar, Y: State<T>, Tm: Term<T, Y>> Solver<T, Y, Tm> for Midpoint2 {
///     type SolverState = ();
///     type DenseInfo = (); // linear interpolation needs nothing beyond y0, y1
///     fn order(&self) -> u32 { 2 }
///     fn error_order(&self) -> Option<u32> { None }
///     fn init(&self, _term: &Tm, _t0: T, _t1: T, _y0: &Y) {}
///     fn step(&self, term: &Tm, t0: T, t1: T, y0: &Y, _state: &()) -> StepOutput<Y, (), ()> {
///         let half_h = (t1 - t0) * T::cast(0.5);
///         let y_mid = y0.axpy(half_h, &term.vf(t0, y0));
///         let y1 = y0.axpy(t1 - t0, &term.vf(t0 + half_h, &y_mid));
///         let work = StepWork { vf_evals: 2, ..StepWork::default() };
///         StepOutput { y1, y_error: None, dense: (), state: (), status: StepStatus::Computed, work }
///     }
///     fn interpolate(&self, t0: T, t1: T, y0: &Y, y1: &Y, _dense: &(), t: T) -> Y {
///         let s = (t - t0) / (t1 - t0);
///         y0.scale(T::one() - s).axpy(s, y1)
///     }
/// }
/// // y' = t has the quadratic solution t²/2, which a second-order method hits exactly
/// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t]));
/// let sol = diffeqsolve(&term, &Midpoint2, 0.0, 2.0, Some(0.5), SVector::from([0.0]),
///     &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
/// assert!((sol.y[0] - 2.0).abs() < 1e-14);
/// assert_eq!(sol.stats.num_rhs_evals, 8); // 4 steps of 2 evaluations
/// # Ok::<(), odegrad::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot step the term `{Tm}`",
    label = "no solver implementation for this term and state",
    note = "the explicit Runge–Kutta methods step any `Term` on any `State`; Kvaerno3/4/5, ImplicitEuler and Rodas5P need a `JacobianTerm` (an `OdeTerm` of an `#[ode_system]`) on an `SVector` state",
    note = "BacksolveAdjoint integrates an augmented (y, a, ∂L/∂p) state backwards, which has no Jacobian: give it an explicit backward solver, or use DenseBacksolveAdjoint for stiff problems"
)]
pub trait Solver<T: Scalar, Y: State<T>, Tm: Term<T, Y>> {
    /// What one step hands the next (e.g. the first-same-as-last derivative).
    type SolverState: Copy;
    /// The coefficients of a step's continuous extension.
    type DenseInfo: Copy;

    /// The order of the method.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Solver, Term};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// // the observed order of Bosh3 with constant steps: halving h divides the error by 2³
    /// use odegrad::{diffeqsolve, Bosh3, ConstantStepSize, SaveAt, SaveBuffers};
    /// let error = |h: f64| -> Result<f64, odegrad::Error> {
    ///     let sol = diffeqsolve(&Decay, &Bosh3, 0.0, 1.0, Some(h), SVector::from([1.0]),
    ///         &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
    ///     Ok((sol.y[0] - (-1.0f64).exp()).abs())
    /// };
    /// let observed = (error(0.1)? / error(0.05)?).log2();
    /// let order = Solver::<f64, SVector<f64, 1>, Decay>::order(&Bosh3);
    /// assert_eq!(order, 3);
    /// assert!((observed - f64::from(order)).abs() < 0.1);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    fn order(&self) -> u32;
    /// The exponent `q` of the step's error estimate, `‖y_error‖ ≈ C hᵠ`
    /// (one more than the order of the embedded method; Diffrax's
    /// `error_order`), which the step-size controller uses; `None` if the
    /// method has no error estimate (then only constant steps work).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Solver, Term};
    /// use odegrad::{diffeqsolve, Bosh3, Euler, InvalidArgument, PidController, SaveAt, SaveBuffers};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// // Bosh3 (order 3, embedded order 2): halving h divides its estimate by 2³
    /// let y0 = SVector::from([1.0]);
    /// let estimate = |h: f64| {
    ///     let out = Bosh3.step(&Decay, 0.0, h, &y0, &Bosh3.init(&Decay, 0.0, h, &y0));
    ///     out.y_error.map_or(f64::NAN, |e| e[0].abs())
    /// };
    /// assert_eq!(Solver::<f64, SVector<f64, 1>, Decay>::error_order(&Bosh3), Some(3));
    /// assert!(((estimate(0.02) / estimate(0.01)).log2() - 3.0).abs() < 0.1);
    /// // Euler has no estimate, so it cannot run under an adaptive controller
    /// assert_eq!(Solver::<f64, SVector<f64, 1>, Decay>::error_order(&Euler), None);
    /// let pid = PidController::new(1e-6, 1e-6)?;
    /// let result = diffeqsolve(&Decay, &Euler, 0.0, 1.0, Some(0.1), y0,
    ///     &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none());
    /// assert_eq!(result.unwrap_err(), InvalidArgument::NoErrorEstimate.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    fn error_order(&self) -> Option<u32>;
    /// The solver state before the first step.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Solver, Term};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// use odegrad::Tsit5;
    /// // Tsit5 is first same as last: its state is f(t0, y0)
    /// let y0 = SVector::from([2.0]);
    /// assert!((Tsit5.init(&Decay, 0.0, 1.0, &y0)[0] + 2.0).abs() < 1e-15);
    /// ```
    fn init(&self, term: &Tm, t0: T, t1: T, y0: &Y) -> Self::SolverState;
    /// The work [`Solver::init`] does (counted into the solve statistics);
    /// none unless the solver overrides it.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Solver, Term};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// use odegrad::{Euler, Tsit5};
    /// // computing f(t0, y0) for Tsit5's first step costs one evaluation
    /// assert_eq!(Solver::<f64, SVector<f64, 1>, Decay>::init_work(&Tsit5).vf_evals, 1);
    /// assert_eq!(Solver::<f64, SVector<f64, 1>, Decay>::init_work(&Euler).vf_evals, 0);
    /// ```
    fn init_work(&self) -> StepWork {
        StepWork::default()
    }
    /// Attempts one step from `(t0, y0)` to `t1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Solver, Term};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// use odegrad::Euler;
    /// let y0 = SVector::from([1.0]);
    /// let out = Euler.step(&Decay, 0.0, 0.25, &y0, &Euler.init(&Decay, 0.0, 1.0, &y0));
    /// assert!((out.y1[0] - 0.75).abs() < 1e-15); // y0 + h f(t0, y0)
    /// ```
    fn step(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &Y,
        state: &Self::SolverState,
    ) -> StepOutput<Y, Self::SolverState, Self::DenseInfo>;
    /// Evaluates the continuous extension of an accepted step at `t ∈ [t0, t1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, Solver, Term};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// use odegrad::Tsit5;
    /// let y0 = SVector::from([1.0]);
    /// let out = Tsit5.step(&Decay, 0.0, 0.2, &y0, &Tsit5.init(&Decay, 0.0, 0.2, &y0));
    /// let y = |t| Solver::<_, _, Decay>::interpolate(&Tsit5, 0.0, 0.2, &y0, &out.y1, &out.dense, t);
    /// assert!((y(0.1)[0] - (-0.1f64).exp()).abs() < 1e-7);
    /// // the extension passes through both ends of the step
    /// assert!((y(0.0) - y0).norm() < 1e-15 && (y(0.2) - out.y1).norm() < 1e-15);
    /// ```
    fn interpolate(&self, t0: T, t1: T, y0: &Y, y1: &Y, dense: &Self::DenseInfo, t: T) -> Y;
}
