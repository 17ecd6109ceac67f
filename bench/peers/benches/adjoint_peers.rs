//! Gradients side by side (issues 5, 6, 7): odegrad's adjoints against
//! diffsol 0.18's on P1 (Lotka–Volterra, 21 save points, Σ|y(ts)|²) and P4
//! (the 2–16–2 neural ODE, |y(5)|², 82 parameters), in one process on one
//! machine, with the same tolerances and first step.
//!
//! - odegrad: RecursiveCheckpointAdjoint (a checkpoint per step),
//!   BacksolveAdjoint (continuous adjoint), DirectAdjoint (forward
//!   sensitivities, all parameters).
//! - diffsol: the continuous adjoint (`solve_dense_with_checkpointing` then
//!   `tsit45_solver_adjoint(..).solve_adjoint_backwards_pass`), the step-wise
//!   discrete adjoint (`StepVjp::step_vjp` over the states saved after each
//!   step) and, on P4, forward sensitivities (`solve_dense_sensitivities`).
//!
//! Every gradient is checked against PROBLEMS.md's reference to 1e-4 relative
//! before anything is timed. diffsol's derivative closures (Jacobian–vector
//! products, the negated transposes its adjoint builder expects) are written
//! by hand here; odegrad's come from `#[ode_system]`.
//!
//! `cd bench/peers && cargo bench --bench adjoint_peers -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion};
use diffsol::{
    AdjointOdeSolverMethod, NalgebraMat, NalgebraVec, OdeBuilder, OdeSolverMethod, OdeSolverState,
    OdeSolverStopReason, Scale, SensitivitiesOdeSolverMethod, StepVjp, Vector,
};
use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{BacksolveAdjoint, DirectAdjoint, RecursiveCheckpointAdjoint};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, OdeTerm, PidController, Tsit5};
use odegrad_peers::{lotka_volterra, neural_ode, neural_ode_params};
use std::hint::black_box;

type M = NalgebraMat<f64>;
type V = NalgebraVec<f64>;

const MAX_STEPS: usize = 4096;
const P1: [f64; 4] = [1.5, 1.0, 3.0, 1.0];
const P1_DP: [f64; 4] = [
    51.16634613103357,
    -218.66821621769037,
    216.22518800527433,
    -710.9642034238205,
];
const P1_DY0: [f64; 2] = [-191.23176789678476, -47.321186342700656];
const P4_DB2: [f64; 2] = [12.104379798275673, -5.625881133722508];
const P4_Y0: [f64; 2] = [1.0, -0.5];

