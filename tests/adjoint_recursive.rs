//! RecursiveCheckpointAdjoint against central finite differences of
//! `diffeqsolve`, against itself with every checkpoint count, and against the
//! reference gradients of P1 and P4 in PROBLEMS.md.

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::SolverVjp;
use odegrad::adjoint::{CheckpointSlot, Gradient, RecursiveCheckpointAdjoint};
use odegrad::controller::StepSizeController;
use odegrad::nalgebra::{SVector, Vector2};
use odegrad::{
    diffeqsolve, ode_system, Bosh3, ConstantStepSize, Dopri5, Dopri8, Error, Euler, Heun, Midpoint,
    OdeTerm, PidController, Ralston, SaveAt, SaveBuffers, Solver, Term, Tsit5, VjpTerm,
};

type V2 = Vector2<f64>;
type P5 = SVector<f64, 5>;

/// Lotka–Volterra with a time-dependent forcing, derivatives by hand:
/// x' = p0 x − p1 x z + p4 sin t, z' = −p2 z + p3 x z.
#[derive(Clone, Copy)]
struct Forced {
    p: P5,
}

impl Term<f64, V2> for Forced {
    fn vf(&self, t: f64, y: &V2) -> V2 {
        let (x, z) = (y[0], y[1]);
        let p = &self.p;
        V2::new(
            p[0] * x - p[1] * x * z + p[4] * t.sin(),
            -p[2] * z + p[3] * x * z,
        )
    }
}

impl VjpTerm<f64, V2> for Forced {
    type Params = P5;
    fn vjp(&self, t: f64, y: &V2, w: &V2) -> (V2, P5, f64) {
        let (x, z) = (y[0], y[1]);
        let p = &self.p;
        let gy = V2::new(
            w[0] * (p[0] - p[1] * z) + w[1] * p[3] * z,
            -w[0] * p[1] * x + w[1] * (-p[2] + p[3] * x),
        );
        let gp = P5::from([
            w[0] * x,
            -w[0] * x * z,
            -w[1] * z,
            w[1] * x * z,
            w[0] * t.sin(),
        ]);
        (gy, gp, w[0] * p[4] * t.cos())
    }
}

const P: [f64; 5] = [1.5, 1.0, 3.0, 1.0, 0.3];
/// The cotangent of the final state in the test loss.
const Y1_WEIGHT: [f64; 2] = [0.3, -0.2];

/// The test loss: Σ over ts of |y(t)|² plus w·y(t1), by `diffeqsolve`.
#[allow(clippy::too_many_arguments)]
fn loss<S, C>(
    solver: &S,
    controller: &C,
    p: P5,
    t0: f64,
    t1: f64,
    dt0: f64,
    y0: V2,
    ts: &[f64],
) -> f64
where
    S: Solver<f64, V2, Forced>,
    C: StepSizeController<f64, V2>,
{
    let term = Forced { p };
    let mut tbuf = vec![0.0; ts.len() + 1];
    let mut ybuf = vec![V2::zeros(); ts.len() + 1];
    let mut buffers = SaveBuffers::new(&mut tbuf, &mut ybuf);
    let saveat = SaveAt::ts(ts).with_t1();
    let sol = diffeqsolve(
        &term,
        solver,
        t0,
        t1,
        Some(dt0),
        y0,
        &saveat,
        controller,
        100_000,
        &mut buffers,
    )
    .unwrap();
    assert_eq!(sol.num_saved, ts.len() + 1);
    let mut l: f64 = ybuf[..ts.len()].iter().map(|y| y.norm_squared()).sum();
    l += V2::from(Y1_WEIGHT).dot(&ybuf[ts.len()]);
    l
}

/// The adjoint's gradient of the same loss, with `capacity` checkpoints.
#[allow(clippy::too_many_arguments)]
fn gradient<S, C>(
    solver: &S,
    controller: &C,
    p: P5,
    t0: f64,
    t1: f64,
    dt0: f64,
    y0: V2,
    ts: &[f64],
    capacity: usize,
) -> (f64, Gradient<f64, V2, P5>)
where
    S: SolverVjp<f64, V2, Forced>,
    C: StepSizeController<f64, V2>,
{
    let term = Forced { p };
    let mut slots: Vec<CheckpointSlot<f64, V2, Forced, S, C>> =
        (0..capacity).map(|_| Slot::EMPTY).collect();
    let mut ys = vec![V2::zeros(); ts.len()];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        solver,
        controller,
        t0,
        t1,
        Some(dt0),
        y0,
        ts,
        &mut ys,
        100_000,
        &mut slots,
    )
    .unwrap();
    let ys_bar: Vec<V2> = ys.iter().map(|y| 2.0 * y).collect();
    let mut l: f64 = ys.iter().map(|y| y.norm_squared()).sum();
    l += V2::from(Y1_WEIGHT).dot(adjoint.y1());
    let g = adjoint.backward(&ys_bar, &V2::from(Y1_WEIGHT)).unwrap();
    (l, g)
}

fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let eps = 1e-6 * x.abs().max(1.0);
    (f(x + eps) - f(x - eps)) / (2.0 * eps)
}

/// `|adjoint − fd| ≤ rel · max(|adjoint|, |fd|, 1)`: components below one are
/// compared absolutely, because the difference quotient's rounding error
/// (that of losses of order ten divided by the step) does not shrink with
/// the component.
fn assert_close(adjoint: f64, fd: f64, rel: f64, what: &str) {
    let scale = adjoint.abs().max(fd.abs()).max(1.0);
    assert!(
        (adjoint - fd).abs() <= rel * scale,
        "{what}: adjoint {adjoint} vs finite differences {fd} (rel {:.2e})",
        (adjoint - fd).abs() / scale
    );
}

/// Every gradient component against central differences of `diffeqsolve`.
#[allow(clippy::too_many_arguments)]
fn check_against_fd<S, C>(
    solver: &S,
    controller: &C,
    t0: f64,
    t1: f64,
    dt0: f64,
    ts: &[f64],
    rel: f64,
    times_too: bool,
) where
    S: SolverVjp<f64, V2, Forced>,
    C: StepSizeController<f64, V2>,
{
    let p = P5::from(P);
    let y0 = V2::new(1.0, 0.8);
    let (l, g) = gradient(solver, controller, p, t0, t1, dt0, y0, ts, 64);
    let l_ref = loss(solver, controller, p, t0, t1, dt0, y0, ts);
    assert!((l - l_ref).abs() <= 1e-13 * l_ref.abs(), "{l} vs {l_ref}");
    let f = |p: P5, t0: f64, t1: f64, y0: V2| loss(solver, controller, p, t0, t1, dt0, y0, ts);
    for i in 0..2 {
        let fd = central(
            |v| {
                let mut y = y0;
                y[i] = v;
                f(p, t0, t1, y)
            },
            y0[i],
        );
        let name = std::any::type_name::<S>();
        assert_close(g.y0[i], fd, rel, &format!("{name} dL/dy0[{i}]"));
    }
    for i in 0..5 {
        let fd = central(
            |v| {
                let mut q = p;
                q[i] = v;
                f(q, t0, t1, y0)
            },
            p[i],
        );
        let name = std::any::type_name::<S>();
        assert_close(g.params[i], fd, rel, &format!("{name} dL/dp[{i}]"));
    }
    if times_too {
        let name = std::any::type_name::<S>();
        let fd0 = central(|v| f(p, v, t1, y0), t0);
        assert_close(g.t0, fd0, rel, &format!("{name} dL/dt0"));
        let fd1 = central(|v| f(p, t0, v, y0), t1);
        assert_close(g.t1, fd1, rel, &format!("{name} dL/dt1"));
    }
}

#[test]
fn constant_steps_match_finite_differences() {
    // t1 is off the step grid, so perturbing t0 or t1 keeps the number of
    // steps; 0.3, 0.75 and 2.0 are step ends (t0 + k·dt0).
    let ts = [0.3, 0.75, 1.234, 2.0];
    let (t0, t1, dt0) = (0.1, 2.03, 0.05);
    check_against_fd(&Tsit5, &ConstantStepSize, t0, t1, dt0, &ts, 1e-7, true);
    check_against_fd(&Dopri5, &ConstantStepSize, t0, t1, dt0, &ts, 1e-7, true);
    check_against_fd(&Bosh3, &ConstantStepSize, t0, t1, dt0, &ts, 1e-7, true);
    check_against_fd(&Dopri8, &ConstantStepSize, t0, t1, dt0, &ts, 1e-7, true);
    // The low-order methods' continuous extensions are continuous but not
    // C¹ at step ends, so there L(t0) has a kink and a central difference
    // averages two one-sided derivatives: their outputs avoid step ends.
    let ts_inside = [0.32, 0.77, 1.234, 1.99];
    for ts in [&ts_inside[..], &ts[..]] {
        let times = ts == &ts_inside[..];
        check_against_fd(&Heun, &ConstantStepSize, t0, t1, dt0, ts, 1e-7, times);
        check_against_fd(&Midpoint, &ConstantStepSize, t0, t1, dt0, ts, 1e-7, times);
        check_against_fd(&Ralston, &ConstantStepSize, t0, t1, dt0, ts, 1e-7, times);
        check_against_fd(&Euler, &ConstantStepSize, t0, t1, dt0, ts, 1e-7, times);
    }
    // An output at t0 itself is y0.
    let ts0 = [0.1, 0.3, 1.234];
    check_against_fd(&Tsit5, &ConstantStepSize, t0, t1, dt0, &ts0, 1e-7, false);
}

