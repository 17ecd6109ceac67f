//! Overhead of the online checkpointing schedule itself: a forward and a
//! reverse sweep of 4096 steps whose step and reverse step do almost nothing,
//! with the default checkpoint count for 4096 steps (90) and with one slot per
//! step. What remains is the schedule's bookkeeping, the copies into slots and
//! the recomputed steps.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use odegrad::adjoint::binomial::default_checkpoint_count;
use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
use odegrad::Error;
use std::hint::black_box;

/// The size of an integrator's restart state for a 4-dimensional system:
/// t, y, dt, the FSAL derivative and a controller's memory.
#[derive(Clone, Copy)]
struct Restart {
    t: f64,
    y: [f64; 4],
    dt: f64,
    fsal: [f64; 4],
    controller: [f64; 2],
}

fn step(_k: usize, s: &Restart) -> Result<Restart, Error> {
    let mut next = *s;
    next.t += s.dt;
    next.y[0] += s.dt * s.fsal[0];
    Ok(next)
}

fn sweep_and_reverse(slots: &mut [Slot<Restart>], steps: usize) -> f64 {
    let init = Restart {
        t: 0.0,
        y: [1.0; 4],
        dt: 1e-3,
        fsal: [1.0; 4],
        controller: [1.0; 2],
    };
    let Ok(mut schedule) = OnlineCheckpointer::new(slots) else {
        return f64::NAN;
    };
    let mut forward = step;
    if schedule
        .sweep(init, &mut forward, |k, _| k == steps)
        .is_err()
    {
        return f64::NAN;
    }
    let mut acc = 0.0;
    let mut reverse = |_k: usize, s: &Restart| -> Result<(), Error> {
        acc += s.y[0] + s.controller[0];
        Ok(())
    };
    match schedule.reverse(&mut forward, &mut reverse) {
        Ok(_) => acc,
        Err(_) => f64::NAN,
    }
}

fn bench(c: &mut Criterion) {
    const STEPS: usize = 4096;
    let mut group = c.benchmark_group("checkpoint_schedule_4096_steps");
    for capacity in [default_checkpoint_count(STEPS), STEPS] {
        let mut slots: Vec<Slot<Restart>> = (0..capacity).map(|_| Slot::EMPTY).collect();
        group.bench_with_input(BenchmarkId::from_parameter(capacity), &capacity, |b, _| {
            b.iter(|| black_box(sweep_and_reverse(&mut slots, black_box(STEPS))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
