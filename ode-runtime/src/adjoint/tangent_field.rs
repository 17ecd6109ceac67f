//! The linearised vector field forward mode pushes tangents through.
//!
//! A step of forward mode needs, at every stage `(t, y)`, the directional
//! derivative `J_y v + J_p ṗ + ∂f/∂t ṫ` of the vector field for each
//! direction it carries. [`TangentField`] says what a direction is and how
//! that product is formed: [`JvpField`] carries one direction (one
//! Jacobian–vector product per stage), [`SensitivityField`] carries all of
//! them at once — the columns of `∂y/∂y0`, `∂y/∂p`, `∂y/∂t0` and `∂y/∂t1` —
//! with one state and one parameter Jacobian per stage and small matrix
//! products, which for few states and many parameters is far cheaper than a
//! product per column. Both are the variational equation of the ODE
//! (Hairer, Nørsett and Wanner, *Solving ODEs I*, §I.14) evaluated at the
//! discrete solution's stages.
//!
//! # Examples
//!
//! The push-forward of one direction is the directional derivative of the
//! vector field, checked against a central difference:
//!
//! ```
//! use odegrad::adjoint::{JvpField, TangentField};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Term};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
//! let (y, v, p_dot) = (SVector::from([1.0, 2.0]), SVector::from([0.3, -0.4]),
//!     SVector::from([0.5, 1.0, 0.0, -1.0]));
//! let field = JvpField { term: &OdeTerm::new(&LotkaVolterra, p), p_dot };
//! let pushed = field.push_forward(0.0, &y, &v, &SVector::zeros());
//! let f = |s: f64| OdeTerm::new(&LotkaVolterra, p + s * p_dot).vf(0.0, &(y + s * v));
//! let fd = (f(1e-6) - f(-1e-6)) / 2e-6;
//! assert!((pushed - fd).norm() < 1e-8);
//! ```

use crate::solver::lu::StaticLu;
use crate::{JacobianTerm, JvpTerm, ParamJacobianTerm, Scalar, State};
use nalgebra::{SMatrix, SVector};

/// A vector field linearised along the tangent directions forward mode
/// carries.
///
/// # Examples
///
/// Both fields are the same linearisation: column `j` of what
/// [`SensitivityField`] pushes forward is what [`JvpField`] pushes forward
/// along the `j`-th parameter direction.
///
/// ```
/// use odegrad::adjoint::{JvpField, SensitivityField, TangentField};
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
/// }
/// let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
/// let y = SVector::from([1.0, 2.0]);
/// let all = SensitivityField::<_, 4> { term: &term };
/// let s = (SMatrix::identity(), SMatrix::zeros(), SMatrix::zeros());
/// let (_, d_p, _) = all.push_forward(0.0, &y, &s, &SMatrix::zeros());
/// for j in 0..4 {
///     let one = JvpField { term: &term, p_dot: SVector::<f64, 4>::ith(j, 1.0) };
///     let column = one.push_forward(0.0, &y, &SVector::zeros(), &SVector::zeros());
///     assert!((column - d_p.column(j)).norm() < 1e-15);
/// }
/// ```
pub trait TangentField<T: Scalar, const N: usize> {
    /// The term the solve integrates.
    type Term: JacobianTerm<T, N>;
    /// The tangent of a state along every direction carried.
    type Tangent: State<T>;
    /// The tangent of a time along every direction (one entry per direction).
    type Time: State<T>;

