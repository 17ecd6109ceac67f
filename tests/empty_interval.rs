//! Solves and gradients over an empty interval, `t0 == t1`, as Diffrax
//! allows them: the solution is `y0` at every save time, no step is taken,
//! and the gradients are the closed form `∂y(t1)/∂y0 = I`, `∂y(t1)/∂p = 0`,
//! `∂y(t1)/∂t1 = f(t1, y0) = −∂y(t1)/∂t0`, and for an output at the fixed
//! save time `ts = t0 = t1`, `∂y(ts)/∂t0 = −f(t0, y0)` (it moves with `t0`
//! as at any `ts`) and `∂y(ts)/∂t1 = 0` (it does not move with `t1`) —
//! checked for every adjoint, and against central differences of solves
//! over `[t0, t0 ± ε]`.

use std::cell::Cell;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{
    jvp, BacksolveAdjoint, DenseBacksolveAdjoint, Direct, DirectAdjoint, ImplicitAdjoint,
    RecursiveCheckpointAdjoint, Tangent,
};
use odegrad::controller::{ConstantStepSize, PidController, RmsNorm, StepTo};
use odegrad::event::{steady_state_event, BoolEvent, FloatEvent};
use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::solver::implicit::HermiteDense;
use odegrad::solver::rosenbrock::RosenbrockDense;
use odegrad::{
    diffeqsolve, diffeqsolve_with_event, ode_system, Advance, DenseStep, Error, FnTerm,
    ImplicitEuler, Integrator, InvalidArgument, Kvaerno5, OdeTerm, Rodas5P, SaveAt, SaveBuffers,
    Solver, Tsit5,
};

type V1 = SVector<f64, 1>;
type V2 = SVector<f64, 2>;
type V3 = SVector<f64, 3>;

/// The start (and end) of every empty solve: not zero, so that a time
/// wrongly taken as 0 shows, and where the forcing `sin t` is not small.
const T0: f64 = 0.7;
const P: [f64; 3] = [1.5, 1.0, 3.0];
const Y0: [f64; 2] = [1.2, 0.8];

/// A forced Lotka–Volterra system: non-autonomous, so `∂f/∂t` is not zero
/// and a time gradient taken at the wrong time shows.
#[ode_system]
fn forced(t: f64, y: &[f64; 2], p: &[f64; 3]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c] = *p;
    [a * x - b * x * z + t.sin(), -c * z + x * z]
}

/// The same field written out by hand: the closed-form gradients use it.
fn field(t: f64, y: &V2) -> V2 {
    let [a, b, c] = P;
    V2::new(
        a * y[0] - b * y[0] * y[1] + t.sin(),
        -c * y[1] + y[0] * y[1],
    )
}

fn term() -> OdeTerm<'static, Forced, f64, 2, 3> {
    OdeTerm::new(&Forced, V3::from(P))
}

fn y0() -> V2 {
    V2::from(Y0)
}

/// The cotangents of `L = w·y(t1) + Σ_m v_m·y(ts_m)`, with `ts = [t0, t0]`.
const TS: [f64; 2] = [T0, T0];
fn y1_bar() -> V2 {
    V2::new(0.3, -1.1)
}
fn ys_bar() -> [V2; 2] {
    [V2::new(1.0, 2.0), V2::new(0.5, -0.25)]
}

/// `(∂L/∂y0, ∂L/∂t1)` of the empty solve; `∂L/∂p = 0`, and `∂L/∂t0` is
/// [`closed_form_t0`].
fn closed_form() -> (V2, f64) {
    let [a, b] = ys_bar();
    (y1_bar() + a + b, y1_bar().dot(&field(T0, &y0())))
}

/// `∂L/∂t0` of the empty solve: `y(t1)` and both outputs move with `t0` by
/// `−f(t0, y0)`, so it is `−∂L/∂y0 · f`, not `−∂L/∂t1`.
fn closed_form_t0() -> f64 {
    -closed_form().0.dot(&field(T0, &y0()))
}

fn pid() -> PidController<'static, f64> {
    PidController::new(1e-8, 1e-8).unwrap()
}

