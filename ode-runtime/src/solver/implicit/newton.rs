//! Simplified Newton for one implicit stage, with the convergence-rate
//! monitor of Hairer and Wanner, *Solving Ordinary Differential Equations II*,
//! §IV.8, and the iteration matrix `I − hγJ` kept across stages and steps.
//!
//! The monitor: with `θ_k = ‖ΔZ_k‖ / ‖ΔZ_{k−1}‖` and `η_k = θ_k / (1 − θ_k)`
//! the remaining error after iteration `k` is about `η_k ‖ΔZ_k‖`; iterate until
//! it is below `kappa`, give up as soon as `θ_k ≥ 1` or when even at rate `θ_k`
//! the remaining iterations cannot reach `kappa`. The first iteration of a
//! stage uses `η = max(η_old, ε)^0.75` from the previous stage (Hairer and
//! Wanner use the exponent 0.8; 0.75 is as safe — η < 1, so it is larger —
//! and costs two square roots instead of a `pow`).

use super::super::lu::StaticLu;
use crate::{Error, InvalidArgument, JacobianTerm, Scalar, State, StepStatus, StepWork};
use nalgebra::{SMatrix, SVector};

/// Settings of the simplified Newton iteration of the implicit solvers.
///
/// `rtol`/`atol` weight the stage-solve error norm; give the step-size
/// controller's values (the solver does not see the controller).
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::NewtonConfig;
/// let cfg = NewtonConfig::new(1e-8, 1e-10)?;
/// assert_eq!(cfg.max_iters, 10);
/// assert!(NewtonConfig::new(-1.0, 1e-10).is_err());
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NewtonConfig<T> {
    /// Relative tolerance of the error norm (the controller's `rtol`).
    pub rtol: T,
    /// Absolute tolerance of the error norm (the controller's `atol`).
    pub atol: T,
    /// Stop when the predicted remaining error `η‖ΔZ‖` is below `kappa`
    /// (weighted norm, so relative to the tolerances); Hairer and Wanner
    /// recommend 0.01–0.1. Default 0.01.
    pub kappa: T,
    /// Iterations per stage before the stage counts as failed. Default 10,
    /// Diffrax's `root_find_max_steps`.
    pub max_iters: u32,
    /// If the slowest contraction rate `θ` of an accepted step exceeds this,
    /// the next step evaluates a fresh Jacobian. Default 0.1.
    pub jac_refresh_theta: T,
    /// Reuse the LU factors of `I − h'γJ` for a step of size `h` while
    /// `|h/h' − 1|` is at most this (the mismatch only slows the iteration, by
    /// a rate of about the same size). Default 0.2; 0 refactorises whenever
    /// `h` changes.
    pub lu_reuse_band: T,
    /// Multiply the embedded error estimate by `(I − hγJ)⁻¹` (Hairer and
    /// Wanner II, §IV.8, (8.20); Shampine). Kværnø's embedded methods are not
    /// L-stable (`R̂(−∞)` is −0.96, −0.55, −0.75 for Kvaerno3/4/5), so without
    /// the filter stiff components inflate the estimate and steps are
    /// rejected needlessly; the filter leaves non-stiff components and the
    /// estimate's order unchanged. Default `false`, Diffrax's estimate: on
    /// P2, P3 and P6 the filter did not reduce the work.
    pub filter_error: bool,
}