#[test]
fn constant_steps_backwards_in_time_match_finite_differences() {
    let ts = [1.9, 1.234, 0.5];
    check_against_fd(&Tsit5, &ConstantStepSize, 2.03, 0.1, -0.05, &ts, 1e-7, true);
}

#[test]
fn adaptive_steps_match_finite_differences() {
    // The perturbed solves change the step sizes slightly; the adjoint holds
    // them fixed, as Diffrax does, so the agreement is to the tolerance.
    let pid = PidController::new(1e-9, 1e-9).unwrap();
    let ts = [0.3, 0.75, 1.234, 2.0];
    check_against_fd(&Tsit5, &pid, 0.1, 2.03, 0.05, &ts, 1e-5, false);
    check_against_fd(&Dopri5, &pid, 0.1, 2.03, 0.05, &ts, 1e-5, false);
}

#[test]
fn steps_through_jumps_and_forced_step_times_match_finite_differences() {
    // A jump re-initialises the FSAL derivative after the step ending at it;
    // a PID-D controller carries more history in its state. Both are in the
    // checkpointed loop state, so replay and reversal must get them right.
    let jumps = [0.9];
    let steps = [1.5];
    let mut pid = PidController::new(1e-9, 1e-9).unwrap();
    pid.pcoeff = 0.2;
    pid.icoeff = 0.3;
    pid.dcoeff = 0.1;
    pid.jump_ts = &jumps;
    pid.step_ts = &steps;
    let ts = [0.3, 0.75, 1.234, 2.0];
    // The perturbed solves move the steps more than under the plain I
    // controller (measured 1.3e-5 relative on dL/dp[4]).
    check_against_fd(&Tsit5, &pid, 0.1, 2.03, 0.05, &ts, 3e-5, false);
    let p = P5::from(P);
    let y0 = V2::new(1.0, 0.8);
    let (_, all) = gradient(&Tsit5, &pid, p, 0.1, 2.03, 0.05, y0, &ts, 100_000);
    let (_, few) = gradient(&Tsit5, &pid, p, 0.1, 2.03, 0.05, y0, &ts, 3);
    assert_eq!(all.y0, few.y0);
    assert_eq!(all.params, few.params);

    // With the steps frozen — the same step ends given to StepTo — the
    // finite differences see the map the adjoint differentiates: 1e-7.
    let term = Forced { p };
    let mut grid = [0.0; 400];
    let mut ys = [V2::zeros(); 399];
    grid[0] = 0.1;
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.1,
        2.03,
        Some(0.05),
        y0,
        &SaveAt::steps(),
        &pid,
        100_000,
        &mut SaveBuffers::new(&mut grid[1..], &mut ys),
    )
    .unwrap();
    let step_to = odegrad::controller::StepTo::new(&grid[..=sol.num_saved]);
    let frozen = |p: P5, y0: V2| {
        let term = Forced { p };
        let mut tbuf = [0.0; 5];
        let mut ybuf = [V2::zeros(); 5];
        diffeqsolve(
            &term,
            &Tsit5,
            0.1,
            2.03,
            None,
            y0,
            &SaveAt::ts(&ts).with_t1(),
            &step_to,
            100_000,
            &mut SaveBuffers::new(&mut tbuf, &mut ybuf),
        )
        .unwrap();
        ybuf[..4].iter().map(|y| y.norm_squared()).sum::<f64>() + V2::from(Y1_WEIGHT).dot(&ybuf[4])
    };
    for i in 0..2 {
        let fd = central(
            |v| {
                let mut y = y0;
                y[i] = v;
                frozen(p, y)
            },
            y0[i],
        );
        assert_close(all.y0[i], fd, 1e-7, "frozen steps dL/dy0");
    }
    for i in 0..5 {
        let fd = central(
            |v| {
                let mut q = p;
                q[i] = v;
                frozen(q, y0)
            },
            p[i],
        );
        assert_close(all.params[i], fd, 1e-7, "frozen steps dL/dp");
    }
}

