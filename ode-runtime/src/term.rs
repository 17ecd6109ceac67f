//! Terms: the vector field a solver integrates, over any [`State`].
//!
//! A solver sees only a [`Term`]; what the term is made of is not its concern.
//! An [`OdeSystem`] together with its parameter vector is one ([`OdeTerm`]),
//! the backward system of the continuous adjoint is another, a closure is a
//! third ([`FnTerm`]). Capabilities are layered as traits: implicit solvers ask
//! for a [`JacobianTerm`], adjoints for a [`VjpTerm`], forward mode for a
//! [`JvpTerm`], and the discrete adjoint of a Rosenbrock step, whose stages
//! contain the Jacobian itself, for a [`SecondOrderTerm`].
//!
//! # Examples
//!
//! One vector field as a generated system and as a closure: explicit solvers
//! take either, with the same result; only the system brings the Jacobian an
//! implicit solver needs.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, FnTerm, Kvaerno5, OdeTerm};
//! use odegrad::{PidController, SaveAt, SaveBuffers, Tsit5};
//! #[ode_system]
//! fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
//!     [-p[0] * y[0]]
//! }
//! let system = OdeTerm::new(&Decay, SVector::from([2.0]));
//! let closure = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| SVector::from([-2.0 * y[0]]));
//! let pid = PidController::new(1e-8, 1e-8)?;
//! let y0 = SVector::from([1.0]);
//! let a = diffeqsolve(&system, &Tsit5, 0.0, 1.0, None, y0, &SaveAt::nothing(), &pid, 1000,
//!     &mut SaveBuffers::none())?;
//! let b = diffeqsolve(&closure, &Tsit5, 0.0, 1.0, None, y0, &SaveAt::nothing(), &pid, 1000,
//!     &mut SaveBuffers::none())?;
//! assert!((a.y - b.y).norm() < 1e-15 && a.stats.num_steps == b.stats.num_steps);
//! let c = diffeqsolve(&system, &Kvaerno5::new(1e-8, 1e-8)?, 0.0, 1.0, None, y0,
//!     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none())?;
//! assert!((c.y[0] - (-2.0f64).exp()).abs() < 1e-6);
//! # Ok::<(), odegrad::Error>(())
//! ```

use crate::{OdeSystem, Scalar, State};
use core::marker::PhantomData;
use nalgebra::{SMatrix, SVector};

/// A vector field `y' = f(t, y)` over the state type `Y`.
///
/// # Examples
///
/// A term written by hand, the rotation `y' = (−y1, y0)` whose solution
/// from `(1, 0)` is `(cos t, sin t)`:
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, PidController, SaveAt, SaveBuffers, Term, Tsit5};
/// struct Rotation;
/// impl Term<f64, SVector<f64, 2>> for Rotation {
///     fn vf(&self, _t: f64, y: &SVector<f64, 2>) -> SVector<f64, 2> {
///         SVector::from([-y[1], y[0]])
///     }
/// }
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let sol = diffeqsolve(&Rotation, &Tsit5, 0.0, 1.0, None, SVector::from([1.0, 0.0]),
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none())?;
/// assert!((sol.y - SVector::from([1f64.cos(), 1f64.sin()])).norm() < 1e-7);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub trait Term<T: Scalar, Y: State<T>> {
    /// Evaluates the vector field.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, Term};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// assert!((term.vf(t, &y)[0] - (-2.0 * 4.0 + 0.5 * 3.0)).abs() < 1e-15);
    /// ```
    fn vf(&self, t: T, y: &Y) -> Y;
    /// Whether the term's parameters are all finite (checked before a solve;
    /// terms without parameters keep the default `true`).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, Error, InvalidArgument};
    /// use odegrad::{OdeTerm, PidController, SaveAt, SaveBuffers, Term, Tsit5};
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([f64::NAN]));
    /// assert!(!term.params_are_finite());
    /// // so a solve refuses it before taking a step
    /// let pid = PidController::new(1e-6, 1e-6)?;
    /// let result = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
    ///     &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none());
    /// assert_eq!(result.unwrap_err(), Error::InvalidArgument(InvalidArgument::NonFiniteParams));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    fn params_are_finite(&self) -> bool {
        true
    }
}

