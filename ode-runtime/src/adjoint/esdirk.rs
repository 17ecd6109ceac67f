//! The discrete adjoint of one ESDIRK step (ImplicitEuler, Kvaerno3/4/5) by
//! the implicit function theorem at the converged stages.
//!
//! The step of [`crate::solver::implicit`] computes, with `k₀ = f(t0, y0)`,
//!
//! ```text
//! Yᵢ = y0 + h Σ_{j<i} a_ij k_j + hγ kᵢ,   kᵢ = f(t0 + cᵢ h, Yᵢ)   (i ≥ 1),
//! y1 = Y_{s−1} = y0 + h Σ_j b_j k_j,
//! ```
//!
//! each stage solved by simplified Newton. The adjoint differentiates the
//! stage equations, not the iteration that solved them: at the converged
//! stage, `(I − hγ J(Yᵢ)) dkᵢ = J(Yᵢ) d(base) + ∂f/∂p dp + …`, so a cotangent
//! `k̄ᵢ` of `kᵢ` becomes `μᵢ = (I − hγ J(Yᵢ))⁻ᵀ k̄ᵢ` — one transposed solve
//! with the exact Jacobian at the converged stage, factorised afresh (the
//! Newton iteration's matrix is an older Jacobian's) — followed by one
//! vector–Jacobian product `μᵢᵀ ∂f(Yᵢ)` that flows to `y0`, the parameters,
//! the stage time and the earlier stages. `μᵢ` is the total cotangent of
//! `kᵢ`, its own feedback through `hγ kᵢ` included, so as for an explicit
//! method `∂L/∂h` gains `μᵢ·kᵢ/h` per stage. The stage derivatives the
//! forward step kept, `kᵢ = Zᵢ/(hγ)`, satisfy the stage equations to the
//! Newton tolerance: the gradient is that of the exactly solved step, which
//! the computed step approximates to that tolerance. Outputs inside the step
//! come from the solver's continuous extension (cubic Hermite through
//! `y0, k₀, y1, k_{s−1}` for Kvaerno, linear for ImplicitEuler) and are
//! differentiated through it.
//!
//! References: Hairer and Wanner, *Solving ODEs II*, §IV.6 (the stage
//! equations); A. Sandu, "On the properties of Runge–Kutta discrete
//! adjoints", ICCS 2006, and H. Zhang and A. Sandu, "FATODE", SIAM J. Sci.
//! Comput. 36 (2014), for implicit Runge–Kutta adjoints.
//!
//! # Examples
//!
//! One Kvaerno5 step's cotangents against central differences of the
//! computed step: they agree to the Newton tolerance, the stages being
//! differentiated as if solved exactly.
//!
//! ```
//! use odegrad::adjoint::{OutputCotangents, SolverVjp};
//! use odegrad::{nalgebra::SVector, ode_system, Kvaerno5, OdeTerm, Solver};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! type V2 = SVector<f64, 2>;
//! let solver = Kvaerno5::new(1e-13, 1e-13)?;
//! let (p, h, w) = (SVector::from([1.5, 1.0, 3.0, 1.0]), 0.1, V2::from([0.3, -1.2]));
//! let term = OdeTerm::new(&LotkaVolterra, p);
//! // ⟨w, y1⟩ after one step from y0.
//! let step = |y0: V2| w.dot(&solver.step(&term, 0.0, h, &y0, &solver.init(&term, 0.0, h, &y0)).y1);
//! let y0 = V2::from([1.0, 2.0]);
//! let state = solver.init(&term, 0.0, h, &y0);
//! let (g, _) = solver.step_vjp(&term, 0.0, h, &y0, &state, &w, OutputCotangents::none())?;
//! for i in 0..2 {
//!     let e = 1e-6 * V2::ith(i, 1.0);
//!     let fd = (step(y0 + e) - step(y0 - e)) / 2e-6;
//!     assert!((g.y0[i] - fd).abs() < 1e-6, "{} vs {fd}", g.y0[i]);
//! }
//! # Ok::<(), odegrad::Error>(())
//! ```

