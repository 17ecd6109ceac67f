//! Terminating events: location of real and boolean conditions, directions,
//! infinite end times, saving up to the event, and the gradient of the event
//! time and of the state there (RecursiveCheckpointAdjoint) against finite
//! differences and closed forms.

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::controller::RmsNorm;
use odegrad::event::{steady_state_event, BoolEvent, Direction, FloatEvent};
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve, diffeqsolve_with_event, ode_system, ConstantStepSize, Error, FnTerm,
    InvalidArgument, OdeTerm, PidController, SaveAt, SaveBuffers, Tsit5,
};

type V2 = SVector<f64, 2>;
type V1 = SVector<f64, 1>;

const GRAVITY: f64 = 9.81;

/// A ball falling with linear drag: height h, velocity v, drag k.
#[ode_system]
fn falling_ball(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    let v = y[1];
    let k = p[0];
    [v, -9.81 - k * v]
}

/// The harmonic oscillator y'' = −y.
#[ode_system]
fn oscillator(_t: f64, y: &[f64; 2], _p: &[f64; 0]) -> [f64; 2] {
    [y[1], -y[0]]
}

/// Height at time t of the ball dropped from rest at h0 (closed form).
fn height(h0: f64, k: f64, t: f64) -> f64 {
    h0 - GRAVITY / k * t + GRAVITY / (k * k) * (1.0 - (-k * t).exp())
}

/// Velocity at time t (closed form).
fn velocity(k: f64, t: f64) -> f64 {
    -GRAVITY / k * (1.0 - (-k * t).exp())
}

/// The impact time by Newton's method on the closed form.
fn impact_time(h0: f64, k: f64) -> f64 {
    let mut t = (2.0 * h0 / GRAVITY).sqrt();
    for _ in 0..50 {
        t -= height(h0, k, t) / velocity(k, t);
    }
    t
}

fn pid() -> PidController<'static, f64> {
    PidController::new(1e-11, 1e-11).unwrap()
}

fn impact() -> impl Fn(f64, &V2) -> f64 + Copy {
    |_t: f64, y: &V2| y[0]
}

/// The impact (time, state) solved numerically.
fn solve_impact(h0: f64, k: f64) -> (f64, V2) {
    let term = OdeTerm::new(&FallingBall, SVector::from([k]));
    let event = FloatEvent::new(impact()).with_direction(Direction::Down);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V2::new(h0, 0.0),
        &SaveAt::nothing(),
        &pid(),
        10_000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    assert!(sol.event_triggered);
    (sol.t, sol.y)
}

#[test]
fn impact_time_matches_the_closed_form() {
    for (h0, k) in [(10.0, 0.5), (3.0, 2.0), (50.0, 0.1)] {
        let (t, y) = solve_impact(h0, k);
        let exact = impact_time(h0, k);
        assert!((t - exact).abs() < 1e-9 * exact, "{t} vs {exact}");
        assert!(y[0].abs() < 1e-9, "height at impact {}", y[0]);
        assert!((y[1] - velocity(k, exact)).abs() < 1e-8);
    }
}

/// The gradient of a loss `w_t t* + w_v v(t*)` with respect to `(k, h0)` by
/// RecursiveCheckpointAdjoint with Tsit5.
fn impact_gradient(h0: f64, k: f64, w_t: f64, w_v: f64) -> [f64; 2] {
    impact_gradient_with(&Tsit5, &pid(), h0, k, w_t, w_v)
}

/// [`impact_gradient`] through any solver with a step adjoint.
fn impact_gradient_with<S>(
    solver: &S,
    controller: &PidController<'static, f64>,
    h0: f64,
    k: f64,
    w_t: f64,
    w_v: f64,
) -> [f64; 2]
where
    S: for<'a> odegrad::adjoint::SolverVjp<f64, V2, OdeTerm<'a, FallingBall, f64, 2, 1>>,
{
    let term = OdeTerm::new(&FallingBall, SVector::from([k]));
    let event = FloatEvent::new(impact())
        .with_direction(Direction::Down)
        .with_gradient(|_t: f64, _y: &V2| (0.0, V2::new(1.0, 0.0)));
    let mut slots = [Slot::EMPTY; 64];
    let adjoint = RecursiveCheckpointAdjoint::forward_with_event(
        &term,
        solver,
        controller,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V2::new(h0, 0.0),
        &[],
        &mut [],
        100_000,
        &mut slots,
        &event,
    )
    .unwrap();
    assert!(adjoint.event().is_some());
    let g = adjoint
        .backward_with_event_time(&[], &V2::new(0.0, w_v), w_t)
        .unwrap();
    assert!(
        g.t1.abs() < 1e-300,
        "an event-ended solve does not depend on t1"
    );
    [g.params[0], g.y0[0]]
}

