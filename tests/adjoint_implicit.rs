//! ImplicitAdjoint on P5 (PROBLEMS.md) against its reference, against
//! RecursiveCheckpointAdjoint run to the steady state, against central finite
//! differences and against its own forward mode; singular Jacobians and
//! unreachable steady states; and zero heap allocations in event solves and
//! in both gradients.

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{jvp, Implicit, ImplicitAdjoint, RecursiveCheckpointAdjoint, Tangent};
use odegrad::controller::RmsNorm;
use odegrad::event::{steady_state_event, Direction, FloatEvent, SteadyStateEvent};
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve_with_event, ode_system, Error, OdeTerm, PidController, SaveAt, SaveBuffers, Tsit5,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

type V3 = SVector<f64, 3>;
type P6 = SVector<f64, 6>;

/// P5: y' = −k ⊙ (y − c) + 0.1 sin(y).
#[ode_system]
fn p5(_t: f64, y: &[f64; 3], p: &[f64; 6]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = -p[i] * (y[i] - p[i + 3]) + 0.1 * y[i].sin();
    }
    out
}

/// A steady state that is not isolated: the second component never moves.
#[ode_system]
fn degenerate(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    [p[0] - y[0], 0.0 * y[1]]
}

const P5_PARAMS: [f64; 6] = [1.0, 2.0, 3.0, 0.5, -1.0, 2.0];
const P5_Y_SS: [f64; 3] = [0.5524799869065703, -1.0432010111431815, 2.0298819355050424];
const P5_LOSS: f64 = 5.513923157672138;
const P5_DL_DP: [f64; 6] = [
    -0.06338366507154206,
    -0.046231107478782146,
    -0.03984925591496647,
    1.2077683095535732,
    -2.1402789543771528,
    4.00067016156723,
];

fn pid() -> PidController<'static, f64> {
    PidController::new(1e-10, 1e-10).unwrap()
}

fn event() -> SteadyStateEvent<f64, RmsNorm> {
    steady_state_event(1e-10, 1e-10, RmsNorm)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The P5 steady state for the parameters `p`, more accurate than the
/// gradient's (so that finite differences of it are not noise).
fn steady_state(p: P6) -> V3 {
    let term = OdeTerm::new(&P5, p);
    let sol = diffeqsolve_with_event(
        &term,
        &Tsit5,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &SaveAt::nothing(),
        &PidController::new(1e-12, 1e-12).unwrap(),
        4096,
        &mut SaveBuffers::none(),
        &steady_state_event(1e-11, 1e-11, RmsNorm),
    )
    .unwrap();
    assert!(sol.event_triggered);
    sol.y
}

#[test]
fn p5_matches_the_reference() {
    let term = OdeTerm::new(&P5, P6::from(P5_PARAMS));
    let adjoint = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &pid(),
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &event(),
        4096,
    )
    .unwrap();
    assert!(adjoint.event_triggered());
    let y = *adjoint.y1();
    for (a, b) in y.iter().zip(P5_Y_SS) {
        assert!(rel(*a, b) < 1e-8, "{a} vs {b}");
    }
    assert!(rel(y.norm_squared(), P5_LOSS) < 1e-8);
    let g = adjoint.backward(&(2.0 * y)).unwrap();
    for (a, b) in g.params.iter().zip(P5_DL_DP) {
        assert!(rel(*a, b) < 1e-8, "{a} vs {b}");
    }
    assert_eq!(g.y0, V3::zeros());
    assert!(g.t0.abs() < 1e-300 && g.t1.abs() < 1e-300);
}

#[test]
fn p5_agrees_with_finite_differences_and_forward_mode() {
    let p = P6::from(P5_PARAMS);
    let term = OdeTerm::new(&P5, p);
    let adjoint = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &pid(),
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &event(),
        4096,
    )
    .unwrap();
    let y = *adjoint.y1();
    let g = adjoint.backward(&(2.0 * y)).unwrap();
    let eps = 3e-4;
    for i in 0..6 {
        let mut e = P6::zeros();
        e[i] = 1.0;
        let fd = (steady_state(p + eps * e).norm_squared()
            - steady_state(p - eps * e).norm_squared())
            / (2.0 * eps);
        assert!(rel(g.params[i], fd) < 1e-6, "p{i}: {} vs {fd}", g.params[i]);
        // Forward mode: dL/dp_i = 2 y · ẏ(e_i).
        let tangent = adjoint.jvp(&e).unwrap();
        assert!(rel(2.0 * y.dot(&tangent), g.params[i]) < 1e-12);
    }
}

#[test]
fn implicit_marker_gives_tangents_through_the_generic_entry_point() {
    let p = P6::from(P5_PARAMS);
    let term = OdeTerm::new(&P5, p);
    let adjoint = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &pid(),
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &event(),
        4096,
    )
    .unwrap();
    let g = adjoint.backward(&(2.0 * *adjoint.y1())).unwrap();
    let marker = Implicit(event());
    for i in 0..6 {
        let mut e = P6::zeros();
        e[i] = 1.0;
        // The y0 and time seeds must not matter: a steady state forgets them.
        let seed = Tangent {
            y0: V3::from([1.0, -2.0, 0.5]),
            params: e,
            t0: 1.0,
            t1: 0.0,
        };
        let out = jvp(
            &marker,
            &term,
            &Tsit5,
            &pid(),
            0.0,
            f64::INFINITY,
            Some(0.01),
            V3::zeros(),
            &seed,
            &[],
            &mut [],
            &mut [],
            4096,
        )
        .unwrap();
        assert!(
            rel(2.0 * out.y1.dot(&out.y1_dot), g.params[i]) < 1e-12,
            "p{i}"
        );
    }
    // Output times cannot be honoured: only the final state is saved.
    let seed = Tangent {
        y0: V3::zeros(),
        params: P6::zeros(),
        t0: 0.0,
        t1: 0.0,
    };
    let err = jvp(
        &marker,
        &term,
        &Tsit5,
        &pid(),
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &seed,
        &[1.0],
        &mut [V3::zeros()],
        &mut [V3::zeros()],
        4096,
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::InvalidArgument(odegrad::InvalidArgument::SaveAtNotFinal)
    );
}

