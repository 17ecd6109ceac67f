//! The discrete adjoint of one explicit Runge–Kutta step of the crate's
//! solvers against central finite differences of the solver's own step and
//! continuous extension.

use odegrad::adjoint::explicit_rk::{RkCotangent, StepVjp};
use odegrad::nalgebra::{SVector, Vector2};
use odegrad::solver::explicit::{erk_interpolate, erk_step, ExplicitRungeKutta};
use odegrad::solver::tableau::ButcherTableau;
use odegrad::{Bosh3, Dopri5, Term, Tsit5, VjpTerm};

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

const P: [f64; 5] = [1.5, 1.0, 3.0, 1.0, 0.3];

/// Cotangents of the loss L = w1·y1 + Σ w_m·y(θ_m) of one step.
const W1: [f64; 2] = [0.7, -1.3];
const OUTPUTS: [(f64, [f64; 2]); 2] = [(0.31, [1.1, 0.4]), (0.77, [-0.6, 0.9])];

/// The loss of one step of the solver; the output times t0 + θ_m h0 are
/// fixed at the unperturbed (t0, h0), so perturbing t0 or h moves θ.
fn step_loss<const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    p: P5,
    t0: f64,
    h: f64,
    y0: V2,
    out_times: &[f64],
) -> f64 {
    let term = Forced { p };
    let f0 = term.vf(t0, &y0);
    let out = erk_step(tableau, &term, t0, t0 + h, &y0, &f0);
    let mut loss = V2::from(W1).dot(&out.y1);
    for (&t, (_, w)) in out_times.iter().zip(OUTPUTS.iter()) {
        let y = erk_interpolate(tableau, t0, t0 + h, &y0, &out.y1, &out.dense, t);
        loss += V2::from(*w).dot(&y);
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

fn check_step<const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    with_outputs: bool,
) -> u32 {
    let p = P5::from(P);
    let (t0, h) = (0.4, 0.23);
    let y0 = V2::new(1.2, 0.8);
    let out_times: Vec<f64> = if with_outputs {
        OUTPUTS.iter().map(|(theta, _)| t0 + theta * h).collect()
    } else {
        Vec::new()
    };

    let term = Forced { p };
    let f0 = term.vf(t0, &y0);
    let out = erk_step(tableau, &term, t0, t0 + h, &y0, &f0);
    let mut cot = RkCotangent::<f64, V2, S>::new();
    cot.add_end(tableau, h, &V2::from(W1));
    for (&t, (_, w)) in out_times.iter().zip(OUTPUTS.iter()) {
        cot.add_output(tableau, h, &out.dense, (t - t0) / h, &V2::from(*w));
    }
    let (g, vjps): (StepVjp<f64, V2, P5>, u32) =
        cot.pull_back(tableau, &term, t0, h, &y0, &out.dense);

    let loss = |p: P5, t0: f64, h: f64, y0: V2| step_loss(tableau, p, t0, h, y0, &out_times);
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
fn tsit5_and_dopri5_step_adjoints_match_finite_differences() {
    // Seven stages, the last (first same as last) with weight zero in y1:
    // six products for y1 alone, seven once an output reads f(t1, y1).
    let tsit5 = <Tsit5 as ExplicitRungeKutta<7, 4>>::TABLEAU;
    let dopri5 = <Dopri5 as ExplicitRungeKutta<7, 4>>::TABLEAU;
    assert_eq!(check_step(tsit5, false), 6);
    assert_eq!(check_step(tsit5, true), 7);
    assert_eq!(check_step(dopri5, false), 6);
    assert_eq!(check_step(dopri5, true), 7);
}

#[test]
fn fsal_stage_costs_a_product_only_when_an_output_uses_it() {
    let bosh3 = <Bosh3 as ExplicitRungeKutta<4, 3>>::TABLEAU;
    // y1 alone: the last stage has weight zero, so three products.
    assert_eq!(check_step(bosh3, false), 3);
    // Outputs inside the step read f(t1, y1) through the Hermite extension.
    assert_eq!(check_step(bosh3, true), 4);
}