/// Every `SaveAt` kind with every `dt0` the empty interval accepts: `y0`
/// exactly, at `t0`, without a step, a Jacobian or a factorisation, and with
/// no vector-field evaluation beyond the solver's own initialisation.
fn check_solver<S>(name: &str, solver: &S, blank: S::DenseInfo, init_rhs_evals: usize)
where
    S: Solver<f64, V2, OdeTerm<'static, Forced, f64, 2, 3>>,
{
    let term = term();
    let kinds = [
        ("t0", SaveAt::nothing().with_t0(), 1),
        ("t1", SaveAt::t1(), 1),
        ("ts", SaveAt::ts(&[T0, T0, T0]), 3),
        ("steps", SaveAt::steps(), 0),
        ("dense", SaveAt::dense(), 0),
        ("nothing", SaveAt::nothing(), 0),
        (
            "all",
            SaveAt::ts(&TS)
                .with_t0()
                .with_t1()
                .with_steps()
                .with_dense(),
            4,
        ),
    ];
    let blank = DenseStep {
        t0: f64::NAN,
        t1: f64::NAN,
        y0: V2::repeat(f64::NAN),
        y1: V2::repeat(f64::NAN),
        dense: blank,
    };
    for dt0 in [None, Some(0.1), Some(-0.1), Some(0.0)] {
        for (kind, saveat, expected) in kinds {
            let (mut t_out, mut y_out) = ([f64::NAN; 8], [V2::repeat(f64::NAN); 8]);
            let mut dense = [blank; 4];
            let mut buffers = SaveBuffers::new(&mut t_out, &mut y_out).with_dense(&mut dense);
            let sol = diffeqsolve(
                &term,
                solver,
                T0,
                T0,
                dt0,
                y0(),
                &saveat,
                &pid(),
                100,
                &mut buffers,
            )
            .unwrap_or_else(|e| panic!("{name}, {kind}, dt0 {dt0:?}: {e}"));
            let what = format!("{name}, SaveAt {kind}, dt0 {dt0:?}");
            assert_eq!(sol.y, y0(), "{what}");
            assert_eq!(sol.t, T0, "{what}");
            assert!(!sol.event_triggered, "{what}");
            assert_eq!(sol.num_saved, expected, "{what}");
            assert_eq!(sol.num_dense, 0, "{what}");
            let s = sol.stats;
            assert_eq!(
                (s.num_steps, s.num_accepted_steps, s.num_rejected_steps),
                (0, 0, 0),
                "{what}"
            );
            assert_eq!((s.num_jac_evals, s.num_lu_factorisations), (0, 0), "{what}");
            assert_eq!(s.num_rhs_evals, init_rhs_evals, "{what}");
            for (t, y) in t_out.iter().zip(&y_out).take(expected) {
                assert_eq!((*t, *y), (T0, y0()), "{what}");
            }
            // Nothing beyond the outputs was written.
            assert!(t_out[expected].is_nan() && dense[0].t0.is_nan(), "{what}");
        }
        // A constant step size of any sign, or zero, takes no step either.
        if let Some(dt) = dt0 {
            let sol = diffeqsolve(
                &term,
                solver,
                T0,
                T0,
                Some(dt),
                y0(),
                &SaveAt::t1(),
                &ConstantStepSize,
                100,
                &mut SaveBuffers::new(&mut [0.0], &mut [V2::zeros()]),
            )
            .unwrap_or_else(|e| panic!("{name}, ConstantStepSize, dt0 {dt}: {e}"));
            assert_eq!((sol.y, sol.stats.num_steps), (y0(), 0));
        }
    }
}

#[test]
fn every_solver_family_and_saveat_returns_y0_without_a_step() {
    let zero = V2::zeros();
    // Tsit5 is first-same-as-last: its initialisation evaluates f(t0, y0).
    check_solver(
        "Tsit5",
        &Tsit5,
        odegrad::solver::explicit::RkStages { k: [zero; 7] },
        1,
    );
    let hermite = HermiteDense { f0: zero, f1: zero };
    check_solver("Kvaerno5", &Kvaerno5::new(1e-8, 1e-8).unwrap(), hermite, 0);
    let rosenbrock = RosenbrockDense { k: [zero; 3] };
    check_solver("Rodas5P", &Rodas5P, rosenbrock, 0);
    check_solver(
        "ImplicitEuler",
        &ImplicitEuler::new(1e-8, 1e-8).unwrap(),
        (),
        0,
    );
}