/// A term over `SVector<T, N>` whose Jacobian is available (implicit solvers).
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JacobianTerm, Term};
/// #[ode_system] // y' = −k y + a t
/// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [-p[0] * y[0] + p[1] * t]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
/// let (t, y) = (3.0, SVector::from([4.0]));
/// // One linearly implicit Euler step, y1 = y0 + h (I − hJ)⁻¹ f(t, y0):
/// let h = 0.5;
/// let m = SMatrix::<f64, 1, 1>::identity() - term.jac(t, &y) * h;
/// let y1 = y + m.try_inverse().expect("1 − hJ = 2") * term.vf(t, &y) * h;
/// assert!((y1[0] - (4.0 + 0.5 * (-6.5) / 2.0)).abs() < 1e-14); // 1 − hJ = 2
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no Jacobian, which this solver needs",
    label = "an implicit or Rosenbrock solver needs ∂f/∂y",
    note = "write the vector field with `#[ode_system]` and pass `OdeTerm::new(&System, params)`: the macro generates the Jacobian (a closure in `FnTerm` has none); explicit solvers such as Tsit5 accept any term"
)]
pub trait JacobianTerm<T: Scalar, const N: usize>: Term<T, SVector<T, N>> {
    /// `∂f/∂y` at `(t, y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JacobianTerm};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// assert!((term.jac(t, &y)[(0, 0)] + 2.0).abs() < 1e-15); // −k
    /// ```
    fn jac(&self, t: T, y: &SVector<T, N>) -> SMatrix<T, N, N>;
    /// `∂f/∂t` at `(t, y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JacobianTerm};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// assert!((term.dfdt(t, &y)[0] - 0.5).abs() < 1e-15); // a
    /// ```
    fn dfdt(&self, t: T, y: &SVector<T, N>) -> SVector<T, N>;
}

/// A term whose parameter Jacobian is available too: what the full forward
/// sensitivity matrix `∂y/∂(y0, p)` needs (one `N × P` Jacobian per stage
/// instead of `P` Jacobian–vector products).
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JvpTerm, ParamJacobianTerm};
/// #[ode_system] // y' = −k y + a t
/// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [-p[0] * y[0] + p[1] * t]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
/// let (t, y) = (3.0, SVector::from([4.0]));
/// // the full Jacobian reproduces every parameter direction's JVP
/// let v_p = SVector::from([1.0, -2.0]);
/// let jv = term.jvp(t, &y, &SVector::zeros(), &v_p);
/// assert!((term.jac_p(t, &y) * v_p - jv).norm() < 1e-14);
/// ```
pub trait ParamJacobianTerm<T: Scalar, const N: usize, const P: usize>: JacobianTerm<T, N> {
    /// `∂f/∂p` at `(t, y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, ParamJacobianTerm};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// let j = term.jac_p(t, &y);
    /// assert!((j[(0, 0)] + 4.0).abs() < 1e-15 && (j[(0, 1)] - 3.0).abs() < 1e-15); // (−y, t)
    /// ```
    fn jac_p(&self, t: T, y: &SVector<T, N>) -> SMatrix<T, N, P>;
}

