//! Rosenbrock (linearly implicit) methods: Rodas5P.
//!
//! A Rosenbrock method replaces the Newton iteration of an implicit
//! Runge–Kutta method by one linear solve per stage with the exact Jacobian
//! `J = ∂f/∂y(t0, y0)` and the exact `∂f/∂t`, both of which `#[ode_system]`
//! generates. In the transformed form of Hairer and Wanner, *Solving Ordinary
//! Differential Equations II*, §IV.7, (7.25), stage `i` is
//!
//! ```text
//! (I/(hγ) − J) u_i = f(t0 + α_i h, y0 + Σ_{j<i} a_ij u_j) + Σ_{j<i} (c_ij/h) u_j + h d_i ∂f/∂t
//! ```
//!
//! and `y1 = y0 + Σ m_i u_i`. Everything is linear: one Jacobian, one LU
//! factorisation of `I − hγJ`, `s` function evaluations per step, and the
//! step is a smooth function of `(t0, y0, h)`, which the discrete adjoint
//! differentiates with the second-order product `vjp_jvp`. The Jacobian must
//! be exact (a Rosenbrock method is not a W-method), so it is evaluated every
//! step; nothing is carried between steps.
//!
//! # Examples
//!
//! The stiff relaxation `y' = −λ (y − cos t)`, `λ = 10⁴`, whose solution is
//! `(λ² cos t + λ sin t)/(λ² + 1)` after a transient of length `1/λ`: one
//! Jacobian and one LU factorisation per step, no Newton iteration.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, OdeTerm, PidController, Rodas5P};
//! use odegrad::{SaveAt, SaveBuffers};
//! #[ode_system]
//! fn relax(t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
//!     [-p[0] * (y[0] - t.cos())]
//! }
//! let lambda = 1e4f64;
//! let term = OdeTerm::new(&Relax, SVector::from([lambda]));
//! let pid = PidController::new(1e-7, 1e-7)?;
//! let sol = diffeqsolve(&term, &Rodas5P, 0.0, 2.0, None, SVector::from([0.0]),
//!     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none())?;
//! let exact = (lambda * lambda * 2f64.cos() + lambda * 2f64.sin()) / (lambda * lambda + 1.0);
//! assert!((sol.y[0] - exact).abs() < 1e-6);
//! assert_eq!(sol.stats.num_jac_evals, sol.stats.num_steps);
//! assert_eq!(sol.stats.num_lu_factorisations, sol.stats.num_steps);
//! # Ok::<(), odegrad::Error>(())
//! ```

mod rodas5p;

pub use rodas5p::{RODAS5P, Rodas5P};

use super::lu::StaticLu;
use crate::{JacobianTerm, Scalar, State, StepOutput, StepStatus, StepWork};
use nalgebra::{SMatrix, SVector};

/// The coefficients of an `S`-stage Rosenbrock method in transformed form
/// with a dense output of degree `D + 1` in the Rodas form
/// `y(θ) = (1 − θ) y0 + θ (y1 + (1 − θ)(K_0 + θ (K_1 + θ K_2 + …)))`,
/// `K_r = Σ_j h_rj u_j`.
///
/// # Examples
///
/// Rodas5P is stiffly accurate: its solution is its last stage value plus
/// the last increment, and that increment is the error estimate.
///
/// ```
/// use odegrad::solver::rosenbrock::RODAS5P;
/// let tab = &RODAS5P;
/// for j in 0..8 {
///     let last_stage = tab.a[7][j] + if j == 7 { 1.0 } else { 0.0 };
///     assert!((tab.m[j] - last_stage).abs() < 1e-15);
///     assert!((tab.m_error[j] - if j == 7 { 1.0 } else { 0.0 }).abs() < 1e-15);
/// }
/// assert!((tab.alpha[7] - 1.0).abs() < 1e-15); // the last stage is at t1
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RosenbrockTableau<const S: usize, const D: usize> {
    /// The diagonal `γ`.
    pub gamma: f64,
    /// `a_ij` (strictly lower triangular).
    pub a: [[f64; S]; S],
    /// `c_ij` (strictly lower triangular).
    pub c: [[f64; S]; S],
    /// Stage times `α_i`.
    pub alpha: [f64; S],
    /// `d_i = γ_i`, the weights of `h ∂f/∂t`.
    pub d: [f64; S],
    /// Solution weights `m_i`.
    pub m: [f64; S],
    /// Error-estimate weights (`y_error = Σ_i e_i u_i`).
    pub m_error: [f64; S],
    /// Dense-output weights `h_rj`.
    pub dense: [[f64; S]; D],
}

/// The continuous extension of a Rosenbrock step (see [`RosenbrockTableau`]).
///
/// # Examples
///
/// ```
/// use odegrad::{JacobianTerm, Rodas5P, Solver, Term};
/// use odegrad::nalgebra::{SMatrix, SVector};
/// struct Decay; // y' = −y
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// impl JacobianTerm<f64, 1> for Decay {
///     fn jac(&self, _t: f64, _y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> { SMatrix::from([[-1.0]]) }
///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::zeros() }
/// }
/// let y0 = SVector::from([1.0]);
/// let out = Rodas5P.step(&Decay, 0.0, 0.2, &y0, &());
/// // Rodas5P's interpolant has three coefficient vectors K_0, K_1, K_2
/// let dense = out.dense;
/// assert_eq!(dense.k.len(), 3);
/// assert!((dense.evaluate(0.0, 0.2, &y0, &out.y1, 0.1)[0] - (-0.1f64).exp()).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RosenbrockDense<T, const N: usize, const D: usize> {
    /// `K_r = Σ_j h_rj u_j`.
    pub k: [SVector<T, N>; D],
}