    /// The term.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::{JvpField, TangentField};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let field = JvpField { term: &term, p_dot: SVector::zeros() };
    /// assert!(core::ptr::eq(TangentField::<f64, 1>::term(&field), &term));
    /// ```
    fn term(&self) -> &Self::Term;
    /// `J_y v + J_p ṗ + ∂f/∂t ⊗ ṫ` at `(t, y)`, for the tangent `v` of the
    /// state and `ṫ` of the time, and the field's own parameter direction.
    ///
    /// # Examples
    ///
    /// For `y' = −p·y + t²`: `J_y·v + J_p·ṗ + ∂f/∂t·ṫ = −p·v − y·ṗ + 2t·ṫ`.
    ///
    /// ```
    /// use odegrad::adjoint::{JvpField, TangentField};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm};
    ///
    /// #[ode_system]
    /// fn forced(t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0] + t * t]
    /// }
    /// let (p, t, y, v, p_dot, t_dot) = (2.0, 0.5, 3.0, 0.7, -1.1, 0.4);
    /// let term = OdeTerm::new(&Forced, SVector::from([p]));
    /// let field = JvpField { term: &term, p_dot: SVector::from([p_dot]) };
    /// let pushed = field.push_forward(t, &SVector::from([y]), &SVector::from([v]), &SVector::from([t_dot]));
    /// assert!((pushed[0] - (-p * v - y * p_dot + 2.0 * t * t_dot)).abs() < 1e-15);
    /// ```
    fn push_forward(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &Self::Tangent,
        t_dot: &Self::Time,
    ) -> Self::Tangent;
    /// `x ⊗ s`: the tangent a primal vector `x` contributes when a time
    /// moves by `s` (a step size that moves scales its stage derivatives).
    ///
    /// # Examples
    ///
    /// One direction scales `x`; all directions put `x·s` in the two time columns,
    /// where the moving times live:
    ///
    /// ```
    /// use odegrad::adjoint::{JvpField, SensitivityField, TangentField};
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// type Term = OdeTerm<'static, Decay, f64, 1, 1>;
    /// let x = SVector::from([3.0]);
    /// let one = <JvpField<Term, SVector<f64, 1>> as TangentField<f64, 1>>::outer(&x, &SVector::from([0.5]));
    /// assert!((one[0] - 1.5).abs() < 1e-15);
    /// let s = SMatrix::<f64, 1, 2>::new(0.5, -2.0);
    /// let all = <SensitivityField<Term, 1> as TangentField<f64, 1>>::outer(&x, &s);
    /// assert!(all.0.norm() + all.1.norm() < 1e-300);
    /// assert!((all.2 - SMatrix::<f64, 1, 2>::new(1.5, -6.0)).norm() < 1e-15);
    /// ```
    fn outer(x: &SVector<T, N>, s: &Self::Time) -> Self::Tangent;
    /// `A⁻¹ v` for every direction, given the factors of `A` (implicit stages).
    ///
    /// # Examples
    ///
    /// Every column of a sensitivity is solved with the one factorisation:
    ///
    /// ```
    /// use odegrad::adjoint::{SensitivityField, TangentField};
    /// use odegrad::solver::lu::StaticLu;
    /// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeTerm};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// type Term = OdeTerm<'static, LotkaVolterra, f64, 2, 4>;
    /// let a = SMatrix::<f64, 2, 2>::new(4.0, 1.0, -2.0, 3.0);
    /// let lu = StaticLu::new(&a).expect("nonsingular");
    /// let v = (SMatrix::<f64, 2, 2>::identity(), SMatrix::<f64, 2, 4>::repeat(1.0),
    ///     SMatrix::<f64, 2, 2>::new(1.0, 2.0, 3.0, 4.0));
    /// let x = <SensitivityField<Term, 4> as TangentField<f64, 2>>::solve(&lu, &v);
    /// assert!((a * x.0 - v.0).norm() < 1e-14);
    /// assert!((a * x.1 - v.1).norm() < 1e-14);
    /// assert!((a * x.2 - v.2).norm() < 1e-14);
    /// ```
    fn solve(lu: &StaticLu<T, N>, v: &Self::Tangent) -> Self::Tangent;
}

/// One tangent direction `(ẏ0, ṗ, ṫ0, ṫ1)`: one Jacobian–vector product per
/// stage.
///
/// # Examples
///
/// One product of the linearised field, `J_y·v + J_p·ṗ`, against the
/// Jacobians `#[ode_system]` generates:
///
/// ```
/// use odegrad::adjoint::{JvpField, TangentField};
/// use odegrad::{nalgebra::SVector, ode_system, OdeSystem, OdeTerm};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
/// }
/// let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
/// let term = OdeTerm::new(&LotkaVolterra, p);
/// let (y, v, p_dot) = (SVector::from([1.0, 2.0]), SVector::from([0.3, -0.4]),
///     SVector::from([1.0, 0.0, 0.0, -1.0]));
/// let field = JvpField { term: &term, p_dot };
/// let pushed = field.push_forward(0.0, &y, &v, &SVector::zeros());
/// let expected = LotkaVolterra.jac_y(0.0, &y, &p) * v + LotkaVolterra.jac_p(0.0, &y, &p) * p_dot;
/// assert!((pushed - expected).norm() < 1e-15);
/// ```
#[derive(Debug)]
pub struct JvpField<'a, Tm, P> {
    /// The term.
    pub term: &'a Tm,
    /// The parameter direction `ṗ`.
    pub p_dot: P,
}

