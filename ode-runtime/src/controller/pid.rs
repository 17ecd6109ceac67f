//! The PID step-size controller, as Diffrax's `PIDController`.
//!
//! With `ε` the [`ErrorNorm`] of the scaled error estimate, a step is kept if
//! `ε < 1`, and the next step is
//!
//! ```text
//! h_{n+1} = h_n · clip(safety · ε_n^(−β₁/k) · ε_{n−1}^(−β₂/k) · ε_{n−2}^(−β₃/k),
//!                      factormin, factormax)
//! ```
//!
//! with `β₁ = icoeff + pcoeff + dcoeff`, `β₂ = −(pcoeff + 2 dcoeff)`,
//! `β₃ = dcoeff`, `k` the solver's error order; after a rejection the factor
//! is at most `safety` and at least `factormin`. The defaults (`pcoeff 0`,
//! `icoeff 1`, `dcoeff 0`: the I controller) and all conventions are Diffrax's,
//! so step counts are comparable. A failed attempt (non-finite values, an
//! implicit stage that did not converge) counts as an infinite error: it is
//! rejected and the step shrinks by `factormin`.
//!
//! References: Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.4 (I control,
//! initial step); Hairer & Wanner, *Solving ODEs II*, §IV.2 (PI control);
//! Söderlind, *Digital filters in adaptive time-stepping*, ACM TOMS 29 (2003).

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::{
    ControllerInit, Decision, ErrorNorm, RmsNorm, StepAttempt, StepSizeController, clip_to_end,
    direction, select_initial_step,
};
use crate::{Error, InvalidArgument, Scalar, State, Term};

/// Adaptive step sizes from an embedded error estimate (Diffrax's
/// `PIDController`). Fields are public as in Diffrax; the constructor and the
/// `with_*` methods validate, and so does every solve.
///
/// `step_ts`: times the steps must also end at (clipped to, not interpolated).
/// `jump_ts`: discontinuities of the vector field; a step ends one ulp before
/// one and the next starts on it afresh (the FSAL derivative is recomputed),
/// so neither evaluates the vector field across it. Both must be
/// monotone in the direction of integration; entries outside the span are
/// ignored.
///
/// On an empty interval (`t0 == t1`) no step is taken: the controller is
/// validated, but no initial step is selected (no vector-field evaluation),
/// and `step_ts`/`jump_ts` need only be monotone in one direction or the other.
///
/// # Examples
///
/// ```
/// use odegrad::controller::{MaxNorm, PidController};
/// let pid = PidController::new(1e-6f64, 1e-8)?
///     .with_pcoeff(0.4)?
///     .with_dtmax(0.5)?
///     .with_norm(MaxNorm);
/// assert!((pid.safety - 0.9).abs() < 1e-15);
/// assert!(PidController::new(-1.0, 1e-8).is_err());
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PidController<'a, T, N = RmsNorm> {
    /// Relative tolerance.
    pub rtol: T,
    /// Absolute tolerance.
    pub atol: T,
    /// Proportional coefficient (default 0).
    pub pcoeff: T,
    /// Integral coefficient (default 1).
    pub icoeff: T,
    /// Derivative coefficient (default 0).
    pub dcoeff: T,
    /// Smallest step magnitude, if any.
    pub dtmin: Option<T>,
    /// Largest step magnitude, if any.
    pub dtmax: Option<T>,
    /// With `dtmin`: clip steps to `dtmin` (and accept them) if `true`, fail
    /// with [`Error::StepSizeBelowDtmin`] if `false`. Default `true`.
    pub force_dtmin: bool,
    /// Smallest factor a step shrinks by (default 0.2).
    pub factormin: T,
    /// Largest factor a step grows by (default 10).
    pub factormax: T,
    /// Safety factor (default 0.9).
    pub safety: T,
    /// The error norm (default [`RmsNorm`]).
    pub norm: N,
    /// Times steps must end at.
    pub step_ts: &'a [T],
    /// Discontinuities of the vector field.
    pub jump_ts: &'a [T],
}

