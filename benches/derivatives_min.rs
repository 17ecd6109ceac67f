//! A load-robust companion to the `derivatives` bench: generated and
//! hand-written code timed in alternating batches, reporting the fastest
//! batch of each (the minimum filters out preemption by other processes,
//! which on a shared machine dominates means and medians).
//!
//! Run: `cargo bench --bench derivatives_min`.

use odegrad::nalgebra::SVector;
use odegrad::OdeSystem;
use std::hint::black_box;
use std::time::Instant;

#[path = "common/systems.rs"]
mod systems;
use systems::{heat_y0, p4_params, Hand, Heat, HeatHand, LotkaVolterra, LvHand, NeuralOde, P4Hand};

/// Fastest per-call time (ns) of `a` and of `b` over `rounds` alternating
/// batches of `batch` calls each.
fn min_pair(rounds: usize, batch: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let (mut ta, mut tb) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..rounds {
        let s = Instant::now();
        for _ in 0..batch {
            a();
        }
        ta = ta.min(s.elapsed().as_nanos() as f64 / batch as f64);
        let s = Instant::now();
        for _ in 0..batch {
            b();
        }
        tb = tb.min(s.elapsed().as_nanos() as f64 / batch as f64);
    }
    (ta, tb)
}

fn row<S: OdeSystem<f64, N, P>, H: Hand<N, P>, const N: usize, const P: usize>(
    name: &str,
    sys: &S,
    y: SVector<f64, N>,
    p: SVector<f64, P>,
) {
    let w = SVector::<f64, N>::from_fn(|i, _| 1.0 - 0.1 * i as f64);
    let (rounds, batch) = (400, 2000);
    let rhs = min_pair(
        rounds,
        batch,
        || {
            black_box(sys.rhs(0.0, black_box(&y), black_box(&p)));
        },
        || {
            black_box(H::rhs(black_box(&y), black_box(&p)));
        },
    );
    let jac = min_pair(
        rounds,
        batch,
        || {
            black_box(sys.jac_y(0.0, black_box(&y), black_box(&p)));
        },
        || {
            black_box(H::jac_y(black_box(&y), black_box(&p)));
        },
    );
    let vjp = min_pair(
        rounds,
        batch,
        || {
            black_box(sys.vjp(0.0, black_box(&y), black_box(&p), black_box(&w)));
        },
        || {
            black_box(H::vjp(black_box(&y), black_box(&p), black_box(&w)));
        },
    );
    for (what, (g, h)) in [("rhs", rhs), ("jac_y", jac), ("vjp", vjp)] {
        println!("| {name} | {what} | {g:.2} | {h:.2} | {:.2}x |", g / h);
    }
    println!(
        "| {name} | VJP / rhs, J_y / rhs (generated) | {:.2}x | {:.2}x | |",
        vjp.0 / rhs.0,
        jac.0 / rhs.0
    );
}

fn main() {
    println!("| system | operation | generated (ns) | hand-written (ns) | ratio |");
    println!("|---|---|---|---|---|");
    row::<_, LvHand, 2, 4>(
        "Lotka–Volterra",
        &LotkaVolterra,
        SVector::from([1.0, 0.5]),
        SVector::from([1.5, 1.0, 3.0, 1.0]),
    );
    row::<_, P4Hand, 2, 82>(
        "P4 neural ODE",
        &NeuralOde,
        SVector::from([1.0, -0.5]),
        p4_params(),
    );
    row::<_, HeatHand, 32, 1>("heat-32", &Heat, heat_y0(), SVector::from([0.1]));
}
