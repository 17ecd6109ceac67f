//! `∂L/∂t0` when outputs are saved at exactly `t0`.
//!
//! With the save times `ts` fixed, an output at `ts_m = t0` is
//! `y(ts_m; t0, y0) = Φ(ts_m; t0, y0)`, and `∂Φ(s; t0, y0)/∂t0 = −Φ_y(s)
//! f(t0, y0)`, which is `−f(t0, y0)` at `s = t0`: the limit of an output just
//! after `t0` as `t0` moves below it (the derivative is one-sided, since `t0`
//! cannot pass a save time). Every adjoint with outputs includes it: checked
//! on `y' = −p·y` against the closed form, on P1 against a one-sided finite
//! difference and the autonomous identity, and the adjoints against each
//! other.

mod problems;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{
    BacksolveAdjoint, DenseBacksolveAdjoint, DirectAdjoint, RecursiveCheckpointAdjoint, Tangent,
};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, OdeTerm, PidController, Tsit5};

type V1 = SVector<f64, 1>;
type V2 = SVector<f64, 2>;

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

#[ode_system]
fn decay_f32(_t: f32, y: &[f32; 1], p: &[f32; 1]) -> [f32; 1] {
    [-p[0] * y[0]]
}

const P: f64 = 0.7;
const Y0: f64 = 1.0;
/// `L = y(0) + y(1)` over `[0, 1]`: both outputs have cotangent one.
const TS: [f64; 2] = [0.0, 1.0];

/// The exact `(∂L/∂y0, ∂L/∂t0)`: `L = y0·(1 + e^{−p(1 − t0)})` for `t0 ≤ 0`
/// (the output at `ts = 0` is `y0·e^{−p(0 − t0)}`), so `∂L/∂t0 = p·y0·(1 +
/// e^{−p})` at `t0 = 0`, of which `p·y0` comes from the output at `t0`.
fn decay_exact() -> (f64, f64) {
    let e = (-P).exp();
    (1.0 + e, P * Y0 * (1.0 + e))
}

fn tight() -> PidController<'static, f64> {
    PidController::new(1e-10, 1e-10).unwrap()
}

fn assert_decay(name: &str, y0_bar: f64, t0_bar: f64, tol: f64) {
    let (y0_exact, t0_exact) = decay_exact();
    assert!(
        (t0_bar - t0_exact).abs() < tol * t0_exact,
        "{name}: dL/dt0 {t0_bar} vs {t0_exact}"
    );
    assert!(
        (y0_bar - y0_exact).abs() < tol * y0_exact,
        "{name}: dL/dy0 {y0_bar} vs {y0_exact}"
    );
}

#[test]
fn recursive_checkpoint_includes_outputs_at_t0() {
    let term = OdeTerm::new(&Decay, V1::from([P]));
    let pid = tight();
    let mut ys = [V1::zeros(); 2];
    let mut slots = [Slot::EMPTY; 8];
    let g = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        1.0,
        None,
        V1::from([Y0]),
        &TS,
        &mut ys,
        1000,
        &mut slots,
    )
    .unwrap()
    .backward(&[V1::from([1.0]); 2], &V1::zeros())
    .unwrap();
    assert_decay("recursive checkpoint", g.y0[0], g.t0, 1e-8);
}

#[test]
fn recursive_checkpoint_includes_outputs_at_t0_in_f32() {
    let term = OdeTerm::new(&DecayF32, SVector::from([P as f32]));
    let pid = PidController::new(1e-6f32, 1e-6).unwrap();
    let mut ys = [SVector::<f32, 1>::zeros(); 2];
    let mut slots = [Slot::EMPTY; 8];
    let g = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0f32,
        1.0,
        None,
        SVector::from([Y0 as f32]),
        &[0.0f32, 1.0],
        &mut ys,
        1000,
        &mut slots,
    )
    .unwrap()
    .backward(&[SVector::from([1.0f32]); 2], &SVector::zeros())
    .unwrap();
    assert_decay("f32", f64::from(g.y0[0]), f64::from(g.t0), 1e-5);
}

#[test]
fn backsolve_includes_outputs_at_t0() {
    let term = OdeTerm::new(&Decay, V1::from([P]));
    let pid = tight();
    let mut ys = [V1::zeros(); 2];
    let g = BacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        1.0,
        None,
        V1::from([Y0]),
        &TS,
        &mut ys,
        1000,
        &mut [],
    )
    .unwrap()
    .backward(&[V1::from([1.0]); 2], &V1::zeros())
    .unwrap();
    assert_decay("backsolve", g.y0[0], g.t0, 1e-8);
}

#[test]
fn dense_backsolve_includes_outputs_at_t0() {
    let term = OdeTerm::new(&Decay, V1::from([P]));
    let pid = tight();
    let mut ys = [V1::zeros(); 2];
    let mut records = vec![None; 256];
    let g = DenseBacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        1.0,
        None,
        V1::from([Y0]),
        &TS,
        &mut ys,
        1000,
        &mut records,
    )
    .unwrap()
    .backward(&[V1::from([1.0]); 2], &V1::zeros())
    .unwrap();
    assert_decay("dense backsolve", g.y0[0], g.t0, 1e-8);
}

