//! The discrete adjoint of one Rosenbrock step (Rodas5P).
//!
//! In the form [`crate::solver::rosenbrock`] computes, with `J = ∂f/∂y` and
//! `f_t = ∂f/∂t` at `(t0, y0)`, `M = I − hγJ`, `tᵢ = t0 + αᵢ h`,
//!
//! ```text
//! Yᵢ = y0 + Σ_{j<i} a_ij u_j,
//! M uᵢ = hγ f(tᵢ, Yᵢ) + γ Σ_{j<i} c_ij u_j + hγ h dᵢ f_t,
//! y1 = y0 + Σ m_j u_j,
//! y(θ) = (1 − θ) y0 + θ (y1 + (1 − θ) Σ_r θʳ K_r),   K_r = Σ_j h_rj u_j,
//! ```
//!
//! every stage is linear, so the step is a smooth function of `(y0, p, t0,
//! h)` and reverse mode runs through it exactly: a cotangent `ūᵢ` becomes
//! `λᵢ = M⁻ᵀ ūᵢ` (the forward step's factors, transposed), which flows to
//! the stage through one vector–Jacobian product of `f`, to earlier stages
//! through `c`, and — because `M` and the right-hand side contain `J` and
//! `f_t` at `(t0, y0)` — to `(y0, p, t0)` through one second-order product
//! per stage, the gradient of `λᵢᵀ (J (hγ uᵢ) + f_t (hγ h dᵢ))`
//! ([`crate::SecondOrderTerm`]). The error estimate is not differentiated.
//!
//! References: Hairer and Wanner, *Solving ODEs II*, §IV.7 (the transformed
//! form); D. Daescu, A. Sandu and G. Carmichael, "Direct and adjoint
//! sensitivity analysis of chemical kinetic systems with KPP: II",
//! Atmospheric Environment 37 (2003), for Rosenbrock discrete adjoints.
//!
//! # Examples
//!
//! One Rodas5P step's cotangents against central differences of the step in
//! the parameters: its stages are linear, so nothing is left to a tolerance.
//!
//! ```
//! use odegrad::adjoint::{OutputCotangents, SolverVjp};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Rodas5P, Solver};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! type V2 = SVector<f64, 2>;
//! let (y0, h, w) = (V2::from([1.0, 2.0]), 0.1, V2::from([0.3, -1.2]));
//! // ⟨w, y1⟩ after one step with parameters p.
//! let step = |p| {
//!     let term = OdeTerm::new(&LotkaVolterra, p);
//!     w.dot(&Rodas5P.step(&term, 0.0, h, &y0, &Rodas5P.init(&term, 0.0, h, &y0)).y1)
//! };
//! let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
//! let term = OdeTerm::new(&LotkaVolterra, p);
//! let state = Rodas5P.init(&term, 0.0, h, &y0);
//! let (g, work) = Rodas5P.step_vjp(&term, 0.0, h, &y0, &state, &w, OutputCotangents::none())?;
//! for j in 0..4 {
//!     let e = 1e-6 * SVector::<f64, 4>::ith(j, 1.0);
//!     let fd = (step(p + e) - step(p - e)) / 2e-6;
//!     assert!((g.params[j] - fd).abs() < 1e-8, "{} vs {fd}", g.params[j]);
//! }
//! assert!(work.second_order_evals > 0);
//! # Ok::<(), odegrad::Error>(())
//! ```

use super::solver_vjp::{OutputCotangents, SolverVjp, StepVjp, StepVjpResult, StepVjpWork};
use crate::solver::rosenbrock::{RODAS5P, Rodas5P, RosenbrockTableau, rosenbrock_step};
use crate::{Error, Scalar, SecondOrderTerm, State, StepStatus};
use nalgebra::SVector;

#[inline(always)]
fn real<T: Scalar>(x: f64) -> T {
    T::cast(x)
}