#[test]
fn invalid_arguments_are_still_reported_on_an_empty_interval() {
    use InvalidArgument::*;
    let term = term();
    let solve_with = |t0: f64, t1: f64, dt0: Option<f64>, ts: &[f64]| {
        diffeqsolve(
            &term,
            &Tsit5,
            t0,
            t1,
            dt0,
            y0(),
            &SaveAt::ts(ts),
            &pid(),
            100,
            &mut SaveBuffers::new(&mut [0.0; 4], &mut [V2::zeros(); 4]),
        )
    };
    let err = |e: InvalidArgument| Err(Error::InvalidArgument(e));
    assert_eq!(solve_with(f64::NAN, f64::NAN, None, &[]), err(NonFiniteT0));
    assert_eq!(solve_with(T0, f64::NAN, None, &[]), err(NonFiniteT1));
    assert_eq!(
        solve_with(f64::INFINITY, f64::INFINITY, None, &[]),
        err(NonFiniteT0)
    );
    assert_eq!(solve_with(T0, T0, Some(f64::NAN), &[]), err(NonFiniteDt0));
    assert_eq!(
        solve_with(T0, T0, Some(f64::NEG_INFINITY), &[]),
        err(NonFiniteDt0)
    );
    // Save times must lie in [t0, t1] = {t0}.
    assert_eq!(solve_with(T0, T0, None, &[T0, 1.0]), err(TsOutsideSpan));
    assert_eq!(solve_with(T0, T0, None, &[0.5]), err(TsOutsideSpan));
    assert_eq!(solve_with(T0, T0, None, &[f64::NAN]), err(TsOutsideSpan));
    // A non-empty interval still rejects what an empty one ignores.
    assert_eq!(solve_with(T0, 1.0, Some(0.0), &[]), err(ZeroDt0));
    assert_eq!(solve_with(T0, 1.0, Some(-0.1), &[]), err(Dt0WrongDirection));

    // The controllers are still validated: ConstantStepSize needs dt0 on
    // every interval, as in Diffrax.
    let constant = diffeqsolve(
        &term,
        &Tsit5,
        T0,
        T0,
        None,
        y0(),
        &SaveAt::t1(),
        &ConstantStepSize,
        10,
        &mut SaveBuffers::new(&mut [0.0], &mut [V2::zeros()]),
    );
    assert_eq!(constant, err(MissingDt0));
    let step_to = |ts: &[f64], dt0: Option<f64>| {
        diffeqsolve(
            &term,
            &Tsit5,
            T0,
            T0,
            dt0,
            y0(),
            &SaveAt::nothing(),
            &StepTo::new(ts),
            10,
            &mut SaveBuffers::none(),
        )
    };
    let sol = step_to(&[T0], None).unwrap();
    assert_eq!((sol.y, sol.stats.num_steps), (y0(), 0));
    assert_eq!(step_to(&[T0, T0], None), err(StepTsInvalid));
    assert_eq!(step_to(&[T0, 1.0], None), err(StepTsInvalid));
    assert_eq!(step_to(&[], None), err(StepTsInvalid));
    assert_eq!(step_to(&[T0], Some(0.1)), err(Dt0WithStepTo));
    let mut bad = pid();
    bad.rtol = -1.0;
    let pid_solve = |pid: &PidController<'_, f64>| {
        diffeqsolve(
            &term,
            &Tsit5,
            T0,
            T0,
            None,
            y0(),
            &SaveAt::nothing(),
            pid,
            10,
            &mut SaveBuffers::none(),
        )
    };
    assert_eq!(pid_solve(&bad), err(NegativeRtol));
    // An empty interval has no direction: step and jump times ordered either
    // way are accepted (a chain of backward solves passes them decreasing);
    // unordered or NaN ones are not.
    let decreasing = [2.0, 1.0, T0, 0.0];
    assert!(pid_solve(&pid().with_jump_ts(&decreasing).with_step_ts(&decreasing)).is_ok());
    assert!(pid_solve(&pid().with_jump_ts(&[0.0, 1.0])).is_ok());
    assert_eq!(
        pid_solve(&pid().with_jump_ts(&[0.0, 2.0, 1.0])),
        err(StepTsInvalid)
    );
    assert_eq!(
        pid_solve(&pid().with_step_ts(&[f64::NAN])),
        err(StepTsInvalid)
    );
    // A solver without an error estimate cannot drive a PID controller.
    assert_eq!(
        diffeqsolve(
            &term,
            &odegrad::Euler,
            T0,
            T0,
            None,
            y0(),
            &SaveAt::nothing(),
            &pid(),
            10,
            &mut SaveBuffers::none(),
        ),
        err(NoErrorEstimate)
    );
}

