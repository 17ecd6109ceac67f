//! Hostile inputs never panic: every combination of tolerances, times, step
//! sizes, initial values, save times and buffer sizes either solves (and
//! then the result is consistent) or returns an error.

mod problems;

use odegrad::controller::{ConstantStepSize, PidController, StepTo};
use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, Bosh3, Dopri8, Euler, FnTerm, SaveAt, SaveBuffers, Solution, Tsit5};
use proptest::prelude::*;

type V2 = SVector<f64, 2>;

/// Any float, weighted towards the values that break numerical code.
fn hostile() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
        Just(-f64::MAX),
        Just(1e-300),
        any::<f64>(),
        -20.0..20.0f64,
        1e-14..1e-1f64,
    ]
}

/// Mostly a sensible value from `good`, sometimes a hostile one.
fn mostly(good: impl Strategy<Value = f64> + 'static) -> BoxedStrategy<f64> {
    prop_oneof![7 => good, 1 => hostile()].boxed()
}

#[derive(Debug, Clone)]
struct Case {
    solver: u8,
    controller: u8,
    rtol: f64,
    atol: f64,
    t0: f64,
    t1: f64,
    dt0: Option<f64>,
    y0: [f64; 2],
    ts: Vec<f64>,
    steps: bool,
    capacity: usize,
    max_steps: usize,
}

fn case() -> impl Strategy<Value = Case> {
    let tol = || mostly((-12.0..-1.0f64).prop_map(|e| 10f64.powf(e)));
    (
        (0u8..4, 0u8..3, tol(), tol()),
        (mostly(-5.0..5.0f64), mostly(-10.0..10.0f64)),
        prop_oneof![
            2 => Just(None),
            4 => (0.001..0.5f64).prop_map(Some),
            1 => hostile().prop_map(Some),
        ],
        [mostly(0.1..5.0f64), mostly(0.1..5.0f64)],
        (
            proptest::collection::vec(0.0..=1.0f64, 0..6),
            proptest::option::weighted(0.1, proptest::collection::vec(hostile(), 1..4)),
        ),
        (
            any::<bool>(),
            prop_oneof![3 => 20usize..80, 1 => 0usize..20],
            1usize..1000,
        ),
    )
        .prop_map(
            |(
                (solver, controller, rtol, atol),
                (t0, span),
                dt0_fraction,
                y0,
                (mut fractions, raw_ts),
                (steps, capacity, max_steps),
            )| {
                let t1 = t0 + span;
                // dt0 as a fraction of the span points the right way; a
                // hostile dt0 is used as is.
                let dt0 = dt0_fraction.map(|f| {
                    if f.is_finite() && f > 0.0 && f < 1.0 {
                        f * span
                    } else {
                        f
                    }
                });
                fractions.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let ts =
                    raw_ts.unwrap_or_else(|| fractions.iter().map(|f| t0 + f * span).collect());
                Case {
                    solver,
                    controller,
                    rtol,
                    atol,
                    t0,
                    t1,
                    dt0,
                    y0,
                    ts,
                    steps,
                    capacity,
                    max_steps,
                }
            },
        )
}

fn run(c: &Case) -> Result<Solution<f64, V2>, odegrad::Error> {
    let term = FnTerm::new(problems::lotka_volterra);
    let mut saveat = SaveAt::ts(&c.ts).with_t1();
    saveat.steps = c.steps;
    let mut t_out = vec![0.0; c.capacity];
    let mut y_out = vec![V2::zeros(); c.capacity];
    let y0 = V2::from(c.y0);
    // StepTo from t0 to t1 through the (sorted) save times.
    let mut step_ts = vec![c.t0];
    step_ts.extend(c.ts.iter().copied());
    step_ts.push(c.t1);
    macro_rules! solve {
        ($solver:expr) => {
            match c.controller {
                0 => {
                    let pid = PidController::new(c.rtol, c.atol)?;
                    diffeqsolve(
                        &term,
                        &$solver,
                        c.t0,
                        c.t1,
                        c.dt0,
                        y0,
                        &saveat,
                        &pid,
                        c.max_steps,
                        &mut SaveBuffers::new(&mut t_out, &mut y_out),
                    )
                }
                1 => diffeqsolve(
                    &term,
                    &$solver,
                    c.t0,
                    c.t1,
                    c.dt0,
                    y0,
                    &saveat,
                    &ConstantStepSize,
                    c.max_steps,
                    &mut SaveBuffers::new(&mut t_out, &mut y_out),
                ),
                _ => diffeqsolve(
                    &term,
                    &$solver,
                    c.t0,
                    c.t1,
                    c.dt0,
                    y0,
                    &saveat,
                    &StepTo::new(&step_ts),
                    c.max_steps,
                    &mut SaveBuffers::new(&mut t_out, &mut y_out),
                ),
            }
        };
    }
    match c.solver {
        0 => solve!(Tsit5),
        1 => solve!(Euler),
        2 => solve!(Bosh3),
        _ => solve!(Dopri8),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn hostile_inputs_solve_or_fail_cleanly(c in case()) {
        match run(&c) {
            Ok(sol) => {
                prop_assert_eq!(sol.t, c.t1);
                prop_assert!(sol.y.iter().all(|v| v.is_finite()));
                prop_assert!(sol.num_saved <= c.capacity);
                prop_assert!(sol.stats.num_steps <= c.max_steps);
                prop_assert_eq!(
                    sol.stats.num_steps,
                    sol.stats.num_accepted_steps + sol.stats.num_rejected_steps
                );
            }
            Err(e) => {
                // Every error has a message.
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    /// Well-posed random problems solve, and the solution is accurate.
    #[test]
    fn random_lotka_volterra_solves(
        x0 in 0.2..3.0f64,
        z0 in 0.2..3.0f64,
        t1 in 0.1..5.0f64,
        backwards in any::<bool>(),
    ) {
        let term = FnTerm::new(problems::lotka_volterra);
        let pid = PidController::new(1e-9, 1e-9).unwrap();
        let (a, b) = if backwards { (t1, 0.0) } else { (0.0, t1) };
        let y0 = V2::from([x0, z0]);
        let there = diffeqsolve(&term, &Tsit5, a, b, None, y0, &SaveAt::nothing(), &pid, 100_000,
            &mut SaveBuffers::none()).unwrap();
        let back = diffeqsolve(&term, &Tsit5, b, a, None, there.y, &SaveAt::nothing(), &pid,
            100_000, &mut SaveBuffers::none()).unwrap();
        prop_assert!((back.y - y0).norm() < 1e-5 * (1.0 + y0.norm()), "{:?} vs {:?}", back.y, y0);
    }
}