use super::solver_vjp::{OutputCotangents, SolverVjp, StepVjp, StepVjpResult, StepVjpWork};
use crate::solver::implicit::esdirk::esdirk_step;
use crate::solver::implicit::{
    EsdirkTableau, IMPLICIT_EULER, ImplicitEuler, ImplicitState, KVAERNO3, KVAERNO4, KVAERNO5,
    Kvaerno3, Kvaerno4, Kvaerno5, NewtonConfig,
};
use crate::solver::lu::StaticLu;
use crate::{Error, JacobianTerm, Scalar, State, StepStatus, VjpTerm};
use nalgebra::{SMatrix, SVector};

#[inline(always)]
fn real<T: Scalar>(x: f64) -> T {
    T::cast(x)
}

/// The continuous extension of the step, as the forward solve evaluates it;
/// the reverse ([`esdirk_step_vjp`]) and the tangent
/// ([`super::tangent_step`]) of an output inside a step follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Extension {
    /// Cubic Hermite through `y0, f0, y1, f1` (Kvaerno).
    Hermite,
    /// `y0 + θ (y1 − y0)` (ImplicitEuler).
    Linear,
}

/// The reverse of one ESDIRK step (see the module documentation).
#[allow(clippy::too_many_arguments)]
fn esdirk_step_vjp<T, const N: usize, const S: usize, Tm>(
    tab: &EsdirkTableau<S>,
    extension: Extension,
    cfg: &NewtonConfig<T>,
    term: &Tm,
    t0: T,
    t1: T,
    y0: &SVector<T, N>,
    state: &ImplicitState<T, N>,
    y1_bar: &SVector<T, N>,
    outputs: OutputCotangents<'_, T, SVector<T, N>>,
) -> StepVjpResult<T, SVector<T, N>, Tm::Params>
where
    T: Scalar,
    Tm: JacobianTerm<T, N> + VjpTerm<T, SVector<T, N>>,
{
    let replay = esdirk_step(tab, cfg, term, t0, t1, y0, state);
    if replay.out.status != StepStatus::Computed || S < 2 {
        return Err(Error::NonFiniteState { t: t0.to_f64() });
    }
    let k = replay.k;
    let y1 = replay.out.y1;
    let h = t1 - t0;
    let hg = h * real::<T>(tab.gamma);
    let mut work = StepVjpWork::default();
    let mut y0_bar = SVector::<T, N>::zeros();
    let mut k_bar = [SVector::<T, N>::zeros(); S];
    let mut params = <Tm::Params as State<T>>::zero();
    let (mut t0_bar, mut h_bar) = (T::zero(), T::zero());
    // y1's total cotangent: its own and the outputs' share.
    let mut y1_total = *y1_bar;

    let two = real::<T>(2.0);
    let three = real::<T>(3.0);
    let six = real::<T>(6.0);
    for (&t, y_bar) in outputs.ts.iter().zip(outputs.ys_bar.iter()).rev() {
        let s = (t - t0) / h;
        let theta_bar = match extension {
            Extension::Hermite => {
                let s2 = s * s;
                let s3 = s2 * s;
                let h00 = two * s3 - three * s2 + T::one();
                let h10 = s3 - two * s2 + s;
                let h01 = -two * s3 + three * s2;
                let h11 = s3 - s2;
                y0_bar += y_bar * h00;
                y1_total += y_bar * h01;
                // f0 = k₀ and f1 = k_{s−1} enter multiplied by h, like every
                // stage derivative (see the h cotangent below).
                k_bar[0] += y_bar * (h10 * h);
                k_bar[S - 1] += y_bar * (h11 * h);
                let d00 = six * (s2 - s);
                let d10 = three * s2 - two * two * s + T::one();
                let d11 = three * s2 - two * s;
                d00 * y_bar.dot(y0) + d10 * h * y_bar.dot(&k[0]) - d00 * y_bar.dot(&y1)
                    + d11 * h * y_bar.dot(&k[S - 1])
            }
            Extension::Linear => {
                y0_bar += y_bar * (T::one() - s);
                y1_total += y_bar * s;
                y_bar.dot(&(y1 - y0))
            }
        };
        // θ = (t − t0)/h: ∂θ/∂t0 = −1/h, ∂θ/∂h = −θ/h.
        t0_bar -= theta_bar / h;
        h_bar -= theta_bar * s / h;
    }

    // y1 = y0 + h Σ_j a_{s−1,j} k_j (stiffly accurate).
    y0_bar += y1_total;
    for (kb, &b) in k_bar.iter_mut().zip(tab.a[S - 1].iter()) {
        if b != 0.0 {
            *kb += y1_total * (h * real::<T>(b));
        }
    }

    // The implicit stages, last first.
    for i in (1..S).rev() {
        let kb = k_bar[i];
        if kb.max_abs() == T::zero() {
            continue;
        }
        let row = &tab.a[i];
        let mut stage = *y0;
        for (j, kj) in k.iter().enumerate().take(i) {
            if row[j] != 0.0 {
                stage += kj * (h * real::<T>(row[j]));
            }
        }
        stage += k[i] * hg;
        let ti = t0 + h * real::<T>(tab.c[i]);
        let jac = term.jac(ti, &stage);
        work.jac_evals += 1;
        work.lu_factorisations += 1;
        let lu = StaticLu::new(&(SMatrix::<T, N, N>::identity() - jac * hg))
            .ok_or(Error::SingularMatrix { t: ti.to_f64() })?;
        let mu = lu.solve_transpose(&kb);
        let (gy, gp, gt) = term.vjp(ti, &stage, &mu);
        work.vjp_evals += 1;
        h_bar += mu.dot(&k[i]) / h + real::<T>(tab.c[i]) * gt;
        t0_bar += gt;
        params = params.add(&gp);
        y0_bar += gy;
        for (j, kbj) in k_bar.iter_mut().enumerate().take(i) {
            if row[j] != 0.0 {
                *kbj += gy * (h * real::<T>(row[j]));
            }
        }
    }
    // The explicit first stage k₀ = f(t0, y0).
    let kb = k_bar[0];
    if kb.max_abs() != T::zero() {
        let (gy, gp, gt) = term.vjp(t0, y0, &kb);
        work.vjp_evals += 1;
        h_bar += kb.dot(&k[0]) / h;
        t0_bar += gt;
        params = params.add(&gp);
        y0_bar += gy;
    }
    Ok((
        StepVjp {
            y0: y0_bar,
            params,
            t0: t0_bar,
            h: h_bar,
        },
        work,
    ))
}