#[test]
fn the_integrator_is_done_at_once() {
    let term = term();
    let pid = pid();
    let mut it = Integrator::new(&term, &Tsit5, &pid, T0, T0, Some(-3.0), y0(), 1).unwrap();
    assert!(it.is_done());
    for _ in 0..2 {
        assert!(matches!(it.advance(), Ok(Advance::Finished)));
    }
    let state = it.state();
    assert_eq!((state.t, state.t_next, state.y), (T0, T0, y0()));
    assert_eq!(state.stats.num_steps, 0);
}

#[test]
fn the_backward_direction_still_works() {
    let decay = FnTerm::new(|_t: f64, y: &V1| -y);
    let ts = [0.75, 0.5, 0.0];
    let (mut t_out, mut y_out) = ([0.0; 3], [V1::zeros(); 3]);
    let sol = diffeqsolve(
        &decay,
        &Tsit5,
        1.0,
        0.0,
        Some(-0.1),
        V1::from([1.0]),
        &SaveAt::ts(&ts),
        &PidController::new(1e-10, 1e-10).unwrap(),
        1000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )
    .unwrap();
    assert!(sol.stats.num_accepted_steps > 1);
    for (t, y) in ts.iter().zip(&y_out) {
        assert!((y[0] - (1.0 - t).exp()).abs() < 1e-8, "y({t}) = {}", y[0]);
    }
}

/// An empty solve with `event`, saving `t1`.
fn solve_with_event<E>(
    term: &OdeTerm<'static, Forced, f64, 2, 3>,
    event: &E,
) -> odegrad::Solution<f64, V2>
where
    E: odegrad::event::Event<f64, V2, OdeTerm<'static, Forced, f64, 2, 3>>,
{
    let (mut t_out, mut y_out) = ([f64::NAN; 2], [V2::zeros(); 2]);
    let sol = diffeqsolve_with_event(
        term,
        &Tsit5,
        T0,
        T0,
        None,
        y0(),
        &SaveAt::t1(),
        &pid(),
        10,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
        event,
    )
    .unwrap();
    assert_eq!((t_out[0], y_out[0]), (T0, y0()));
    sol
}

#[test]
fn no_event_triggers_on_an_empty_interval() {
    let term = term();
    // Zero at t0 itself, and a condition that is always true.
    let crossing = FloatEvent::new(|_t: f64, y: &V2| y[0] - Y0[0]);
    let always = BoolEvent::new(|_t: f64, _y: &V2| true);
    for sol in [
        solve_with_event(&term, &crossing),
        solve_with_event(&term, &always),
    ] {
        assert!(!sol.event_triggered);
        assert_eq!((sol.t, sol.y, sol.num_saved), (T0, y0(), 1));
        assert_eq!(sol.stats.num_steps, 0);
    }

    // The steady-state condition costs a vector-field evaluation; on an
    // empty interval it is not evaluated at all, so f is called only to
    // start Tsit5 (and not at all by ImplicitAdjoint's Kvaerno5 below).
    let calls = Cell::new(0usize);
    let counted = FnTerm::new(|_t: f64, y: &V1| {
        calls.set(calls.get() + 1);
        -y
    });
    let steady = steady_state_event(1e-8, 1e-8, RmsNorm);
    let sol = diffeqsolve_with_event(
        &counted,
        &Tsit5,
        T0,
        T0,
        None,
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid(),
        10,
        &mut SaveBuffers::none(),
        &steady,
    )
    .unwrap();
    assert!(!sol.event_triggered);
    // Only Tsit5's first-same-as-last initialisation.
    assert_eq!((calls.get(), sol.stats.num_rhs_evals), (1, 1));

    // ImplicitAdjoint over an empty (finite) interval: the event has not
    // triggered, and the final state is y0.
    let steady = steady_state_event(1e-8, 1e-8, RmsNorm);
    let k5 = Kvaerno5::new(1e-8, 1e-8).unwrap();
    let implicit =
        ImplicitAdjoint::forward(&term, &k5, &pid(), T0, T0, None, y0(), &steady, 10).unwrap();
    assert!(!implicit.event_triggered());
    assert_eq!((implicit.t1(), *implicit.y1()), (T0, y0()));
    assert_eq!(implicit.stats().num_rhs_evals, 0);
}

