//! The driver: [`diffeqsolve`].

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::integrator::{Advance, Integrator, Stats};
use crate::controller::{StepSizeController, direction};
use crate::event::{Event, EventLocator, NoEvent};
use crate::saveat::{DenseStep, SaveAt, SaveBuffers, Saver};
use crate::{Error, InvalidArgument, Scalar, Solver, State, Term};

/// The result of a solve. Saved outputs are in the caller's buffers; this
/// says how many and carries the final state.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let (mut ts, mut ys) = ([0.0; 2], [SVector::zeros(); 2]);
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
///     &SaveAt::t1().with_t0(), &pid, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
/// assert!((sol.t - 1.0).abs() < 1e-15 && !sol.event_triggered);
/// assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-8);
/// assert_eq!((sol.num_saved, sol.num_dense), (2, 0));
/// assert_eq!(sol.stats.num_steps, sol.stats.num_accepted_steps + sol.stats.num_rejected_steps);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Solution<T, Y> {
    /// The final time: `t1`, or the event time if an event ended the solve.
    pub t: T,
    /// The state at the final time.
    pub y: Y,
    /// Whether a terminating event ended the solve (at `t`).
    pub event_triggered: bool,
    /// Counters.
    pub stats: Stats,
    /// Point outputs written to `buffers.ts` / `buffers.ys`.
    pub num_saved: usize,
    /// Dense records written to `buffers.dense`.
    pub num_dense: usize,
}

/// Checks `saveat.ts` against the interval.
fn validate_ts<T: Scalar>(ts: &[T], t0: T, t1: T) -> Result<(), Error> {
    let dir = direction(t0, t1);
    for &t in ts {
        if !((t - t0) * dir >= T::zero() && (t1 - t) * dir >= T::zero()) {
            return Err(InvalidArgument::TsOutsideSpan.into());
        }
    }
    if !ts.windows(2).all(|w| (w[1] - w[0]) * dir >= T::zero()) {
        return Err(InvalidArgument::TsNotMonotone.into());
    }
    Ok(())
}

/// Solves `y' = f(t, y)`, `y(t0) = y0` on `[t0, t1]` (or `[t1, t0]`
/// backwards in time): Diffrax's `diffeqsolve`, statically dispatched, with
/// the parameters inside the term (`OdeTerm::new(&system, params)`).
///
/// - `dt0`: the first step (signed, pointing to `t1`), or `None` to let the
///   controller choose (required by [`ConstantStepSize`], forbidden by
///   [`StepTo`]).
/// - `saveat` and `buffers`: what to save and where (see [`SaveAt`]).
/// - `max_steps`: the budget of step attempts, accepted and rejected.
///
/// Every invalid argument is reported as its own [`InvalidArgument`] before
/// any work is done (save times, and a point-output buffer too small for the
/// outputs known in advance, included). Nothing allocates or panics.
///
/// `t0 == t1` is allowed, as in Diffrax: no step is taken and the solution
/// is `y0`. `dt0` may then be `None`, zero or of either sign (it must still
/// be finite, and [`ConstantStepSize`] still requires it); save times must
/// all equal `t0`; `SaveAt::t0`, `t1` and `ts` save `y0`, `steps` and
/// `dense` save nothing. The statistics count no step and at most the
/// solver's initialisation (one vector-field evaluation for a
/// first-same-as-last explicit method).
///
/// [`ConstantStepSize`]: crate::controller::ConstantStepSize
/// [`StepTo`]: crate::controller::StepTo
///
/// # Examples
///
/// Lotka–Volterra saved at 21 times:
///
/// ```
/// use odegrad::{diffeqsolve, FnTerm, SaveAt, SaveBuffers, nalgebra::SVector};
/// use odegrad::{controller::PidController, solver::explicit::Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| {
///     SVector::from([1.5 * y[0] - y[0] * y[1], -3.0 * y[1] + y[0] * y[1]])
/// });
/// let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
/// let (mut t_out, mut y_out) = ([0.0; 21], [SVector::zeros(); 21]);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 10.0, Some(0.01), SVector::from([1.0, 1.0]),
///     &SaveAt::ts(&ts), &pid, 4096, &mut SaveBuffers::new(&mut t_out, &mut y_out))?;
/// assert_eq!(sol.num_saved, 21);
/// assert!((y_out[20][0] - 1.0263447675752504).abs() < 1e-6);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn diffeqsolve<T, Y, Tm, S, C>(
    term: &Tm,
    solver: &S,
    t0: T,
    t1: T,
    dt0: Option<T>,
    y0: Y,
    saveat: &SaveAt<'_, T>,
    controller: &C,
    max_steps: usize,
    buffers: &mut SaveBuffers<'_, T, Y, S::DenseInfo>,
) -> Result<Solution<T, Y>, Error>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    solve(
        term,
        solver,
        t0,
        t1,
        dt0,
        y0,
        saveat,
        controller,
        max_steps,
        buffers,
        None::<&NoEvent>,
    )
}

