//! Terms: the vector field a solver integrates, over any [`State`].
//!
//! A solver sees only a [`Term`]; what the term is made of is not its concern.
//! An [`OdeSystem`] together with its parameter vector is one ([`OdeTerm`]),
//! the backward system of the continuous adjoint is another, a closure is a
//! third ([`FnTerm`]). Capabilities are layered as traits: implicit solvers ask
//! for a [`JacobianTerm`], adjoints for a [`VjpTerm`], forward mode for a
//! [`JvpTerm`].

use crate::{OdeSystem, Scalar, State};
use core::marker::PhantomData;
use nalgebra::{SMatrix, SVector};

/// A vector field `y' = f(t, y)` over the state type `Y`.
pub trait Term<T: Scalar, Y: State<T>> {
    /// Evaluates the vector field.
    fn vf(&self, t: T, y: &Y) -> Y;
    /// Whether the term's parameters are all finite (checked before a solve;
    /// terms without parameters keep the default `true`).
    fn params_are_finite(&self) -> bool {
        true
    }
}

/// A term over `SVector<T, N>` whose Jacobian is available (implicit solvers).
pub trait JacobianTerm<T: Scalar, const N: usize>: Term<T, SVector<T, N>> {
    /// `∂f/∂y` at `(t, y)`.
    fn jac(&self, t: T, y: &SVector<T, N>) -> SMatrix<T, N, N>;
    /// `∂f/∂t` at `(t, y)`.
    fn dfdt(&self, t: T, y: &SVector<T, N>) -> SVector<T, N>;
}

/// A term whose parameter Jacobian is available too: what the full forward
/// sensitivity matrix `∂y/∂(y0, p)` needs (one `N × P` Jacobian per stage
/// instead of `P` Jacobian–vector products).
pub trait ParamJacobianTerm<T: Scalar, const N: usize, const P: usize>: JacobianTerm<T, N> {
    /// `∂f/∂p` at `(t, y)`.
    fn jac_p(&self, t: T, y: &SVector<T, N>) -> SMatrix<T, N, P>;
}

/// A term with reverse-mode derivatives with respect to the state, its own
/// parameters and time.
pub trait VjpTerm<T: Scalar, Y: State<T>>: Term<T, Y> {
    /// The parameters the term depends on (their cotangents are accumulated).
    type Params: State<T>;
    /// `(wᵀ ∂f/∂y, wᵀ ∂f/∂p, wᵀ ∂f/∂t)` at `(t, y)`.
    fn vjp(&self, t: T, y: &Y, w: &Y) -> (Y, Self::Params, T);
}

/// A term with forward-mode derivatives with respect to the state and its own
/// parameters.
pub trait JvpTerm<T: Scalar, Y: State<T>>: Term<T, Y> {
    /// The parameters the term depends on.
    type Params: State<T>;
    /// `∂f/∂y · v + ∂f/∂p · v_p`.
    fn jvp(&self, t: T, y: &Y, v: &Y, v_p: &Self::Params) -> Y;
}

/// An [`OdeSystem`] with its parameter values: the term of an ordinary solve.
///
/// # Examples
///
/// ```
/// use ode_runtime::{OdeTerm, Term, FnTerm, nalgebra::SVector};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// assert!((term.vf(0.0, &SVector::from([2.0]))[0] + 2.0).abs() < 1e-15);
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
    pub fn new(system: &'a S, params: SVector<T, P>) -> Self {
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
pub struct FnTerm<T, Y, F> {
    f: F,
    _marker: PhantomData<fn(T, Y) -> Y>,
}

impl<T, Y, F> FnTerm<T, Y, F> {
    /// Wraps a closure.
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