#[test]
fn the_checkpoint_count_changes_the_cost_not_the_gradient() {
    let p = P5::from(P);
    let y0 = V2::new(1.0, 0.8);
    let ts = [0.3, 0.75, 1.234, 2.0, 4.5];
    let pid = PidController::new(1e-7, 1e-7).unwrap();
    let (l, all) = gradient(&Tsit5, &pid, p, 0.0, 5.0, 0.05, y0, &ts, 100_000);
    let n = all.stats.checkpoints.forward_steps;
    assert!(n > 30, "{n} steps");
    assert_eq!(all.stats.checkpoints.recomputed_steps, 0);
    assert_eq!(all.stats.checkpoints.reverse_steps, n);
    assert_eq!(all.stats.checkpoints.checkpoints_used, n);
    for capacity in [1, 2, 3, 5, 8, 13, n - 1] {
        let (l2, g) = gradient(&Tsit5, &pid, p, 0.0, 5.0, 0.05, y0, &ts, capacity);
        // The same arithmetic on the same replayed states: identical bits.
        assert_eq!(l2.to_bits(), l.to_bits());
        assert_eq!(g.y0, all.y0, "C = {capacity}");
        assert_eq!(g.params, all.params, "C = {capacity}");
        assert_eq!(g.t0.to_bits(), all.t0.to_bits());
        assert_eq!(g.t1.to_bits(), all.t1.to_bits());
        assert!(g.stats.checkpoints.recomputed_steps > 0);
        assert!(g.stats.checkpoints.checkpoints_used <= capacity);
        // Recomputed steps take no vector–Jacobian products.
        assert_eq!(g.stats.vjp_evals, all.stats.vjp_evals, "C = {capacity}");
    }
    // Six products per Tsit5 step for y1; the FSAL stage only where an
    // output inside the step needs it.
    assert!(all.stats.vjp_evals >= 6 * n && all.stats.vjp_evals <= 6 * n + ts.len());
}

#[test]
fn buffers_that_are_too_small_are_errors() {
    let term = Forced { p: P5::from(P) };
    let ts = [0.5, 1.0];
    let mut ys = [V2::zeros(); 2];
    let mut none: [CheckpointSlot<f64, V2, Forced, Tsit5, ConstantStepSize>; 0] = [];
    let err = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &ConstantStepSize,
        0.0,
        1.0,
        Some(0.1),
        V2::new(1.0, 1.0),
        &ts,
        &mut ys,
        100,
        &mut none,
    )
    .err();
    assert_eq!(
        err,
        Some(Error::CheckpointBufferTooSmall {
            needed: 1,
            capacity: 0
        })
    );

    let mut slots = [Slot::EMPTY; 4];
    let mut short = [V2::zeros(); 1];
    let err = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &ConstantStepSize,
        0.0,
        1.0,
        Some(0.1),
        V2::new(1.0, 1.0),
        &ts,
        &mut short,
        100,
        &mut slots,
    )
    .err();
    assert_eq!(
        err,
        Some(Error::SaveBufferTooSmall {
            needed: 2,
            capacity: 1
        })
    );

    let mut slots = [Slot::EMPTY; 4];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &ConstantStepSize,
        0.0,
        1.0,
        Some(0.1),
        V2::new(1.0, 1.0),
        &ts,
        &mut ys,
        100,
        &mut slots,
    )
    .unwrap();
    assert_eq!(
        adjoint.backward(&[V2::zeros()], &V2::zeros()).err(),
        Some(Error::SaveBufferTooSmall {
            needed: 2,
            capacity: 1
        })
    );
}

/// P1 of PROBLEMS.md.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