#[ode_system]
fn lv(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

#[ode_system]
fn node(_t: f64, y: &[f64; 2], p: &[f64; 82]) -> [f64; 2] {
    let mut out = [p[80], p[81]];
    for i in 0..16 {
        let h = (p[2 * i] * y[0] + p[2 * i + 1] * y[1] + p[32 + i]).tanh();
        out[0] += p[48 + i] * h;
        out[1] += p[64 + i] * h;
    }
    out
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// P1: dL/dy0 and dL/dp against the reference, to 1e-4 relative.
fn check_p1(who: &str, dy0: &[f64], dp: &[f64]) {
    let worst = (0..2)
        .map(|i| rel(dy0[i], P1_DY0[i]))
        .chain((0..4).map(|i| rel(dp[i], P1_DP[i])))
        .fold(0.0f64, f64::max);
    eprintln!("P1 {who}: worst relative error {worst:.2e}");
    assert!(worst < 1e-4, "P1 {who}: dy0 {dy0:?} dp {dp:?}");
}

/// P4: dL/db2 against the reference to 1e-4 relative, and the whole
/// gradient against `full` (odegrad's recursive checkpointing, itself checked
/// on b2) to 1e-4 of its largest entry.
fn check_p4(who: &str, dp: &[f64], full: Option<&[f64]>) {
    let mut worst = rel(dp[80], P4_DB2[0]).max(rel(dp[81], P4_DB2[1]));
    if let Some(full) = full {
        let scale = full.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        for k in 0..82 {
            worst = worst.max((dp[k] - full[k]).abs() / scale);
        }
    }
    eprintln!("P4 {who}: worst relative error {worst:.2e}");
    assert!(worst < 1e-4, "P4 {who}: {:?}", &dp[80..82]);
}

// ---- diffsol's derivative closures (adjoint ones return −Aᵀv) ----

/// P1 with y0 appended to the parameters, p = [a, b, c, d, x0, z0], so that
/// diffsol's parameter gradient includes dL/dy0.
fn lv_jac(x: &[f64], p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    let [a, b, c, d] = [p[0], p[1], p[2], p[3]];
    y[0] = (a - b * x[1]) * v[0] - b * x[0] * v[1];
    y[1] = d * x[1] * v[0] + (-c + d * x[0]) * v[1];
}
fn lv_adj(x: &[f64], p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    let [a, b, c, d] = [p[0], p[1], p[2], p[3]];
    y[0] = -((a - b * x[1]) * v[0] + d * x[1] * v[1]);
    y[1] = -(-b * x[0] * v[0] + (-c + d * x[0]) * v[1]);
}
fn lv_sens_adj(x: &[f64], _p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    y[0] = -x[0] * v[0];
    y[1] = x[0] * x[1] * v[0];
    y[2] = x[1] * v[1];
    y[3] = -x[0] * x[1] * v[1];
    y[4] = 0.0;
    y[5] = 0.0;
}

/// The hidden layer of P4 at `x`: tanh values.
fn node_hidden(p: &[f64], x: &[f64]) -> [f64; 16] {
    core::array::from_fn(|i| (p[2 * i] * x[0] + p[2 * i + 1] * x[1] + p[32 + i]).tanh())
}
fn node_jac(x: &[f64], p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    let h = node_hidden(p, x);
    y[0] = 0.0;
    y[1] = 0.0;
    for i in 0..16 {
        let s = (1.0 - h[i] * h[i]) * (p[2 * i] * v[0] + p[2 * i + 1] * v[1]);
        y[0] += p[48 + i] * s;
        y[1] += p[64 + i] * s;
    }
}
/// g_i = (1 − h_i²) Σ_k W2[k][i] v_k, the cotangent of the pre-activation.
fn node_g(p: &[f64], h: &[f64; 16], v: &[f64]) -> [f64; 16] {
    core::array::from_fn(|i| (1.0 - h[i] * h[i]) * (p[48 + i] * v[0] + p[64 + i] * v[1]))
}
fn node_adj(x: &[f64], p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    let h = node_hidden(p, x);
    let g = node_g(p, &h, v);
    y[0] = 0.0;
    y[1] = 0.0;
    for i in 0..16 {
        y[0] -= p[2 * i] * g[i];
        y[1] -= p[2 * i + 1] * g[i];
    }
}
fn node_sens_adj(x: &[f64], p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    let h = node_hidden(p, x);
    let g = node_g(p, &h, v);
    for i in 0..16 {
        y[2 * i] = -g[i] * x[0];
        y[2 * i + 1] = -g[i] * x[1];
        y[32 + i] = -g[i];
        y[48 + i] = -v[0] * h[i];
        y[64 + i] = -v[1] * h[i];
    }
    y[80] = -v[0];
    y[81] = -v[1];
}
/// (∂f/∂p) v for P4's forward sensitivities.
fn node_sens(x: &[f64], p: &[f64], _t: f64, v: &[f64], y: &mut [f64]) {
    let h = node_hidden(p, x);
    y[0] = v[80];
    y[1] = v[81];
    for i in 0..16 {
        let da = v[2 * i] * x[0] + v[2 * i + 1] * x[1] + v[32 + i];
        let s = (1.0 - h[i] * h[i]) * da;
        y[0] += v[48 + i] * h[i] + p[48 + i] * s;
        y[1] += v[64 + i] * h[i] + p[64 + i] * s;
    }
}

/// diffsol's step-wise discrete adjoint of Σ_m w(ts[m])·|y(ts[m])|²: steps
/// to each save time (as stop times) saving the state after every step,
/// then pulls the cotangent back with `step_vjp`, adding 2 y at each save
/// time. `rhs_adj`/`rhs_sens_adj` fold the cotangent of the first stage
/// (dy at t0) into y0 and p. Returns (dL/dy0, dL/dp).
fn diffsol_discrete<'a, Eqn, S>(
    mut solver: S,
    ts: &[f64],
    nparams: usize,
    p: &[f64],
    rhs_adj: fn(&[f64], &[f64], f64, &[f64], &mut [f64]),
    rhs_sens_adj: fn(&[f64], &[f64], f64, &[f64], &mut [f64]),
) -> ([f64; 2], Vec<f64>)
where
    Eqn: diffsol::OdeEquationsImplicitAdjoint<T = f64, V = V, M = M> + 'a,
    S: StepVjp<'a, Eqn>,
{
    let start = solver.state_clone();
    let mut states = Vec::with_capacity(512);
    let mut saved = Vec::with_capacity(ts.len());
    for &t in ts {
        if t > start.as_ref().t {
            solver.set_stop_time(t).unwrap();
            loop {
                let reason = solver.step().unwrap();
                states.push(solver.state_clone());
                if let OdeSolverStopReason::TstopReached = reason {
                    break;
                }
            }
        }
        saved.push(states.len()); // save time t ends step states.len() − 1
    }
    let mut cot = start.zeros_like();
    let mut p_bar = V::zeros(nparams, Default::default());
    let mut m = ts.len();
    for k in (0..states.len()).rev() {
        while m > 0 && saved[m - 1] == k + 1 {
            m -= 1;
            cot.as_mut().y.axpy(2.0, states[k].as_ref().y, 1.0);
        }
        solver.step_vjp(&states[k], &mut cot, &mut p_bar).unwrap();
    }
    while m > 0 {
        m -= 1;
        cot.as_mut().y.axpy(2.0, start.as_ref().y, 1.0);
    }
    // the first stage's cotangent, dy at t0, through f(y0, p)
    let y0 = [start.as_ref().y.get_index(0), start.as_ref().y.get_index(1)];
    let dy_bar = [cot.as_ref().dy.get_index(0), cot.as_ref().dy.get_index(1)];
    let mut jt = [0.0; 2];
    rhs_adj(&y0, p, ts[0], &dy_bar, &mut jt);
    let mut pt = vec![0.0; nparams];
    rhs_sens_adj(&y0, p, ts[0], &dy_bar, &mut pt);
    let dy0 = [
        cot.as_ref().y.get_index(0) - jt[0],
        cot.as_ref().y.get_index(1) - jt[1],
    ];
    let dp = (0..nparams).map(|k| p_bar.get_index(k) - pt[k]).collect();
    (dy0, dp)
}

fn p1(c: &mut Criterion) {
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let y0 = SVector::from([1.0, 1.0]);
    let mut g = c.benchmark_group("P1 gradient, Tsit5 rtol=atol=1e-8, 21 ts");

    // ---- odegrad ----
    let term = OdeTerm::new(&Lv, SVector::from(P1));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let mut slots: Vec<_> = (0..MAX_STEPS).map(|_| Slot::EMPTY).collect();
    let mut recursive = |y0: SVector<f64, 2>| {
        let mut ys = [SVector::<f64, 2>::zeros(); 21];
        let fwd = RecursiveCheckpointAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            y0,
            &ts,
            &mut ys,
            MAX_STEPS,
            &mut slots,
        )
        .unwrap();
        let ys_bar: [SVector<f64, 2>; 21] = core::array::from_fn(|i| 2.0 * ys[i]);
        fwd.backward(&ys_bar, &SVector::zeros()).unwrap()
    };
    let r = recursive(y0);
    check_p1("odegrad recursive", r.y0.as_slice(), r.params.as_slice());
    g.bench_function("odegrad RecursiveCheckpoint C=4096", |b| {
        b.iter(|| recursive(black_box(y0)).params)
    });
    let backsolve = |y0: SVector<f64, 2>| {
        let mut ys = [SVector::<f64, 2>::zeros(); 21];
        let fwd = BacksolveAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            y0,
            &ts,
            &mut ys,
            MAX_STEPS,
            &mut [],
        )
        .unwrap();
        let ys_bar: [SVector<f64, 2>; 21] = core::array::from_fn(|i| 2.0 * fwd.ys()[i]);
        fwd.backward(&ys_bar, &SVector::zeros()).unwrap()
    };
    let r = backsolve(y0);
    check_p1("odegrad backsolve", r.y0.as_slice(), r.params.as_slice());
    g.bench_function("odegrad Backsolve", |b| {
        b.iter(|| backsolve(black_box(y0)).params)
    });
    let direct = |y0: SVector<f64, 2>| {
        let mut ys = [SVector::<f64, 2>::zeros(); 21];
        let fwd = DirectAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            y0,
            &ts,
            &mut ys,
            MAX_STEPS,
        )
        .unwrap();
        let ys_bar: [SVector<f64, 2>; 21] = core::array::from_fn(|i| 2.0 * ys[i]);
        fwd.backward::<4>(&ys_bar, &SVector::zeros()).unwrap()
    };
    let r = direct(y0);
    check_p1("odegrad direct", r.y0.as_slice(), r.params.as_slice());
    g.bench_function("odegrad Direct (forward sensitivities)", |b| {
        b.iter(|| direct(black_box(y0)).params)
    });

    // ---- diffsol ----
    let p6 = [P1[0], P1[1], P1[2], P1[3], 1.0, 1.0];
    let problem = OdeBuilder::<M>::new()
        .p(p6)
        .rtol(1e-8)
        .atol([1e-8])
        // the parameter quadrature under error control on the backward pass,
        // as in odegrad's BacksolveAdjoint (off by default in diffsol)
        .param_rtol(1e-8)
        .param_atol([1e-8])
        .h0(0.01)
        .rhs_adjoint_implicit(
            |x, p, _t, y| lotka_volterra(p, x, y),
            lv_jac,
            lv_adj,
            lv_sens_adj,
        )
        .init_adjoint(
            |p, _t, y| y.copy_from_slice(&p[4..6]),
            |_p, _t, v, y| {
                y[..4].fill(0.0);
                y[4] = -v[0];
                y[5] = -v[1];
            },
            2,
        )
        .build()
        .unwrap();
    let continuous = || {
        let mut solver = problem.tsit45().unwrap();
        let (checkpointer, ys, _) = solver.solve_dense_with_checkpointing(&ts, None).unwrap();
        let dgdu = ys * Scale(2.0);
        let adjoint = problem
            .tsit45_solver_adjoint(checkpointer, Some(solver), Some(1))
            .unwrap();
        let (state, _) = adjoint.solve_adjoint_backwards_pass(&ts, &[&dgdu]).unwrap();
        let sg = state.into_common().sg;
        let sg: Vec<f64> = (0..6).map(|k| sg.get_index(k)).collect();
        sg
    };
    let sg = continuous();
    check_p1("diffsol continuous adjoint", &sg[4..6], &sg[..4]);
    g.bench_function("diffsol continuous adjoint (Tsit45)", |b| {
        b.iter(|| black_box(continuous())[0])
    });
    let discrete = || diffsol_discrete(problem.tsit45().unwrap(), &ts, 6, &p6, lv_adj, lv_sens_adj);
    let (dy0, dp) = discrete();
    // y0 is a parameter here: its gradient is dy0 (from the state) plus p[4..6]
    let dy0_total = [dy0[0] + dp[4], dy0[1] + dp[5]];
    check_p1("diffsol discrete adjoint", &dy0_total, &dp[..4]);
    g.bench_function("diffsol discrete adjoint step_vjp (Tsit45)", |b| {
        b.iter(|| black_box(discrete()).1[0])
    });
    g.finish();
}

