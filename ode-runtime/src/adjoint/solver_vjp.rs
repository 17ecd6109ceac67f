//! The reverse of one accepted step, the interface between the step loop's
//! adjoint ([`super::recursive_checkpoint`]) and each family of solvers.
//!
//! [`SolverVjp::step_vjp`] replays an accepted step from the state it started
//! from and pulls the cotangents of its outputs — the end state and any
//! outputs of the continuous extension inside the step — back to the step's
//! inputs. The explicit Runge–Kutta methods implement it stage by stage
//! ([`super::explicit_rk`]), the ESDIRK methods by the implicit function
//! theorem at their converged stages ([`super::esdirk`]), the Rosenbrock
//! method through its linear stages and the second-order product of the
//! term ([`super::rosenbrock`]). None of them differentiates the error
//! estimate or anything else the step-size controller uses.
//!
//! # Examples
//!
//! A solve's discrete adjoint is its steps' reverses chained, last step first.
//! Two Heun steps reversed by hand give the gradient
//! [`super::RecursiveCheckpointAdjoint`] computes:
//!
//! ```
//! use odegrad::adjoint::{checkpoint::Slot, OutputCotangents, RecursiveCheckpointAdjoint, SolverVjp};
//! use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Heun, OdeTerm, Solver};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
//! let (y0, w) = (SVector::from([1.0, 2.0]), SVector::from([1.0, 0.0]));
//! // Forward: two steps of 0.1.
//! let s0 = Heun.init(&term, 0.0, 0.1, &y0);
//! let first = Heun.step(&term, 0.0, 0.1, &y0, &s0);
//! let second = Heun.step(&term, 0.1, 0.2, &first.y1, &first.state);
//! // Reverse: the second step, then the first with the cotangent it returned.
//! let (g2, _) = Heun.step_vjp(&term, 0.1, 0.2, &first.y1, &first.state, &w, OutputCotangents::none())?;
//! let (g1, _) = Heun.step_vjp(&term, 0.0, 0.1, &y0, &s0, &g2.y0, OutputCotangents::none())?;
//! let mut slots = [Slot::EMPTY; 2];
//! let solve = RecursiveCheckpointAdjoint::forward(&term, &Heun, &ConstantStepSize, 0.0, 0.2,
//!     Some(0.1), y0, &[], &mut [], 10, &mut slots)?;
//! assert_eq!(*solve.y1(), second.y1); // the same two steps
//! let g = solve.backward(&[], &w)?;
//! assert!((g.y0 - g1.y0).norm() < 1e-15);
//! assert!((g.params - (g1.params + g2.params)).norm() < 1e-15);
//! # Ok::<(), odegrad::Error>(())
//! ```

use crate::{Error, Scalar, Solver, State, VjpTerm};

/// The cotangents of a step's inputs.
///
/// # Examples
///
/// One Euler step of `y' = −p·y`, `y1 = y0 − h·p·y0`, has the cotangents
/// `(1 − h·p, −h·y0, 0, −p·y0)` for `y1_bar = 1`:
///
/// ```
/// use odegrad::adjoint::{OutputCotangents, SolverVjp};
/// use odegrad::{nalgebra::SVector, ode_system, Euler, OdeTerm, Solver};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let (p, y0, h) = (2.0, 3.0, 0.1);
/// let term = OdeTerm::new(&Decay, SVector::from([p]));
/// let y0 = SVector::from([y0]);
/// let state = Euler.init(&term, 0.0, h, &y0);
/// let (g, _) = Euler.step_vjp(&term, 0.0, h, &y0, &state, &SVector::from([1.0]),
///     OutputCotangents::none())?;
/// assert!((g.y0[0] - (1.0 - h * p)).abs() < 1e-15);
/// assert!((g.params[0] + h * 3.0).abs() < 1e-15);
/// assert!(g.t0.abs() < 1e-15); // autonomous
/// assert!((g.h + p * 3.0).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StepVjp<T, Y, P> {
    /// Of the state the step starts from.
    pub y0: Y,
    /// Of the term's parameters.
    pub params: P,
    /// Of the time the step starts at.
    pub t0: T,
    /// Of the step size.
    pub h: T,
}

/// What [`SolverVjp::step_vjp`] returns: the cotangents of the step's
/// inputs and the work it took.
pub type StepVjpResult<T, Y, P> = Result<(StepVjp<T, Y, P>, StepVjpWork), Error>;