/// Asserts a gradient of the empty solve against the closed form.
fn check_gradient(name: &str, y0_bar: V2, params: V3, t0: f64, t1: f64) {
    let (y0_exact, t1_exact) = closed_form();
    assert!(
        (y0_bar - y0_exact).amax() < 1e-14,
        "{name}: dL/dy0 {y0_bar:?}"
    );
    assert_eq!(params, V3::zeros(), "{name}: dL/dp");
    assert!(
        (t1 - t1_exact).abs() < 1e-14,
        "{name}: dL/dt1 {t1} vs {t1_exact}"
    );
    let t0_exact = closed_form_t0();
    assert!(
        (t0 - t0_exact).abs() < 1e-14 * t0_exact.abs(),
        "{name}: dL/dt0 {t0} vs {t0_exact}"
    );
}

#[test]
fn recursive_checkpoint_gradients_are_the_closed_form() {
    fn run<S>(name: &str, solver: &S)
    where
        S: odegrad::adjoint::SolverVjp<f64, V2, OdeTerm<'static, Forced, f64, 2, 3>>,
    {
        let term = term();
        let pid = pid();
        let mut ys = [V2::repeat(f64::NAN); 2];
        let mut slots = [Slot::EMPTY; 2];
        let adjoint = RecursiveCheckpointAdjoint::forward(
            &term,
            solver,
            &pid,
            T0,
            T0,
            None,
            y0(),
            &TS,
            &mut ys,
            100,
            &mut slots,
        )
        .unwrap();
        assert_eq!(ys, [y0(); 2]);
        assert_eq!(*adjoint.y1(), y0());
        assert!(adjoint.event().is_none());
        let g = adjoint.backward(&ys_bar(), &y1_bar()).unwrap();
        check_gradient(name, g.y0, g.params, g.t0, g.t1);
        assert_eq!(g.stats.forward.num_steps, 0);
        assert_eq!(g.stats.checkpoints.reverse_steps, 0);
        assert_eq!(g.stats.vjp_evals, 0);
    }
    run("checkpoint Tsit5", &Tsit5);
    run("checkpoint Kvaerno5", &Kvaerno5::new(1e-8, 1e-8).unwrap());
    run("checkpoint Rodas5P", &Rodas5P);

    // With an event: none triggers, and the gradient is the same.
    let term = term();
    let pid = pid();
    let crossing = FloatEvent::new(|_t: f64, y: &V2| y[0] - Y0[0])
        .with_gradient(|_t: f64, _y: &V2| (0.0, V2::new(1.0, 0.0)));
    let mut ys = [V2::zeros(); 2];
    let mut slots = [Slot::EMPTY; 2];
    let adjoint = RecursiveCheckpointAdjoint::forward_with_event(
        &term,
        &Tsit5,
        &pid,
        T0,
        T0,
        None,
        y0(),
        &TS,
        &mut ys,
        100,
        &mut slots,
        &crossing,
    )
    .unwrap();
    assert!(adjoint.event().is_none());
    let g = adjoint
        .backward_with_event_time(&ys_bar(), &y1_bar(), 1.0)
        .unwrap();
    check_gradient("checkpoint with event", g.y0, g.params, g.t0, g.t1);
}

#[test]
fn backsolve_gradients_are_the_closed_form() {
    let term = term();
    let pid = pid();
    let mut ys = [V2::repeat(f64::NAN); 2];
    let adjoint = BacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        T0,
        T0,
        Some(-0.5),
        y0(),
        &TS,
        &mut ys,
        100,
        &mut [],
    )
    .unwrap();
    assert_eq!((adjoint.ys(), *adjoint.y1()), (&[y0(); 2][..], y0()));
    let g = adjoint.backward(&ys_bar(), &y1_bar()).unwrap();
    check_gradient("backsolve", g.y0, g.params, g.t0, g.t1);
    assert_eq!((g.stats.backward.num_steps, g.stats.segments), (0, 0));

    let k5 = Kvaerno5::new(1e-8, 1e-8).unwrap();
    for (name, records) in [("dense backsolve", 0usize), ("dense backsolve, records", 4)] {
        let mut ys = [V2::repeat(f64::NAN); 2];
        let mut buffer = [None; 4];
        let adjoint = DenseBacksolveAdjoint::forward(
            &term,
            &k5,
            &pid,
            T0,
            T0,
            Some(0.0),
            y0(),
            &TS,
            &mut ys,
            100,
            &mut buffer[..records],
        )
        .unwrap();
        assert_eq!((adjoint.ys(), *adjoint.y1()), (&[y0(); 2][..], y0()));
        let g = adjoint.backward(&ys_bar(), &y1_bar()).unwrap();
        check_gradient(name, g.y0, g.params, g.t0, g.t1);
        assert_eq!((g.stats.backward.num_steps, g.stats.segments), (0, 0));
    }
}

