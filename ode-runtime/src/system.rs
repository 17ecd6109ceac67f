//! The interface `#[ode_system]` generates: a vector field and its derivatives.
//!
//! A type implementing [`OdeSystem`] is a vector field `f(t, y, p)` with
//! `y ∈ Tᴺ` and parameters `p ∈ Tᴾ`, together with exact first derivatives
//! (Jacobians, Jacobian–vector and vector–Jacobian products) and the one
//! second-order product the Rosenbrock adjoint needs. The macro emits all of
//! them as straight-line code sharing one common-subexpression-eliminated
//! graph; implementing the trait by hand is possible (for a baseline or a
//! system outside the macro's language) but every method must be exact.
//!
//! # Examples
//!
//! The generated derivatives are consistent with each other: the reverse
//! products are the transposes of the forward ones, and both agree with a
//! central difference of the vector field.
//!
//! ```
//! use odegrad::{nalgebra::SVector, ode_system, OdeSystem};
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     let [x, z] = *y;
//!     let [a, b, c, d] = *p;
//!     [a * x - b * x * z, -c * z + d * x * z]
//! }
//! let (y, p) = (SVector::from([1.0, 0.5]), SVector::from([1.5, 1.0, 3.0, 1.0]));
//! let (v, w) = (SVector::from([0.2, -0.4]), SVector::from([1.0, 2.0]));
//! let jv = LotkaVolterra.jvp_y(0.0, &y, &p, &v);
//! let (wj, _) = LotkaVolterra.vjp(0.0, &y, &p, &w);
//! assert!((w.dot(&jv) - wj.dot(&v)).abs() < 1e-14);
//! let h = 1e-6;
//! let fd = (LotkaVolterra.rhs(0.0, &(y + v * h), &p) - LotkaVolterra.rhs(0.0, &(y - v * h), &p)) / (2.0 * h);
//! assert!((fd - jv).norm() < 1e-8);
//! ```

use crate::Scalar;
use nalgebra::{SMatrix, SVector};

/// A differentiable vector field `y' = f(t, y, p)` with `N` states and `P`
/// parameters.
///
/// # Examples
///
/// A system written by hand (normally `#[ode_system]` writes this):
///
/// ```
/// use odegrad::{OdeSystem, nalgebra::{SMatrix, SVector}};
/// /// y' = -p0 · y
/// struct Decay;
/// impl OdeSystem<f64, 1, 1> for Decay {
///     const JAC_Y_PATTERN: [[bool; 1]; 1] = [[true]];
///     const JAC_P_PATTERN: [[bool; 1]; 1] = [[true]];
///     const DEPENDS_ON_T: bool = false;
///     fn rhs(&self, _t: f64, y: &SVector<f64, 1>, p: &SVector<f64, 1>) -> SVector<f64, 1> {
///         SVector::from([-p[0] * y[0]])
///     }
///     fn jvp_y(&self, _t: f64, _y: &SVector<f64, 1>, p: &SVector<f64, 1>, v: &SVector<f64, 1>) -> SVector<f64, 1> {
///         SVector::from([-p[0] * v[0]])
///     }
///     fn jvp_p(&self, _t: f64, y: &SVector<f64, 1>, _p: &SVector<f64, 1>, v: &SVector<f64, 1>) -> SVector<f64, 1> {
///         SVector::from([-y[0] * v[0]])
///     }
///     fn vjp(&self, _t: f64, y: &SVector<f64, 1>, p: &SVector<f64, 1>, w: &SVector<f64, 1>)
///         -> (SVector<f64, 1>, SVector<f64, 1>) {
///         (SVector::from([-p[0] * w[0]]), SVector::from([-y[0] * w[0]]))
///     }
///     fn jac_y(&self, _t: f64, _y: &SVector<f64, 1>, p: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> {
///         SMatrix::from([[-p[0]]])
///     }
///     fn jac_p(&self, _t: f64, y: &SVector<f64, 1>, _p: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> {
///         SMatrix::from([[-y[0]]])
///     }
///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>, _p: &SVector<f64, 1>) -> SVector<f64, 1> {
///         SVector::zeros()
///     }
///     fn vjp_jvp(&self, _t: f64, _y: &SVector<f64, 1>, _p: &SVector<f64, 1>, v: &SVector<f64, 1>,
///         _v_t: f64, w: &SVector<f64, 1>) -> (SVector<f64, 1>, SVector<f64, 1>, f64) {
///         // d/dp of w·(-p y_dot) = -w v
///         (SVector::zeros(), SVector::from([-w[0] * v[0]]), 0.0)
///     }
/// }
/// let y = SVector::from([2.0]);
/// let p = SVector::from([3.0]);
/// assert!((Decay.rhs(0.0, &y, &p)[0] + 6.0).abs() < 1e-15);
/// ```
pub trait OdeSystem<T: Scalar, const N: usize, const P: usize> {
    /// Structural sparsity of `J_y = ∂f/∂y`, row-major: `[i][j]` is `false`
    /// only where `∂f_i/∂y_j` is identically zero.
    const JAC_Y_PATTERN: [[bool; N]; N];
    /// Structural sparsity of `J_p = ∂f/∂p`, row-major, as for `JAC_Y_PATTERN`.
    const JAC_P_PATTERN: [[bool; P]; N];
    /// Whether `f` depends on `t` explicitly (if not, [`OdeSystem::dfdt`] is zero).
    const DEPENDS_ON_T: bool;