/// A term with reverse-mode derivatives with respect to the state, its own
/// parameters and time.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JvpTerm, VjpTerm};
/// #[ode_system] // y' = −k y + a t
/// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [-p[0] * y[0] + p[1] * t]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
/// let (t, y) = (3.0, SVector::from([4.0]));
/// // ⟨w, ∂f/∂y v + ∂f/∂p v_p⟩ = ⟨wᵀ∂f/∂y, v⟩ + ⟨wᵀ∂f/∂p, v_p⟩
/// let (w, v, v_p) = (SVector::from([1.5]), SVector::from([0.5]), SVector::from([1.0, -2.0]));
/// let (w_y, w_p, _) = term.vjp(t, &y, &w);
/// let lhs = w.dot(&term.jvp(t, &y, &v, &v_p));
/// assert!((lhs - (w_y.dot(&v) + w_p.dot(&v_p))).abs() < 1e-14);
/// ```
pub trait VjpTerm<T: Scalar, Y: State<T>>: Term<T, Y> {
    /// The parameters the term depends on (their cotangents are accumulated).
    type Params: State<T>;
    /// `(wᵀ ∂f/∂y, wᵀ ∂f/∂p, wᵀ ∂f/∂t)` at `(t, y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, VjpTerm};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// let (g_y, g_p, g_t) = term.vjp(t, &y, &SVector::from([1.5]));
    /// assert!((g_y[0] + 3.0).abs() < 1e-15); // −k w
    /// assert!((g_p - SVector::from([-6.0, 4.5])).norm() < 1e-14); // (−y w, t w)
    /// assert!((g_t - 0.75).abs() < 1e-15); // a w
    /// ```
    fn vjp(&self, t: T, y: &Y, w: &Y) -> (Y, Self::Params, T);
}

/// A term over `SVector<T, N>` with the one second-order product the
/// discrete adjoint of a Rosenbrock step needs: that step multiplies stage
/// increments by `J = ∂f/∂y` and `∂f/∂t` at the start of the step, so its
/// reverse differentiates `J v` with respect to `y`, the parameters and `t`.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, SecondOrderTerm};
/// #[ode_system] // y' = −k y + a t
/// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [-p[0] * y[0] + p[1] * t]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
/// let (t, y) = (3.0, SVector::from([4.0]));
/// // wᵀ (J v + ∂f/∂t v_t) = w (−k v + a v_t): only the parameter gradient is non-zero
/// let (v, v_t, w) = (SVector::from([0.5]), 2.0, SVector::from([1.5]));
/// let (g_y, g_p, g_t) = term.vjp_jvp(t, &y, &v, v_t, &w);
/// assert!(g_y.norm() < 1e-15 && g_t.abs() < 1e-15);
/// assert!((g_p - SVector::from([-0.75, 3.0])).norm() < 1e-14); // (−w v, w v_t)
/// ```
pub trait SecondOrderTerm<T: Scalar, const N: usize>:
    JacobianTerm<T, N> + VjpTerm<T, SVector<T, N>>
{
    /// The gradient of `wᵀ (J v + ∂f/∂t · v_t)` with respect to `(y, params,
    /// t)` at `(t, y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JacobianTerm, SecondOrderTerm};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// // against a central difference of wᵀ J v in k = p[0]
    /// let (v, w, h) = (SVector::from([0.5]), SVector::from([1.5]), 1e-6);
    /// let (_, g_p, _) = term.vjp_jvp(t, &y, &v, 0.0, &w);
    /// let wjv = |k: f64| w.dot(&(OdeTerm::new(&Decay, SVector::from([k, 0.5])).jac(t, &y) * v));
    /// assert!((g_p[0] - (wjv(2.0 + h) - wjv(2.0 - h)) / (2.0 * h)).abs() < 1e-8);
    /// ```
    fn vjp_jvp(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &SVector<T, N>,
        v_t: T,
        w: &SVector<T, N>,
    ) -> (SVector<T, N>, Self::Params, T);
}