#[test]
fn impact_time_gradient_matches_finite_differences_and_closed_form() {
    let (h0, k) = (10.0, 0.5);
    let g = impact_gradient(h0, k, 1.0, 0.0);
    let eps = 1e-5;
    let fd_k = (solve_impact(h0, k + eps).0 - solve_impact(h0, k - eps).0) / (2.0 * eps);
    let fd_h = (solve_impact(h0 + eps, k).0 - solve_impact(h0 - eps, k).0) / (2.0 * eps);
    assert!(
        (g[0] - fd_k).abs() < 1e-6 * fd_k.abs(),
        "{} vs {fd_k}",
        g[0]
    );
    assert!(
        (g[1] - fd_h).abs() < 1e-6 * fd_h.abs(),
        "{} vs {fd_h}",
        g[1]
    );
    // Closed form: dt*/dh0 = −1/v(t*), dt*/dk = −(∂h/∂k)/v at t*.
    let t = impact_time(h0, k);
    let v = velocity(k, t);
    let dh_dk = (height(h0, k + 1e-6, t) - height(h0, k - 1e-6, t)) / 2e-6;
    assert!((g[1] + 1.0 / v).abs() < 1e-8 * (1.0 / v).abs());
    assert!((g[0] + dh_dk / v).abs() < 1e-6 * (dh_dk / v).abs());
}

#[test]
fn impact_velocity_gradient_includes_the_moving_event_time() {
    let (h0, k) = (10.0, 0.5);
    let g = impact_gradient(h0, k, 0.0, 1.0);
    let eps = 1e-5;
    let v = |h0: f64, k: f64| solve_impact(h0, k).1[1];
    let fd_k = (v(h0, k + eps) - v(h0, k - eps)) / (2.0 * eps);
    let fd_h = (v(h0 + eps, k) - v(h0 - eps, k)) / (2.0 * eps);
    assert!(
        (g[0] - fd_k).abs() < 1e-6 * fd_k.abs(),
        "{} vs {fd_k}",
        g[0]
    );
    assert!(
        (g[1] - fd_h).abs() < 1e-6 * fd_h.abs(),
        "{} vs {fd_h}",
        g[1]
    );
    // Without the event-time term dv(t*)/dh0 would be zero: v(t) does not
    // depend on h0 at a fixed time.
    assert!(g[1].abs() > 1e-2);
}

/// The first time the oscillator's position crosses zero in `direction`.
fn first_crossing(direction: Direction) -> f64 {
    let event = FloatEvent::new(|_t: f64, y: &V2| y[0]).with_direction(direction);
    let term = OdeTerm::new(&Oscillator, SVector::zeros());
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.1),
        V2::new(1.0, 0.0),
        &SaveAt::nothing(),
        &pid(),
        10_000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    assert!(sol.event_triggered);
    sol.t
}

#[test]
fn directions_select_the_crossing() {
    use core::f64::consts::PI;
    // cos t falls through zero at π/2 and rises through it at 3π/2.
    assert!((first_crossing(Direction::Down) - PI / 2.0).abs() < 1e-9);
    assert!((first_crossing(Direction::Either) - PI / 2.0).abs() < 1e-9);
    assert!((first_crossing(Direction::Up) - 1.5 * PI).abs() < 1e-9);
}

#[test]
fn boolean_condition_ends_at_the_step_end() {
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let event = BoolEvent::new(|t: f64, _y: &V1| t > 1.0);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        10.0,
        Some(0.25),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &ConstantStepSize,
        1000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    assert!(sol.event_triggered);
    assert!((sol.t - 1.25).abs() < 1e-12, "{}", sol.t);
    assert!((sol.y[0] - (-1.25f64).exp()).abs() < 1e-6);
}

#[test]
fn event_after_t1_does_not_trigger() {
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let event = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.1);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        1.0,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid(),
        1000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    assert!(!sol.event_triggered);
    assert!((sol.t - 1.0).abs() < 1e-15);
}

#[test]
fn outputs_stop_at_the_event() {
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    // y = e^{−t} reaches 1/2 at ln 2 ≈ 0.693.
    let event = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.5);
    let ts = [0.25, 0.5, 0.75, 1.0];
    let (mut t_out, mut y_out) = ([0.0; 5], [V1::zeros(); 5]);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::ts(&ts).with_t1(),
        &pid(),
        1000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
        &event,
    )
    .unwrap();
    assert_eq!(sol.num_saved, 3);
    assert!((t_out[1] - 0.5).abs() < 1e-15);
    assert!((y_out[1][0] - (-0.5f64).exp()).abs() < 1e-9);
    assert!((t_out[2] - 2f64.ln()).abs() < 1e-9);
    assert!((y_out[2][0] - 0.5).abs() < 1e-10);
}

#[test]
fn infinite_t1_needs_an_event() {
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let err = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid(),
        1000,
        &mut SaveBuffers::none(),
    )
    .unwrap_err();
    assert_eq!(err, Error::InvalidArgument(InvalidArgument::NonFiniteT1));
    let event = BoolEvent::new(|_t: f64, _y: &V1| false);
    let err = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::NAN,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid(),
        1000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap_err();
    assert_eq!(err, Error::InvalidArgument(InvalidArgument::NonFiniteT1));
}

