//! The interface `#[ode_system]` generates: a vector field and its derivatives.
//!
//! A type implementing [`OdeSystem`] is a vector field `f(t, y, p)` with
//! `y ∈ Tᴺ` and parameters `p ∈ Tᴾ`, together with exact first derivatives
//! (Jacobians, Jacobian–vector and vector–Jacobian products) and the one
//! second-order product the Rosenbrock adjoint needs. The macro emits all of
//! them as straight-line code sharing one common-subexpression-eliminated
//! graph; implementing the trait by hand is possible (for a baseline or a
//! system outside the macro's language) but every method must be exact.

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
/// use ode_runtime::{OdeSystem, nalgebra::{SMatrix, SVector}};
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
    fn rhs(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SVector<T, N>;

    /// `J_y · v`, the derivative of `f` along `v` in the state.
    fn jvp_y(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, v: &SVector<T, N>)
    -> SVector<T, N>;

    /// `J_p · v`, the derivative of `f` along `v` in the parameters.
    fn jvp_p(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, v: &SVector<T, P>)
    -> SVector<T, N>;

    /// `(wᵀ J_y, wᵀ J_p)`, the vector–Jacobian products for state and parameters.
    fn vjp(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        w: &SVector<T, N>,
    ) -> (SVector<T, N>, SVector<T, P>);

    /// The state Jacobian `J_y` (N×N); structural zeros are never computed.
    fn jac_y(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SMatrix<T, N, N>;

    /// The parameter Jacobian `J_p` (N×P); structural zeros are never computed.
    fn jac_p(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SMatrix<T, N, P>;

    /// `∂f/∂t`, the explicit time derivative (zero for autonomous systems).
    fn dfdt(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SVector<T, N>;

    /// Second order: the gradient of `wᵀ (J_y v + ∂f/∂t · v_t)` with respect to
    /// `(y, p, t)`. This is the vector–Jacobian product of the JVP, needed to
    /// differentiate Rosenbrock stages (which contain `J_y`) in reverse mode.
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
    #[inline(always)]
    fn vjp_t(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, w: &SVector<T, N>) -> T {
        if Self::DEPENDS_ON_T {
            self.dfdt(t, y, p).dot(w)
        } else {
            T::zero()
        }
    }

    /// `wᵀ J_y` alone.
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