#[test]
fn p5_agrees_with_recursive_checkpointing_to_the_steady_state() {
    let term = OdeTerm::new(&P5, P6::from(P5_PARAMS));
    let controller = pid();
    let mut slots = [Slot::EMPTY; 32];
    let rca = RecursiveCheckpointAdjoint::forward_with_event(
        &term,
        &Tsit5,
        &controller,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &[],
        &mut [],
        4096,
        &mut slots,
        &event(),
    )
    .unwrap();
    let y = *rca.y1();
    let g_rca = rca.backward(&[], &(2.0 * y)).unwrap();
    let implicit = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &controller,
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::zeros(),
        &event(),
        4096,
    )
    .unwrap();
    assert_eq!(*implicit.y1(), y);
    let g = implicit.backward(&(2.0 * y)).unwrap();
    for i in 0..6 {
        assert!(
            rel(g.params[i], g_rca.params[i]) < 1e-7,
            "p{i}: {} vs {}",
            g.params[i],
            g_rca.params[i]
        );
    }
    // The discrete solve forgets y0 at the rate of the slowest mode, e^{−t}.
    assert!(g_rca.y0.norm() < 1e-8, "{}", g_rca.y0.norm());
}

#[test]
fn singular_jacobian_is_an_error() {
    let term = OdeTerm::new(&Degenerate, SVector::from([1.0]));
    let adjoint = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &pid(),
        0.0,
        f64::INFINITY,
        Some(0.01),
        SVector::from([0.0, 0.5]),
        &event(),
        4096,
    )
    .unwrap();
    assert!(adjoint.event_triggered());
    let err = adjoint.backward(&SVector::from([1.0, 1.0])).unwrap_err();
    assert!(matches!(err, Error::SingularMatrix { .. }), "{err:?}");
    let err = adjoint.jvp(&SVector::from([1.0])).unwrap_err();
    assert!(matches!(err, Error::SingularMatrix { .. }), "{err:?}");
}

#[test]
fn unreachable_steady_state_is_max_steps() {
    // With k = −1 and c = 0, y' = y + 0.1 sin(y) runs away: |f| ≈ 1.1 |y|
    // never falls below the event's threshold.
    let p = P6::from([-1.0, -1.0, -1.0, 0.0, 0.0, 0.0]);
    let term = OdeTerm::new(&P5, p);
    let err = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &pid(),
        0.0,
        f64::INFINITY,
        Some(0.01),
        V3::from([1.0, 1.0, 1.0]),
        &event(),
        300,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::MaxStepsReached { max_steps: 300, .. }),
        "{err:?}"
    );
}

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (ALLOCATIONS.with(Cell::get) - before, r)
}

#[test]
fn events_and_their_gradients_do_not_allocate() {
    let term = OdeTerm::new(&P5, P6::from(P5_PARAMS));
    let controller = pid();
    let ss = event();
    let (n, g) = allocations_in(|| {
        let adjoint = ImplicitAdjoint::forward(
            &term,
            &Tsit5,
            &controller,
            0.0,
            f64::INFINITY,
            Some(0.01),
            V3::zeros(),
            &ss,
            4096,
        )?;
        let y = *adjoint.y1();
        let g = adjoint.backward(&(2.0 * y))?;
        adjoint.jvp(&P6::from([1.0, 0.0, 0.0, 0.0, 0.0, 0.0]))?;
        Ok::<_, Error>(g)
    });
    assert_eq!(n, 0, "ImplicitAdjoint allocated");
    assert!(g.is_ok());

    // A located event and its time's gradient through checkpoints.
    let crossing = FloatEvent::new(|_t: f64, y: &V3| y[0] - 0.5)
        .with_direction(Direction::Up)
        .with_gradient(|_t: f64, _y: &V3| (0.0, V3::new(1.0, 0.0, 0.0)));
    let mut slots = [Slot::EMPTY; 16];
    let (mut t_out, mut y_out) = ([0.0; 2], [V3::zeros(); 2]);
    let (n, r) = allocations_in(|| {
        let sol = diffeqsolve_with_event(
            &term,
            &Tsit5,
            0.0,
            f64::INFINITY,
            Some(0.01),
            V3::zeros(),
            &SaveAt::t1(),
            &controller,
            4096,
            &mut SaveBuffers::new(&mut t_out, &mut y_out),
            &crossing,
        )?;
        let rca = RecursiveCheckpointAdjoint::forward_with_event(
            &term,
            &Tsit5,
            &controller,
            0.0,
            f64::INFINITY,
            Some(0.01),
            V3::zeros(),
            &[],
            &mut [],
            4096,
            &mut slots,
            &crossing,
        )?;
        let g = rca.backward_with_event_time(&[], &V3::zeros(), 1.0)?;
        Ok::<_, Error>((sol, g))
    });
    assert_eq!(n, 0, "event solve or its gradient allocated");
    let (sol, g) = r.unwrap();
    assert!(sol.event_triggered);
    // y0' ≈ −(y0 − 0.5) + 0.1 sin y0 crosses 0.5 only approaching its
    // steady state 0.552: a finite, negative dt*/dc0 (a larger target is
    // reached earlier).
    assert!(g.params[3] < 0.0 && g.params[3].is_finite());
}