/// [`diffeqsolve`] with a terminating event (see [`crate::event`]): the
/// solve ends at the event time, with the state there, if the event triggers
/// before `t1`; `t1` may then be infinite. Outputs requested after the event
/// time are not written (`num_saved` says how many were); `SaveAt::t1` saves
/// the final point, at the event time. [`Solution::event_triggered`] says
/// whether the event ended the solve.
///
/// On an empty interval (`t0 == t1`) no step is taken, so the event cannot
/// trigger (its condition is not even evaluated, just as a condition already
/// true at `t0` does not end a longer solve): the solution is `y0` at `t1`
/// with `event_triggered` false.
///
/// # Examples
///
/// The time `y' = −y` takes from 1 to 1/2 is ln 2:
///
/// ```
/// use odegrad::event::{Direction, FloatEvent};
/// use odegrad::integrate::diffeqsolve_with_event;
/// use odegrad::{FnTerm, SaveAt, SaveBuffers, nalgebra::SVector};
/// use odegrad::{controller::PidController, solver::explicit::Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let half = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5)
///     .with_direction(Direction::Down);
/// let pid = PidController::new(1e-10, 1e-10)?;
/// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, f64::INFINITY, Some(0.1),
///     SVector::from([1.0]), &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &half)?;
/// assert!(sol.event_triggered);
/// assert!((sol.t - 2f64.ln()).abs() < 1e-9);
/// assert!((sol.y[0] - 0.5).abs() < 1e-12);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn diffeqsolve_with_event<T, Y, Tm, S, C, E>(
    term: &Tm,
    solver: &S,
    t0: T,
    t1: T,
    dt0: Option<T>,
    y0: Y,
    saveat: &SaveAt<'_, T>,
    controller: &C,
    max_steps: usize,
    buffers: &mut SaveBuffers<'_, T, Y, S::DenseInfo>,
    event: &E,
) -> Result<Solution<T, Y>, Error>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
    E: Event<T, Y, Tm>,
{
    solve(
        term,
        solver,
        t0,
        t1,
        dt0,
        y0,
        saveat,
        controller,
        max_steps,
        buffers,
        Some(event),
    )
}

/// The solve behind both entry points.
#[allow(clippy::too_many_arguments)]
fn solve<T, Y, Tm, S, C, E>(
    term: &Tm,
    solver: &S,
    t0: T,
    t1: T,
    dt0: Option<T>,
    y0: Y,
    saveat: &SaveAt<'_, T>,
    controller: &C,
    max_steps: usize,
    buffers: &mut SaveBuffers<'_, T, Y, S::DenseInfo>,
    event: Option<&E>,
) -> Result<Solution<T, Y>, Error>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
    E: Event<T, Y, Tm>,
{
    let has_event = event.is_some();
    super::integrator::validate_common(term, t0, t1, dt0, &y0, max_steps, has_event)?;
    validate_ts(saveat.ts, t0, t1)?;
    let known = usize::from(saveat.t0) + saveat.ts.len() + usize::from(saveat.t1);
    if known > buffers.capacity() {
        return Err(Error::SaveBufferTooSmall {
            needed: known,
            capacity: buffers.capacity(),
        });
    }
    let mut it = Integrator::with_event_horizon(
        term, solver, controller, t0, t1, dt0, y0, max_steps, has_event,
    )?;
    // No step, no event: an empty interval skips the condition (which may
    // cost a vector-field evaluation, as the steady-state one does).
    let mut locator = event
        .filter(|_| t0 != t1)
        .map(|e| EventLocator::new(e, term, t0, &y0));
    let mut hit = None;
    let dir = direction(t0, t1);
    let mut saver = Saver::new(buffers);
    if saveat.t0 {
        saver.push(t0, y0)?;
    }
    let mut next_ts = 0;
    // Requested times equal to t0 are y0 itself.
    while let Some(&t) = saveat.ts.get(next_ts) {
        if (t - t0) * dir > T::zero() {
            break;
        }
        saver.push(t, y0)?;
        next_ts += 1;
    }
    loop {
        match it.advance()? {
            Advance::Accepted(step) => {
                hit = match locator.as_mut() {
                    Some(l) => l.check(term, solver, &step)?,
                    None => None,
                };
                // Outputs up to the event time only.
                let t_end = hit.map_or(step.t1, |h| h.t);
                while let Some(&t) = saveat.ts.get(next_ts) {
                    if (t - t_end) * dir > T::zero() {
                        break;
                    }
                    let y =
                        solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
                    saver.push(t, y)?;
                    next_ts += 1;
                }
                if saveat.steps {
                    // The last step of an event-ended solve saves the event point.
                    let (t, y) = hit.map_or((step.t1, step.y1), |h| (h.t, h.y));
                    saver.push(t, y)?;
                }
                if saveat.dense {
                    saver.push_dense(DenseStep {
                        t0: step.t0,
                        t1: step.t1,
                        y0: step.y0,
                        y1: step.y1,
                        dense: step.dense,
                    })?;
                }
                if hit.is_some() {
                    break;
                }
            }
            Advance::Rejected { .. } => {}
            Advance::Finished => break,
        }
    }
    let state = it.state();
    let (t_final, y_final) = hit.map_or((state.t, state.y), |h| (h.t, h.y));
    if saveat.t1 {
        saver.push(t_final, y_final)?;
    }
    Ok(Solution {
        t: t_final,
        y: y_final,
        event_triggered: hit.is_some(),
        stats: state.stats,
        num_saved: saver.n,
        num_dense: saver.n_dense,
    })
}
