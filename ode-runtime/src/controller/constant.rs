//! Constant step size: the steps end at `t0 + n·dt0`.
//!
//! The step ends are computed as `t0 + n·dt0`, not by adding `dt0` to the last
//! end, so rounding does not accumulate over many steps (the final step is
//! clipped to `t1` as in Diffrax). Every computed step is accepted; a step
//! that could not be computed ends the solve with an error.

use super::{ControllerInit, Decision, StepAttempt, StepSizeController, clip_to_end};
use crate::{Error, InvalidArgument, Scalar, State, Term};

/// Steps of a fixed size `dt0` (Diffrax's `ConstantStepSize`). `dt0` is
/// required, even on an empty interval (`t0 == t1`), where it may be zero or
/// of either sign since no step is taken.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, FnTerm, SaveAt, SaveBuffers, nalgebra::SVector};
/// use odegrad::{controller::ConstantStepSize, solver::explicit::Euler};
/// let term = FnTerm::new(|_t: f64, _y: &SVector<f64, 1>| SVector::from([1.0]));
/// let sol = diffeqsolve(&term, &Euler, 0.0, 1.0, Some(0.25), SVector::from([0.0]),
///     &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
/// assert_eq!(sol.stats.num_accepted_steps, 4);
/// assert!((sol.y[0] - 1.0).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConstantStepSize;

/// The state of [`ConstantStepSize`]: the step size and the index of the step.
///
/// # Examples
///
/// ```
/// use odegrad::controller::{StepAttempt, StepSizeController};
/// use odegrad::{nalgebra::SVector, ConstantStepSize, FnTerm};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let y = SVector::from([1.0]);
/// let init = ConstantStepSize.init(&term, 0.0, 1.0, &y, Some(0.25), None)?;
/// assert!((init.state.dt - 0.25).abs() < 1e-15 && init.state.n == 0);
/// let attempt = StepAttempt { t_start: 0.0, t0: 0.0, t1: 0.25, t_end: 1.0, y0: &y, y1: &y,
///     y_error: None, error_order: None, failed: false };
/// let d = ConstantStepSize.adapt(&attempt, &init.state)?;
/// // the next step ends at t0 + (n + 1)·dt, computed afresh so rounding does not accumulate
/// assert!(d.accept && d.state.n == 1 && (d.next_t1 - 0.5).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConstantStepSizeState<T> {
    /// The signed step size.
    pub dt: T,
    /// The number of accepted steps so far.
    pub n: u64,
}

impl<T: Scalar, Y: State<T>> StepSizeController<T, Y> for ConstantStepSize {
    type ControllerState = ConstantStepSizeState<T>;

    fn init<Tm: Term<T, Y>>(
        &self,
        _term: &Tm,
        t0: T,
        t1: T,
        _y0: &Y,
        dt0: Option<T>,
        _error_order: Option<u32>,
    ) -> Result<ControllerInit<T, Self::ControllerState>, Error> {
        // Required even on an empty interval, as in Diffrax: the
        // configuration is wrong for every interval, so it is reported for all.
        let dt = dt0.ok_or(InvalidArgument::MissingDt0)?;
        let t_next = if t0 == t1 {
            t1
        } else {
            clip_to_end(t0, t0, t0 + dt, t1, true)
        };
        Ok(ControllerInit {
            t_next,
            state: ConstantStepSizeState { dt, n: 0 },
            vf_evals: 0,
        })
    }

    fn adapt(
        &self,
        a: &StepAttempt<'_, T, Y>,
        state: &Self::ControllerState,
    ) -> Result<Decision<T, Self::ControllerState>, Error> {
        let n = state.n + 1;
        // u64 → f64 is exact below 2⁵³ steps, far beyond any max_steps.
        let t_next = a.t_start + state.dt * T::cast((n + 1) as f64);
        Ok(Decision {
            accept: true,
            next_t0: a.t1,
            next_t1: clip_to_end(a.t_start, a.t1, t_next, a.t_end, true),
            made_jump: false,
            state: ConstantStepSizeState { dt: state.dt, n },
        })
    }
}
