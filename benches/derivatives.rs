//! Generated derivative code against careful hand-written code.
//!
//! For Lotka–Volterra, the P4 neural ODE (2–16–2, P = 82) and the P6 heat
//! equation (N = 32) from PROBLEMS.md: `rhs`, `jac_y` and `vjp` as emitted by
//! `#[ode_system]` next to hand-derived versions with the same signatures
//! (the hand-written VJP of P4 back-propagates through the hidden layer once,
//! the heat Jacobian writes the three diagonals directly).
//!
//! Run: `cargo bench --bench derivatives`.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::nalgebra::SVector;
use odegrad::OdeSystem;

#[path = "common/systems.rs"]
mod systems;
use std::hint::black_box;
use systems::{heat_y0, p4_params, Hand, Heat, HeatHand, LotkaVolterra, LvHand, NeuralOde, P4Hand};

fn bench_system<S: OdeSystem<f64, N, P>, H: Hand<N, P>, const N: usize, const P: usize>(
    c: &mut Criterion,
    name: &str,
    sys: &S,
    y: SVector<f64, N>,
    p: SVector<f64, P>,
) {
    let w = SVector::<f64, N>::from_fn(|i, _| 1.0 - 0.1 * i as f64);
    // Same results, or the comparison would be meaningless.
    let (a, b) = (sys.vjp(0.0, &y, &p, &w), H::vjp(&y, &p, &w));
    assert!((a.0 - b.0).norm() + (a.1 - b.1).norm() <= 1e-9 * (1.0 + b.0.norm() + b.1.norm()));
    let jh = H::jac_y(&y, &p);
    assert!((sys.jac_y(0.0, &y, &p) - jh).norm() <= 1e-9 * (1.0 + jh.norm()));
    let fh = H::rhs(&y, &p);
    assert!((sys.rhs(0.0, &y, &p) - fh).norm() <= 1e-12 * (1.0 + fh.norm()));
    let mut g = c.benchmark_group(name);
    g.bench_function("rhs/generated", |b| {
        b.iter(|| sys.rhs(0.0, black_box(&y), black_box(&p)))
    });
    g.bench_function("rhs/hand", |b| {
        b.iter(|| H::rhs(black_box(&y), black_box(&p)))
    });
    g.bench_function("jac_y/generated", |b| {
        b.iter(|| sys.jac_y(0.0, black_box(&y), black_box(&p)))
    });
    g.bench_function("jac_y/hand", |b| {
        b.iter(|| H::jac_y(black_box(&y), black_box(&p)))
    });
    g.bench_function("vjp/generated", |b| {
        b.iter(|| sys.vjp(0.0, black_box(&y), black_box(&p), black_box(&w)))
    });
    g.bench_function("vjp/hand", |b| {
        b.iter(|| H::vjp(black_box(&y), black_box(&p), black_box(&w)))
    });
    g.finish();
}

fn derivatives(c: &mut Criterion) {
    bench_system::<_, LvHand, 2, 4>(
        c,
        "lotka_volterra",
        &LotkaVolterra,
        SVector::from([1.0, 0.5]),
        SVector::from([1.5, 1.0, 3.0, 1.0]),
    );
    bench_system::<_, P4Hand, 2, 82>(
        c,
        "neural_ode",
        &NeuralOde,
        SVector::from([1.0, -0.5]),
        p4_params(),
    );
    bench_system::<_, HeatHand, 32, 1>(c, "heat32", &Heat, heat_y0(), SVector::from([0.1]));
}

criterion_group!(benches, derivatives);
criterion_main!(benches);
