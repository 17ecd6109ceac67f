//! The P5 gradient (PROBLEMS.md): Tsit5 to the steady state, ended by the
//! steady-state event, then the gradient of Σ y_ss² with respect to the six
//! parameters by ImplicitAdjoint (one LU of J_y and one VJP) and by
//! RecursiveCheckpointAdjoint (the backward pass through every step, with a
//! checkpoint per step and with the default count for 4096 steps). The
//! forward event solve alone is the baseline. Memory (the checkpoint buffer
//! against the implicit adjoint's whole state) is printed once.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::adjoint::binomial::default_checkpoint_count;
use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{CheckpointSlot, ImplicitAdjoint, RecursiveCheckpointAdjoint};
use odegrad::controller::RmsNorm;
use odegrad::event::steady_state_event;
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve_with_event, ode_system, OdeTerm, PidController, SaveAt, SaveBuffers, Tsit5,
};
use std::hint::black_box;

const MAX_STEPS: usize = 4096;

type V3 = SVector<f64, 3>;
type P6 = SVector<f64, 6>;

#[ode_system]
fn p5(_t: f64, y: &[f64; 3], p: &[f64; 6]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = -p[i] * (y[i] - p[i + 3]) + 0.1 * y[i].sin();
    }
    out
}

type Term<'a> = OdeTerm<'a, P5, f64, 3, 6>;
type Slot5<'a> = CheckpointSlot<f64, V3, Term<'a>, Tsit5, PidController<'static, f64>>;

fn bench(c: &mut Criterion) {
    let term = OdeTerm::new(&P5, P6::from([1.0, 2.0, 3.0, 0.5, -1.0, 2.0]));
    let pid: PidController<'static, f64> = PidController::new(1e-10, 1e-10).unwrap();
    let event = steady_state_event(1e-10, 1e-10, RmsNorm);
    let inf = f64::INFINITY;

    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        inf,
        Some(0.01),
        V3::zeros(),
        &SaveAt::nothing(),
        &pid,
        MAX_STEPS,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    let steps = sol.stats.num_accepted_steps;
    let default_count = default_checkpoint_count(MAX_STEPS);
    let slot = core::mem::size_of::<Slot5<'_>>();
    eprintln!(
        "P5: event at t = {:.2} after {} accepted / {} rejected steps; \
         ImplicitAdjoint state {} bytes, no checkpoints; \
         RecursiveCheckpointAdjoint {} bytes per checkpoint: {} bytes with one per step, \
         {} bytes with the default {}",
        sol.t,
        steps,
        sol.stats.num_rejected_steps,
        core::mem::size_of::<ImplicitAdjoint<'_, f64, Term<'_>, 3>>(),
        slot,
        slot * (steps + 1),
        slot * default_count,
        default_count
    );

    let mut group = c.benchmark_group("p5");
    group.bench_function("forward_event", |b| {
        b.iter(|| {
            diffeqsolve_with_event(
                black_box(&term),
                &Tsit5,
                0.0,
                inf,
                Some(0.01),
                V3::zeros(),
                &SaveAt::nothing(),
                &pid,
                MAX_STEPS,
                &mut SaveBuffers::none(),
                &event,
            )
            .unwrap()
            .y
        })
    });
    group.bench_function("gradient_implicit", |b| {
        b.iter(|| {
            let adjoint = ImplicitAdjoint::forward(
                black_box(&term),
                &Tsit5,
                &pid,
                0.0,
                inf,
                Some(0.01),
                V3::zeros(),
                &event,
                MAX_STEPS,
            )
            .unwrap();
            let y = *adjoint.y1();
            adjoint.backward(&(2.0 * y)).unwrap().params
        })
    });
    for (name, count) in [
        ("gradient_recursive_per_step", steps + 1),
        ("gradient_recursive_default", default_count),
    ] {
        let mut slots: Vec<Slot5<'_>> = (0..count).map(|_| Slot::EMPTY).collect();
        group.bench_function(name, |b| {
            b.iter(|| {
                let adjoint = RecursiveCheckpointAdjoint::forward_with_event(
                    black_box(&term),
                    &Tsit5,
                    &pid,
                    0.0,
                    inf,
                    Some(0.01),
                    V3::zeros(),
                    &[],
                    &mut [],
                    MAX_STEPS,
                    &mut slots,
                    &event,
                )
                .unwrap();
                let y = *adjoint.y1();
                adjoint.backward(&[], &(2.0 * y)).unwrap().params
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