fn p4(c: &mut Criterion) {
    let params = neural_ode_params();
    let y0 = SVector::from(P4_Y0);
    let mut g = c.benchmark_group("P4 gradient, 82 parameters, Tsit5 rtol=1e-7 atol=1e-9");

    // ---- odegrad ----
    let term = OdeTerm::new(&Node, SVector::from(params));
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    let mut slots: Vec<_> = (0..MAX_STEPS).map(|_| Slot::EMPTY).collect();
    let mut recursive = |y0: SVector<f64, 2>| {
        let fwd = RecursiveCheckpointAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            5.0,
            Some(0.01),
            y0,
            &[],
            &mut [],
            MAX_STEPS,
            &mut slots,
        )
        .unwrap();
        let y1_bar = 2.0 * fwd.y1();
        fwd.backward(&[], &y1_bar).unwrap()
    };
    let full: Vec<f64> = recursive(y0).params.as_slice().to_vec();
    check_p4("odegrad recursive", &full, None);
    g.bench_function("odegrad RecursiveCheckpoint C=4096", |b| {
        b.iter(|| recursive(black_box(y0)).params)
    });
    let backsolve = |y0: SVector<f64, 2>| {
        let fwd = BacksolveAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            5.0,
            Some(0.01),
            y0,
            &[],
            &mut [],
            MAX_STEPS,
            &mut [],
        )
        .unwrap();
        let y1_bar = 2.0 * fwd.y1();
        fwd.backward(&[], &y1_bar).unwrap()
    };
    check_p4(
        "odegrad backsolve",
        backsolve(y0).params.as_slice(),
        Some(&full),
    );
    g.bench_function("odegrad Backsolve", |b| {
        b.iter(|| backsolve(black_box(y0)).params)
    });
    let direct = |y0: SVector<f64, 2>| {
        let fwd = DirectAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            5.0,
            Some(0.01),
            y0,
            &[],
            &mut [],
            MAX_STEPS,
        )
        .unwrap();
        let y1_bar = 2.0 * fwd.y1();
        fwd.backward::<82>(&[], &y1_bar).unwrap()
    };
    check_p4("odegrad direct", direct(y0).params.as_slice(), Some(&full));
    g.bench_function("odegrad Direct (forward sensitivities, 82)", |b| {
        b.iter(|| direct(black_box(y0)).params)
    });

    // ---- diffsol ----
    let problem = OdeBuilder::<M>::new()
        .p(params)
        .rtol(1e-7)
        .atol([1e-9])
        .param_rtol(1e-7)
        .param_atol([1e-9])
        .h0(0.01)
        .rhs_adjoint_implicit(
            |x, p, _t, y| neural_ode(p, x, y),
            node_jac,
            node_adj,
            node_sens_adj,
        )
        .init_adjoint(
            |_p, _t, y| y.copy_from_slice(&P4_Y0),
            |_p, _t, _v, y| y.fill(0.0),
            2,
        )
        .build()
        .unwrap();
    let t1 = [5.0];
    let continuous = || {
        let mut solver = problem.tsit45().unwrap();
        let (checkpointer, ys, _) = solver.solve_dense_with_checkpointing(&t1, None).unwrap();
        let dgdu = ys * Scale(2.0);
        let adjoint = problem
            .tsit45_solver_adjoint(checkpointer, Some(solver), Some(1))
            .unwrap();
        let (state, _) = adjoint.solve_adjoint_backwards_pass(&t1, &[&dgdu]).unwrap();
        let sg = state.into_common().sg;
        let sg: Vec<f64> = (0..82).map(|k| sg.get_index(k)).collect();
        sg
    };
    check_p4("diffsol continuous adjoint", &continuous(), Some(&full));
    g.bench_function("diffsol continuous adjoint (Tsit45)", |b| {
        b.iter(|| black_box(continuous())[0])
    });
    // the loss counts y(5) only: one save time, which is the stop time
    let discrete_t1 = || {
        diffsol_discrete(
            problem.tsit45().unwrap(),
            &[5.0],
            82,
            &params,
            node_adj,
            node_sens_adj,
        )
    };
    check_p4("diffsol discrete adjoint", &discrete_t1().1, Some(&full));
    g.bench_function("diffsol discrete adjoint step_vjp (Tsit45)", |b| {
        b.iter(|| black_box(discrete_t1()).1[0])
    });
    let sens_problem = OdeBuilder::<M>::new()
        .p(params)
        .rtol(1e-7)
        .atol([1e-9])
        .h0(0.01)
        .rhs_sens_implicit(|x, p, _t, y| neural_ode(p, x, y), node_jac, node_sens)
        .init_sens(
            |_p, _t, y| y.copy_from_slice(&P4_Y0),
            |_p, _t, _v, y| y.fill(0.0),
            2,
        )
        .build()
        .unwrap();
    let forward_sens = || {
        let mut solver = sens_problem.tsit45_sens().unwrap();
        let (ys, sens, _) = solver.solve_dense_sensitivities(&t1).unwrap();
        let y = [ys[(0, 0)], ys[(1, 0)]];
        (0..82)
            .map(|k| 2.0 * (y[0] * sens[k][(0, 0)] + y[1] * sens[k][(1, 0)]))
            .collect::<Vec<f64>>()
    };
    check_p4(
        "diffsol forward sensitivities",
        &forward_sens(),
        Some(&full),
    );
    g.bench_function("diffsol forward sensitivities, 82 (Tsit45)", |b| {
        b.iter(|| black_box(forward_sens())[0])
    });
    g.finish();
}

criterion_group!(benches, p1, p4);
criterion_main!(benches);