/// A term with forward-mode derivatives with respect to the state and its own
/// parameters.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem, OdeTerm, JvpTerm};
/// #[ode_system] // y' = −k y + a t
/// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [-p[0] * y[0] + p[1] * t]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
/// let (t, y) = (3.0, SVector::from([4.0]));
/// // the directional derivative of f along (v, v_p), against a central difference
/// let (v, v_p, h) = (SVector::from([0.5]), SVector::from([1.0, -2.0]), 1e-6);
/// let f = |e: f64| Decay.rhs(t, &(y + v * e), &(term.params + v_p * e));
/// let fd = (f(h) - f(-h)) / (2.0 * h);
/// assert!((term.jvp(t, &y, &v, &v_p) - fd).norm() < 1e-8);
/// ```
pub trait JvpTerm<T: Scalar, Y: State<T>>: Term<T, Y> {
    /// The parameters the term depends on.
    type Params: State<T>;
    /// `∂f/∂y · v + ∂f/∂p · v_p`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm, JvpTerm};
    /// #[ode_system] // y' = −k y + a t
    /// fn decay(t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [-p[0] * y[0] + p[1] * t]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0, 0.5])); // k = 2, a = 1/2
    /// let (t, y) = (3.0, SVector::from([4.0]));
    /// let jv = term.jvp(t, &y, &SVector::from([0.5]), &SVector::from([1.0, -2.0]));
    /// assert!((jv[0] - (-2.0 * 0.5 - 4.0 * 1.0 + 3.0 * -2.0)).abs() < 1e-14); // −k v − y v_p0 + t v_p1
    /// ```
    fn jvp(&self, t: T, y: &Y, v: &Y, v_p: &Self::Params) -> Y;
}

/// An [`OdeSystem`] with its parameter values: the term of an ordinary solve.
///
/// # Examples
///
/// `y' = −k y` solved with `k = 2`: `y(1) = e⁻²`.
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, OdeTerm};
/// use odegrad::{PidController, SaveAt, SaveBuffers, Tsit5};
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none())?;
/// assert!((sol.y[0] - (-2.0f64).exp()).abs() < 1e-7);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Debug)]
pub struct OdeTerm<'a, S, T: Scalar, const N: usize, const P: usize> {
    /// The generated (or hand-written) system.
    pub system: &'a S,
    /// The parameter values `p`.
    pub params: SVector<T, P>,
}