impl<T: Scalar> NewtonConfig<T> {
    /// Default settings with the given tolerances.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{InvalidArgument, NewtonConfig};
    /// let cfg = NewtonConfig::new(1e-6f64, 1e-9)?;
    /// assert!((cfg.kappa - 0.01).abs() < 1e-15 && cfg.max_iters == 10 && !cfg.filter_error);
    /// assert!((cfg.jac_refresh_theta - 0.1).abs() < 1e-15 && (cfg.lu_reuse_band - 0.2).abs() < 1e-15);
    /// assert_eq!(NewtonConfig::new(0.0, 0.0).unwrap_err(), InvalidArgument::ZeroTolerances.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(rtol: T, atol: T) -> Result<Self, Error> {
        let cfg = Self {
            rtol,
            atol,
            kappa: T::cast(0.01),
            max_iters: 10,
            jac_refresh_theta: T::cast(0.1),
            lu_reuse_band: T::cast(0.2),
            filter_error: false,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks every field: tolerances non-negative and not both zero,
    /// `0 < kappa < 1`, `max_iters ≥ 1`, `jac_refresh_theta ∈ [0, 1]`,
    /// `lu_reuse_band ∈ [0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{InvalidArgument, NewtonConfig};
    /// let mut cfg = NewtonConfig::new(1e-6, 1e-9)?;
    /// cfg.kappa = 0.05; // within Hairer and Wanner's 0.01–0.1
    /// assert!(cfg.validate().is_ok());
    /// cfg.max_iters = 0;
    /// assert_eq!(cfg.validate().unwrap_err(), InvalidArgument::InvalidNewtonConfig.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let zero = T::zero();
        let one = T::one();
        // `finite()` first, so that NaN fails.
        if !self.rtol.finite() || self.rtol < zero {
            return Err(InvalidArgument::NegativeRtol.into());
        }
        if !self.atol.finite() || self.atol < zero {
            return Err(InvalidArgument::NegativeAtol.into());
        }
        if self.rtol == zero && self.atol == zero {
            return Err(InvalidArgument::ZeroTolerances.into());
        }
        let ok = self.kappa > zero
            && self.kappa < one
            && self.max_iters >= 1
            && self.jac_refresh_theta >= zero
            && self.jac_refresh_theta <= one
            && self.lu_reuse_band >= zero
            && self.lu_reuse_band < one;
        if ok {
            Ok(())
        } else {
            Err(InvalidArgument::InvalidNewtonConfig.into())
        }
    }

    /// `1 / (atol + rtol·|y_i|)`, the weights of the stage-solve norm.
    pub(crate) fn inv_scale<const N: usize>(&self, y: &SVector<T, N>) -> SVector<T, N> {
        y.map(|v| {
            let s = self.atol + self.rtol * v.abs();
            // atol = 0 on a zero component: weigh it as if |y_i| = 1.
            let s = if s > T::zero() { s } else { self.rtol };
            T::one() / s
        })
    }
}

/// What an implicit step hands the next one: the first-same-as-last
/// derivative, the Jacobian, the LU factors of `I − hγJ` and the Newton
/// monitor's memory. Small and `Copy`, so checkpoints store it whole.
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
/// let solver = Kvaerno5::new(1e-8, 1e-8)?;
/// let state = solver.init(&term, 0.0, 1.0, &y0);
/// let out = solver.step(&term, 0.0, 0.01, &y0, &state);
/// // the next step starts from the Jacobian this one evaluated: J = −50
/// let kept = out.state; // Copy
/// assert!(kept.jacobian().is_some_and(|j| (j[(0, 0)] + 50.0).abs() < 1e-12));
/// assert_eq!(out.work.jac_evals, 1);
/// let next = solver.step(&term, 0.01, 0.02, &out.y1, &kept);
/// assert_eq!(next.work.jac_evals, 0); // reused
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ImplicitState<T, const N: usize> {
    pub(crate) f0: Option<SVector<T, N>>,
    pub(crate) jac: Option<SMatrix<T, N, N>>,
    /// The factors and the `hγ` they were computed with.
    /// Factors of `I − hγJ`, valid for `lu_hg = Some(hγ)`; refactorised in
    /// place.
    pub(crate) lu: StaticLu<T, N>,
    pub(crate) lu_hg: Option<T>,
    pub(crate) eta: T,
    pub(crate) refresh_jac: bool,
}

impl<T: Scalar, const N: usize> ImplicitState<T, N> {
    /// The state before the first step: nothing computed yet (the first step
    /// evaluates `f(t0, y0)` and the Jacobian and counts them).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::solver::implicit::ImplicitState;
    /// let state = ImplicitState::<f64, 3>::empty();
    /// assert!(state.jacobian().is_none());
    /// ```
    pub fn empty() -> Self {
        Self {
            f0: None,
            jac: None,
            lu: StaticLu::unfactorised(),
            lu_hg: None,
            eta: T::one(),
            refresh_jac: false,
        }
    }

    /// The Jacobian the next step will start from, if any.
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
    /// use odegrad::ImplicitEuler;
    /// let solver = ImplicitEuler::new(1e-8, 1e-8)?;
    /// let before = solver.init(&term, 0.0, 1.0, &y0);
    /// assert!(before.jacobian().is_none()); // evaluated by the first step
    /// let after = solver.step(&term, 0.0, 0.1, &y0, &before).state;
    /// assert!(after.jacobian().is_some_and(|j| (j[(0, 0)] + 50.0).abs() < 1e-12));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn jacobian(&self) -> Option<&SMatrix<T, N, N>> {
        self.jac.as_ref()
    }
}

