//! RecursiveCheckpointAdjoint through stiff solvers: P3 (Robertson to 1e5)
//! and P6 (heat equation, N = 32) of PROBLEMS.md with Kvaerno5 and Rodas5P,
//! at the tolerances stated there. The forward solve alone (`diffeqsolve`,
//! saving y(t1)) and the gradient of y(t1)'s first component (P3) or sum
//! (P6) — forward pass with checkpoints plus backward pass — with a
//! checkpoint per step (C = 256 ≥ steps) and with the default count for
//! 4096 steps (90). Step and work counts and the checkpoint memory are
//! printed once per case.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::adjoint::binomial::default_checkpoint_count;
use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{CheckpointSlot, RecursiveCheckpointAdjoint, SolverVjp};
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve, ode_system, Kvaerno5, OdeSystem, OdeTerm, PidController, Rodas5P, SaveAt,
    SaveBuffers, Scalar, Solver, State, StepSizeController, Term,
};
use std::hint::black_box;
use std::time::Duration;

const MAX_STEPS: usize = 4096;

#[ode_system]
fn robertson(_t: f64, y: &[f64; 3], p: &[f64; 3]) -> [f64; 3] {
    let [y1, y2, y3] = *y;
    let [k1, k2, k3] = *p;
    [
        -k1 * y1 + k3 * y2 * y3,
        k1 * y1 - k2 * y2 * y2 - k3 * y2 * y3,
        k2 * y2 * y2,
    ]
}

#[ode_system]
fn heat32(_t: f64, y: &[f64; 32], p: &[f64; 1]) -> [f64; 32] {
    const N: usize = 32;
    let k = p[0] * 33.0 * 33.0;
    let mut out = [0.0; N];
    out[0] = k * (-2.0 * y[0] + y[1]);
    for i in 1..31 {
        out[i] = k * (y[i - 1] - 2.0 * y[i] + y[i + 1]);
    }
    out[31] = k * (y[30] - 2.0 * y[31]);
    out
}

/// One problem: its system, parameters, interval, tolerances and loss weight.
struct Problem<'a, Sys, const N: usize, const P: usize> {
    name: &'a str,
    system: &'a Sys,
    params: [f64; P],
    t1: f64,
    dt0: f64,
    rtol: f64,
    atol: f64,
    y0: SVector<f64, N>,
    w: SVector<f64, N>,
}

/// A buffer of empty checkpoint slots for a solve of `term` with `solver`
/// and `controller` (which fix the payload type).
fn slots_for<T, Y, Tm, S, C>(
    _term: &Tm,
    _solver: &S,
    _controller: &C,
    capacity: usize,
) -> Vec<CheckpointSlot<T, Y, Tm, S, C>>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm>,
    C: StepSizeController<T, Y>,
{
    (0..capacity).map(|_| Slot::EMPTY).collect()
}

fn bench_problem<Sys, S, const N: usize, const P: usize>(
    c: &mut Criterion,
    problem: &Problem<'_, Sys, N, P>,
    solver_name: &str,
    solver: &S,
) where
    Sys: OdeSystem<f64, N, P>,
    for<'a> S: SolverVjp<f64, SVector<f64, N>, OdeTerm<'a, Sys, f64, N, P>>,
{
    let term = OdeTerm::new(problem.system, SVector::from(problem.params));
    let pid = PidController::new(problem.rtol, problem.atol).unwrap();
    let (t1, dt0, y0, w) = (problem.t1, problem.dt0, problem.y0, problem.w);
    let mut group = c.benchmark_group(format!("{}_{solver_name}", problem.name));
    group.measurement_time(Duration::from_secs(4));
    group.bench_function("forward", |b| {
        b.iter(|| {
            let sol = diffeqsolve(
                &term,
                solver,
                0.0,
                t1,
                Some(dt0),
                black_box(y0),
                &SaveAt::nothing(),
                &pid,
                MAX_STEPS,
                &mut SaveBuffers::none(),
            )
            .unwrap();
            black_box(sol.y)
        })
    });
    for (name, capacity) in [
        ("C=256", 256),
        ("C=default", default_checkpoint_count(MAX_STEPS)),
    ] {
        let mut slots = slots_for(&term, solver, &pid, capacity);
        let run = |slots: &mut [_]| {
            RecursiveCheckpointAdjoint::forward(
                &term,
                solver,
                &pid,
                0.0,
                t1,
                Some(dt0),
                black_box(y0),
                &[],
                &mut [],
                MAX_STEPS,
                slots,
            )
            .unwrap()
            .backward(&[], &w)
            .unwrap()
        };
        let g = run(slots.as_mut_slice());
        eprintln!(
            "{}_{solver_name} {name}: {} bytes of checkpoints; {:?}",
            problem.name,
            capacity * std::mem::size_of_val(&slots[0]),
            g.stats
        );
        group.bench_function(name, |b| {
            b.iter(|| black_box(run(slots.as_mut_slice()).params))
        });
    }
    group.finish();
}

fn stiff(c: &mut Criterion) {
    let p3 = Problem {
        name: "P3_robertson",
        system: &Robertson,
        params: [0.04, 3e7, 1e4],
        t1: 1e5,
        dt0: 1e-6,
        rtol: 1e-8,
        atol: 1e-10,
        y0: SVector::from([1.0, 0.0, 0.0]),
        w: SVector::from([1.0, 0.0, 0.0]),
    };
    bench_problem(c, &p3, "kvaerno5", &Kvaerno5::new(1e-8, 1e-10).unwrap());
    bench_problem(c, &p3, "rodas5p", &Rodas5P);
    let p6 = Problem {
        name: "P6_heat",
        system: &Heat32,
        params: [0.1],
        t1: 0.5,
        dt0: 1e-3,
        rtol: 1e-6,
        atol: 1e-8,
        y0: SVector::from_fn(|i, _| {
            let x = (i + 1) as f64 / 33.0;
            (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
        }),
        w: SVector::repeat(1.0),
    };
    bench_problem(c, &p6, "kvaerno5", &Kvaerno5::new(1e-6, 1e-8).unwrap());
    bench_problem(c, &p6, "rodas5p", &Rodas5P);
}

criterion_group!(benches, stiff);
criterion_main!(benches);