/// The reverse of one Rosenbrock step (see the module documentation).
#[allow(clippy::too_many_arguments)]
fn rosenbrock_step_vjp<T, const N: usize, const S: usize, const D: usize, Tm>(
    tab: &RosenbrockTableau<S, D>,
    term: &Tm,
    t0: T,
    t1: T,
    y0: &SVector<T, N>,
    y1_bar: &SVector<T, N>,
    outputs: OutputCotangents<'_, T, SVector<T, N>>,
) -> StepVjpResult<T, SVector<T, N>, Tm::Params>
where
    T: Scalar,
    Tm: SecondOrderTerm<T, N>,
{
    let replay = rosenbrock_step(tab, term, t0, t1, y0);
    let lu = match (replay.out.status, replay.lu) {
        (StepStatus::Computed, Some(lu)) => lu,
        _ => return Err(Error::NonFiniteState { t: t0.to_f64() }),
    };
    let (u, f, jac, dfdt) = (replay.u, replay.f, replay.jac, replay.dfdt);
    let dense = replay.out.dense.k;
    let y1 = replay.out.y1;
    let h = t1 - t0;
    let gamma = real::<T>(tab.gamma);
    let hg = h * gamma;
    let mut work = StepVjpWork::default();
    let mut y0_bar = SVector::<T, N>::zeros();
    let mut u_bar = [SVector::<T, N>::zeros(); S];
    let mut params = <Tm::Params as State<T>>::zero();
    let (mut t0_bar, mut h_bar) = (T::zero(), T::zero());
    let mut y1_total = *y1_bar;

    for (&t, y_bar) in outputs.ts.iter().zip(outputs.ys_bar.iter()).rev() {
        let th = (t - t0) / h;
        let th1 = T::one() - th;
        y0_bar += y_bar * th1;
        y1_total += y_bar * th;
        // A(θ) = Σ_r θʳ K_r and A'(θ), through the dots ȳ·K_r.
        let (mut a, mut da) = (T::zero(), T::zero());
        // θʳ and θʳ⁻¹.
        let (mut pow, mut pow_prev) = (T::one(), T::zero());
        let weight = th * th1;
        for (r, kr) in dense.iter().enumerate() {
            let d = y_bar.dot(kr);
            da += real::<T>(r as f64) * pow_prev * d;
            a += pow * d;
            // K̄_r = θ(1 − θ) θʳ ȳ, then K_r = Σ_j h_rj u_j.
            for (ub, &hrj) in u_bar.iter_mut().zip(tab.dense[r].iter()) {
                if hrj != 0.0 {
                    *ub += y_bar * (weight * pow * real::<T>(hrj));
                }
            }
            pow_prev = pow;
            pow *= th;
        }
        let theta_bar = y_bar.dot(&(y1 - y0)) + (th1 - th) * a + weight * da;
        t0_bar -= theta_bar / h;
        h_bar -= theta_bar * th / h;
    }
    // y1 = y0 + Σ m_j u_j.
    y0_bar += y1_total;
    for (ub, &m) in u_bar.iter_mut().zip(tab.m.iter()) {
        if m != 0.0 {
            *ub += y1_total * real::<T>(m);
        }
    }

    for i in (0..S).rev() {
        let ub = u_bar[i];
        if ub.max_abs() == T::zero() {
            continue;
        }
        let lambda = lu.solve_transpose(&ub);
        let ui = &u[i];
        let di = real::<T>(tab.d[i]);
        // M = I − hγJ and the f_t term: through J and f_t at (t0, y0).
        let (sy, sp, st) = term.vjp_jvp(t0, y0, &(ui * hg), hg * h * di, &lambda);
        work.second_order_evals += 1;
        y0_bar += sy;
        params = params.add(&sp);
        t0_bar += st;
        // ∂/∂h of −hγJ uᵢ (moved to the right), hγ fᵢ and h²γ dᵢ f_t.
        h_bar += gamma * lambda.dot(&(jac * ui))
            + gamma * lambda.dot(&f[i])
            + two_h(h) * gamma * di * lambda.dot(&dfdt);
        // hγ f(tᵢ, Yᵢ).
        let row = &tab.a[i];
        let mut stage = *y0;
        for (j, uj) in u.iter().enumerate().take(i) {
            if row[j] != 0.0 {
                stage += uj * real::<T>(row[j]);
            }
        }
        let alpha = real::<T>(tab.alpha[i]);
        let (gy, gp, gt) = term.vjp(t0 + h * alpha, &stage, &(lambda * hg));
        work.vjp_evals += 1;
        y0_bar += gy;
        params = params.add(&gp);
        t0_bar += gt;
        h_bar += alpha * gt;
        for (j, ubj) in u_bar.iter_mut().enumerate().take(i) {
            let (a, c) = (row[j], tab.c[i][j]);
            if a != 0.0 {
                *ubj += gy * real::<T>(a);
            }
            if c != 0.0 {
                *ubj += lambda * (gamma * real::<T>(c));
            }
        }
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

/// `2h`, the derivative of `h²`.
#[inline(always)]
fn two_h<T: Scalar>(h: T) -> T {
    h + h
}

impl<T, const N: usize, Tm> SolverVjp<T, SVector<T, N>, Tm> for Rodas5P
where
    T: Scalar,
    Tm: SecondOrderTerm<T, N>,
{
    fn step_vjp(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        _state: &(),
        y1_bar: &SVector<T, N>,
        outputs: OutputCotangents<'_, T, SVector<T, N>>,
    ) -> StepVjpResult<T, SVector<T, N>, Tm::Params> {
        rosenbrock_step_vjp(&RODAS5P, term, t0, t1, y0, y1_bar, outputs)
    }
}
