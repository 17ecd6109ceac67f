//! The discrete adjoint of one explicit Runge–Kutta step against central
//! finite differences, and a fixed-step solve reversed through the online
//! checkpointing schedule: the gradient is the same for every buffer size and
//! matches finite differences of the whole discrete solve.

use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
use odegrad::adjoint::explicit_rk::{RkCoefficients, RkCotangent, StepVjp};
use odegrad::nalgebra::{SVector, Vector2};
use odegrad::{Error, Term, VjpTerm};

type V2 = Vector2<f64>;
type P5 = SVector<f64, 5>;

/// A time-dependent Lotka–Volterra system with a forcing term:
/// x' = p0 x − p1 x z + p4 sin t, z' = −p2 z + p3 x z, derivatives by hand.
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

/// Classic fourth-order Runge–Kutta with its cubic continuous extension.
const RK4: RkCoefficients<4, 3> = RkCoefficients {
    a: [
        [0.0, 0.0, 0.0, 0.0],
        [0.5, 0.0, 0.0, 0.0],
        [0.0, 0.5, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
    ],
    b: [1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    c: [0.0, 0.5, 0.5, 1.0],
    dense: [
        [1.0, -1.5, 2.0 / 3.0],
        [0.0, 1.0, -2.0 / 3.0],
        [0.0, 1.0, -2.0 / 3.0],
        [0.0, -0.5, 2.0 / 3.0],
    ],
};

const BS_B: [f64; 4] = [2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0];

/// Bogacki–Shampine 3(2): first same as last, its last stage f(t1, y1) has
/// weight zero in y1 and enters only the cubic Hermite extension.
const BS3: RkCoefficients<4, 3> = RkCoefficients {
    a: [
        [0.0, 0.0, 0.0, 0.0],
        [0.5, 0.0, 0.0, 0.0],
        [0.0, 0.75, 0.0, 0.0],
        [2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0],
    ],
    b: BS_B,
    c: [0.0, 0.5, 0.75, 1.0],
    dense: [
        [1.0, -2.0 + 3.0 * BS_B[0], 1.0 - 2.0 * BS_B[0]],
        [0.0, 3.0 * BS_B[1], -2.0 * BS_B[1]],
        [0.0, 3.0 * BS_B[2], -2.0 * BS_B[2]],
        [0.0, -1.0, 1.0],
    ],
};

const P: [f64; 5] = [1.5, 1.0, 3.0, 1.0, 0.3];

/// Cotangents of the loss L = w1·y1 + Σ w_m·y(θ_m) of one step.
const W1: [f64; 2] = [0.7, -1.3];
const OUTPUTS: [(f64, [f64; 2]); 2] = [(0.31, [1.1, 0.4]), (0.77, [-0.6, 0.9])];

/// The loss of one step; the output times t0 + θ_m h0 are fixed at the
/// unperturbed (t0, h0), so perturbing t0 or h moves θ.
fn step_loss<const D: usize>(
    method: &RkCoefficients<4, D>,
    p: P5,
    t0: f64,
    h: f64,
    y0: V2,
    out_times: &[f64],
) -> f64 {
    let term = Forced { p };
    let stages = method.stages(&term, t0, h, &y0, None);
    let mut loss = V2::from(W1).dot(&method.end(h, &y0, &stages));
    for (&t, (_, w)) in out_times.iter().zip(OUTPUTS.iter()) {
        let theta = (t - t0) / h;
        loss += V2::from(*w).dot(&method.interpolate(h, &y0, &stages, theta));
    }
    loss
}

fn central<F: Fn(f64) -> f64>(f: F, x: f64) -> f64 {
    let eps = 1e-5 * x.abs().max(1.0);
    (f(x + eps) - f(x - eps)) / (2.0 * eps)
}

fn assert_close(a: f64, b: f64, rel: f64, what: &str) {
    assert!(
        (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-3),
        "{what}: adjoint {a} vs finite differences {b}"
    );
}

fn check_step<const D: usize>(method: &RkCoefficients<4, D>, with_outputs: bool) -> u32 {
    let p = P5::from(P);
    let (t0, h) = (0.4, 0.23);
    let y0 = V2::new(1.2, 0.8);
    let out_times: Vec<f64> = if with_outputs {
        OUTPUTS.iter().map(|(theta, _)| t0 + theta * h).collect()
    } else {
        Vec::new()
    };

    let term = Forced { p };
    let stages = method.stages(&term, t0, h, &y0, None);
    let mut cot = RkCotangent::<f64, V2, 4>::new();
    cot.add_end(method, h, &stages, &V2::from(W1));
    for (&t, (_, w)) in out_times.iter().zip(OUTPUTS.iter()) {
        cot.add_output(method, h, &stages, (t - t0) / h, &V2::from(*w));
    }
    let (g, vjps): (StepVjp<f64, V2, P5>, u32) = cot.pull_back(method, &term, t0, h, &stages);

    let loss = |p: P5, t0: f64, h: f64, y0: V2| step_loss(method, p, t0, h, y0, &out_times);
    let rel = 1e-7;
    for i in 0..2 {
        let fd = central(
            |v| {
                let mut y = y0;
                y[i] = v;
                loss(p, t0, h, y)
            },
            y0[i],
        );
        assert_close(g.y0[i], fd, rel, "y0");
    }
    for i in 0..5 {
        let fd = central(
            |v| {
                let mut q = p;
                q[i] = v;
                loss(q, t0, h, y0)
            },
            p[i],
        );
        assert_close(g.params[i], fd, rel, "params");
    }
    assert_close(g.t0, central(|v| loss(p, v, h, y0), t0), rel, "t0");
    assert_close(g.h, central(|v| loss(p, t0, v, y0), h), rel, "h");
    vjps
}

#[test]
fn rk4_step_adjoint_matches_finite_differences() {
    assert_eq!(check_step(&RK4, false), 4);
    assert_eq!(check_step(&RK4, true), 4);
}

#[test]
fn fsal_stage_costs_a_product_only_when_an_output_uses_it() {
    // y1 alone: the last stage has weight zero, so three products.
    assert_eq!(check_step(&BS3, false), 3);
    // Outputs inside the step read f(t1, y1) through the Hermite extension.
    assert_eq!(check_step(&BS3, true), 4);
}

#[test]
fn known_first_stage_gives_the_same_step() {
    let term = Forced { p: P5::from(P) };
    let y0 = V2::new(1.2, 0.8);
    let k0 = term.vf(0.4, &y0);
    let a = BS3.stages(&term, 0.4, 0.23, &y0, None);
    let b = BS3.stages(&term, 0.4, 0.23, &y0, Some(&k0));
    let (ya, yb) = (BS3.end(0.23, &y0, &a), BS3.end(0.23, &y0, &b));
    assert!((ya - yb).norm() <= 1e-15 * ya.norm());
}

/// The restart state of a fixed-step solve: the state (the time follows
/// from the step index).
#[derive(Clone, Copy, Debug)]
struct Point {
    y: V2,
}

/// Gradient of L = |y(T)|² for a fixed-step RK4 solve of `steps` steps on
/// [t0, t0 + steps·h], reversed through the checkpoint schedule with
/// `capacity` slots. Returns (loss, ∂L/∂y0, ∂L/∂p, recomputed steps, VJPs).
fn solve_gradient(
    p: P5,
    y0: V2,
    t0: f64,
    h: f64,
    steps: usize,
    capacity: usize,
) -> (f64, V2, P5, usize, u32) {
    let term = Forced { p };
    let time = |k: usize| t0 + k as f64 * h;
    let mut forward = |k: usize, s: &Point| -> Result<Point, Error> {
        let stages = RK4.stages(&term, time(k), h, &s.y, None);
        Ok(Point {
            y: RK4.end(h, &s.y, &stages),
        })
    };
    let mut slots: Vec<Slot<Point>> = (0..capacity).map(|_| Slot::EMPTY).collect();
    let mut schedule = OnlineCheckpointer::new(&mut slots).unwrap();
    let end = schedule
        .sweep(Point { y: y0 }, &mut forward, |k, _| k == steps)
        .unwrap();
    let loss = end.y.norm_squared();

    let mut y_bar = 2.0 * end.y;
    let mut p_bar = P5::zeros();
    let mut vjps = 0;
    let mut reverse = |k: usize, s: &Point| -> Result<(), Error> {
        let stages = RK4.stages(&term, time(k), h, &s.y, None);
        let mut cot = RkCotangent::<f64, V2, 4>::new();
        cot.add_end(&RK4, h, &stages, &y_bar);
        let (g, n) = cot.pull_back(&RK4, &term, time(k), h, &stages);
        y_bar = g.y0;
        p_bar += g.params;
        vjps += n;
        Ok(())
    };
    let stats = schedule.reverse(&mut forward, &mut reverse).unwrap();
    assert_eq!(stats.reverse_steps, steps);
    (loss, y_bar, p_bar, stats.recomputed_steps, vjps)
}

#[test]
fn checkpointed_fixed_step_gradient_is_independent_of_the_buffer() {
    let p = P5::from(P);
    let y0 = V2::new(1.0, 1.0);
    let (t0, h, steps) = (0.0, 0.05, 200);
    let (loss, gy, gp, recomputed, vjps) = solve_gradient(p, y0, t0, h, steps, steps);
    assert_eq!(recomputed, 0);
    assert_eq!(vjps, 4 * steps as u32);
    for capacity in [1, 2, 3, 5, 8, 20, 64] {
        let (l, gy2, gp2, recomputed, vjps2) = solve_gradient(p, y0, t0, h, steps, capacity);
        // Same arithmetic on the same states: identical, not merely close.
        assert_eq!(l.to_bits(), loss.to_bits());
        assert_eq!(gy2, gy, "C = {capacity}");
        assert_eq!(gp2, gp, "C = {capacity}");
        assert!(recomputed > 0);
        assert_eq!(vjps2, vjps, "recomputed steps must not take VJPs");
    }

    // And it is the gradient of the discrete solve.
    let loss_of = |p: P5, y0: V2| solve_gradient(p, y0, t0, h, steps, 8).0;
    for i in 0..2 {
        let fd = central(
            |v| {
                let mut y = y0;
                y[i] = v;
                loss_of(p, y)
            },
            y0[i],
        );
        assert_close(gy[i], fd, 1e-7, "y0");
    }
    for i in 0..5 {
        let fd = central(
            |v| {
                let mut q = p;
                q[i] = v;
                loss_of(q, y0)
            },
            p[i],
        );
        assert_close(gp[i], fd, 1e-7, "params");
    }
}