/// The derivative work of one reversed step (the replay's own work is not
/// counted: it is a forward step).
///
/// # Examples
///
/// Tsit5 has seven stages, the last one `f(t1, y1)` with weight zero in `y1`:
/// reversing a step for its end takes six products, and seven when an output
/// inside the step, whose continuous extension uses that stage, has a
/// cotangent:
///
/// ```
/// use odegrad::adjoint::{OutputCotangents, SolverVjp};
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Solver, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let y0 = SVector::from([1.0]);
/// let state = Tsit5.init(&term, 0.0, 0.1, &y0);
/// let w = SVector::from([1.0]);
/// let (_, end_only) = Tsit5.step_vjp(&term, 0.0, 0.1, &y0, &state, &w, OutputCotangents::none())?;
/// let inside = OutputCotangents { ts: &[0.05], ys_bar: &[w] };
/// let (_, with_output) = Tsit5.step_vjp(&term, 0.0, 0.1, &y0, &state, &w, inside)?;
/// assert_eq!((end_only.vjp_evals, with_output.vjp_evals), (6, 7));
/// assert_eq!((end_only.jac_evals, end_only.lu_factorisations), (0, 0)); // explicit
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepVjpWork {
    /// Vector–Jacobian products of the term.
    pub vjp_evals: u32,
    /// Second-order products `∇(wᵀ J v)` of the term (Rosenbrock).
    pub second_order_evals: u32,
    /// Jacobian evaluations.
    pub jac_evals: u32,
    /// LU factorisations.
    pub lu_factorisations: u32,
}

/// The cotangents of a step's outputs inside the step: `ys_bar[m]` is the
/// cotangent of the continuous extension at `ts[m]`, `t0 < ts[m] ≤ t1`.
///
/// # Examples
///
/// An output at a fixed time `t` inside an Euler step: the continuous extension
/// is `y(t) = y0 + (t − t0)·f(y0)`, so its cotangent reaches `y0` as
/// `1 − p·(t − t0)` and `t0` as `−f(y0) = p·y0`, and not `h`:
///
/// ```
/// use odegrad::adjoint::{OutputCotangents, SolverVjp};
/// use odegrad::{nalgebra::SVector, ode_system, Euler, OdeTerm, Solver};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let y0 = SVector::from([3.0]);
/// let state = Euler.init(&term, 0.0, 0.1, &y0);
/// let outputs = OutputCotangents { ts: &[0.04], ys_bar: &[SVector::from([1.0])] };
/// let (g, _) = Euler.step_vjp(&term, 0.0, 0.1, &y0, &state, &SVector::zeros(), outputs)?;
/// assert!((g.y0[0] - (1.0 - 2.0 * 0.04)).abs() < 1e-15);
/// assert!((g.t0 - 2.0 * 3.0).abs() < 1e-13);
/// assert!(g.h.abs() < 1e-13);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct OutputCotangents<'a, T, Y> {
    /// The output times, in the order of integration.
    pub ts: &'a [T],
    /// Their cotangents (as many as `ts`; extra entries are ignored).
    pub ys_bar: &'a [Y],
}

impl<T, Y> OutputCotangents<'_, T, Y> {
    /// No outputs inside the step.
    ///
    /// # Examples
    ///
    /// A step's reverse is linear in its cotangents: the end's alone (with
    /// `none()`) plus the outputs' alone is both together.
    ///
    /// ```
    /// use odegrad::adjoint::{OutputCotangents, SolverVjp};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Solver, Tsit5};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    /// let y0 = SVector::from([1.0, 2.0]);
    /// let state = Tsit5.init(&term, 0.0, 0.2, &y0);
    /// let (w1, w) = (SVector::from([1.0, -1.0]), [SVector::from([0.5, 2.0])]);
    /// let outputs = OutputCotangents { ts: &[0.07], ys_bar: &w };
    /// let zero = SVector::zeros();
    /// let (end, _) = Tsit5.step_vjp(&term, 0.0, 0.2, &y0, &state, &w1, OutputCotangents::none())?;
    /// let (inside, _) = Tsit5.step_vjp(&term, 0.0, 0.2, &y0, &state, &zero, outputs)?;
    /// let (both, _) = Tsit5.step_vjp(&term, 0.0, 0.2, &y0, &state, &w1, outputs)?;
    /// assert!((end.params + inside.params - both.params).norm() < 1e-14);
    /// assert!((end.h + inside.h - both.h).abs() < 1e-13);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn none() -> Self {
        Self {
            ts: &[],
            ys_bar: &[],
        }
    }
}