impl<T: Scalar, const N: usize, const D: usize> RosenbrockDense<T, N, D> {
    /// Evaluates the interpolant at `t ∈ [t0, t1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{JacobianTerm, Rodas5P, Solver, Term};
    /// use odegrad::nalgebra::{SMatrix, SVector};
    /// struct Decay; // y' = −y
    /// impl Term<f64, SVector<f64, 1>> for Decay {
    ///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
    /// }
    /// impl JacobianTerm<f64, 1> for Decay {
    ///     fn jac(&self, _t: f64, _y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> { SMatrix::from([[-1.0]]) }
    ///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::zeros() }
    /// }
    /// let y0 = SVector::from([1.0]);
    /// let out = Rodas5P.step(&Decay, 0.0, 0.2, &y0, &());
    /// let y = |t| out.dense.evaluate(0.0, 0.2, &y0, &out.y1, t);
    /// assert!((y(0.0) - y0).norm() < 1e-15 && (y(0.2) - out.y1).norm() < 1e-15);
    /// for t in [0.05, 0.1, 0.15] {
    ///     assert!((y(t)[0] - (-t).exp()).abs() < 1e-6);
    /// }
    /// ```
    pub fn evaluate(
        &self,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        y1: &SVector<T, N>,
        t: T,
    ) -> SVector<T, N> {
        let h = t1 - t0;
        if h == T::zero() {
            return *y0;
        }
        let th = (t - t0) / h;
        let th1 = T::one() - th;
        let mut acc = SVector::<T, N>::zeros();
        for kr in self.k.iter().rev() {
            acc = kr + acc * th;
        }
        y0 * th1 + (y1 + acc * th1) * th
    }
}

/// Everything one Rosenbrock step produces, with what its discrete adjoint
/// reuses: the stage increments, the stage derivatives, `J`, `∂f/∂t` and
/// the factors of `I − hγJ` (`None` unless the step was computed).
pub(crate) struct RosenbrockStep<T, const N: usize, const S: usize, const D: usize> {
    pub out: StepOutput<SVector<T, N>, (), RosenbrockDense<T, N, D>>,
    pub u: [SVector<T, N>; S],
    pub f: [SVector<T, N>; S],
    pub jac: SMatrix<T, N, N>,
    pub dfdt: SVector<T, N>,
    pub lu: Option<StaticLu<T, N>>,
}

/// One step from `(t0, y0)` to `t1`.
pub(crate) fn rosenbrock_step<T, const N: usize, const S: usize, const D: usize, Tm>(
    tab: &RosenbrockTableau<S, D>,
    term: &Tm,
    t0: T,
    t1: T,
    y0: &SVector<T, N>,
) -> RosenbrockStep<T, N, S, D>
where
    T: Scalar,
    Tm: JacobianTerm<T, N>,
{
    let mut work = StepWork::default();
    let mut u = [SVector::<T, N>::zeros(); S];
    let mut fs = [SVector::<T, N>::zeros(); S];
    let failed = |status, work, u| RosenbrockStep {
        out: StepOutput {
            y1: *y0,
            y_error: None,
            dense: RosenbrockDense {
                k: [SVector::zeros(); D],
            },
            state: (),
            status,
            work,
        },
        u,
        f: [SVector::zeros(); S],
        jac: SMatrix::zeros(),
        dfdt: SVector::zeros(),
        lu: None,
    };
    let h = t1 - t0;
    let gamma = T::cast(tab.gamma);
    let hg = h * gamma;

    let jac = term.jac(t0, y0);
    work.jac_evals += 1;
    if !State::is_finite(&jac) {
        return failed(StepStatus::SingularMatrix, work, u);
    }
    let dfdt = term.dfdt(t0, y0);
    if !State::is_finite(&dfdt) {
        return failed(StepStatus::NonlinearSolveFailed, work, u);
    }
    work.lu_factorisations += 1;
    let Some(lu) = StaticLu::new(&(SMatrix::<T, N, N>::identity() - jac * hg)) else {
        // I − hγJ → I as h → 0: a smaller step helps.
        return failed(StepStatus::NonlinearSolveFailed, work, u);
    };

    for i in 0..S {
        let mut y = *y0;
        let mut rhs = dfdt * (hg * h * T::cast(tab.d[i]));
        for (j, uj) in u.iter().enumerate().take(i) {
            y += uj * T::cast(tab.a[i][j]);
            rhs += uj * (gamma * T::cast(tab.c[i][j]));
        }
        let f = term.vf(t0 + h * T::cast(tab.alpha[i]), &y);
        work.vf_evals += 1;
        rhs += f * hg;
        let ui = lu.solve(&rhs);
        if !State::is_finite(&ui) {
            return failed(StepStatus::NonlinearSolveFailed, work, u);
        }
        u[i] = ui;
        fs[i] = f;
    }

    let mut y1 = *y0;
    let mut y_error = SVector::<T, N>::zeros();
    let mut k = [SVector::<T, N>::zeros(); D];
    for (j, uj) in u.iter().enumerate() {
        y1 += uj * T::cast(tab.m[j]);
        y_error += uj * T::cast(tab.m_error[j]);
        for (r, kr) in k.iter_mut().enumerate() {
            *kr += uj * T::cast(tab.dense[r][j]);
        }
    }
    RosenbrockStep {
        out: StepOutput {
            y1,
            y_error: Some(y_error),
            dense: RosenbrockDense { k },
            state: (),
            status: StepStatus::Computed,
            work,
        },
        u,
        f: fs,
        jac,
        dfdt,
        lu: Some(lu),
    }
}