/// Evaluates the Jacobian at `(t0, y0)` into `state`, dropping stale factors.
/// `Err` if it is not finite: no step size can make `I − hγJ` usable then.
pub(crate) fn refresh_jacobian<T: Scalar, const N: usize, Tm: JacobianTerm<T, N>>(
    term: &Tm,
    t0: T,
    y0: &SVector<T, N>,
    state: &mut ImplicitState<T, N>,
    work: &mut StepWork,
) -> Result<(), StepStatus> {
    let jac = term.jac(t0, y0);
    work.jac_evals += 1;
    if !State::is_finite(&jac) {
        return Err(StepStatus::SingularMatrix);
    }
    state.jac = Some(jac);
    state.lu_hg = None;
    Ok(())
}

/// The factors of `I − hγJ` for this step: reused if `hγ` is within the band
/// of the stored ones, else computed. `None` if the matrix is singular (or
/// there is no Jacobian).
pub(crate) fn iteration_matrix<'s, T: Scalar, const N: usize>(
    state: &'s mut ImplicitState<T, N>,
    hg: T,
    cfg: &NewtonConfig<T>,
    work: &mut StepWork,
) -> Option<&'s StaticLu<T, N>> {
    // Factorised in place and borrowed, never copied: for N = 32 the factors
    // are 8 KB, and moving them around once cost more than the elimination.
    let reuse =
        matches!(state.lu_hg, Some(hg_lu) if (hg / hg_lu - T::one()).abs() <= cfg.lu_reuse_band);
    if !reuse {
        let jac = state.jac.as_ref()?;
        work.lu_factorisations += 1;
        let ok = state.lu.factorise_with(|m| {
            for (mij, &jij) in m.iter_mut().zip(jac.iter()) {
                *mij = -(jij * hg);
            }
            for i in 0..N {
                m[(i, i)] += T::one();
            }
        });
        state.lu_hg = ok.then_some(hg);
    }
    state.lu_hg.map(|_| &state.lu)
}

/// The Newton monitor's memory across the stages of a step.
pub(crate) struct Monitor<T> {
    /// `η` of the last iteration.
    pub eta: T,
    /// The slowest contraction rate seen this step.
    pub theta_max: T,
}

/// Solves `Z = hγ f(t, base + Z)` for `Z` by simplified Newton from the
/// initial guess in `z`. `true` if it converged (then `z` is the solution).
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_stage<T: Scalar, const N: usize, Tm: JacobianTerm<T, N>>(
    term: &Tm,
    t: T,
    base: &SVector<T, N>,
    z: &mut SVector<T, N>,
    hg: T,
    lu: &StaticLu<T, N>,
    inv_scale: &SVector<T, N>,
    cfg: &NewtonConfig<T>,
    mon: &mut Monitor<T>,
    work: &mut StepWork,
) -> bool {
    let one = T::one();
    let inv_n = T::cast(1.0 / (N.max(1) as f64));
    let e = mon.eta.max(T::EPSILON);
    mon.eta = (e * e.sqrt()).sqrt();
    let mut prev = T::zero();
    for it in 0..cfg.max_iters {
        let y = base + *z;
        let f = term.vf(t, &y);
        work.vf_evals += 1;
        if !State::is_finite(&f) {
            return false;
        }
        let dz = lu.solve(&(f * hg - *z));
        if !State::is_finite(&dz) {
            return false;
        }
        *z += dz;
        let norm = (dz.component_mul(inv_scale).norm_squared() * inv_n).sqrt();
        if norm == T::zero() {
            return true;
        }
        if it > 0 {
            let theta = norm / prev;
            mon.theta_max = mon.theta_max.max(theta);
            if theta >= one || !theta.finite() {
                return false;
            }
            mon.eta = theta / (one - theta);
            if mon.eta * norm <= cfg.kappa {
                return true;
            }
            // At rate θ the remaining iterations cannot reach kappa: stop
            // early so the step is retried sooner.
            let remaining = cfg.max_iters - 1 - it;
            let remaining = i32::try_from(remaining).unwrap_or(i32::MAX);
            if theta.powi(remaining) / (one - theta) * norm > cfg.kappa {
                return false;
            }
        } else if mon.eta * norm <= cfg.kappa {
            return true;
        }
        prev = norm;
    }
    false
}
