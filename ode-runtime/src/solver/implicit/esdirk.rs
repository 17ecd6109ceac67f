//! One step of an ESDIRK method (explicit first stage, singly diagonally
//! implicit, stiffly accurate), generic over its tableau.
//!
//! Stage `i` solves `Z_i = hγ f(t0 + c_i h, base_i + Z_i)` with
//! `base_i = y0 + h Σ_{j<i} a_ij k_j`, starting from Diffrax's linear-combination
//! predictor `Z_i⁰ = hγ Σ_{j<i} α_ij k_j`; then `k_i = Z_i / (hγ)`. The
//! method is stiffly accurate, so `y1` is the last stage and `f(t1, y1)` is its
//! `k` (first same as last). The embedded estimate is `h Σ_j e_j k_j`.
//!
//! Reference: Kværnø, BIT 44 (2004) 489–502; the predictors are Diffrax's
//! (`devdocs/predictor_dirk.md`).

use super::newton::{
    ImplicitState, Monitor, NewtonConfig, iteration_matrix, refresh_jacobian, solve_stage,
};
use crate::{JacobianTerm, Scalar, State, StepOutput, StepStatus, StepWork};
use nalgebra::SVector;

/// The coefficients of an `S`-stage ESDIRK method with an explicit first
/// stage, stiffly accurate (`b` is the last row of `a`).
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::{EsdirkTableau, IMPLICIT_EULER, KVAERNO3, KVAERNO4, KVAERNO5};
/// fn consistent<const S: usize>(tab: &EsdirkTableau<S>) -> bool {
///     let rows = (0..S).all(|i| (tab.a[i].iter().sum::<f64>() - tab.c[i]).abs() < 1e-12);
///     let diagonal = (1..S).all(|i| (tab.a[i][i] - tab.gamma).abs() < 1e-15);
///     // stiffly accurate: the last stage is at t1; b and b̂ both sum to 1
///     let end = (tab.c[S - 1] - 1.0).abs() < 1e-12;
///     rows && diagonal && end && tab.b_error.iter().sum::<f64>().abs() < 1e-12
/// }
/// assert!(consistent(&KVAERNO3) && consistent(&KVAERNO4) && consistent(&KVAERNO5));
/// assert!(consistent(&IMPLICIT_EULER));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EsdirkTableau<const S: usize> {
    /// The diagonal coefficient `γ = a_ii` for `i ≥ 1`.
    pub gamma: f64,
    /// `a_ij`, lower triangular including the diagonal; row 0 is zero.
    pub a: [[f64; S]; S],
    /// The stage times `c_i = Σ_j a_ij`.
    pub c: [f64; S],
    /// `e = b − b̂`: the error estimate is `h Σ_j e_j k_j`.
    pub b_error: [f64; S],
    /// Predictor weights `α_ij` (`j < i`): the initial guess of `k_i` is
    /// `Σ_j α_ij k_j`.
    pub predictor: [[f64; S]; S],
}

/// The continuous extension of an implicit step: cubic Hermite interpolation
/// of `y0, y1` and the derivatives `f0 = f(t0, y0)`, `f1 = f(t1, y1)`.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Solver};
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([50.0]));
/// let y0 = SVector::from([1.0]);
/// use odegrad::Kvaerno5;
/// let solver = Kvaerno5::new(1e-10, 1e-10)?;
/// let out = solver.step(&term, 0.0, 0.01, &y0, &solver.init(&term, 0.0, 0.01, &y0));
/// // the end derivatives of the step: f(t0, y0) and (first same as last) f(t1, y1)
/// assert!((out.dense.f0[0] + 50.0).abs() < 1e-12);
/// assert!((out.dense.f1[0] + 50.0 * out.y1[0]).abs() < 1e-6);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct HermiteDense<T, const N: usize> {
    /// `f(t0, y0)`.
    pub f0: SVector<T, N>,
    /// `f(t1, y1)` (the last stage derivative).
    pub f1: SVector<T, N>,
}

impl<T: Scalar, const N: usize> HermiteDense<T, N> {
    /// Evaluates the cubic Hermite interpolant at `t ∈ [t0, t1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, solver::implicit::HermiteDense};
    /// // y = t³ on [0, 1] is a cubic: its Hermite interpolant is exact
    /// let dense = HermiteDense { f0: SVector::from([0.0f64]), f1: SVector::from([3.0]) };
    /// let (y0, y1) = (SVector::from([0.0]), SVector::from([1.0]));
    /// for t in [0.0, 0.25, 0.5, 1.0] {
    ///     assert!((dense.evaluate(0.0, 1.0, &y0, &y1, t)[0] - t * t * t).abs() < 1e-15);
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
        let s = (t - t0) / h;
        let one = T::one();
        let two = T::cast(2.0);
        let three = T::cast(3.0);
        let s2 = s * s;
        let s3 = s2 * s;
        let h00 = two * s3 - three * s2 + one;
        let h10 = s3 - two * s2 + s;
        let h01 = -two * s3 + three * s2;
        let h11 = s3 - s2;
        y0 * h00 + self.f0 * (h10 * h) + y1 * h01 + self.f1 * (h11 * h)
    }
}