/// The state of a [`PidController`].
///
/// # Examples
///
/// ```
/// use odegrad::controller::{StepAttempt, StepSizeController};
/// use odegrad::{nalgebra::SVector, FnTerm, PidController};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-6, 1e-6)?;
/// let y = SVector::from([1.0]);
/// let init = pid.init(&term, 0.0, 1.0, &y, Some(0.1), Some(5))?;
/// assert!((init.state.prev_inv_scaled_error - 1.0).abs() < 1e-15);
/// // an error of half the tolerance (ε = 1/2, tolerance 2·10⁻⁶) is remembered as 1/ε = 2
/// let err = SVector::from([1e-6]);
/// let attempt = StepAttempt { t_start: 0.0, t0: 0.0, t1: 0.1, t_end: 1.0, y0: &y, y1: &y,
///     y_error: Some(&err), error_order: Some(5), failed: false };
/// let d = pid.adapt(&attempt, &init.state)?;
/// assert!(d.accept && (d.state.prev_inv_scaled_error - 2.0).abs() < 1e-9);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PidState<T> {
    /// `1/ε` of the last accepted step.
    pub prev_inv_scaled_error: T,
    /// `1/ε` of the one before.
    pub prev_prev_inv_scaled_error: T,
    /// The step is at `dtmin`: keep the next one whatever its error.
    pub keep_next_step: bool,
    /// Index of the first `step_ts` entry after the current time.
    pub next_step_ts: usize,
    /// Index of the first `jump_ts` entry after the current time.
    pub next_jump_ts: usize,
    /// The pending attempt ends at a `jump_ts` entry.
    pub ends_at_jump: bool,
}

impl<'a, T: Scalar> PidController<'a, T, RmsNorm> {
    /// A controller with Diffrax's defaults and the given tolerances.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{Error, InvalidArgument, PidController};
    /// let pid = PidController::new(1e-6f64, 1e-9)?;
    /// assert!(pid.pcoeff.abs() < 1e-15 && (pid.icoeff - 1.0).abs() < 1e-15); // I control
    /// assert!((pid.factormin - 0.2).abs() < 1e-15 && (pid.factormax - 10.0).abs() < 1e-15);
    /// assert_eq!(PidController::new(0.0, 0.0).unwrap_err(), InvalidArgument::ZeroTolerances.into());
    /// assert_eq!(PidController::new(-1e-6, 1e-9).unwrap_err(), Error::InvalidArgument(InvalidArgument::NegativeRtol));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(rtol: T, atol: T) -> Result<Self, Error> {
        let c = T::cast;
        let pid = Self {
            rtol,
            atol,
            pcoeff: T::zero(),
            icoeff: T::one(),
            dcoeff: T::zero(),
            dtmin: None,
            dtmax: None,
            force_dtmin: true,
            factormin: c(0.2),
            factormax: c(10.0),
            safety: c(0.9),
            norm: RmsNorm,
            step_ts: &[],
            jump_ts: &[],
        };
        pid.validate()?;
        Ok(pid)
    }
}

