//! Forward solves of PROBLEMS.md's P1, P4 and P6 at their stated tolerances.
//!
//! `cargo bench --bench solve`. The step and evaluation counts of each solve
//! are printed once before it is timed, for BENCHMARKS.md.

#[path = "../tests/problems/mod.rs"]
mod problems;

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, Dopri5, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
use std::hint::black_box;

fn p1(c: &mut Criterion) {
    let term = FnTerm::new(problems::lotka_volterra);
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let mut t_out = [0.0; 21];
    let mut y_out = [SVector::zeros(); 21];
    let mut solve = |y0: SVector<f64, 2>| {
        diffeqsolve(
            &term,
            &Tsit5,
            0.0,
            10.0,
            Some(0.01),
            y0,
            &SaveAt::ts(&ts),
            &pid,
            4096,
            &mut SaveBuffers::new(&mut t_out, &mut y_out),
        )
        .unwrap()
    };
    eprintln!("P1 Tsit5: {:?}", solve(SVector::from([1.0, 1.0])).stats);
    c.bench_function("P1 lotka-volterra Tsit5 rtol=atol=1e-8, 21 ts", |b| {
        b.iter(|| solve(black_box(SVector::from([1.0, 1.0]))).y)
    });
}

fn p4(c: &mut Criterion) {
    let net = problems::NeuralOde::new();
    let term = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| net.rhs(y));
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    macro_rules! bench {
        ($name:literal, $solver:expr) => {
            let solve = |y0: SVector<f64, 2>| {
                diffeqsolve(
                    &term,
                    &$solver,
                    0.0,
                    5.0,
                    Some(0.01),
                    y0,
                    &SaveAt::nothing(),
                    &pid,
                    4096,
                    &mut SaveBuffers::none(),
                )
                .unwrap()
            };
            eprintln!("{}: {:?}", $name, solve(SVector::from([1.0, -0.5])).stats);
            c.bench_function($name, |b| {
                b.iter(|| solve(black_box(SVector::from([1.0, -0.5]))).y)
            });
        };
    }
    bench!("P4 neural ODE Tsit5 rtol=1e-7 atol=1e-9", Tsit5);
    bench!("P4 neural ODE Dopri5 rtol=1e-7 atol=1e-9", Dopri5);
}

fn p6(c: &mut Criterion) {
    let term = FnTerm::new(problems::heat32);
    let pid = PidController::new(1e-6, 1e-8).unwrap();
    let y0 = problems::heat32_y0();
    let solve = |y0: SVector<f64, 32>| {
        diffeqsolve(
            &term,
            &Tsit5,
            0.0,
            0.5,
            Some(1e-3),
            y0,
            &SaveAt::nothing(),
            &pid,
            4096,
            &mut SaveBuffers::none(),
        )
        .unwrap()
    };
    eprintln!("P6 Tsit5: {:?}", solve(y0).stats);
    c.bench_function("P6 heat-32 Tsit5 rtol=1e-6 atol=1e-8", |b| {
        b.iter(|| solve(black_box(y0)).y)
    });
}

criterion_group!(benches, p1, p4, p6);
criterion_main!(benches);