/// Everything one ESDIRK step produces, stage derivatives included.
pub(crate) struct EsdirkStep<T, const N: usize, const S: usize> {
    pub out: StepOutput<SVector<T, N>, ImplicitState<T, N>, HermiteDense<T, N>>,
    pub k: [SVector<T, N>; S],
}

/// One step from `(t0, y0)` to `t1`.
pub(crate) fn esdirk_step<T, const N: usize, const S: usize, Tm>(
    tab: &EsdirkTableau<S>,
    cfg: &NewtonConfig<T>,
    term: &Tm,
    t0: T,
    t1: T,
    y0: &SVector<T, N>,
    state: &ImplicitState<T, N>,
) -> EsdirkStep<T, N, S>
where
    T: Scalar,
    Tm: JacobianTerm<T, N>,
{
    let mut work = StepWork::default();
    let mut st = *state;
    let mut k = [SVector::<T, N>::zeros(); S];
    let h = t1 - t0;
    let hg = h * T::cast(tab.gamma);
    let f0 = match st.f0 {
        Some(f) => f,
        None => {
            work.vf_evals += 1;
            term.vf(t0, y0)
        }
    };
    let failed = |status, st, work, k| EsdirkStep {
        out: StepOutput {
            y1: *y0,
            y_error: None,
            dense: HermiteDense { f0, f1: f0 },
            state: st,
            status,
            work,
        },
        k,
    };
    if !State::is_finite(&f0) {
        return failed(StepStatus::NonlinearSolveFailed, st, work, k);
    }
    k[0] = f0;
    st.f0 = Some(f0);
    if S < 2 || hg == T::zero() {
        // Nothing to solve (an empty step): y1 = y0.
        let mut out = failed(StepStatus::Computed, st, work, k);
        out.out.y_error = Some(SVector::zeros());
        return out;
    }

    let inv_scale = cfg.inv_scale(y0);
    let mut mon = Monitor {
        eta: st.eta,
        theta_max: T::zero(),
    };
    let mut fresh_jac = false;
    let mut need_jac = st.jac.is_none() || st.refresh_jac;
    let mut y1 = *y0;
    loop {
        if need_jac {
            if let Err(status) = refresh_jacobian(term, t0, y0, &mut st, &mut work) {
                return failed(status, st, work, k);
            }
            fresh_jac = true;
        }
        let converged = match iteration_matrix(&mut st, hg, cfg, &mut work) {
            Some(lu) => {
                let mut ok = true;
                for i in 1..S {
                    let mut base = *y0;
                    let mut z = SVector::<T, N>::zeros();
                    for (j, kj) in k.iter().enumerate().take(i) {
                        base += kj * (h * T::cast(tab.a[i][j]));
                        z += kj * (hg * T::cast(tab.predictor[i][j]));
                    }
                    let t = t0 + h * T::cast(tab.c[i]);
                    if !solve_stage(
                        term, t, &base, &mut z, hg, lu, &inv_scale, cfg, &mut mon, &mut work,
                    ) {
                        ok = false;
                        break;
                    }
                    k[i] = z / hg;
                    y1 = base + z;
                }
                ok
            }
            None => false,
        };
        if converged {
            break;
        }
        if fresh_jac {
            // Shrinking the step is the remaining remedy.
            st.refresh_jac = true;
            return failed(StepStatus::NonlinearSolveFailed, st, work, k);
        }
        // The reused Jacobian may be what failed: retry once with a fresh one.
        need_jac = true;
        mon.theta_max = T::zero();
    }

    let mut y_error = SVector::<T, N>::zeros();
    for (j, kj) in k.iter().enumerate() {
        y_error += kj * (h * T::cast(tab.b_error[j]));
    }
    if cfg.filter_error && st.lu_hg.is_some() {
        y_error = st.lu.solve(&y_error);
    }
    let f1 = k[S - 1];
    st.f0 = Some(f1);
    st.eta = mon.eta;
    st.refresh_jac = mon.theta_max > cfg.jac_refresh_theta;
    EsdirkStep {
        out: StepOutput {
            y1,
            y_error: Some(y_error),
            dense: HermiteDense { f0, f1 },
            state: st,
            status: StepStatus::Computed,
            work,
        },
        k,
    }
}