impl<T, const N: usize, Tm> TangentField<T, N> for JvpField<'_, Tm, Tm::Params>
where
    T: Scalar,
    Tm: JvpTerm<T, SVector<T, N>> + JacobianTerm<T, N>,
{
    type Term = Tm;
    type Tangent = SVector<T, N>;
    type Time = SVector<T, 1>;

    fn term(&self) -> &Tm {
        self.term
    }
    #[inline(always)]
    fn push_forward(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &SVector<T, N>,
        t_dot: &SVector<T, 1>,
    ) -> SVector<T, N> {
        let jv = self.term.jvp(t, y, v, &self.p_dot);
        // ∂f/∂t only when the time moves: most tangents have ṫ = 0.
        if t_dot[0] == T::zero() {
            jv
        } else {
            jv.axpy(t_dot[0], &self.term.dfdt(t, y))
        }
    }
    #[inline(always)]
    fn outer(x: &SVector<T, N>, s: &SVector<T, 1>) -> SVector<T, N> {
        x * s[0]
    }
    #[inline(always)]
    fn solve(lu: &StaticLu<T, N>, v: &SVector<T, N>) -> SVector<T, N> {
        lu.solve(v)
    }
}

/// The full sensitivity of a state: `(∂y/∂y0, ∂y/∂p, [∂y/∂t0, ∂y/∂t1])`.
pub type Sensitivity<T, const N: usize, const P: usize> =
    (SMatrix<T, N, N>, SMatrix<T, N, P>, SMatrix<T, N, 2>);

/// All directions at once: the columns of [`Sensitivity`]. Per stage one
/// state Jacobian `J_y`, one parameter Jacobian `J_p` (and `∂f/∂t` when a
/// time column is nonzero), then `J_y S + (0, J_p, ∂f/∂t ṫ)`.
///
/// # Examples
///
/// Pushing the initial sensitivity `(I, 0, 0)` forward gives the Jacobians
/// themselves:
///
/// ```
/// use odegrad::adjoint::{SensitivityField, TangentField};
/// use odegrad::{nalgebra::{SMatrix, SVector}, ode_system, OdeSystem, OdeTerm};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
/// }
/// let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
/// let term = OdeTerm::new(&LotkaVolterra, p);
/// let y = SVector::from([1.0, 2.0]);
/// let field = SensitivityField::<_, 4> { term: &term };
/// let s0 = (SMatrix::identity(), SMatrix::zeros(), SMatrix::zeros());
/// let (d_y0, d_p, d_t) = field.push_forward(0.0, &y, &s0, &SMatrix::zeros());
/// assert!((d_y0 - LotkaVolterra.jac_y(0.0, &y, &p)).norm() < 1e-15);
/// assert!((d_p - LotkaVolterra.jac_p(0.0, &y, &p)).norm() < 1e-15);
/// assert!(d_t.norm() < 1e-300);
/// ```
#[derive(Debug)]
pub struct SensitivityField<'a, Tm, const P: usize> {
    /// The term.
    pub term: &'a Tm,
}

impl<T, const N: usize, const P: usize, Tm> TangentField<T, N> for SensitivityField<'_, Tm, P>
where
    T: Scalar,
    Tm: ParamJacobianTerm<T, N, P>,
{
    type Term = Tm;
    type Tangent = Sensitivity<T, N, P>;
    type Time = SMatrix<T, 1, 2>;

    fn term(&self) -> &Tm {
        self.term
    }
    #[inline(always)]
    fn push_forward(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &Self::Tangent,
        t_dot: &SMatrix<T, 1, 2>,
    ) -> Self::Tangent {
        let term = self.term;
        let j = term.jac(t, y);
        let mut time = j * v.2;
        if t_dot.max_abs() != T::zero() {
            time += term.dfdt(t, y) * t_dot;
        }
        (j * v.0, j * v.1 + term.jac_p(t, y), time)
    }
    #[inline(always)]
    fn outer(x: &SVector<T, N>, s: &SMatrix<T, 1, 2>) -> Self::Tangent {
        (SMatrix::zeros(), SMatrix::zeros(), x * s)
    }
    fn solve(lu: &StaticLu<T, N>, v: &Self::Tangent) -> Self::Tangent {
        let mut out = *v;
        for mut c in out.0.column_iter_mut() {
            let x = lu.solve(&c.clone_owned());
            c.copy_from(&x);
        }
        for mut c in out.1.column_iter_mut() {
            let x = lu.solve(&c.clone_owned());
            c.copy_from(&x);
        }
        for mut c in out.2.column_iter_mut() {
            let x = lu.solve(&c.clone_owned());
            c.copy_from(&x);
        }
        out
    }
}