#[test]
fn direct_includes_outputs_at_t0() {
    let term = OdeTerm::new(&Decay, V1::from([P]));
    let pid = tight();
    let mut ys = [V1::zeros(); 2];
    let g = DirectAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        1.0,
        None,
        V1::from([Y0]),
        &TS,
        &mut ys,
        1000,
    )
    .unwrap()
    .backward::<1>(&[V1::from([1.0]); 2], &V1::zeros())
    .unwrap();
    assert_decay("direct", g.y0[0], g.t0, 1e-8);
}

/// P1 of PROBLEMS.md.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

const P1_PARAMS: [f64; 4] = [1.5, 1.0, 3.0, 1.0];

/// P1's save times `0, 0.5, …, 10`: the first is `t0`.
fn p1_ts() -> [f64; 21] {
    core::array::from_fn(|i| 0.5 * i as f64)
}

/// P1's loss `Σ_m |y(ts_m)|²` solved from `t0` (at most 0) with `rtol =
/// atol = tol`, its outputs and the cotangents `2·y(ts_m)`.
fn p1_solve(t0: f64, tol: f64) -> (f64, [V2; 21]) {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from(P1_PARAMS));
    let pid = PidController::new(tol, tol).unwrap();
    let mut ys = [V2::zeros(); 21];
    let mut slots = [Slot::EMPTY; 1];
    RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        t0,
        10.0,
        Some(0.01),
        V2::new(1.0, 1.0),
        &p1_ts(),
        &mut ys,
        100_000,
        &mut slots,
    )
    .unwrap();
    (ys.iter().map(|y| y.norm_squared()).sum(), ys)
}

/// P1's `∂L/∂t0` by RecursiveCheckpointAdjoint at `rtol = atol = tol`.
fn p1_checkpoint_t0_bar(tol: f64) -> f64 {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from(P1_PARAMS));
    let pid = PidController::new(tol, tol).unwrap();
    let ts = p1_ts();
    let mut ys = [V2::zeros(); 21];
    let mut slots = [Slot::EMPTY; 64];
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
        100_000,
        &mut slots,
    )
    .unwrap();
    adjoint
        .backward(&ys.map(|y| 2.0 * y), &V2::zeros())
        .unwrap()
        .t0
}

/// `Σ_m |2·y(ts_m)|`, the size of the cotangents (and of `∂L/∂y0`).
fn ys_bar_scale(ys: &[V2]) -> f64 {
    ys.iter().map(|y| 2.0 * y.abs().sum()).sum()
}

/// The one-sided difference `(L(0) − L(−ε))/ε` of tight solves, and, the
/// system being autonomous (`L` depends on `ts_m − t0` only), the identity
/// `∂L/∂t0 = −Σ_m 2·y(ts_m)·f(y(ts_m))`, whose `m = 0` term is the output at
/// `t0` itself.
#[test]
fn p1_time_gradient_matches_a_one_sided_difference() {
    let tol = 1e-12;
    let g = p1_checkpoint_t0_bar(tol);

    let eps = 1e-6;
    let (l0, ys) = p1_solve(0.0, tol);
    let (l_minus, _) = p1_solve(-eps, tol);
    let fd = (l0 - l_minus) / eps;
    // O(ε·L'') truncation and O(tol·L/ε) solve error (L ≈ 346).
    println!("P1 dL/dt0: checkpoint {g}, one-sided difference {fd}");
    assert!((g - fd).abs() < 1e-4, "{g} vs {fd}");

    let identity: f64 = ys
        .iter()
        .map(|y| -2.0 * y.dot(&problems::lotka_volterra(0.0, y)))
        .sum();
    // Relative to the terms of −a(t0)·f(t0, y0), which cancel from about
    // 100 to about 1.
    let f0 = problems::lotka_volterra(0.0, &ys[0]);
    let scale = ys_bar_scale(&ys).max(1.0) * f0.amax();
    assert!((g - identity).abs() < 1e-8 * scale, "{g} vs {identity}");
    // Without the output at t0 the gradient would be far from both.
    let without = g + 2.0 * ys[0].dot(&f0);
    assert!((without - fd).abs() > 1.0, "{without} vs {fd}");
}