/// Implements [`Solver`](crate::Solver) for a Kvaerno-type ESDIRK solver
/// struct with a `newton: NewtonConfig<T>` field.
macro_rules! esdirk_solver {
    ($name:ident, $tableau:expr_2021, $stages:literal, $order:literal) => {
        impl<T: $crate::Scalar> $name<T> {
            /// The solver with default Newton settings and the given
            /// tolerances (use the step-size controller's `rtol`, `atol`).
            ///
            /// # Examples
            ///
            #[doc = "```"]
            #[doc = concat!("use odegrad::{", stringify!($name), ", InvalidArgument};")]
            #[doc = concat!("let solver = ", stringify!($name), "::new(1e-6f64, 1e-9)?;")]
            #[doc = "assert!((solver.newton().rtol - 1e-6).abs() < 1e-20);"]
            #[doc = concat!("let bad = ", stringify!($name), "::new(f64::NAN, 1e-9);")]
            #[doc = "assert_eq!(bad.unwrap_err(), InvalidArgument::NegativeRtol.into());"]
            #[doc = "# Ok::<(), odegrad::Error>(())"]
            #[doc = "```"]
            pub fn new(rtol: T, atol: T) -> Result<Self, $crate::Error> {
                Ok(Self {
                    newton: $crate::solver::implicit::NewtonConfig::new(rtol, atol)?,
                })
            }

            /// The solver with the given Newton settings (validated).
            ///
            /// # Examples
            ///
            #[doc = "```"]
            #[doc = concat!("use odegrad::{", stringify!($name), ", InvalidArgument, NewtonConfig};")]
            #[doc = "let mut newton = NewtonConfig::new(1e-6f64, 1e-9)?;"]
            #[doc = "newton.filter_error = true;"]
            #[doc = concat!("assert!(", stringify!($name), "::with_newton(newton)?.newton().filter_error);")]
            #[doc = "newton.kappa = 2.0; // must be below 1"]
            #[doc = concat!("let bad = ", stringify!($name), "::with_newton(newton);")]
            #[doc = "assert_eq!(bad.unwrap_err(), InvalidArgument::InvalidNewtonConfig.into());"]
            #[doc = "# Ok::<(), odegrad::Error>(())"]
            #[doc = "```"]
            pub fn with_newton(
                newton: $crate::solver::implicit::NewtonConfig<T>,
            ) -> Result<Self, $crate::Error> {
                newton.validate()?;
                Ok(Self { newton })
            }

            /// The Newton settings.
            ///
            /// # Examples
            ///
            #[doc = "```"]
            #[doc = concat!("use odegrad::", stringify!($name), ";")]
            #[doc = concat!("let solver = ", stringify!($name), "::new(1e-6f64, 1e-9)?;")]
            #[doc = "assert_eq!(solver.newton().max_iters, 10);"]
            #[doc = "assert!((solver.newton().atol - 1e-9).abs() < 1e-24);"]
            #[doc = "# Ok::<(), odegrad::Error>(())"]
            #[doc = "```"]
            pub fn newton(&self) -> &$crate::solver::implicit::NewtonConfig<T> {
                &self.newton
            }

            /// One step like [`Solver::step`](crate::Solver::step), also
            /// returning the converged stage derivatives `k_i` (stage values
            /// are `y0 + h Σ_j a_ij k_j`), for the discrete adjoint.
            #[doc(hidden)]
            pub fn step_with_stages<const N: usize, Tm: $crate::JacobianTerm<T, N>>(
                &self,
                term: &Tm,
                t0: T,
                t1: T,
                y0: &::nalgebra::SVector<T, N>,
                state: &$crate::solver::implicit::ImplicitState<T, N>,
            ) -> (
                $crate::StepOutput<
                    ::nalgebra::SVector<T, N>,
                    $crate::solver::implicit::ImplicitState<T, N>,
                    $crate::solver::implicit::HermiteDense<T, N>,
                >,
                [::nalgebra::SVector<T, N>; $stages],
            ) {
                let s =
                    super::esdirk::esdirk_step(&$tableau, &self.newton, term, t0, t1, y0, state);
                (s.out, s.k)
            }
        }

        impl<T, const N: usize, Tm> $crate::Solver<T, ::nalgebra::SVector<T, N>, Tm> for $name<T>
        where
            T: $crate::Scalar,
            Tm: $crate::JacobianTerm<T, N>,
        {
            type SolverState = $crate::solver::implicit::ImplicitState<T, N>;
            type DenseInfo = $crate::solver::implicit::HermiteDense<T, N>;

            fn order(&self) -> u32 {
                $order
            }
            fn error_order(&self) -> Option<u32> {
                Some($order)
            }
            fn init(
                &self,
                _term: &Tm,
                _t0: T,
                _t1: T,
                _y0: &::nalgebra::SVector<T, N>,
            ) -> Self::SolverState {
                $crate::solver::implicit::ImplicitState::empty()
            }
            fn step(
                &self,
                term: &Tm,
                t0: T,
                t1: T,
                y0: &::nalgebra::SVector<T, N>,
                state: &Self::SolverState,
            ) -> $crate::StepOutput<::nalgebra::SVector<T, N>, Self::SolverState, Self::DenseInfo>
            {
                super::esdirk::esdirk_step(&$tableau, &self.newton, term, t0, t1, y0, state).out
            }
            fn interpolate(
                &self,
                t0: T,
                t1: T,
                y0: &::nalgebra::SVector<T, N>,
                y1: &::nalgebra::SVector<T, N>,
                dense: &Self::DenseInfo,
                t: T,
            ) -> ::nalgebra::SVector<T, N> {
                dense.evaluate(t0, t1, y0, y1, t)
            }
        }
    };
}
pub(crate) use esdirk_solver;