impl<'a, S, T: Scalar, const N: usize, const P: usize> OdeTerm<'a, S, T, N, P> {
    /// Binds a system to its parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, ode_system, OdeSystem, OdeTerm, Term};
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let (p, y) = (SVector::from([2.0]), SVector::from([3.0]));
    /// let term = OdeTerm::new(&Decay, p);
    /// // the term's vector field is the system's at the bound parameters
    /// assert!((term.vf(0.0, &y) - Decay.rhs(0.0, &y, &p)).norm() < 1e-15);
    /// assert!((term.params[0] - 2.0).abs() < 1e-15);
    /// ```
    pub fn new(system: &'a S, params: SVector<T, P>) -> Self
    where
        // Checked here, where a wrong parameter count is written, rather
        // than at the first solve.
        S: OdeSystem<T, N, P>,
    {
        Self { system, params }
    }
}

impl<S, T: Scalar, const N: usize, const P: usize> Clone for OdeTerm<'_, S, T, N, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S, T: Scalar, const N: usize, const P: usize> Copy for OdeTerm<'_, S, T, N, P> {}

impl<S: OdeSystem<T, N, P>, T: Scalar, const N: usize, const P: usize> Term<T, SVector<T, N>>
    for OdeTerm<'_, S, T, N, P>
{
    #[inline(always)]
    fn vf(&self, t: T, y: &SVector<T, N>) -> SVector<T, N> {
        self.system.rhs(t, y, &self.params)
    }
    fn params_are_finite(&self) -> bool {
        self.params.iter().all(|p| p.finite())
    }
}

impl<S: OdeSystem<T, N, P>, T: Scalar, const N: usize, const P: usize> JacobianTerm<T, N>
    for OdeTerm<'_, S, T, N, P>
{
    #[inline(always)]
    fn jac(&self, t: T, y: &SVector<T, N>) -> SMatrix<T, N, N> {
        self.system.jac_y(t, y, &self.params)
    }
    #[inline(always)]
    fn dfdt(&self, t: T, y: &SVector<T, N>) -> SVector<T, N> {
        self.system.dfdt(t, y, &self.params)
    }
}

impl<S: OdeSystem<T, N, P>, T: Scalar, const N: usize, const P: usize> ParamJacobianTerm<T, N, P>
    for OdeTerm<'_, S, T, N, P>
{
    #[inline(always)]
    fn jac_p(&self, t: T, y: &SVector<T, N>) -> SMatrix<T, N, P> {
        self.system.jac_p(t, y, &self.params)
    }
}

impl<S: OdeSystem<T, N, P>, T: Scalar, const N: usize, const P: usize> VjpTerm<T, SVector<T, N>>
    for OdeTerm<'_, S, T, N, P>
{
    type Params = SVector<T, P>;
    #[inline(always)]
    fn vjp(&self, t: T, y: &SVector<T, N>, w: &SVector<T, N>) -> (SVector<T, N>, SVector<T, P>, T) {
        let (gy, gp) = self.system.vjp(t, y, &self.params, w);
        (gy, gp, self.system.vjp_t(t, y, &self.params, w))
    }
}

impl<S: OdeSystem<T, N, P>, T: Scalar, const N: usize, const P: usize> SecondOrderTerm<T, N>
    for OdeTerm<'_, S, T, N, P>
{
    #[inline(always)]
    fn vjp_jvp(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &SVector<T, N>,
        v_t: T,
        w: &SVector<T, N>,
    ) -> (SVector<T, N>, SVector<T, P>, T) {
        self.system.vjp_jvp(t, y, &self.params, v, v_t, w)
    }
}

impl<S: OdeSystem<T, N, P>, T: Scalar, const N: usize, const P: usize> JvpTerm<T, SVector<T, N>>
    for OdeTerm<'_, S, T, N, P>
{
    type Params = SVector<T, P>;
    #[inline(always)]
    fn jvp(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &SVector<T, N>,
        v_p: &SVector<T, P>,
    ) -> SVector<T, N> {
        self.system.jvp_y(t, y, &self.params, v) + self.system.jvp_p(t, y, &self.params, v_p)
    }
}

/// A closure `|t, &y| -> y'` as a term (no derivatives).
///
/// # Examples
///
/// `y' = t`: Heun's method (order 2) integrates it exactly, `y(2) = 2`.
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, Heun};
/// use odegrad::{SaveAt, SaveBuffers};
/// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t]));
/// let sol = diffeqsolve(&term, &Heun, 0.0, 2.0, Some(0.5), SVector::from([0.0]),
///     &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
/// assert!((sol.y[0] - 2.0).abs() < 1e-14);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct FnTerm<T, Y, F> {
    f: F,
    _marker: PhantomData<fn(T, Y) -> Y>,
}

impl<T, Y, F> FnTerm<T, Y, F> {
    /// Wraps a closure.
    ///
    /// # Examples
    ///
    /// Any [`State`] works, here a pair: the oscillator `(x, v)' = (v, −x)`.
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, FnTerm, State, Term};
    /// type Y = (SVector<f64, 1>, SVector<f64, 1>);
    /// let term = FnTerm::new(|_t: f64, y: &Y| (y.1, y.0.scale(-1.0)));
    /// let f = term.vf(0.0, &(SVector::from([2.0]), SVector::from([3.0])));
    /// assert!((f.0[0] - 3.0).abs() < 1e-15 && (f.1[0] + 2.0).abs() < 1e-15);
    /// ```
    pub fn new(f: F) -> Self {
        Self {
            f,
            _marker: PhantomData,
        }
    }
}

impl<T: Scalar, Y: State<T>, F: Fn(T, &Y) -> Y> Term<T, Y> for FnTerm<T, Y, F> {
    #[inline(always)]
    fn vf(&self, t: T, y: &Y) -> Y {
        (self.f)(t, y)
    }
}
