//! DirectAdjoint (forward mode) against RecursiveCheckpointAdjoint (reverse
//! mode) on P1 and P4 (PROBLEMS.md), and on a stiff Van der Pol oscillator
//! through ImplicitEuler and Kvaerno5: the forward solve alone, one tangent
//! direction, the full sensitivity matrix `∂y/∂(y0, p, t0, t1)` at every
//! output in one `(y, S)` integration, DirectAdjoint's gradient of one
//! scalar loss (sensitivities, then `Sᵀ ȳ`) and RecursiveCheckpointAdjoint's
//! gradient of one scalar loss. A full Jacobian by reverse mode costs one
//! reverse gradient per output component; by forward mode, one sensitivity
//! pass.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{DirectAdjoint, RecursiveCheckpointAdjoint, Sensitivity, Tangent};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, Dopri5, ImplicitEuler, Kvaerno5, OdeTerm, PidController, State, Tsit5};
use std::hint::black_box;
use std::time::Duration;

#[path = "common/systems.rs"]
mod systems;
use systems::{LotkaVolterra, NeuralOde};

const MAX_STEPS: usize = 4096;

/// Van der Pol, `y'' = μ (1 − y²) y' − y`: stiff for large μ.
#[ode_system]
fn van_der_pol(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    [y[1], p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]]
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

macro_rules! bench_problem {
    ($c:expr, $name:literal, $system:expr, $params:expr, $P:literal, $solver:expr,
     $pid:expr, $t1:expr, $y0:expr, $ts:expr) => {{
        let term = OdeTerm::new(&$system, $params);
        let pid = $pid;
        let ts: &[f64] = $ts;
        let y0 = $y0;
        let mut g = $c.benchmark_group($name);
        g.sample_size(20).measurement_time(Duration::from_secs(3));
        let mut ys = vec![SVector::<f64, 2>::zeros(); ts.len()];
        g.bench_function("forward", |b| {
            b.iter(|| {
                let d = DirectAdjoint::forward(
                    &term, &$solver, &pid, 0.0, $t1, Some(0.01), black_box(y0), ts, &mut ys,
                    MAX_STEPS,
                )
                .unwrap();
                black_box(*d.y1())
            })
        });
        let mut ys_dot = vec![SVector::<f64, 2>::zeros(); ts.len()];
        let seed = Tangent {
            y0: SVector::from([1.0, 0.0]),
            params: SVector::<f64, $P>::zeros(),
            t0: 0.0,
            t1: 0.0,
        };
        g.bench_function("tangent_one_direction", |b| {
            b.iter(|| {
                let d = DirectAdjoint::forward(
                    &term, &$solver, &pid, 0.0, $t1, Some(0.01), black_box(y0), ts, &mut ys,
                    MAX_STEPS,
                )
                .unwrap();
                black_box(d.tangent(&seed, &mut ys_dot).unwrap().y1_dot)
            })
        });
        let mut sens: Vec<Sensitivity<f64, 2, $P>> = vec![<Sensitivity<f64, 2, $P> as State<f64>>::zero(); ts.len()];
        g.bench_function("sensitivities_full_jacobian", |b| {
            b.iter(|| {
                let d = DirectAdjoint::forward(
                    &term, &$solver, &pid, 0.0, $t1, Some(0.01), black_box(y0), ts, &mut ys,
                    MAX_STEPS,
                )
                .unwrap();
                black_box(d.sensitivities::<$P>(&mut sens).unwrap())
            })
        });
        // One scalar loss: Σ|y(ts)|² + |y(t1)|².
        let ys_bar: Vec<_> = ys.iter().map(|y| y * 2.0).collect();
        g.bench_function("direct_gradient", |b| {
            b.iter(|| {
                let d = DirectAdjoint::forward(
                    &term, &$solver, &pid, 0.0, $t1, Some(0.01), black_box(y0), ts, &mut ys,
                    MAX_STEPS,
                )
                .unwrap();
                let y1_bar = d.y1() * 2.0;
                black_box(d.backward::<$P>(&ys_bar, &y1_bar).unwrap().params)
            })
        });
        let mut slots = [Slot::EMPTY; 90];
        g.bench_function("reverse_gradient", |b| {
            b.iter(|| {
                let a = RecursiveCheckpointAdjoint::forward(
                    &term, &$solver, &pid, 0.0, $t1, Some(0.01), black_box(y0), ts, &mut ys,
                    MAX_STEPS, &mut slots,
                )
                .unwrap();
                let y1_bar = a.y1() * 2.0;
                black_box(a.backward(&ys_bar, &y1_bar).unwrap().params)
            })
        });
        g.finish();
    }};
}

const P1_TS: [f64; 21] = [
    0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0,
    9.5, 10.0,
];

fn p1(c: &mut Criterion) {
    bench_problem!(
        c,
        "direct/p1",
        LotkaVolterra,
        SVector::from([1.5, 1.0, 3.0, 1.0]),
        4,
        Tsit5,
        PidController::new(1e-8, 1e-8).unwrap(),
        10.0,
        SVector::from([1.0, 1.0]),
        &P1_TS
    );
}

fn p4(c: &mut Criterion) {
    bench_problem!(
        c,
        "direct/p4",
        NeuralOde,
        p4_params(),
        82,
        Dopri5,
        PidController::new(1e-7, 1e-9).unwrap(),
        5.0,
        SVector::from([1.0, -0.5]),
        &[]
    );
}

/// μ = 10 on [0, 2], three outputs: the same solve through ImplicitEuler
/// (order 1, linear output) and Kvaerno5.
fn stiff(c: &mut Criterion) {
    let implicit_euler = ImplicitEuler::new(1e-5, 1e-5).unwrap();
    let kvaerno5 = Kvaerno5::new(1e-5, 1e-5).unwrap();
    bench_problem!(
        c,
        "direct/vdp_implicit_euler",
        VanDerPol,
        SVector::from([10.0]),
        1,
        implicit_euler,
        PidController::new(1e-5, 1e-5).unwrap(),
        2.0,
        SVector::from([2.0, 0.0]),
        &[0.5, 1.0, 1.5]
    );
    bench_problem!(
        c,
        "direct/vdp_kvaerno5",
        VanDerPol,
        SVector::from([10.0]),
        1,
        kvaerno5,
        PidController::new(1e-5, 1e-5).unwrap(),
        2.0,
        SVector::from([2.0, 0.0]),
        &[0.5, 1.0, 1.5]
    );
}

criterion_group!(benches, p1, p4, stiff);
criterion_main!(benches);
