//! Stiff solvers on PROBLEMS.md's P2 (Van der Pol, μ = 1000), P3 (Robertson
//! to 1e5) and P6 (heat equation, N = 32), at the tolerances stated there.
//! Work counts are printed once per problem and solver before timing; every
//! solve goes through `diffeqsolve` with `PidController::new(rtol, atol)`
//! (Diffrax's conventions) and saves only the final state.

#[path = "../tests/stiff_problems/mod.rs"]
mod stiff_problems;

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::nalgebra::SVector;
use odegrad::solver::implicit::{ImplicitEuler, Kvaerno3, Kvaerno4, Kvaerno5};
use odegrad::solver::rosenbrock::Rodas5P;
use odegrad::{JacobianTerm, Solver};
use std::hint::black_box;
use std::time::Duration;
use stiff_problems::driver::{solve, Options};
use stiff_problems::*;

fn options(rtol: f64, atol: f64, dt0: f64) -> Options {
    Options {
        rtol,
        atol,
        dt0,
        max_steps: 1_000_000,
        constant: false,
    }
}

#[allow(clippy::too_many_arguments)]
fn bench_one<const N: usize, Tm, S>(
    c: &mut Criterion,
    group: &str,
    name: &str,
    solver: &S,
    term: &Tm,
    t1: f64,
    y0: SVector<f64, N>,
    o: Options,
) where
    Tm: JacobianTerm<f64, N>,
    S: Solver<f64, SVector<f64, N>, Tm>,
{
    match solve(solver, term, 0.0, t1, y0, o) {
        Ok((_, s)) => eprintln!(
            "{group}/{name}: {} steps ({} accepted, {} rejected), {} rhs, {} Jacobians, {} LU",
            s.accepted + s.rejected,
            s.accepted,
            s.rejected,
            s.work.vf_evals,
            s.work.jac_evals,
            s.work.lu_factorisations
        ),
        Err(e) => {
            eprintln!("{group}/{name}: {e}");
            return;
        }
    }
    c.bench_function(&format!("{group}/{name}"), |b| {
        b.iter(|| solve(black_box(solver), term, 0.0, t1, black_box(y0), o))
    });
}

fn p3(c: &mut Criterion) {
    let (rtol, atol) = (1e-8, 1e-10);
    let o = options(rtol, atol, 1e-6);
    let t = Robertson::P3;
    let y0 = SVector::from(P3_Y0);
    let g = "p3_robertson";
    bench_one(
        c,
        g,
        "kvaerno5",
        &Kvaerno5::new(rtol, atol).unwrap(),
        &t,
        1e5,
        y0,
        o,
    );
    bench_one(
        c,
        g,
        "kvaerno4",
        &Kvaerno4::new(rtol, atol).unwrap(),
        &t,
        1e5,
        y0,
        o,
    );
    bench_one(
        c,
        g,
        "kvaerno3",
        &Kvaerno3::new(rtol, atol).unwrap(),
        &t,
        1e5,
        y0,
        o,
    );
    bench_one(c, g, "rodas5p", &Rodas5P, &t, 1e5, y0, o);
}

fn p2(c: &mut Criterion) {
    let (rtol, atol) = (1e-6, 1e-6);
    let o = options(rtol, atol, 1e-4);
    let t = VanDerPol { mu: 1000.0 };
    let y0 = SVector::from(P2_Y0);
    let g = "p2_van_der_pol";
    bench_one(
        c,
        g,
        "kvaerno5",
        &Kvaerno5::new(rtol, atol).unwrap(),
        &t,
        2000.0,
        y0,
        o,
    );
    bench_one(
        c,
        g,
        "kvaerno4",
        &Kvaerno4::new(rtol, atol).unwrap(),
        &t,
        2000.0,
        y0,
        o,
    );
    bench_one(
        c,
        g,
        "kvaerno3",
        &Kvaerno3::new(rtol, atol).unwrap(),
        &t,
        2000.0,
        y0,
        o,
    );
    bench_one(c, g, "rodas5p", &Rodas5P, &t, 2000.0, y0, o);
}

fn p6(c: &mut Criterion) {
    let (rtol, atol) = (1e-6, 1e-8);
    let o = options(rtol, atol, 1e-3);
    let t = Heat32 { d: 0.1 };
    let y0 = heat_y0();
    let g = "p6_heat32";
    bench_one(
        c,
        g,
        "kvaerno5",
        &Kvaerno5::new(rtol, atol).unwrap(),
        &t,
        0.5,
        y0,
        o,
    );
    bench_one(
        c,
        g,
        "kvaerno4",
        &Kvaerno4::new(rtol, atol).unwrap(),
        &t,
        0.5,
        y0,
        o,
    );
    bench_one(
        c,
        g,
        "kvaerno3",
        &Kvaerno3::new(rtol, atol).unwrap(),
        &t,
        0.5,
        y0,
        o,
    );
    bench_one(c, g, "rodas5p", &Rodas5P, &t, 0.5, y0, o);
    bench_one(
        c,
        g,
        "implicit_euler",
        &ImplicitEuler::new(rtol, atol).unwrap(),
        &t,
        0.5,
        y0,
        o,
    );
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = stiff;
    config = config();
    targets = p3, p2, p6
}
criterion_main!(stiff);