#[test]
fn p1_matches_the_reference_gradient() {
    let params = SVector::from([1.5, 1.0, 3.0, 1.0]);
    let term = OdeTerm::new(&LotkaVolterra, params);
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let mut ys = [V2::zeros(); 21];
    let mut slots = [Slot::EMPTY; 20];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        V2::new(1.0, 1.0),
        &ts,
        &mut ys,
        4096,
        &mut slots,
    )
    .unwrap();
    let loss: f64 = ys.iter().map(|y| y.norm_squared()).sum();
    assert!((loss - 345.53973270101307).abs() < 1e-6 * 345.5, "{loss}");
    let ys_bar = ys.map(|y| 2.0 * y);
    let g = adjoint.backward(&ys_bar, &V2::zeros()).unwrap();
    let dy0 = [-191.23176789678476, -47.321186342700656];
    let dp = [
        51.16634613103357,
        -218.66821621769037,
        216.22518800527433,
        -710.9642034238205,
    ];
    // Within 1e-5 relative at these tolerances, as PROBLEMS.md states.
    let mut worst = 0.0f64;
    let mut check = |a: f64, b: f64, what: &str| {
        worst = worst.max((a - b).abs() / b.abs());
        assert_close(a, b, 1e-5, what);
    };
    for (i, &r) in dy0.iter().enumerate() {
        check(g.y0[i], r, "P1 dL/dy0");
    }
    for (i, &r) in dp.iter().enumerate() {
        check(g.params[i], r, "P1 dL/dp");
    }
    println!("P1: worst relative error {worst:.2e}, {:?}", g.stats);
}

/// P4 of PROBLEMS.md: f(y) = W2 tanh(W1 y + b1) + b2, hidden width 16.
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

#[test]
fn p4_matches_the_reference_gradient() {
    let term = OdeTerm::new(&NeuralOde, p4_params());
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    let mut slots = [Slot::EMPTY; 8];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Dopri5,
        &pid,
        0.0,
        5.0,
        Some(0.01),
        V2::new(1.0, -0.5),
        &[],
        &mut [],
        4096,
        &mut slots,
    )
    .unwrap();
    let y = *adjoint.y1();
    let loss = y.norm_squared();
    assert!((loss - 1.6969805559315108).abs() < 1e-6, "{loss}");
    let g = adjoint.backward(&[], &(2.0 * y)).unwrap();
    let dy0 = [2.5223256180328546, -1.0655663799613933];
    let dp_head = [
        0.8654399369776351,
        -0.4374261122243097,
        -0.9382395805631233,
        0.47425689882505384,
    ];
    let dp_tail = [12.104379798275673, -5.625881133722508];
    // Within 1e-8 relative at these tolerances, as PROBLEMS.md states.
    let mut worst = 0.0f64;
    let mut check = |a: f64, b: f64, what: &str| {
        worst = worst.max((a - b).abs() / b.abs());
        assert_close(a, b, 1e-8, what);
    };
    for (i, &r) in dy0.iter().enumerate() {
        check(g.y0[i], r, "P4 dL/dy0");
    }
    for (i, &r) in dp_head.iter().enumerate() {
        check(g.params[i], r, "P4 dL/dp head");
    }
    for (i, &r) in dp_tail.iter().enumerate() {
        check(g.params[80 + i], r, "P4 dL/dp tail");
    }
    println!("P4: worst relative error {worst:.2e}, {:?}", g.stats);
}

/// P6 of PROBLEMS.md: the heat equation on 32 interior points, p = [D].
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