#[test]
fn direct_adjoint_sensitivities_tangents_and_gradients_are_the_closed_form() {
    let term = term();
    let pid = pid();
    let f = field(T0, &y0());
    let k5 = Kvaerno5::new(1e-8, 1e-8).unwrap();
    let mut ys = [V2::repeat(f64::NAN); 2];
    let direct =
        DirectAdjoint::forward(&term, &k5, &pid, T0, T0, None, y0(), &TS, &mut ys, 100).unwrap();
    assert_eq!((ys, *direct.y1()), ([y0(); 2], y0()));

    let blank = (SMatrix::zeros(), SMatrix::zeros(), SMatrix::zeros());
    let mut ys_sens = [blank; 2];
    let (d_y0, d_p, d_t) = direct.sensitivities::<3>(&mut ys_sens).unwrap();
    assert_eq!(d_y0, SMatrix::<f64, 2, 2>::identity());
    assert_eq!(d_p, SMatrix::<f64, 2, 3>::zeros());
    assert!((d_t.column(0) + f).amax() < 1e-15 && (d_t.column(1) - f).amax() < 1e-15);
    // Outputs at t0 are y0: identity in y0, none in p, −f in t0 and none
    // in t1 (their save times stay fixed).
    for (s_y0, s_p, s_t) in ys_sens {
        assert_eq!(s_y0, SMatrix::<f64, 2, 2>::identity());
        assert_eq!(s_p.amax(), 0.0);
        assert!((s_t.column(0) + f).amax() < 1e-15 && s_t.column(1).amax() == 0.0);
    }

    let seed = Tangent {
        y0: V2::new(0.25, -2.0),
        params: V3::new(1.0, -1.0, 0.5),
        t0: 0.4,
        t1: -1.5,
    };
    let expected = seed.y0 + f * (seed.t1 - seed.t0);
    let mut ys_dot = [V2::zeros(); 2];
    let out = direct.tangent(&seed, &mut ys_dot).unwrap();
    assert!((out.y1_dot - expected).amax() < 1e-14, "{:?}", out.y1_dot);
    for y_dot in ys_dot {
        assert!(
            (y_dot - (seed.y0 - f * seed.t0)).amax() < 1e-14,
            "{y_dot:?}"
        );
    }
    let out = jvp(
        &Direct,
        &term,
        &Tsit5,
        &ConstantStepSize,
        T0,
        T0,
        Some(-1.0),
        y0(),
        &seed,
        &[],
        &mut [],
        &mut [],
        10,
    )
    .unwrap();
    assert!((out.y1_dot - expected).amax() < 1e-14);
    assert_eq!(out.stats.num_steps, 0);

    let g = direct.backward::<3>(&ys_bar(), &y1_bar()).unwrap();
    check_gradient("direct", g.y0, g.params, g.t0, g.t1);
    assert_eq!(g.stats.tangent_evals, 0);
}

/// `w·y(t1)` of a tight solve from `t0` to `t1` (either direction).
fn loss(t0: f64, t1: f64) -> f64 {
    let term = term();
    let tight = PidController::new(1e-13, 1e-13).unwrap();
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        t0,
        t1,
        None,
        y0(),
        &SaveAt::nothing(),
        &tight,
        10_000,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    y1_bar().dot(&sol.y)
}