    /// The vector field `f(t, y, p)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let f = Forced.rhs(t, &y, &p);
    /// assert!((f[0] + 1.0).abs() < 1e-15);
    /// assert!((f[1] - (-3.0 * 2.0 + 0.25 * t.sin())).abs() < 1e-15);
    /// ```
    fn rhs(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SVector<T, N>;

    /// `J_y · v`, the derivative of `f` along `v` in the state.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let v = SVector::from([1.0, 0.5]);
    /// let jv = Forced.jvp_y(t, &y, &p, &v);
    /// assert!((jv - Forced.jac_y(t, &y, &p) * v).norm() < 1e-15);
    /// assert!((jv[1] + 3.0).abs() < 1e-15); // −k v0
    /// ```
    fn jvp_y(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, v: &SVector<T, N>)
    -> SVector<T, N>;

    /// `J_p · v`, the derivative of `f` along `v` in the parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let v = SVector::from([1.0, 2.0]);
    /// let jv = Forced.jvp_p(t, &y, &p, &v);
    /// assert!((jv - Forced.jac_p(t, &y, &p) * v).norm() < 1e-15);
    /// assert!((jv[1] - (-2.0 + 2.0 * t.sin())).abs() < 1e-15); // −y0 v0 + sin t v1
    /// ```
    fn jvp_p(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, v: &SVector<T, P>)
    -> SVector<T, N>;

    /// `(wᵀ J_y, wᵀ J_p)`, the vector–Jacobian products for state and parameters.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// // ⟨w, J v⟩ = ⟨Jᵀ w, v⟩ for the state and the parameter Jacobians
    /// let (w, v, u) = (SVector::from([0.3, -0.7]), SVector::from([1.0, 0.5]), SVector::from([2.0, -1.0]));
    /// let (wj_y, wj_p) = Forced.vjp(t, &y, &p, &w);
    /// assert!((w.dot(&Forced.jvp_y(t, &y, &p, &v)) - wj_y.dot(&v)).abs() < 1e-14);
    /// assert!((w.dot(&Forced.jvp_p(t, &y, &p, &u)) - wj_p.dot(&u)).abs() < 1e-14);
    /// ```
    fn vjp(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        w: &SVector<T, N>,
    ) -> (SVector<T, N>, SVector<T, P>);

    /// The state Jacobian `J_y` (N×N); structural zeros are never computed.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let j = Forced.jac_y(t, &y, &p);
    /// assert!((j - SMatrix::<f64, 2, 2>::new(0.0, 1.0, -3.0, 0.0)).norm() < 1e-15);
    /// // the zeros are structural: the pattern records them
    /// assert!(!<Forced as OdeSystem<f64, 2, 2>>::JAC_Y_PATTERN[0][0]);
    /// ```
    fn jac_y(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SMatrix<T, N, N>;

    /// The parameter Jacobian `J_p` (N×P); structural zeros are never computed.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let j = Forced.jac_p(t, &y, &p);
    /// assert!((j - SMatrix::<f64, 2, 2>::new(0.0, 0.0, -2.0, t.sin())).norm() < 1e-15);
    /// ```
    fn jac_p(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SMatrix<T, N, P>;

    /// `∂f/∂t`, the explicit time derivative (zero for autonomous systems).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let dfdt = Forced.dfdt(t, &y, &p);
    /// assert!(dfdt[0].abs() < 1e-15 && (dfdt[1] - 0.25 * t.cos()).abs() < 1e-15);
    /// assert!(<Forced as OdeSystem<f64, 2, 2>>::DEPENDS_ON_T);
    /// ```
    fn dfdt(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SVector<T, N>;

    /// Second order: the gradient of `wᵀ (J_y v + ∂f/∂t · v_t)` with respect to
    /// `(y, p, t)`. This is the vector–Jacobian product of the JVP, needed to
    /// differentiate Rosenbrock stages (which contain `J_y`) in reverse mode.
    ///
    /// # Examples
    ///
    /// The forced oscillator below is linear in `y`, so the gradient in `y`
    /// vanishes and the others have closed forms:
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// // wᵀ (J_y v + ∂f/∂t v_t) = w0 v1 − k w1 v0 + a cos t w1 v_t is linear in y:
    /// let (v, v_t, w) = (SVector::from([1.0, 0.5]), 2.0, SVector::from([0.3, -0.7]));
    /// let (g_y, g_p, g_t) = Forced.vjp_jvp(t, &y, &p, &v, v_t, &w);
    /// assert!(g_y.norm() < 1e-15);
    /// assert!((g_p[0] - 0.7).abs() < 1e-15); // −w1 v0
    /// assert!((g_p[1] - (-0.7 * t.cos() * v_t)).abs() < 1e-15); // w1 cos t v_t
    /// assert!((g_t - 0.7 * 0.25 * t.sin() * v_t).abs() < 1e-15); // −w1 a sin t v_t
    /// ```
    fn vjp_jvp(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        v: &SVector<T, N>,
        v_t: T,
        w: &SVector<T, N>,
    ) -> (SVector<T, N>, SVector<T, P>, T);

    /// `wᵀ ∂f/∂t`, the time component of the vector–Jacobian product.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let w = SVector::from([0.3, -0.7]);
    /// let g_t = Forced.vjp_t(t, &y, &p, &w);
    /// assert!((g_t - w.dot(&Forced.dfdt(t, &y, &p))).abs() < 1e-15);
    /// assert!((g_t + 0.7 * 0.25 * t.cos()).abs() < 1e-15);
    /// ```
    #[inline(always)]
    fn vjp_t(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, w: &SVector<T, N>) -> T {
        if Self::DEPENDS_ON_T {
            self.dfdt(t, y, p).dot(w)
        } else {
            T::zero()
        }
    }

    /// `wᵀ J_y` alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let w = SVector::from([0.3, -0.7]);
    /// let g = Forced.vjp_y(t, &y, &p, &w);
    /// assert!((g - Forced.jac_y(t, &y, &p).transpose() * w).norm() < 1e-15);
    /// assert!((g[0] - 2.1).abs() < 1e-15 && (g[1] - 0.3).abs() < 1e-15); // (−k w1, w0)
    /// ```
    #[inline(always)]
    fn vjp_y(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        w: &SVector<T, N>,
    ) -> SVector<T, N> {
        self.vjp(t, y, p, w).0
    }

    /// `wᵀ J_p` alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem};
    /// #[ode_system] // a forced oscillator: y0' = y1, y1' = −k y0 + a sin t
    /// fn forced(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    ///     [y[1], -p[0] * y[0] + p[1] * t.sin()]
    /// }
    /// let (t, y, p) = (0.5f64, SVector::from([2.0, -1.0]), SVector::from([3.0, 0.25]));
    /// let w = SVector::from([0.3, -0.7]);
    /// let g = Forced.vjp_p(t, &y, &p, &w);
    /// assert!((g - Forced.jac_p(t, &y, &p).transpose() * w).norm() < 1e-15);
    /// assert!((g[0] - 1.4).abs() < 1e-15); // −y0 w1
    /// ```
    #[inline(always)]
    fn vjp_p(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        w: &SVector<T, N>,
    ) -> SVector<T, P> {
        self.vjp(t, y, p, w).1
    }
}