/// A solver whose accepted steps can be reversed: the discrete adjoint of one
/// step.
///
/// The step is differentiated as a function of `(y0, params, t0, h)` with
/// `h = t1 − t0`; the outputs inside the step are at fixed times, so they
/// depend on `t0` and `h` through `θ = (t − t0)/h`. Replaying the step from
/// `state` must reproduce the forward step bit for bit (every solver of the
/// crate is deterministic given its solver state).
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::{OutputCotangents, SolverVjp};
/// use odegrad::{nalgebra::SVector, ode_system, ImplicitEuler, OdeTerm, Solver};
///
/// // y' = −p y with p = 3: one implicit Euler step gives y1 = y0 / (1 + p h).
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type V = SVector<f64, 1>;
/// let term = OdeTerm::new(&Decay, V::from([3.0]));
/// let solver = ImplicitEuler::new(1e-12, 1e-12)?;
/// let (h, y0) = (0.5, V::from([2.0]));
/// let state = solver.init(&term, 0.0, h, &y0);
/// let (g, work) = solver.step_vjp(
///     &term, 0.0, h, &y0, &state, &V::from([1.0]), OutputCotangents::none())?;
/// assert!((g.y0[0] - 1.0 / 2.5).abs() < 1e-12);              // 1 / (1 + p h)
/// assert!((g.params[0] + h * 2.0 / (2.5 * 2.5)).abs() < 1e-9); // −h y0 / (1 + p h)²
/// assert!((g.h + 3.0 * 2.0 / (2.5 * 2.5)).abs() < 1e-9);       // −p y0 / (1 + p h)²
/// assert_eq!((work.jac_evals, work.lu_factorisations), (1, 1));
/// # Ok::<(), odegrad::Error>(())
/// ```
pub trait SolverVjp<T: Scalar, Y: State<T>, Tm: VjpTerm<T, Y>>: Solver<T, Y, Tm> {
    /// Replays the accepted step from `(t0, y0)` to `t1` with the solver
    /// state it started from and returns the cotangents of its inputs given
    /// `y1_bar`, the cotangent of its end state, and those of its outputs
    /// inside the step.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteState`] if the replay does not compute a step (the
    /// term is not deterministic); [`Error::SingularMatrix`] if a transposed
    /// stage matrix is singular.
    ///
    /// # Examples
    ///
    /// The cotangents of one Tsit5 step of Lotka–Volterra against central
    /// differences of the step itself, in `y0`, the parameters and `h`:
    ///
    /// ```
    /// use odegrad::adjoint::{OutputCotangents, SolverVjp};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Solver, Tsit5};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// type V2 = SVector<f64, 2>;
    /// // ⟨w, y1⟩ after one step of size h from y0.
    /// let w = V2::from([0.3, -1.2]);
    /// let step = |y0: V2, p: SVector<f64, 4>, h: f64| {
    ///     let term = OdeTerm::new(&LotkaVolterra, p);
    ///     w.dot(&Tsit5.step(&term, 0.0, h, &y0, &Tsit5.init(&term, 0.0, h, &y0)).y1)
    /// };
    /// let (y0, p, h) = (V2::from([1.0, 2.0]), SVector::from([1.5, 1.0, 3.0, 1.0]), 0.2);
    /// let term = OdeTerm::new(&LotkaVolterra, p);
    /// let state = Tsit5.init(&term, 0.0, h, &y0);
    /// let (g, _) = Tsit5.step_vjp(&term, 0.0, h, &y0, &state, &w, OutputCotangents::none())?;
    /// let eps = 1e-6;
    /// for i in 0..2 {
    ///     let e = eps * V2::ith(i, 1.0);
    ///     let fd = (step(y0 + e, p, h) - step(y0 - e, p, h)) / (2.0 * eps);
    ///     assert!((g.y0[i] - fd).abs() < 1e-8);
    /// }
    /// for j in 0..4 {
    ///     let e = eps * SVector::<f64, 4>::ith(j, 1.0);
    ///     let fd = (step(y0, p + e, h) - step(y0, p - e, h)) / (2.0 * eps);
    ///     assert!((g.params[j] - fd).abs() < 1e-8);
    /// }
    /// let fd_h = (step(y0, p, h + eps) - step(y0, p, h - eps)) / (2.0 * eps);
    /// assert!((g.h - fd_h).abs() < 1e-8);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    fn step_vjp(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &Y,
        state: &Self::SolverState,
        y1_bar: &Y,
        outputs: OutputCotangents<'_, T, Y>,
    ) -> StepVjpResult<T, Y, Tm::Params>;
}
