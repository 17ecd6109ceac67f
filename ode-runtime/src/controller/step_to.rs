//! Steps to given times: the `n`th step ends at `ts[n]`.

use super::{ControllerInit, Decision, StepAttempt, StepSizeController};
use crate::{Error, InvalidArgument, Scalar, State, Term};

/// Steps ending exactly at the given times (Diffrax's `StepTo`). `ts` must
/// start at `t0`, end at `t1` and be strictly monotone in the direction of
/// integration; otherwise the solve fails with
/// [`InvalidArgument::StepTsInvalid`]. `dt0` must be `None`. On an empty
/// interval (`t0 == t1`) there are no steps and `ts` is the single time
/// `[t0]`.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, FnTerm, SaveAt, SaveBuffers, nalgebra::SVector};
/// use odegrad::{controller::StepTo, solver::explicit::Heun};
/// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t]));
/// let ts = [0.0, 0.3, 1.0];
/// let mut t_out = [0.0; 3];
/// let mut y_out = [SVector::zeros(); 3];
/// let sol = diffeqsolve(&term, &Heun, 0.0, 1.0, None, SVector::from([0.0]),
///     &SaveAt::steps(), &StepTo::new(&ts), 10,
///     &mut SaveBuffers::new(&mut t_out, &mut y_out))?;
/// assert_eq!(sol.num_saved, 2);
/// assert!((t_out[0] - 0.3).abs() < 1e-15 && (y_out[1][0] - 0.5).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTo<'a, T> {
    /// The step times, `ts[0] = t0` and `ts[last] = t1`.
    pub ts: &'a [T],
}

impl<'a, T> StepTo<'a, T> {
    /// Steps to the times `ts`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, InvalidArgument, SaveAt, SaveBuffers};
    /// use odegrad::{StepTo, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let solve = |ts: &[f64], dt0| diffeqsolve(&term, &Tsit5, 0.0, 1.0, dt0, SVector::from([1.0]),
    ///     &SaveAt::nothing(), &StepTo::new(ts), 100, &mut SaveBuffers::none());
    /// assert_eq!(solve(&[0.0, 0.5, 1.0], None)?.stats.num_accepted_steps, 2);
    /// // the times must span [t0, t1] exactly, and the steps are the times: no dt0
    /// assert_eq!(solve(&[0.0, 0.5], None).unwrap_err(), InvalidArgument::StepTsInvalid.into());
    /// assert_eq!(solve(&[0.0, 1.0], Some(0.1)).unwrap_err(), InvalidArgument::Dt0WithStepTo.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(ts: &'a [T]) -> Self {
        Self { ts }
    }
}

/// The state of [`StepTo`]: the index of the end of the next step.
///
/// # Examples
///
/// ```
/// use odegrad::controller::{StepAttempt, StepSizeController};
/// use odegrad::{nalgebra::SVector, FnTerm, StepTo};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let (ts, y) = ([0.0, 0.2, 1.0], SVector::from([1.0]));
/// let init = StepTo::new(&ts).init(&term, 0.0, 1.0, &y, None, None)?;
/// assert!(init.state.next == 1 && (init.t_next - 0.2).abs() < 1e-15); // ts[1] ends the first step
/// let attempt = StepAttempt { t_start: 0.0, t0: 0.0, t1: 0.2, t_end: 1.0, y0: &y, y1: &y,
///     y_error: None, error_order: None, failed: false };
/// let d = StepTo::new(&ts).adapt(&attempt, &init.state)?;
/// assert!(d.state.next == 2 && (d.next_t1 - 1.0).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepToState {
    /// `ts[next]` ends the next step.
    pub next: usize,
}

impl<T: Scalar, Y: State<T>> StepSizeController<T, Y> for StepTo<'_, T> {
    type ControllerState = StepToState;

    fn init<Tm: Term<T, Y>>(
        &self,
        _term: &Tm,
        t0: T,
        t1: T,
        _y0: &Y,
        dt0: Option<T>,
        _error_order: Option<u32>,
    ) -> Result<ControllerInit<T, StepToState>, Error> {
        let invalid = Error::InvalidArgument(InvalidArgument::StepTsInvalid);
        if dt0.is_some() {
            return Err(Error::InvalidArgument(InvalidArgument::Dt0WithStepTo));
        }
        let (Some(&first), Some(&last)) = (self.ts.first(), self.ts.last()) else {
            return Err(invalid);
        };
        if first != t0 || last != t1 {
            return Err(invalid);
        }
        if t0 == t1 {
            // An empty interval: no step, so the one time t0 is all of ts.
            return match self.ts.len() {
                1 => Ok(ControllerInit {
                    t_next: t1,
                    state: StepToState { next: 1 },
                    vf_evals: 0,
                }),
                _ => Err(invalid),
            };
        }
        if self.ts.len() < 2 {
            return Err(invalid);
        }
        let dir = super::direction(t0, t1);
        if !self.ts.windows(2).all(|w| (w[1] - w[0]) * dir > T::zero()) {
            return Err(invalid);
        }
        Ok(ControllerInit {
            t_next: self.ts[1],
            state: StepToState { next: 1 },
            vf_evals: 0,
        })
    }

    fn adapt(
        &self,
        a: &StepAttempt<'_, T, Y>,
        state: &StepToState,
    ) -> Result<Decision<T, StepToState>, Error> {
        let next = state.next + 1;
        // Past the last entry the solve is over; the proposal is never used.
        let next_t1 = self.ts.get(next).copied().unwrap_or(a.t_end);
        Ok(Decision {
            accept: true,
            next_t0: a.t1,
            next_t1,
            made_jump: false,
            state: StepToState { next },
        })
    }
}