impl<'a, T: Scalar, N> PidController<'a, T, N> {
    /// Checks every field except the step and jump times (which need the
    /// direction of integration and are checked by the solve).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{InvalidArgument, PidController};
    /// let mut pid = PidController::new(1e-6, 1e-6)?;
    /// assert!(pid.validate().is_ok());
    /// pid.safety = 1.5; // the fields are public; a safety factor above 1 is refused
    /// assert_eq!(pid.validate().unwrap_err(), InvalidArgument::InvalidControllerCoefficient.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        use InvalidArgument::*;
        let ok = |x: T| x.finite();
        if !(ok(self.rtol) && self.rtol >= T::zero()) {
            return Err(NegativeRtol.into());
        }
        if !(ok(self.atol) && self.atol >= T::zero()) {
            return Err(NegativeAtol.into());
        }
        if self.rtol == T::zero() && self.atol == T::zero() {
            return Err(ZeroTolerances.into());
        }
        if let Some(dtmax) = self.dtmax
            && !(dtmax > T::zero())
        {
            return Err(InvalidDtmax.into());
        }
        if let Some(dtmin) = self.dtmin {
            let above_max = self.dtmax.is_some_and(|m| dtmin > m);
            if !(ok(dtmin) && dtmin >= T::zero()) || above_max {
                return Err(InvalidDtmin.into());
            }
        }
        let coeffs_ok = ok(self.pcoeff)
            && ok(self.icoeff)
            && ok(self.dcoeff)
            && self.pcoeff + self.icoeff + self.dcoeff > T::zero()
            && ok(self.safety)
            && self.safety > T::zero()
            && self.safety <= T::one()
            && ok(self.factormin)
            && self.factormin > T::zero()
            && self.factormin <= T::one()
            && ok(self.factormax)
            && self.factormax >= T::one();
        if !coeffs_ok {
            return Err(InvalidControllerCoefficient.into());
        }
        Ok(())
    }

    fn checked(self) -> Result<Self, Error> {
        self.validate().map(|()| self)
    }

    /// Sets `pcoeff`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |pid: &PidController<'_, f64>| diffeqsolve(&term, &Tsit5, 0.0, 4.0, None,
    ///     SVector::from([1.0]), &SaveAt::nothing(), pid, 1000, &mut SaveBuffers::none());
    /// // a PI controller (proportional and integral terms) reaches the same accuracy
    /// let pi = PidController::new(1e-8, 1e-8)?.with_pcoeff(0.4)?.with_icoeff(0.3)?;
    /// assert!((solve(&pi)?.y[0] - (-4.0f64).exp()).abs() < 1e-7);
    /// // P + I + D must be positive
    /// assert!(PidController::new(1e-8, 1e-8)?.with_pcoeff(-1.0).is_err());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_pcoeff(mut self, pcoeff: T) -> Result<Self, Error> {
        self.pcoeff = pcoeff;
        self.checked()
    }
    /// Sets `icoeff`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{InvalidArgument, PidController};
    /// let pid = PidController::new(1e-6f64, 1e-6)?.with_icoeff(0.5)?;
    /// assert!((pid.icoeff - 0.5).abs() < 1e-15);
    /// // with P = D = 0, no integral term leaves nothing to adapt with
    /// let none = PidController::new(1e-6, 1e-6)?.with_icoeff(0.0);
    /// assert_eq!(none.unwrap_err(), InvalidArgument::InvalidControllerCoefficient.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_icoeff(mut self, icoeff: T) -> Result<Self, Error> {
        self.icoeff = icoeff;
        self.checked()
    }
    /// Sets `dcoeff`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |pid: &PidController<'_, f64>| diffeqsolve(&term, &Tsit5, 0.0, 4.0, None,
    ///     SVector::from([1.0]), &SaveAt::nothing(), pid, 1000, &mut SaveBuffers::none());
    /// let pid = PidController::new(1e-8, 1e-8)?.with_dcoeff(0.1)?;
    /// assert!((solve(&pid)?.y[0] - (-4.0f64).exp()).abs() < 1e-7);
    /// assert!(PidController::new(1e-8, 1e-8)?.with_dcoeff(f64::NAN).is_err());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_dcoeff(mut self, dcoeff: T) -> Result<Self, Error> {
        self.dcoeff = dcoeff;
        self.checked()
    }
    /// Sets `dtmin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |pid: &PidController<'_, f64>| diffeqsolve(&term, &Tsit5, 0.0, 4.0, None,
    ///     SVector::from([1.0]), &SaveAt::nothing(), pid, 1000, &mut SaveBuffers::none());
    /// // at a tight tolerance the controller would like small steps; dtmin = 0.5
    /// // forces steps of at least 0.5 (accepted whatever their error), so at most 8
    /// let pid = PidController::new(1e-12, 1e-12)?.with_dtmin(0.5)?;
    /// assert!(solve(&pid)?.stats.num_accepted_steps <= 8);
    /// assert!(PidController::new(1e-6, 1e-6)?.with_dtmax(0.1)?.with_dtmin(0.2).is_err()); // above dtmax
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_dtmin(mut self, dtmin: T) -> Result<Self, Error> {
        self.dtmin = Some(dtmin);
        self.checked()
    }
    /// Sets `dtmax`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |pid: &PidController<'_, f64>| diffeqsolve(&term, &Tsit5, 0.0, 4.0, None,
    ///     SVector::from([1.0]), &SaveAt::nothing(), pid, 1000, &mut SaveBuffers::none());
    /// let loose = PidController::new(1e-4, 1e-4)?;
    /// assert!(solve(&loose)?.stats.num_accepted_steps < 40);
    /// // steps of at most 0.1 over [0, 4]: at least 40 of them
    /// assert!(solve(&loose.with_dtmax(0.1)?)?.stats.num_accepted_steps >= 40);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_dtmax(mut self, dtmax: T) -> Result<Self, Error> {
        self.dtmax = Some(dtmax);
        self.checked()
    }
    /// Sets `force_dtmin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |pid: &PidController<'_, f64>| diffeqsolve(&term, &Tsit5, 0.0, 4.0, None,
    ///     SVector::from([1.0]), &SaveAt::nothing(), pid, 1000, &mut SaveBuffers::none());
    /// use odegrad::Error;
    /// // a step of dtmin = 0.5 cannot meet rtol = 1e-12: without force_dtmin the solve fails
    /// let pid = PidController::new(1e-12, 1e-12)?.with_dtmin(0.5)?.with_force_dtmin(false);
    /// assert!(matches!(solve(&pid), Err(Error::StepSizeBelowDtmin { .. })));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_force_dtmin(mut self, force: bool) -> Self {
        self.force_dtmin = force;
        self
    }
    /// Sets `factormin`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{InvalidArgument, PidController};
    /// let pid = PidController::new(1e-6f64, 1e-6)?.with_factormin(0.5)?;
    /// assert!((pid.factormin - 0.5).abs() < 1e-15);
    /// // a factor is a shrink factor: in (0, 1]
    /// let bad = PidController::new(1e-6, 1e-6)?.with_factormin(2.0);
    /// assert_eq!(bad.unwrap_err(), InvalidArgument::InvalidControllerCoefficient.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_factormin(mut self, factormin: T) -> Result<Self, Error> {
        self.factormin = factormin;
        self.checked()
    }
    /// Sets `factormax`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// // factormax = 1: an accepted step never grows, so dt0 = 0.125 gives 8 steps on [0, 1]
    /// let pid = PidController::new(1e-6, 1e-6)?.with_factormax(1.0)?;
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.125), SVector::from([1.0]),
    ///     &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none())?;
    /// assert_eq!((sol.stats.num_accepted_steps, sol.stats.num_rejected_steps), (8, 0));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_factormax(mut self, factormax: T) -> Result<Self, Error> {
        self.factormax = factormax;
        self.checked()
    }
    /// Sets `safety`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |pid: &PidController<'_, f64>| diffeqsolve(&term, &Tsit5, 0.0, 4.0, None,
    ///     SVector::from([1.0]), &SaveAt::nothing(), pid, 1000, &mut SaveBuffers::none());
    /// // a smaller safety factor takes smaller steps than the default 0.9
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let cautious = pid.with_safety(0.5)?;
    /// assert!(solve(&cautious)?.stats.num_steps > solve(&pid)?.stats.num_steps);
    /// assert!(pid.with_safety(1.5).is_err()); // at most 1
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_safety(mut self, safety: T) -> Result<Self, Error> {
        self.safety = safety;
        self.checked()
    }
    /// Sets the times steps must end at.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let must = [0.3, 0.7];
    /// let pid = PidController::new(1e-4, 1e-4)?.with_step_ts(&must);
    /// let (mut ts, mut ys) = ([0.0; 64], [SVector::zeros(); 64]);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]), &SaveAt::steps(),
    ///     &pid, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// // SaveAt::steps saves every step end: both times are among them, exactly
    /// let ends = &ts[..sol.num_saved];
    /// assert!(must.iter().all(|m| ends.iter().any(|t| (t - m).abs() < 1e-15)));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_step_ts(mut self, step_ts: &'a [T]) -> Self {
        self.step_ts = step_ts;
        self
    }
    /// Sets the discontinuities of the vector field.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// // y' = 1 before t = 1 and −1 after: y(2) = 0 from y(0) = 0
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([if t < 1.0 { 1.0 } else { -1.0 }]));
    /// let jumps = [1.0];
    /// let pid = PidController::new(1e-8, 1e-8)?.with_jump_ts(&jumps);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 2.0, None, SVector::from([0.0]),
    ///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none())?;
    /// // no step straddles the kink, so the piecewise-linear solution is integrated exactly
    /// assert!(sol.y[0].abs() < 1e-12);
    /// assert_eq!(sol.stats.num_rejected_steps, 0);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_jump_ts(mut self, jump_ts: &'a [T]) -> Self {
        self.jump_ts = jump_ts;
        self
    }
    /// Replaces the error norm.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{controller::MaxNorm, diffeqsolve, nalgebra::SVector, FnTerm, PidController};
    /// use odegrad::{SaveAt, SaveBuffers, Tsit5};
    /// // two decoupled decays; the fast one dominates the error, which the RMS
    /// // over two components halves in the mean and the max norm does not
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| SVector::from([-y[0], -10.0 * y[1]]));
    /// let rms = PidController::new(1e-6, 1e-6)?;
    /// let max = rms.with_norm(MaxNorm);
    /// let steps = |sol: odegrad::Solution<f64, SVector<f64, 2>>| sol.stats.num_steps;
    /// let y0 = SVector::from([1.0, 1.0]);
    /// let a = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, y0, &SaveAt::nothing(), &rms, 1000, &mut SaveBuffers::none())?;
    /// let b = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, y0, &SaveAt::nothing(), &max, 1000, &mut SaveBuffers::none())?;
    /// assert!(steps(b) >= steps(a));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_norm<N2>(self, norm: N2) -> PidController<'a, T, N2> {
        PidController {
            rtol: self.rtol,
            atol: self.atol,
            pcoeff: self.pcoeff,
            icoeff: self.icoeff,
            dcoeff: self.dcoeff,
            dtmin: self.dtmin,
            dtmax: self.dtmax,
            force_dtmin: self.force_dtmin,
            factormin: self.factormin,
            factormax: self.factormax,
            safety: self.safety,
            norm,
            step_ts: self.step_ts,
            jump_ts: self.jump_ts,
        }
    }

    /// Clips `dt` (a magnitude) to `[dtmin, dtmax]`.
    fn clip_dt(&self, mut dt: T) -> T {
        if let Some(m) = self.dtmax {
            dt = dt.min(m);
        }
        if let Some(m) = self.dtmin {
            dt = dt.max(m);
        }
        dt
    }

    /// Moves `idx` past the entries of `ts` at or before `t`, then clips
    /// `t_next` to the first entry after `t`. Returns `(idx, t_next, clipped)`.
    fn clip_to_ts(ts: &[T], mut idx: usize, t: T, t_next: T, dir: T) -> (usize, T, bool) {
        // Entries at or before t are behind us.
        while let Some(&s) = ts.get(idx) {
            if (s - t) * dir > T::zero() {
                break;
            }
            idx += 1;
        }
        match ts.get(idx) {
            Some(&s) if (t_next - s) * dir >= T::zero() => (idx, s, true),
            _ => (idx, t_next, false),
        }
    }
}

