//! RecursiveCheckpointAdjoint on P1, P4 and P6 (PROBLEMS.md): the forward
//! solve alone (`diffeqsolve` with the problem's outputs) and the gradient
//! (forward pass with checkpoints plus backward pass), with a checkpoint per
//! step, with the default count for 4096 steps (90) and with 8. The ratio
//! gradient / forward is the number to watch; the checkpoint memory is
//! printed once per problem.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::adjoint::binomial::default_checkpoint_count;
use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{CheckpointSlot, RecursiveCheckpointAdjoint};
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve, ode_system, Dopri5, OdeTerm, PidController, SaveAt, SaveBuffers, Scalar, Solver,
    State, StepSizeController, Term, Tsit5,
};
use std::hint::black_box;

const MAX_STEPS: usize = 4096;

#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

#[ode_system]
fn neural_ode(_t: f64, y: &[f64; 2], p: &[f64; 82]) -> [f64; 2] {
    const H: usize = 16;
    let mut hidden = [0.0; H];
    for i in 0..H {
        let mut s = p[2 * H + i];
        for j in 0..2 {
            s += p[2 * i + j] * y[j];
        }
        hidden[i] = s.tanh();
    }
    let mut out = [0.0; 2];
    for i in 0..2 {
        let mut s = p[4 * H + 16 + i];
        for j in 0..H {
            s += p[3 * H + H * i + j] * hidden[j];
        }
        out[i] = s;
    }
    out
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

fn p4_params() -> SVector<f64, 82> {
    let mut p = SVector::<f64, 82>::zeros();
    for i in 0..16 {
        for j in 0..2 {
            p[2 * i + j] = 0.1 * ((2 * i + j + 1) as f64).sin();
            p[48 + 16 * j + i] = 0.1 * ((16 * j + i + 1) as f64).cos();
        }
        p[32 + i] = 0.05 * (i as f64).cos();
    }
    p
}

fn heat32_y0() -> SVector<f64, 32> {
    let h = 1.0 / 33.0;
    SVector::from_fn(|i, _| {
        let x = (i + 1) as f64 * h;
        (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
    })
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

/// The checkpoint counts benchmarked: one per step, the default, and 8.
fn capacities() -> [(&'static str, usize); 3] {
    [
        ("C=steps", MAX_STEPS),
        ("C=default", default_checkpoint_count(MAX_STEPS)),
        ("C=8", 8),
    ]
}

fn p1(c: &mut Criterion) {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let y0 = SVector::from([1.0, 1.0]);
    let mut group = c.benchmark_group("P1_lotka_volterra_tsit5");
    group.bench_function("forward", |b| {
        b.iter(|| {
            let mut t_out = [0.0; 21];
            let mut y_out = [SVector::<f64, 2>::zeros(); 21];
            let sol = diffeqsolve(
                &term,
                &Tsit5,
                0.0,
                10.0,
                Some(0.01),
                black_box(y0),
                &SaveAt::ts(&ts),
                &pid,
                MAX_STEPS,
                &mut SaveBuffers::new(&mut t_out, &mut y_out),
            )
            .unwrap();
            black_box((sol.y, y_out))
        })
    });
    for (name, capacity) in capacities() {
        let mut slots = slots_for(&term, &Tsit5, &pid, capacity);
        eprintln!(
            "P1 {name}: {} bytes of checkpoints",
            capacity * std::mem::size_of_val(&slots[0])
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut ys = [SVector::<f64, 2>::zeros(); 21];
                let adjoint = RecursiveCheckpointAdjoint::forward(
                    &term,
                    &Tsit5,
                    &pid,
                    0.0,
                    10.0,
                    Some(0.01),
                    black_box(y0),
                    &ts,
                    &mut ys,
                    MAX_STEPS,
                    &mut slots,
                )
                .unwrap();
                let ys_bar = ys.map(|y| 2.0 * y);
                black_box(adjoint.backward(&ys_bar, &SVector::zeros()).unwrap().params)
            })
        });
    }
    group.finish();
}

fn p4(c: &mut Criterion) {
    let term = OdeTerm::new(&NeuralOde, p4_params());
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    let y0 = SVector::from([1.0, -0.5]);
    let mut group = c.benchmark_group("P4_neural_ode_dopri5");
    group.bench_function("forward", |b| {
        b.iter(|| {
            let sol = diffeqsolve(
                &term,
                &Dopri5,
                0.0,
                5.0,
                Some(0.01),
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
    for (name, capacity) in capacities() {
        let mut slots = slots_for(&term, &Dopri5, &pid, capacity);
        eprintln!(
            "P4 {name}: {} bytes of checkpoints",
            capacity * std::mem::size_of_val(&slots[0])
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let adjoint = RecursiveCheckpointAdjoint::forward(
                    &term,
                    &Dopri5,
                    &pid,
                    0.0,
                    5.0,
                    Some(0.01),
                    black_box(y0),
                    &[],
                    &mut [],
                    MAX_STEPS,
                    &mut slots,
                )
                .unwrap();
                let y1_bar = 2.0 * adjoint.y1();
                black_box(adjoint.backward(&[], &y1_bar).unwrap().params)
            })
        });
    }
    group.finish();
}

fn p6(c: &mut Criterion) {
    let term = OdeTerm::new(&Heat32, SVector::from([0.1]));
    let pid = PidController::new(1e-6, 1e-8).unwrap();
    let y0 = heat32_y0();
    let mut group = c.benchmark_group("P6_heat32_tsit5");
    group.bench_function("forward", |b| {
        b.iter(|| {
            let sol = diffeqsolve(
                &term,
                &Tsit5,
                0.0,
                0.5,
                Some(1e-3),
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
    for (name, capacity) in capacities() {
        let mut slots = slots_for(&term, &Tsit5, &pid, capacity);
        eprintln!(
            "P6 {name}: {} bytes of checkpoints",
            capacity * std::mem::size_of_val(&slots[0])
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                let adjoint = RecursiveCheckpointAdjoint::forward(
                    &term,
                    &Tsit5,
                    &pid,
                    0.0,
                    0.5,
                    Some(1e-3),
                    black_box(y0),
                    &[],
                    &mut [],
                    MAX_STEPS,
                    &mut slots,
                )
                .unwrap();
                let ones = SVector::<f64, 32>::repeat(1.0);
                black_box(adjoint.backward(&[], &ones).unwrap().params)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, p1, p4, p6);
criterion_main!(benches);