#[test]
fn steady_state_event_stops_near_the_equilibrium() {
    let term = FnTerm::new(|_t: f64, y: &V1| V1::from([2.0 - y[0]]));
    let event = steady_state_event(1e-8, 1e-8, RmsNorm);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V1::from([0.0]),
        &SaveAt::nothing(),
        &pid(),
        10_000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    assert!(sol.event_triggered);
    // |f| = |2 − y| < 1e-8 + 1e-8 |y|.
    assert!((sol.y[0] - 2.0).abs() < 3e-8);
}

#[test]
fn steady_state_never_reached_is_max_steps() {
    // An undamped oscillation never settles: |f| = |y| throughout.
    let term = FnTerm::new(|_t: f64, y: &V2| V2::new(y[1], -y[0]));
    let event = steady_state_event(1e-8, 1e-8, RmsNorm);
    let err = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V2::new(1.0, 0.0),
        &SaveAt::nothing(),
        &pid(),
        200,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap_err();
    assert!(matches!(err, Error::MaxStepsReached { max_steps: 200, .. }));
}

#[test]
fn outputs_after_the_event_carry_no_gradient() {
    let (h0, k) = (10.0, 0.5);
    let term = OdeTerm::new(&FallingBall, SVector::from([k]));
    let event = FloatEvent::new(impact())
        .with_direction(Direction::Down)
        .with_gradient(|_t: f64, _y: &V2| (0.0, V2::new(1.0, 0.0)));
    let controller = pid();
    // Impact is near t = 2.1: the last two outputs are never reached.
    let ts = [0.5, 1.0, 3.0, 4.0];
    let gradient = |late_cotangent: f64| {
        let mut slots = [Slot::EMPTY; 64];
        let mut ys = [V2::zeros(); 4];
        let adjoint = RecursiveCheckpointAdjoint::forward_with_event(
            &term,
            &Tsit5,
            &controller,
            0.0,
            f64::INFINITY,
            Some(0.01),
            V2::new(h0, 0.0),
            &ts,
            &mut ys,
            10_000,
            &mut slots,
            &event,
        )
        .unwrap();
        assert!(ys[2] == V2::zeros() && ys[3] == V2::zeros());
        assert!((ys[1][0] - height(h0, k, 1.0)).abs() < 1e-9);
        let late = V2::new(late_cotangent, late_cotangent);
        let ys_bar = [V2::new(1.0, 0.0), V2::new(0.0, 1.0), late, late];
        adjoint.backward(&ys_bar, &V2::zeros()).unwrap()
    };
    let (a, b) = (gradient(0.0), gradient(1.0));
    assert!((a.params[0] - b.params[0]).abs() < 1e-15);
    assert!((a.y0 - b.y0).norm() < 1e-15);
    // y(0.5) and v(1.0) depend on k: the gradient is not trivially zero.
    let fd = (velocity(k + 1e-6, 1.0) - velocity(k - 1e-6, 1.0)) / 2e-6
        + (height(h0, k + 1e-6, 0.5) - height(h0, k - 1e-6, 0.5)) / 2e-6;
    assert!(
        (a.params[0] - fd).abs() < 1e-6 * fd.abs(),
        "{} vs {fd}",
        a.params[0]
    );
}

#[test]
fn events_are_located_backwards_in_time_too() {
    // y' = y from y(0) = 1 backwards: y = e^t reaches 1/2 at t = −ln 2.
    let term = FnTerm::new(|_t: f64, y: &V1| *y);
    let event = FloatEvent::new(|_t: f64, y: &V1| y[0] - 0.5).with_direction(Direction::Down);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::NEG_INFINITY,
        Some(-0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid(),
        1000,
        &mut SaveBuffers::none(),
        &event,
    )
    .unwrap();
    assert!(sol.event_triggered);
    assert!((sol.t + 2f64.ln()).abs() < 1e-9, "{}", sol.t);
}

/// The event-time gradient through the implicit solvers' step adjoints: the
/// correction for the moving event goes through the same per-step pull-back
/// as every other output, so it holds for ESDIRK and Rosenbrock steps too.
#[test]
fn impact_time_gradient_through_implicit_solvers() {
    let (h0, k) = (10.0, 0.5);
    let t = impact_time(h0, k);
    let v = velocity(k, t);
    let dh_dk = (height(h0, k + 1e-6, t) - height(h0, k - 1e-6, t)) / 2e-6;
    let exact = [-dh_dk / v, -1.0 / v];
    let controller = PidController::new(1e-10, 1e-10).unwrap();
    let kvaerno = odegrad::Kvaerno5::new(1e-10, 1e-10).unwrap();
    for (name, g) in [
        (
            "Kvaerno5",
            impact_gradient_with(&kvaerno, &controller, h0, k, 1.0, 0.0),
        ),
        (
            "Rodas5P",
            impact_gradient_with(&odegrad::Rodas5P, &controller, h0, k, 1.0, 0.0),
        ),
    ] {
        for (a, b) in g.iter().zip(exact) {
            assert!((a - b).abs() < 1e-6 * b.abs(), "{name}: {a} vs {b}");
        }
    }
}