fn heat32_y0() -> SVector<f64, 32> {
    let h = 1.0 / 33.0;
    SVector::from_fn(|i, _| {
        let x = (i + 1) as f64 * h;
        (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
    })
}

/// P6 with Tsit5: the exact gradient of the discrete solution is not the
/// gradient of the ODE's solution. Tsit5 runs at its stability limit on the
/// fast modes, which y0 does not excite but its cotangent does, so dL/dy0 of
/// the computed solution is some 1e5 where the ODE's is 0.075. Replaying the
/// same steps with `StepTo` confirms by finite differences that this is the
/// discrete solve's true derivative, not an adjoint error.
#[test]
fn p6_with_tsit5_differentiates_the_discrete_solution() {
    type Y = SVector<f64, 32>;
    let params = SVector::from([0.1]);
    let term = OdeTerm::new(&Heat32, params);
    let pid = PidController::new(1e-6, 1e-8).unwrap();
    let ones = Y::repeat(1.0);

    let mut slots = [Slot::EMPTY; 16];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        0.5,
        Some(1e-3),
        heat32_y0(),
        &[],
        &mut [],
        4096,
        &mut slots,
    )
    .unwrap();
    let loss = adjoint.y1().sum();
    assert!((loss - 12.862925929730096).abs() < 1e-4 * 12.86, "{loss}");
    let g = adjoint.backward(&[], &ones).unwrap();
    println!(
        "P6 Tsit5: dL/dy0[0..2] = [{:e}, {:e}] (ODE: [0.0753, 0.1498]), dL/dD = {} (ODE: -65.08), {:?}",
        g.y0[0], g.y0[1], g.params[0], g.stats
    );
    assert!(g.y0.amax() > 1e3, "expected the stability-limit blow-up");

    // The same steps again, given explicitly.
    let mut t_steps = [0.0; 200];
    let mut y_steps = [Y::zeros(); 200];
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        0.5,
        Some(1e-3),
        heat32_y0(),
        &SaveAt::steps(),
        &pid,
        4096,
        &mut SaveBuffers::new(&mut t_steps[1..], &mut y_steps),
    )
    .unwrap();
    let grid = &t_steps[..=sol.num_saved];
    let step_to = odegrad::controller::StepTo::new(grid);
    let solve_loss = |y0: Y, d: f64| {
        let term = OdeTerm::new(&Heat32, SVector::from([d]));
        let sol = diffeqsolve(
            &term,
            &Tsit5,
            0.0,
            0.5,
            None,
            y0,
            &SaveAt::nothing(),
            &step_to,
            4096,
            &mut SaveBuffers::none(),
        )
        .unwrap();
        sol.y.sum()
    };
    let mut slots = [Slot::EMPTY; 16];
    let replayed = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &step_to,
        0.0,
        0.5,
        None,
        heat32_y0(),
        &[],
        &mut [],
        4096,
        &mut slots,
    )
    .unwrap()
    .backward(&[], &ones)
    .unwrap();
    for i in 0..32 {
        assert_close(replayed.y0[i], g.y0[i], 1e-12, "StepTo replay");
    }
    let y0 = heat32_y0();
    for i in [0, 1, 7, 16] {
        // L is linear in y0, so the difference quotient is exact up to
        // rounding for any step.
        let e = 1e-3;
        let (mut yp, mut ym) = (y0, y0);
        yp[i] += e;
        ym[i] -= e;
        let fd = (solve_loss(yp, 0.1) - solve_loss(ym, 0.1)) / (2.0 * e);
        assert_close(g.y0[i], fd, 1e-6, "P6 discrete dL/dy0");
    }
    // The unstable modes amplify rounding errors to about 1e-9 in the loss,
    // so the difference quotient needs a large step (measured: 6.5e-7
    // relative at e = 1e-4, worse for smaller and larger e).
    let e = 1e-4;
    let fd = (solve_loss(y0, 0.1 + e) - solve_loss(y0, 0.1 - e)) / (2.0 * e);
    assert_close(g.params[0], fd, 2e-6, "P6 discrete dL/dD");
    // D excites only the smooth modes: its gradient is the ODE's.
    assert_close(g.params[0], -65.08226411932024, 1e-5, "P6 dL/dD reference");
}

/// y' = −p y in f32.
struct DecayF32;

impl Term<f32, SVector<f32, 1>> for DecayF32 {
    fn vf(&self, _t: f32, y: &SVector<f32, 1>) -> SVector<f32, 1> {
        -0.7 * y
    }
}

impl VjpTerm<f32, SVector<f32, 1>> for DecayF32 {
    type Params = SVector<f32, 1>;
    fn vjp(
        &self,
        _t: f32,
        y: &SVector<f32, 1>,
        w: &SVector<f32, 1>,
    ) -> (SVector<f32, 1>, SVector<f32, 1>, f32) {
        (-0.7 * w, SVector::from([-w[0] * y[0]]), 0.0)
    }
}

#[test]
fn f32_gradient_matches_the_exact_one() {
    // y(2) = e^{−2p} y0: dy/dy0 = e^{−2p}, dy/dp = −2 e^{−2p} y0.
    let pid = PidController::new(1e-5f32, 1e-6).unwrap();
    let mut slots = [Slot::EMPTY; 4];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &DecayF32,
        &Tsit5,
        &pid,
        0.0f32,
        2.0,
        Some(0.1),
        SVector::from([1.5f32]),
        &[],
        &mut [],
        1000,
        &mut slots,
    )
    .unwrap();
    let g = adjoint.backward(&[], &SVector::from([1.0f32])).unwrap();
    let decay = (-1.4f32).exp();
    assert!((g.y0[0] - decay).abs() < 1e-4 * decay, "{}", g.y0[0]);
    assert!(
        (g.params[0] + 3.0 * decay).abs() < 1e-4 * decay,
        "{}",
        g.params[0]
    );
}
