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

use crate::solver::lu::StaticLu;
use crate::{JacobianTerm, JvpTerm, ParamJacobianTerm, Scalar, State};
use nalgebra::{SMatrix, SVector};

/// A vector field linearised along the tangent directions forward mode
/// carries.
pub trait TangentField<T: Scalar, const N: usize> {
    /// The term the solve integrates.
    type Term: JacobianTerm<T, N>;
    /// The tangent of a state along every direction carried.
    type Tangent: State<T>;
    /// The tangent of a time along every direction (one entry per direction).
    type Time: State<T>;

    /// The term.
    fn term(&self) -> &Self::Term;
    /// `J_y v + J_p ṗ + ∂f/∂t ⊗ ṫ` at `(t, y)`, for the tangent `v` of the
    /// state and `ṫ` of the time, and the field's own parameter direction.
    fn push_forward(
        &self,
        t: T,
        y: &SVector<T, N>,
        v: &Self::Tangent,
        t_dot: &Self::Time,
    ) -> Self::Tangent;
    /// `x ⊗ s`: the tangent a primal vector `x` contributes when a time
    /// moves by `s` (a step size that moves scales its stage derivatives).
    fn outer(x: &SVector<T, N>, s: &Self::Time) -> Self::Tangent;
    /// `A⁻¹ v` for every direction, given the factors of `A` (implicit stages).
    fn solve(lu: &StaticLu<T, N>, v: &Self::Tangent) -> Self::Tangent;
}

/// One tangent direction `(ẏ0, ṗ, ṫ0, ṫ1)`: one Jacobian–vector product per
/// stage.
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
