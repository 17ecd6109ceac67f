//! BacksolveAdjoint on P1, P4 and P6 (PROBLEMS.md): the gradient (forward
//! solve plus backward pass) with the forward controller on the backward
//! pass and with the adjoint seminorm, and on P6 the re-anchored explicit
//! backward pass beside the dense-output one solved by Kvaerno5. The
//! backward evaluation counts (each one `f` and one VJP) are printed once
//! per configuration.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::adjoint::{
    AdjointRmsSeminorm, Anchor, BacksolveAdjoint, BacksolveConfig, BacksolveStats,
    DenseBacksolveAdjoint,
};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, Dopri5, Error, Kvaerno5, OdeTerm, PidController, Tsit5};
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

type V2 = SVector<f64, 2>;
type V32 = SVector<f64, 32>;

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

fn heat32_y0() -> V32 {
    let h = 1.0 / 33.0;
    SVector::from_fn(|i, _| {
        let x = (i + 1) as f64 * h;
        (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
    })
}

fn report(name: &str, s: &BacksolveStats) {
    println!(
        "{name}: forward {} steps / {} rhs; backward {} accepted ({} rejected), {} evaluations (f + VJP)",
        s.forward.num_accepted_steps,
        s.forward.num_rhs_evals,
        s.backward.num_accepted_steps,
        s.backward.num_rejected_steps,
        s.vjp_evals
    );
}

fn p1(seminorm: bool) -> Result<(V2, BacksolveStats), Error> {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8)?;
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let mut ys = [V2::zeros(); 21];
    let adjoint = BacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        V2::new(1.0, 1.0),
        &ts,
        &mut ys,
        MAX_STEPS,
        &mut [],
    )?;
    let ys_bar: [V2; 21] = core::array::from_fn(|i| 2.0 * adjoint.ys()[i]);
    let g = if seminorm {
        let semi = pid.with_norm(AdjointRmsSeminorm);
        let config = BacksolveConfig {
            solver: &Tsit5,
            controller: &semi,
            dt0: Some(-0.01),
            max_steps: MAX_STEPS,
        };
        adjoint.backward_with(&config, &ys_bar, &V2::zeros())?
    } else {
        adjoint.backward(&ys_bar, &V2::zeros())?
    };
    Ok((g.y0, g.stats))
}

fn p4(seminorm: bool) -> Result<(V2, BacksolveStats), Error> {
    let term = OdeTerm::new(&NeuralOde, p4_params());
    let pid = PidController::new(1e-7, 1e-9)?;
    let adjoint = BacksolveAdjoint::forward(
        &term,
        &Dopri5,
        &pid,
        0.0,
        5.0,
        Some(0.01),
        V2::new(1.0, -0.5),
        &[],
        &mut [],
        MAX_STEPS,
        &mut [],
    )?;
    let y1_bar = 2.0 * adjoint.y1();
    let g = if seminorm {
        let semi = pid.with_norm(AdjointRmsSeminorm);
        let config = BacksolveConfig {
            solver: &Dopri5,
            controller: &semi,
            dt0: Some(-0.01),
            max_steps: MAX_STEPS,
        };
        adjoint.backward_with(&config, &[], &y1_bar)?
    } else {
        adjoint.backward(&[], &y1_bar)?
    };
    Ok((g.y0, g.stats))
}

/// P6, Kvaerno5 forward; backward Tsit5 re-anchored at every forward step.
fn p6_anchored(seminorm: bool) -> Result<(V32, BacksolveStats), Error> {
    let term = OdeTerm::new(&Heat32, SVector::from([0.1]));
    let pid = PidController::new(1e-6, 1e-8)?;
    let solver = Kvaerno5::new(1e-6, 1e-8)?;
    let mut anchors = [Anchor::zero(); 64];
    let adjoint = BacksolveAdjoint::forward(
        &term,
        &solver,
        &pid,
        0.0,
        0.5,
        Some(1e-3),
        heat32_y0(),
        &[],
        &mut [],
        MAX_STEPS,
        &mut anchors,
    )?;
    let y1_bar = V32::from_element(1.0);
    let g = if seminorm {
        let semi = pid.with_norm(AdjointRmsSeminorm);
        let config = BacksolveConfig {
            solver: &Tsit5,
            controller: &semi,
            dt0: Some(-1e-3),
            max_steps: 20_000,
        };
        adjoint.backward_with(&config, &[], &y1_bar)?
    } else {
        let config = BacksolveConfig {
            solver: &Tsit5,
            controller: &pid,
            dt0: Some(-1e-3),
            max_steps: 20_000,
        };
        adjoint.backward_with(&config, &[], &y1_bar)?
    };
    Ok((g.y0, g.stats))
}

/// P6, Kvaerno5 both ways, `y` from the forward dense output.
fn p6_dense() -> Result<(V32, BacksolveStats), Error> {
    let term = OdeTerm::new(&Heat32, SVector::from([0.1]));
    let pid = PidController::new(1e-6, 1e-8)?;
    let solver = Kvaerno5::new(1e-6, 1e-8)?;
    let mut records = [None; 64];
    let adjoint = DenseBacksolveAdjoint::forward(
        &term,
        &solver,
        &pid,
        0.0,
        0.5,
        Some(1e-3),
        heat32_y0(),
        &[],
        &mut [],
        MAX_STEPS,
        &mut records,
    )?;
    let g = adjoint.backward(&[], &V32::from_element(1.0))?;
    Ok((g.y0, g.stats))
}

fn bench(c: &mut Criterion) {
    for (name, seminorm) in [("rms", false), ("seminorm", true)] {
        report(&format!("P1 {name}"), &p1(seminorm).unwrap().1);
        report(&format!("P4 {name}"), &p4(seminorm).unwrap().1);
        report(
            &format!("P6 anchored Tsit5 {name}"),
            &p6_anchored(seminorm).unwrap().1,
        );
    }
    report("P6 dense Kvaerno5", &p6_dense().unwrap().1);

    let mut group = c.benchmark_group("backsolve");
    for (name, seminorm) in [("rms", false), ("seminorm", true)] {
        group.bench_function(format!("P1_tsit5_{name}"), |b| {
            b.iter(|| black_box(p1(black_box(seminorm)).unwrap()))
        });
        group.bench_function(format!("P4_dopri5_{name}"), |b| {
            b.iter(|| black_box(p4(black_box(seminorm)).unwrap()))
        });
        group.bench_function(format!("P6_anchored_tsit5_{name}"), |b| {
            b.iter(|| black_box(p6_anchored(black_box(seminorm)).unwrap()))
        });
    }
    group.bench_function("P6_dense_kvaerno5", |b| {
        b.iter(|| black_box(p6_dense().unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