fn monotone<T: Scalar>(ts: &[T], dir: T) -> bool {
    ts.iter().all(|t| t.finite()) && ts.windows(2).all(|w| (w[1] - w[0]) * dir >= T::zero())
}

/// One ulp before a discontinuity in the direction of integration, so the
/// step's last stage sees the vector field's limit from the side it came from.
#[inline(always)]
fn before_jump<T: Scalar>(t: T, at_jump: bool, dir: T) -> T {
    if at_jump {
        t.next_after(dir < T::zero())
    } else {
        t
    }
}

/// Clamps with NaN going to the lower bound (an undefined factor shrinks).
#[inline(always)]
fn clamp<T: Scalar>(x: T, lo: T, hi: T) -> T {
    if !(x >= lo) {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

impl<T: Scalar, Y: State<T>, N: ErrorNorm<T, Y>> StepSizeController<T, Y>
    for PidController<'_, T, N>
{
    type ControllerState = PidState<T>;

    fn init<Tm: Term<T, Y>>(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &Y,
        dt0: Option<T>,
        error_order: Option<u32>,
    ) -> Result<ControllerInit<T, PidState<T>>, Error> {
        self.validate()?;
        let error_order = error_order.ok_or(InvalidArgument::NoErrorEstimate)?;
        let dir = direction(t0, t1);
        if t0 == t1 {
            // An empty interval has no direction, and no step to choose: the
            // step and jump times need only be ordered one way or the other,
            // so a chain of backward solves may pass an empty link the same
            // controller.
            let ordered = |ts: &[T]| monotone(ts, T::one()) || monotone(ts, -T::one());
            if !(ordered(self.step_ts) && ordered(self.jump_ts)) {
                return Err(InvalidArgument::StepTsInvalid.into());
            }
            return Ok(ControllerInit {
                t_next: t1,
                state: PidState {
                    prev_inv_scaled_error: T::one(),
                    prev_prev_inv_scaled_error: T::one(),
                    keep_next_step: false,
                    next_step_ts: 0,
                    next_jump_ts: 0,
                    ends_at_jump: false,
                },
                vf_evals: 0,
            });
        }
        if !(monotone(self.step_ts, dir) && monotone(self.jump_ts, dir)) {
            return Err(InvalidArgument::StepTsInvalid.into());
        }
        let (dt, vf_evals) = match dt0 {
            Some(dt) => (dt.abs(), 0),
            None => select_initial_step(
                term,
                t0,
                dir,
                y0,
                error_order,
                self.rtol,
                self.atol,
                &self.norm,
            ),
        };
        let t_next = t0 + dir * self.clip_dt(dt);
        let (next_step_ts, t_next, _) = Self::clip_to_ts(self.step_ts, 0, t0, t_next, dir);
        let (next_jump_ts, t_next, ends_at_jump) =
            Self::clip_to_ts(self.jump_ts, 0, t0, t_next, dir);
        let t_jump = before_jump(t_next, ends_at_jump, dir);
        let t_next = clip_to_end(t0, t0, t_jump, t1, true);
        // A jump within the end whisker is the end of the solve, not a jump.
        let ends_at_jump = ends_at_jump && t_next == t_jump;
        Ok(ControllerInit {
            t_next,
            state: PidState {
                prev_inv_scaled_error: T::one(),
                prev_prev_inv_scaled_error: T::one(),
                keep_next_step: false,
                next_step_ts,
                next_jump_ts,
                ends_at_jump,
            },
            vf_evals,
        })
    }

    #[inline]
    fn adapt(
        &self,
        a: &StepAttempt<'_, T, Y>,
        s: &PidState<T>,
    ) -> Result<Decision<T, PidState<T>>, Error> {
        let c = T::cast;
        let error_order = a.error_order.ok_or(InvalidArgument::NoErrorEstimate)?;
        let dir = direction(a.t_start, a.t_end);
        let scaled_error = if a.failed {
            T::MAX + T::MAX
        } else {
            let err = a.y_error.ok_or(InvalidArgument::NoErrorEstimate)?;
            let e = self.norm.scaled_norm(err, a.y0, a.y1, self.rtol, self.atol);
            if !(e >= T::zero()) {
                T::MAX + T::MAX
            } else {
                e
            }
        };
        let mut keep = !a.failed && scaled_error < T::one();
        if self.dtmin.is_some() {
            // A step clipped to dtmin is kept whatever its error.
            keep = keep || (!a.failed && s.keep_next_step);
        }
        let mut inv = T::one() / scaled_error;

        let k = c(f64::from(error_order.max(1)));
        let coeff1 = (self.icoeff + self.pcoeff + self.dcoeff) / k;
        let coeff2 = -(self.pcoeff + c(2.0) * self.dcoeff) / k;
        let coeff3 = self.dcoeff / k;
        // x^e as exp(e ln x): a few ulps from powf and a third of its cost,
        // which matters in a loop whose steps cost a few hundred flops.
        // ln(0) = −∞ and ln(∞) = ∞ keep the limits (factor 0 or ∞, clamped).
        let pow = |x: T, e: T| {
            if e == T::zero() {
                T::one()
            } else {
                (e * x.ln()).exp()
            }
        };
        let factor1 = pow(inv, coeff1);
        let factor2 = pow(s.prev_inv_scaled_error, coeff2);
        let factor3 = pow(s.prev_prev_inv_scaled_error, coeff3);
        let (fmin, fmax) = if keep {
            (T::one(), self.factormax)
        } else {
            (self.factormin, self.safety)
        };
        let factor = clamp(self.safety * factor1 * factor2 * factor3, fmin, fmax);
        let mut dt = (a.t1 - a.t0).abs() * factor;

        // A failed or error-free step must not steer the P and D terms.
        if inv == T::zero() || !inv.finite() {
            inv = T::one();
        }

        let mut keep_next_step = s.keep_next_step;
        if let Some(m) = self.dtmax {
            dt = dt.min(m);
        }
        if let Some(dtmin) = self.dtmin {
            if !self.force_dtmin && dt < dtmin {
                return Err(Error::StepSizeBelowDtmin {
                    t: a.t0.to_f64(),
                    dt: dt.to_f64(),
                });
            }
            keep_next_step = dt <= dtmin || (keep_next_step && factor == T::one());
            dt = dt.max(dtmin);
        }

        let made_jump = keep && s.ends_at_jump;
        let next_t0 = match (keep, made_jump) {
            (false, _) => a.t0,
            // The step ended one ulp before the discontinuity; start on it.
            (true, true) => a.t1.next_after(dir > T::zero()),
            (true, false) => a.t1,
        };
        let next_t1 = next_t0 + dir * dt;
        let (next_step_ts, next_t1, _) =
            Self::clip_to_ts(self.step_ts, s.next_step_ts, next_t0, next_t1, dir);
        let (next_jump_ts, next_t1, ends_at_jump) =
            Self::clip_to_ts(self.jump_ts, s.next_jump_ts, next_t0, next_t1, dir);
        let t_jump = before_jump(next_t1, ends_at_jump, dir);
        let next_t1 = clip_to_end(a.t_start, next_t0, t_jump, a.t_end, keep);
        let ends_at_jump = ends_at_jump && next_t1 == t_jump;

        let (prev, prev_prev) = if keep {
            (inv, s.prev_inv_scaled_error)
        } else {
            (s.prev_inv_scaled_error, s.prev_prev_inv_scaled_error)
        };
        Ok(Decision {
            accept: keep,
            next_t0,
            next_t1,
            made_jump,
            state: PidState {
                prev_inv_scaled_error: prev,
                prev_prev_inv_scaled_error: prev_prev,
                keep_next_step,
                next_step_ts,
                next_jump_ts,
                ends_at_jump,
            },
        })
    }
}
