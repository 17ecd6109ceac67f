//! An adaptive step loop with Diffrax's conventions (I controller: safety
//! 0.9, factormin 0.2, factormax 10, no shrinking after an accepted step, RMS
//! norm over `y_err / (atol + rtol·max(|y0|, |y1|))`), used by the stiff tests
//! and benchmarks until the library's `diffeqsolve` is available to them.
use odegrad::nalgebra::SVector;
use odegrad::{Error, JacobianTerm, Solver, State, StepStatus, StepWork};

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub accepted: usize,
    pub rejected: usize,
    /// Rejections because the step could not be computed.
    pub failed: usize,
    pub work: StepWork,
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub rtol: f64,
    pub atol: f64,
    pub dt0: f64,
    pub max_steps: usize,
    /// Constant steps of `dt0`, no error control.
    pub constant: bool,
}

#[allow(clippy::too_many_arguments)]
pub fn solve<const N: usize, Tm, S>(
    solver: &S,
    term: &Tm,
    t0: f64,
    t1: f64,
    y0: SVector<f64, N>,
    o: Options,
) -> Result<(SVector<f64, N>, Stats), Error>
where
    Tm: JacobianTerm<f64, N>,
    S: Solver<f64, SVector<f64, N>, Tm>,
{
    let mut stats = Stats::default();
    let (mut t, mut y, mut dt) = (t0, y0, o.dt0);
    let mut state = solver.init(term, t0, t1, &y0);
    let k = f64::from(solver.error_order().unwrap_or(1));
    let mut failures = 0;
    while t < t1 {
        if stats.accepted + stats.rejected >= o.max_steps {
            return Err(Error::MaxStepsReached {
                t,
                max_steps: o.max_steps,
            });
        }
        let tn = if t + dt >= t1 || (t1 - (t + dt)) < 1e-12 * t1.abs() {
            t1
        } else {
            t + dt
        };
        let out = solver.step(term, t, tn, &y, &state);
        let w = &mut stats.work;
        w.vf_evals += out.work.vf_evals;
        w.jac_evals += out.work.jac_evals;
        w.lu_factorisations += out.work.lu_factorisations;
        if out.status == StepStatus::SingularMatrix {
            return Err(Error::SingularMatrix { t });
        }
        let failed = out.status != StepStatus::Computed || !State::is_finite(&out.y1);
        let err = match (failed, out.y_error) {
            (false, Some(e)) => {
                (State::scaled_sq_sum(&e, &y, &out.y1, o.rtol, o.atol) / N as f64).sqrt()
            }
            _ => f64::INFINITY,
        };
        if o.constant {
            if failed {
                return Err(Error::NonFiniteState { t });
            }
            stats.accepted += 1;
            (t, y, state) = (tn, out.y1, out.state);
            continue;
        }
        let factor = 0.9 * err.powf(-1.0 / k);
        if err <= 1.0 {
            stats.accepted += 1;
            failures = 0;
            dt = (tn - t) * factor.clamp(1.0, 10.0);
            (t, y, state) = (tn, out.y1, out.state);
        } else {
            stats.rejected += 1;
            stats.failed += usize::from(failed);
            failures += usize::from(failed);
            if failures >= 10 {
                return Err(Error::StepSizeBelowDtmin { t, dt });
            }
            dt = (tn - t) * if failed { 0.2 } else { factor.clamp(0.2, 0.9) };
        }
    }
    Ok((y, stats))
}