/// The time gradients of the empty solve are the limits of those of short
/// solves: central differences over `[t0, t0 ± ε]` (forwards and backwards)
/// in `t1`, and over `[t0 ± ε, t0]` in `t0`.
#[test]
fn time_gradients_match_central_differences() {
    let eps = 1e-4;
    let fd_t1 = (loss(T0, T0 + eps) - loss(T0, T0 - eps)) / (2.0 * eps);
    let fd_t0 = (loss(T0 + eps, T0) - loss(T0 - eps, T0)) / (2.0 * eps);
    // The empty solve's loss is the centre of both differences.
    assert_eq!(loss(T0, T0), y1_bar().dot(&y0()));

    let term = term();
    let pid = pid();
    let mut slots = [Slot::EMPTY; 1];
    let g = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        T0,
        T0,
        None,
        y0(),
        &[],
        &mut [],
        10,
        &mut slots,
    )
    .unwrap()
    .backward(&[], &y1_bar())
    .unwrap();
    // O(ε²) truncation, O(1e-13/ε) solve error.
    assert!((g.t1 - fd_t1).abs() < 1e-6, "{} vs {fd_t1}", g.t1);
    assert!((g.t0 - fd_t0).abs() < 1e-6, "{} vs {fd_t0}", g.t0);
    let g = BacksolveAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        T0,
        T0,
        None,
        y0(),
        &[],
        &mut [],
        10,
        &mut [],
    )
    .unwrap()
    .backward(&[], &y1_bar())
    .unwrap();
    assert!((g.t1 - fd_t1).abs() < 1e-6 && (g.t0 - fd_t0).abs() < 1e-6);

    // And they are continuous: one short step of the discrete adjoints
    // gives nearly the same time gradients as no step.
    let (_, t1_exact) = closed_form();
    let h = 1e-7;
    let mut slots = [Slot::EMPTY; 2];
    let g = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &ConstantStepSize,
        T0,
        T0 + h,
        Some(h),
        y0(),
        &[],
        &mut [],
        10,
        &mut slots,
    )
    .unwrap()
    .backward(&[], &y1_bar())
    .unwrap();
    assert!((g.t1 - t1_exact).abs() < 1e-5 && (g.t0 + t1_exact).abs() < 1e-5);
    let g = DirectAdjoint::forward(
        &term,
        &Tsit5,
        &ConstantStepSize,
        T0,
        T0 + h,
        Some(h),
        y0(),
        &[],
        &mut [],
        10,
    )
    .unwrap()
    .backward::<3>(&[], &y1_bar())
    .unwrap();
    assert!((g.t1 - t1_exact).abs() < 1e-5 && (g.t0 + t1_exact).abs() < 1e-5);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any finite start (zero of either sign included, so `t0 = 0.0`,
    /// `t1 = −0.0` is empty too), state and `dt0`: the solve is `y0` with no
    /// step, and the checkpointed gradient is the closed form there.
    #[test]
    fn any_empty_solve_is_y0_and_its_gradient_the_closed_form(
        t0 in proptest::prop_oneof![
            proptest::strategy::Just(0.0f64),
            proptest::strategy::Just(-0.0f64),
            -1e6..1e6f64,
        ],
        negate_t1 in proptest::bool::ANY,
        y in proptest::array::uniform2(-10.0..10.0f64),
        dt0 in proptest::option::of(-1e3..1e3f64),
    ) {
        // 0.0 == −0.0, so an end of the other sign of zero is still empty.
        let t1 = if negate_t1 && t0 == 0.0 { -t0 } else { t0 };
        let term = term();
        let pid = pid();
        let y0 = V2::from(y);
        let sol = diffeqsolve(&term, &Rodas5P, t0, t1, dt0, y0, &SaveAt::nothing(), &pid, 1,
            &mut SaveBuffers::none()).unwrap();
        proptest::prop_assert_eq!((sol.y, sol.stats.num_steps, sol.stats.num_rhs_evals), (y0, 0, 0));
        let mut slots = [Slot::EMPTY; 1];
        let g = RecursiveCheckpointAdjoint::forward(
            &term, &Tsit5, &pid, t0, t1, dt0, y0, &[], &mut [], 1, &mut slots,
        )
        .unwrap()
        .backward(&[], &y1_bar())
        .unwrap();
        let [a, b, c] = P;
        let f = V2::new(a * y0[0] - b * y0[0] * y0[1] + t1.sin(), -c * y0[1] + y0[0] * y0[1]);
        proptest::prop_assert_eq!((g.y0, g.params), (y1_bar(), V3::zeros()));
        let t1_bar = y1_bar().dot(&f);
        let tol = 1e-13 * (1.0 + t1_bar.abs());
        proptest::prop_assert!((g.t1 - t1_bar).abs() < tol && (g.t0 + t1_bar).abs() < tol);
    }
}