macro_rules! esdirk_vjp {
    ($name:ident, $tableau:expr_2021, $extension:expr_2021) => {
        impl<T, const N: usize, Tm> SolverVjp<T, SVector<T, N>, Tm> for $name<T>
        where
            T: Scalar,
            Tm: JacobianTerm<T, N> + VjpTerm<T, SVector<T, N>>,
        {
            fn step_vjp(
                &self,
                term: &Tm,
                t0: T,
                t1: T,
                y0: &SVector<T, N>,
                state: &ImplicitState<T, N>,
                y1_bar: &SVector<T, N>,
                outputs: OutputCotangents<'_, T, SVector<T, N>>,
            ) -> StepVjpResult<T, SVector<T, N>, Tm::Params> {
                esdirk_step_vjp(
                    &$tableau,
                    $extension,
                    self.newton(),
                    term,
                    t0,
                    t1,
                    y0,
                    state,
                    y1_bar,
                    outputs,
                )
            }
        }
    };
}

esdirk_vjp!(ImplicitEuler, IMPLICIT_EULER, Extension::Linear);
esdirk_vjp!(Kvaerno3, KVAERNO3, Extension::Hermite);
esdirk_vjp!(Kvaerno4, KVAERNO4, Extension::Hermite);
esdirk_vjp!(Kvaerno5, KVAERNO5, Extension::Hermite);
