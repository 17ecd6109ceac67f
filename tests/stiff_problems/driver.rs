//! `diffeqsolve` with the settings the stiff tests and benchmarks vary:
//! Diffrax's PID conventions (PROBLEMS.md: pcoeff 0, icoeff 1, safety 0.9,
//! factormin 0.2, factormax 10, the defaults of `PidController::new`) or
//! constant steps, and nothing saved but the final state.
use odegrad::controller::ConstantStepSize;
use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, Error, PidController, SaveAt, SaveBuffers, Solver, StepWork, Term};

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub accepted: usize,
    pub rejected: usize,
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

pub fn solve<const N: usize, Tm, S>(
    solver: &S,
    term: &Tm,
    t0: f64,
    t1: f64,
    y0: SVector<f64, N>,
    o: Options,
) -> Result<(SVector<f64, N>, Stats), Error>
where
    Tm: Term<f64, SVector<f64, N>>,
    S: Solver<f64, SVector<f64, N>, Tm>,
{
    let saveat = SaveAt::nothing();
    let mut buffers = SaveBuffers::none();
    let sol = if o.constant {
        let c = ConstantStepSize;
        diffeqsolve(
            term,
            solver,
            t0,
            t1,
            Some(o.dt0),
            y0,
            &saveat,
            &c,
            o.max_steps,
            &mut buffers,
        )?
    } else {
        let pid = PidController::new(o.rtol, o.atol)?;
        diffeqsolve(
            term,
            solver,
            t0,
            t1,
            Some(o.dt0),
            y0,
            &saveat,
            &pid,
            o.max_steps,
            &mut buffers,
        )?
    };
    let s = sol.stats;
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Ok((
        sol.y,
        Stats {
            accepted: s.num_accepted_steps,
            rejected: s.num_rejected_steps,
            work: StepWork {
                vf_evals: count(s.num_rhs_evals),
                jac_evals: count(s.num_jac_evals),
                lu_factorisations: count(s.num_lu_factorisations),
            },
        },
    ))
}
