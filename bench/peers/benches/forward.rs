//! Forward solves of P1 and P4: odegrad (Tsit5, PID) against diffsol 0.18
//! (Tsit45), same problems, tolerances and first step, one run on one machine.
//!
//! `cd bench/peers && cargo bench --bench forward`

use criterion::{criterion_group, criterion_main, Criterion};
use diffsol::{NalgebraMat, OdeBuilder, OdeSolverMethod};
use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
use odegrad_peers::{lotka_volterra, neural_ode, neural_ode_params};
use std::hint::black_box;

const P1: [f64; 4] = [1.5, 1.0, 3.0, 1.0];

fn p1(c: &mut Criterion) {
    let ts: Vec<f64> = (0..21).map(|i| 0.5 * i as f64).collect();
    let mut g = c.benchmark_group("P1 lotka-volterra rtol=atol=1e-8, 21 ts");

    let term = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| {
        let mut out = SVector::<f64, 2>::zeros();
        lotka_volterra(&P1, y.as_slice(), out.as_mut_slice());
        out
    });
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let mut t_out = [0.0; 21];
    let mut y_out = [SVector::zeros(); 21];
    let mut odegrad_solve = |y0: SVector<f64, 2>| {
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
    eprintln!(
        "odegrad P1: {:?}",
        odegrad_solve(SVector::from([1.0, 1.0])).stats
    );
    g.bench_function("odegrad Tsit5", |b| {
        b.iter(|| odegrad_solve(black_box(SVector::from([1.0, 1.0]))).y)
    });

    let problem = OdeBuilder::<NalgebraMat<f64>>::new()
        .p(P1)
        .rtol(1e-8)
        .atol([1e-8])
        .h0(0.01)
        .rhs(|x, p, _t, y| lotka_volterra(p, x, y))
        .init(|_p, _t, y| y.copy_from_slice(&[1.0, 1.0]), 2)
        .build()
        .unwrap();
    {
        let mut solver = problem.tsit45().unwrap();
        let (ys, _) = solver.solve_dense(&ts).unwrap();
        let s = solver.get_statistics();
        eprintln!(
            "diffsol P1: steps {}, error test failures {}, y(10) = [{}, {}]",
            s.number_of_steps,
            s.number_of_error_test_failures,
            ys[(0, 20)],
            ys[(1, 20)]
        );
    }
    g.bench_function("diffsol Tsit45", |b| {
        b.iter(|| {
            let mut solver = problem.tsit45().unwrap();
            let (ys, _) = solver.solve_dense(black_box(&ts)).unwrap();
            ys[(0, 20)]
        })
    });
    g.finish();
}

fn p4(c: &mut Criterion) {
    let p = neural_ode_params();
    let mut g = c.benchmark_group("P4 neural ODE rtol=1e-7 atol=1e-9, y(5)");

    let term = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| {
        let mut out = SVector::<f64, 2>::zeros();
        neural_ode(&p, y.as_slice(), out.as_mut_slice());
        out
    });
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    let solve = |y0: SVector<f64, 2>| {
        diffeqsolve(
            &term,
            &Tsit5,
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
    eprintln!(
        "odegrad P4: {:?} y = {:?}",
        solve(SVector::from([1.0, -0.5])).stats,
        solve(SVector::from([1.0, -0.5])).y
    );
    g.bench_function("odegrad Tsit5", |b| {
        b.iter(|| solve(black_box(SVector::from([1.0, -0.5]))).y)
    });

    let problem = OdeBuilder::<NalgebraMat<f64>>::new()
        .p(p)
        .rtol(1e-7)
        .atol([1e-9])
        .h0(0.01)
        .rhs(|x, p, _t, y| neural_ode(p, x, y))
        .init(|_p, _t, y| y.copy_from_slice(&[1.0, -0.5]), 2)
        .build()
        .unwrap();
    {
        let mut solver = problem.tsit45().unwrap();
        let (ys, _) = solver.solve_dense(&[5.0]).unwrap();
        let s = solver.get_statistics();
        eprintln!(
            "diffsol P4: steps {}, error test failures {}, y(5) = [{}, {}]",
            s.number_of_steps,
            s.number_of_error_test_failures,
            ys[(0, 0)],
            ys[(1, 0)]
        );
    }
    g.bench_function("diffsol Tsit45", |b| {
        b.iter(|| {
            let mut solver = problem.tsit45().unwrap();
            let (ys, _) = solver.solve_dense(black_box(&[5.0])).unwrap();
            ys[(0, 0)]
        })
    });
    g.finish();
}

criterion_group!(benches, p1, p4);
criterion_main!(benches);