/// All four adjoints at P1's tolerances: the discrete ones (checkpointed and
/// direct) agree to round-off, the continuous ones (backsolve, dense
/// backsolve) with them to the accuracy of the solves.
#[test]
fn p1_time_gradients_of_the_four_adjoints_agree() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from(P1_PARAMS));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts = p1_ts();
    let y0 = V2::new(1.0, 1.0);
    let mut ys = [V2::zeros(); 21];
    let mut slots = [Slot::EMPTY; 64];
    let checkpoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &ts,
        &mut ys,
        4096,
        &mut slots,
    )
    .unwrap();
    let ys_bar = ys.map(|y| 2.0 * y);
    let checkpoint = checkpoint.backward(&ys_bar, &V2::zeros()).unwrap();

    let direct = DirectAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &ts,
        &mut ys,
        4096,
    )
    .unwrap()
    .backward::<4>(&ys_bar, &V2::zeros())
    .unwrap();

    let backsolve = BacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &ts,
        &mut ys,
        4096,
        &mut [],
    )
    .unwrap()
    .backward(&ys_bar, &V2::zeros())
    .unwrap();

    let mut records = vec![None; 4096];
    let dense = DenseBacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &ts,
        &mut ys,
        4096,
        &mut records,
    )
    .unwrap()
    .backward(&ys_bar, &V2::zeros())
    .unwrap();

    let reference = checkpoint.t0;
    // dL/dt0 = −a(t0)·f(t0, y0) is a sum of terms near 100 that cancel to
    // about 1: the adjoints' relative accuracy applies to the terms.
    let scale = checkpoint
        .y0
        .abs()
        .dot(&problems::lotka_volterra(0.0, &y0).abs());
    println!(
        "P1 dL/dt0: checkpoint {reference}, direct {}, backsolve {}, dense backsolve {} (scale {scale})",
        direct.t0, backsolve.t0, dense.t0
    );
    let close = |name: &str, g: f64, rel: f64| {
        assert!(
            (g - reference).abs() < rel * scale,
            "{name}: dL/dt0 {g} vs {reference}"
        );
    };
    close("direct", direct.t0, 1e-10);
    close("backsolve", backsolve.t0, 1e-5);
    close("dense backsolve", dense.t0, 1e-5);
}

/// The tangent of an output at `t0` along a seed moving `t0` is
/// `ẏ0 − f(t0, y0)·ṫ0`; outputs later in the interval are unaffected by the
/// rule, and the tangent matches the reverse-mode gradient.
#[test]
fn direct_tangent_of_an_output_at_t0_is_minus_f_times_t0_dot() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from(P1_PARAMS));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let y0 = V2::new(1.0, 1.0);
    let ts = [0.0, 0.0, 0.5];
    let mut ys = [V2::zeros(); 3];
    let direct =
        DirectAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None, y0, &ts, &mut ys, 1000)
            .unwrap();
    let f0 = problems::lotka_volterra(0.0, &y0);
    for (y0_dot, t0_dot) in [(V2::zeros(), 1.0), (V2::new(0.25, -2.0), -0.4)] {
        let seed = Tangent {
            y0: y0_dot,
            params: SVector::<f64, 4>::zeros(),
            t0: t0_dot,
            t1: 0.0,
        };
        let mut ys_dot = [V2::repeat(f64::NAN); 3];
        direct.tangent(&seed, &mut ys_dot).unwrap();
        let expected = y0_dot - f0 * t0_dot;
        for y_dot in &ys_dot[..2] {
            assert!(
                (y_dot - expected).amax() < 1e-15,
                "{y_dot:?} vs {expected:?}"
            );
        }
    }

    // Against reverse mode: ∂(w·y(ts_0))/∂t0 = −w·f(t0, y0).
    let w = V2::new(0.3, -1.1);
    let mut slots = [Slot::EMPTY; 16];
    let g = RecursiveCheckpointAdjoint::forward(
        &term, &Tsit5, &pid, 0.0, 1.0, None, y0, &ts, &mut ys, 1000, &mut slots,
    )
    .unwrap()
    .backward(&[w, V2::zeros(), V2::zeros()], &V2::zeros())
    .unwrap();
    assert!(
        (g.t0 + w.dot(&f0)).abs() < 1e-15,
        "{} vs {}",
        g.t0,
        -w.dot(&f0)
    );
}

/// Backwards in time, `[t0, t1] = [1, 0]` with `ts = [1, 0]`: the output at
/// `t0` is `y0·e^{−p(1 − t0)}` and the other `y0·e^{p·t0}`, so `∂L/∂t0 =
/// p·y0·(1 + e^{p})` at `t0 = 1` (one-sided, `t0 ≥ 1`).
#[test]
fn outputs_at_t0_of_a_solve_backwards_in_time() {
    let term = OdeTerm::new(&Decay, V1::from([P]));
    let pid = tight();
    let ts = [1.0, 0.0];
    let ys_bar = [V1::from([1.0]); 2];
    let exact = P * Y0 * (1.0 + P.exp());
    let mut ys = [V1::zeros(); 2];
    let mut slots = [Slot::EMPTY; 8];
    let g = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        1.0,
        0.0,
        None,
        V1::from([Y0]),
        &ts,
        &mut ys,
        1000,
        &mut slots,
    )
    .unwrap()
    .backward(&ys_bar, &V1::zeros())
    .unwrap();
    assert!((g.t0 - exact).abs() < 1e-8 * exact, "{} vs {exact}", g.t0);
    let g = BacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        1.0,
        0.0,
        None,
        V1::from([Y0]),
        &ts,
        &mut ys,
        1000,
        &mut [],
    )
    .unwrap()
    .backward(&ys_bar, &V1::zeros())
    .unwrap();
    assert!((g.t0 - exact).abs() < 1e-8 * exact, "{} vs {exact}", g.t0);
}
