//! P3 (Robertson to t = 1e5, rtol 1e-8, atol 1e-10) with diffsol's BDF and
//! ESDIRK34 beside odegrad's Kvaerno5 and Rodas5P, in one process on one
//! machine. Step and evaluation counts are printed before timing.

use criterion::{criterion_group, criterion_main, Criterion};
use diffsol::{NalgebraLU, NalgebraMat, OdeBuilder, OdeSolverMethod};
use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::{diffeqsolve, JacobianTerm, PidController, SaveAt, SaveBuffers, Term};
use std::hint::black_box;
use std::time::Duration;

const RTOL: f64 = 1e-8;
const ATOL: f64 = 1e-10;
const T1: f64 = 1e5;
const K: [f64; 3] = [0.04, 3e7, 1e4];
/// PROBLEMS.md's P3 reference y1(1e5).
const Y1_REF: f64 = 0.01786592114301957;

struct Robertson;
impl Term<f64, SVector<f64, 3>> for Robertson {
    fn vf(&self, _t: f64, y: &SVector<f64, 3>) -> SVector<f64, 3> {
        let [k1, k2, k3] = K;
        SVector::from([
            -k1 * y[0] + k3 * y[1] * y[2],
            k1 * y[0] - k2 * y[1] * y[1] - k3 * y[1] * y[2],
            k2 * y[1] * y[1],
        ])
    }
}
impl JacobianTerm<f64, 3> for Robertson {
    fn jac(&self, _t: f64, y: &SVector<f64, 3>) -> SMatrix<f64, 3, 3> {
        let [k1, k2, k3] = K;
        SMatrix::<f64, 3, 3>::new(
            -k1,
            k3 * y[2],
            k3 * y[1],
            k1,
            -2.0 * k2 * y[1] - k3 * y[2],
            -k3 * y[1],
            0.0,
            2.0 * k2 * y[1],
            0.0,
        )
    }
    fn dfdt(&self, _t: f64, _y: &SVector<f64, 3>) -> SVector<f64, 3> {
        SVector::zeros()
    }
}

fn odegrad_solve<S>(solver: &S) -> odegrad::Solution<f64, SVector<f64, 3>>
where
    S: odegrad::Solver<f64, SVector<f64, 3>, Robertson>,
{
    let pid = PidController::new(RTOL, ATOL).expect("valid tolerances");
    diffeqsolve(
        &Robertson,
        solver,
        0.0,
        T1,
        Some(1e-6),
        SVector::from([1.0, 0.0, 0.0]),
        &SaveAt::nothing(),
        &pid,
        100_000,
        &mut SaveBuffers::none(),
    )
    .expect("P3 solves")
}

type M = NalgebraMat<f64>;

fn diffsol_problem() -> diffsol::OdeSolverProblem<impl diffsol::OdeEquationsImplicit<M = M, V = diffsol::NalgebraVec<f64>, T = f64, C = diffsol::NalgebraContext>> {
    OdeBuilder::<M>::new()
        .rtol(RTOL)
        .atol([ATOL; 3])
        .h0(1e-6)
        .rhs_implicit(
            |x: &[f64], _p: &[f64], _t: f64, y: &mut [f64]| {
                let [k1, k2, k3] = K;
                y[0] = -k1 * x[0] + k3 * x[1] * x[2];
                y[1] = k1 * x[0] - k2 * x[1] * x[1] - k3 * x[1] * x[2];
                y[2] = k2 * x[1] * x[1];
            },
            |x: &[f64], _p: &[f64], _t: f64, v: &[f64], y: &mut [f64]| {
                let [k1, k2, k3] = K;
                y[0] = -k1 * v[0] + k3 * (v[1] * x[2] + x[1] * v[2]);
                y[1] = k1 * v[0] - 2.0 * k2 * x[1] * v[1] - k3 * (v[1] * x[2] + x[1] * v[2]);
                y[2] = 2.0 * k2 * x[1] * v[1];
            },
        )
        .init(
            |_p: &[f64], _t: f64, y: &mut [f64]| {
                y[0] = 1.0;
                y[1] = 0.0;
                y[2] = 0.0;
            },
            3,
        )
        .build()
        .expect("diffsol problem")
}

/// Steps diffsol's solver to T1 and returns y1(T1).
fn diffsol_run<'a, Eqn, S>(mut s: S) -> (f64, String)
where
    Eqn: diffsol::OdeEquations<T = f64, V = diffsol::NalgebraVec<f64>> + 'a,
    S: OdeSolverMethod<'a, Eqn>,
{
    s.set_stop_time(T1).expect("stop time");
    while !matches!(s.step().expect("step"), diffsol::OdeSolverStopReason::TstopReached) {}
    let st = s.get_statistics();
    let stats = format!(
        "{} steps, {} error-test failures, {} nonlinear iterations, {} linear-solver setups",
        st.number_of_steps,
        st.number_of_error_test_failures,
        st.number_of_nonlinear_solver_iterations,
        st.number_of_linear_solver_setups
    );
    (s.state().y[0], stats)
}

fn p3(c: &mut Criterion) {
    let problem = diffsol_problem();
    let (y1, stats) = diffsol_run(problem.bdf::<NalgebraLU<f64>>().expect("bdf"));
    eprintln!("p3/diffsol_bdf: {stats}; y1 relative error {:.1e}", (y1 - Y1_REF).abs() / Y1_REF);
    let (y1, stats) = diffsol_run(problem.esdirk34::<NalgebraLU<f64>>().expect("esdirk34"));
    eprintln!("p3/diffsol_esdirk34: {stats}; y1 relative error {:.1e}", (y1 - Y1_REF).abs() / Y1_REF);
    for (name, sol) in [
        ("odegrad_kvaerno5", odegrad_solve(&odegrad::Kvaerno5::new(RTOL, ATOL).expect("tolerances"))),
        ("odegrad_rodas5p", odegrad_solve(&odegrad::Rodas5P)),
    ] {
        let s = sol.stats;
        eprintln!(
            "p3/{name}: {} steps ({} rejected), {} rhs, {} Jacobians, {} LU; y1 relative error {:.1e}",
            s.num_steps,
            s.num_rejected_steps,
            s.num_rhs_evals,
            s.num_jac_evals,
            s.num_lu_factorisations,
            (sol.y[0] - Y1_REF).abs() / Y1_REF
        );
    }

    c.bench_function("p3/diffsol_bdf", |b| {
        b.iter(|| diffsol_run(black_box(&problem).bdf::<NalgebraLU<f64>>().expect("bdf")).0)
    });
    c.bench_function("p3/diffsol_esdirk34", |b| {
        b.iter(|| diffsol_run(black_box(&problem).esdirk34::<NalgebraLU<f64>>().expect("esdirk34")).0)
    });
    let k5 = odegrad::Kvaerno5::new(RTOL, ATOL).expect("tolerances");
    c.bench_function("p3/odegrad_kvaerno5", |b| b.iter(|| odegrad_solve(black_box(&k5)).y));
    c.bench_function("p3/odegrad_rodas5p", |b| b.iter(|| odegrad_solve(black_box(&odegrad::Rodas5P)).y));
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = peers;
    config = config();
    targets = p3
}
criterion_main!(peers);
