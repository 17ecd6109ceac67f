//! Explicit solvers, controllers, saving and errors of `diffeqsolve`.

mod problems;

use odegrad::controller::{ConstantStepSize, MaxNorm, PidController, StepTo};
use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::solver::explicit::RkStages;
use odegrad::{
    diffeqsolve, evaluate_dense, Advance, Bosh3, DenseStep, Dopri5, Dopri8, Error, Euler, FnTerm,
    Heun, Integrator, InvalidArgument, Midpoint, OdeSystem, OdeTerm, Ralston, SaveAt, SaveBuffers,
    Solver, StepOutput, StepStatus, StepWork, Term, Tsit5,
};

type V1 = SVector<f64, 1>;
type V2 = SVector<f64, 2>;

/// y' = 3 y cos 3t, y(0) = 1: y = exp(sin 3t). Non-autonomous, so the nodes
/// `c` matter; the frequency puts Tsit5 (whose leading error terms are tuned
/// to be small) in its asymptotic regime above round-off.
fn exp_sin(t: f64, y: &V1) -> V1 {
    y * (3.0 * (3.0 * t).cos())
}
fn exp_sin_exact(t: f64) -> f64 {
    (3.0 * t).sin().exp()
}

fn constant_solve<S>(solver: &S, n: usize) -> f64
where
    S: for<'a> Solver<f64, V1, FnTerm<f64, V1, fn(f64, &V1) -> V1>>,
{
    let term: FnTerm<f64, V1, fn(f64, &V1) -> V1> = FnTerm::new(exp_sin);
    let t1 = 2.0;
    let sol = diffeqsolve(
        &term,
        solver,
        0.0,
        t1,
        Some(t1 / n as f64),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &ConstantStepSize,
        10 * n,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    assert_eq!(sol.stats.num_accepted_steps, n);
    (sol.y[0] - exp_sin_exact(t1)).abs()
}

/// Least-squares slope of log(error) against log(h) over `points` step
/// counts `n0, 2 n0, …`.
fn observed_order<S>(solver: &S, n0: usize, points: usize) -> f64
where
    S: for<'a> Solver<f64, V1, FnTerm<f64, V1, fn(f64, &V1) -> V1>>,
{
    let pts: Vec<(f64, f64)> = (0..points)
        .map(|i| {
            let n = n0 << i;
            let e = constant_solve(solver, n);
            assert!(
                e > 1e-14,
                "error {e} at n = {n} is round-off, not truncation"
            );
            ((2.0 / n as f64).ln(), e.ln())
        })
        .collect();
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / points as f64;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / points as f64;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

#[test]
fn convergence_orders_match_theory() {
    // Eighth order reaches round-off after two halvings from h = 1/4.
    let cases: [(&str, f64, f64); 8] = [
        ("Euler", observed_order(&Euler, 256, 4), 1.0),
        ("Heun", observed_order(&Heun, 64, 4), 2.0),
        ("Midpoint", observed_order(&Midpoint, 64, 4), 2.0),
        ("Ralston", observed_order(&Ralston, 64, 4), 2.0),
        ("Bosh3", observed_order(&Bosh3, 32, 4), 3.0),
        ("Dopri5", observed_order(&Dopri5, 32, 4), 5.0),
        ("Tsit5", observed_order(&Tsit5, 32, 4), 5.0),
        ("Dopri8", observed_order(&Dopri8, 8, 3), 8.0),
    ];
    for (name, observed, theory) in cases {
        assert!(
            (observed - theory).abs() < 0.3,
            "{name}: observed order {observed:.3}, theory {theory}"
        );
    }
}

/// The continuous extension at off-grid times, constant steps, every solver:
/// the largest error against the closed form falls as h^min(p, q+1) for a
/// method of order p with an interpolant of order q (Euler 1; the quadratic
/// and cubic Hermite interpolants 2 and 3; Dopri5's and Tsit5's quartics 5;
/// Dopri8's sixth-degree interpolant 7).
#[test]
fn dense_output_off_grid_matches_closed_form() {
    /// Largest error of dense output at 97 off-grid times with `n` steps.
    fn dense_error<S, D: Copy>(solver: &S, n: usize, empty: D) -> f64
    where
        S: for<'a> Solver<f64, V1, FnTerm<f64, V1, fn(f64, &V1) -> V1>, DenseInfo = D>,
    {
        let term: FnTerm<f64, V1, fn(f64, &V1) -> V1> = FnTerm::new(exp_sin);
        let blank = DenseStep {
            t0: 0.0,
            t1: 0.0,
            y0: V1::zeros(),
            y1: V1::zeros(),
            dense: empty,
        };
        let mut dense = vec![blank; n];
        let sol = diffeqsolve(
            &term,
            solver,
            0.0,
            2.0,
            Some(2.0 / n as f64),
            V1::from([1.0]),
            &SaveAt::dense(),
            &ConstantStepSize,
            10 * n,
            &mut SaveBuffers::none().with_dense(&mut dense),
        )
        .unwrap();
        assert_eq!(sol.num_dense, n);
        let steps = &dense[..sol.num_dense];
        assert!(evaluate_dense(solver, &term, steps, 2.5).is_err());
        (0..97)
            .map(|i| {
                // 97 points never coincide with a power-of-two grid.
                let t = 2.0 * (i as f64 + 0.37) / 97.0;
                let y = evaluate_dense(solver, &term, steps, t).unwrap();
                (y[0] - exp_sin_exact(t)).abs()
            })
            .fold(0.0, f64::max)
    }
    fn order<S, D: Copy>(solver: &S, n: usize, empty: D) -> f64
    where
        S: for<'a> Solver<f64, V1, FnTerm<f64, V1, fn(f64, &V1) -> V1>, DenseInfo = D>,
    {
        let e1 = dense_error(solver, n, empty);
        let e2 = dense_error(solver, 2 * n, empty);
        assert!(e2 > 1e-14, "round-off");
        (e1 / e2).log2()
    }
    let cases = [
        (
            "Euler",
            order(
                &Euler,
                256,
                RkStages {
                    k: [V1::zeros(); 1],
                },
            ),
            1.0,
        ),
        (
            "Heun",
            order(
                &Heun,
                128,
                RkStages {
                    k: [V1::zeros(); 2],
                },
            ),
            2.0,
        ),
        (
            "Midpoint",
            order(
                &Midpoint,
                128,
                RkStages {
                    k: [V1::zeros(); 2],
                },
            ),
            2.0,
        ),
        (
            "Ralston",
            order(
                &Ralston,
                128,
                RkStages {
                    k: [V1::zeros(); 2],
                },
            ),
            2.0,
        ),
        (
            "Bosh3",
            order(
                &Bosh3,
                64,
                RkStages {
                    k: [V1::zeros(); 4],
                },
            ),
            3.0,
        ),
        (
            "Dopri5",
            order(
                &Dopri5,
                128,
                RkStages {
                    k: [V1::zeros(); 7],
                },
            ),
            5.0,
        ),
        (
            "Tsit5",
            order(
                &Tsit5,
                128,
                RkStages {
                    k: [V1::zeros(); 7],
                },
            ),
            5.0,
        ),
        (
            "Dopri8",
            order(
                &Dopri8,
                16,
                RkStages {
                    k: [V1::zeros(); 14],
                },
            ),
            7.0,
        ),
    ];
    for (name, observed, want) in cases {
        assert!(
            (observed - want).abs() < 0.3,
            "{name}: dense output order {observed:.3}, expected {want}"
        );
    }
}

/// Tsit5, Dopri5 and Dopri8 interpolants in an adaptive solve, at `ts`.
#[test]
fn adaptive_ts_output_matches_closed_form() {
    fn check<S>(solver: &S, tol: f64)
    where
        S: for<'a> Solver<f64, V1, FnTerm<f64, V1, fn(f64, &V1) -> V1>>,
    {
        let term: FnTerm<f64, V1, fn(f64, &V1) -> V1> = FnTerm::new(exp_sin);
        let ts: [f64; 40] = core::array::from_fn(|i| 0.05 + 0.123 * i as f64);
        let mut t_out = [0.0; 40];
        let mut y_out = [V1::zeros(); 40];
        let pid = PidController::new(1e-10, 1e-10).unwrap();
        let sol = diffeqsolve(
            &term,
            solver,
            0.0,
            5.0,
            None,
            V1::from([1.0]),
            &SaveAt::ts(&ts),
            &pid,
            10_000,
            &mut SaveBuffers::new(&mut t_out, &mut y_out),
        )
        .unwrap();
        assert_eq!(sol.num_saved, 40);
        // Saving at ts interpolates: the steps are those of a solve saving nothing.
        let plain = diffeqsolve(
            &term,
            solver,
            0.0,
            5.0,
            None,
            V1::from([1.0]),
            &SaveAt::nothing(),
            &pid,
            10_000,
            &mut SaveBuffers::none(),
        )
        .unwrap();
        assert_eq!(plain.stats, sol.stats);
        for (t, y) in t_out.iter().zip(y_out.iter()) {
            let err = (y[0] - exp_sin_exact(*t)).abs();
            assert!(err < tol, "t = {t}: error {err:e}");
        }
        assert_eq!(t_out, ts);
    }
    check(&Tsit5, 1e-8);
    check(&Dopri5, 1e-8);
    check(&Dopri8, 1e-8);
}

fn p1(rtol: f64) -> (V2, odegrad::Stats) {
    let term = FnTerm::new(problems::lotka_volterra);
    let pid = PidController::new(rtol, rtol).unwrap();
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        10.0,
        Some(0.01),
        V2::from([1.0, 1.0]),
        &SaveAt::nothing(),
        &pid,
        100_000,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    (sol.y, sol.stats)
}

#[test]
fn p1_tight_tolerance_matches_reference() {
    let (y, _) = p1(1e-10);
    for i in 0..2 {
        let rel = (y[i] - problems::P1_Y10[i]).abs() / problems::P1_Y10[i].abs();
        assert!(rel < 1e-7, "component {i}: relative error {rel:e}");
    }
}

#[test]
fn p1_step_counts_match_diffrax() {
    let (y, stats) = p1(1e-8);
    // Diffrax 0.7.2: 197 accepted, 27 rejected, 1345 vector-field evaluations.
    let within = |got: usize, want: f64| ((got as f64) - want).abs() <= 0.1 * want;
    assert!(within(stats.num_accepted_steps, 197.0), "{stats:?}");
    assert!(within(stats.num_rejected_steps, 27.0), "{stats:?}");
    assert!(within(stats.num_rhs_evals, 1345.0), "{stats:?}");
    assert_eq!(
        stats.num_steps,
        stats.num_accepted_steps + stats.num_rejected_steps
    );
    assert!((y[0] - problems::P1_Y10[0]).abs() < 1e-6);
}

#[test]
fn p4_and_p6_reach_their_references() {
    let net = problems::NeuralOde::new();
    let term = FnTerm::new(|_t: f64, y: &V2| net.rhs(y));
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    let sol = diffeqsolve(
        &term,
        &Dopri5,
        0.0,
        5.0,
        Some(0.01),
        V2::from([1.0, -0.5]),
        &SaveAt::nothing(),
        &pid,
        4096,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    for i in 0..2 {
        assert!((sol.y[i] - problems::P4_Y5[i]).abs() < 1e-6, "{:?}", sol.y);
    }

    let term = FnTerm::new(problems::heat32);
    let pid = PidController::new(1e-6, 1e-8).unwrap();
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        0.5,
        Some(1e-3),
        problems::heat32_y0(),
        &SaveAt::nothing(),
        &pid,
        4096,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    let loss: f64 = sol.y.iter().sum();
    assert!((loss - problems::P6_LOSS).abs() < 1e-4 * problems::P6_LOSS);
}

#[test]
fn backwards_in_time_inverts_the_forward_solve() {
    let term = FnTerm::new(problems::lotka_volterra);
    let pid = PidController::new(1e-10, 1e-10).unwrap();
    let ts = [10.0, 7.5, 5.0, 0.0];
    let mut t_out = [0.0; 6];
    let mut y_out = [V2::zeros(); 6];
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        10.0,
        0.0,
        Some(-0.01),
        V2::from(problems::P1_Y10),
        &SaveAt::ts(&ts).with_t0().with_t1(),
        &pid,
        100_000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )
    .unwrap();
    assert!((sol.t).abs() < 1e-300);
    assert!((sol.y[0] - 1.0).abs() < 1e-7 && (sol.y[1] - 1.0).abs() < 1e-7);
    assert_eq!(sol.num_saved, 6);
    assert_eq!(t_out, [10.0, 10.0, 7.5, 5.0, 0.0, 0.0]);
    // The interpolated y(5) agrees with a forward solve's.
    let mut f_t = [0.0; 1];
    let mut f_y = [V2::zeros(); 1];
    diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        10.0,
        None,
        V2::from([1.0, 1.0]),
        &SaveAt::ts(&[5.0]),
        &pid,
        100_000,
        &mut SaveBuffers::new(&mut f_t, &mut f_y),
    )
    .unwrap();
    assert!((f_y[0] - y_out[3]).norm() < 1e-7);

    // Constant steps backwards, with the automatic direction of dt0.
    let term = FnTerm::new(exp_sin);
    let sol = diffeqsolve(
        &term,
        &Dopri8,
        2.0,
        0.0,
        Some(-0.05),
        V1::from([exp_sin_exact(2.0)]),
        &SaveAt::nothing(),
        &ConstantStepSize,
        100,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    assert_eq!(sol.stats.num_accepted_steps, 40);
    assert!((sol.y[0] - 1.0).abs() < 1e-10, "{}", sol.y[0]);
}

/// y' = −p0 y, written by hand (the macro is not needed for a solve).
struct Decay;
impl OdeSystem<f64, 1, 1> for Decay {
    const JAC_Y_PATTERN: [[bool; 1]; 1] = [[true]];
    const JAC_P_PATTERN: [[bool; 1]; 1] = [[true]];
    const DEPENDS_ON_T: bool = false;
    fn rhs(&self, _t: f64, y: &V1, p: &V1) -> V1 {
        V1::from([-p[0] * y[0]])
    }
    fn jvp_y(&self, _t: f64, _y: &V1, p: &V1, v: &V1) -> V1 {
        V1::from([-p[0] * v[0]])
    }
    fn jvp_p(&self, _t: f64, y: &V1, _p: &V1, v: &V1) -> V1 {
        V1::from([-y[0] * v[0]])
    }
    fn vjp(&self, _t: f64, y: &V1, p: &V1, w: &V1) -> (V1, V1) {
        (V1::from([-p[0] * w[0]]), V1::from([-y[0] * w[0]]))
    }
    fn jac_y(&self, _t: f64, _y: &V1, p: &V1) -> SMatrix<f64, 1, 1> {
        SMatrix::from([[-p[0]]])
    }
    fn jac_p(&self, _t: f64, y: &V1, _p: &V1) -> SMatrix<f64, 1, 1> {
        SMatrix::from([[-y[0]]])
    }
    fn dfdt(&self, _t: f64, _y: &V1, _p: &V1) -> V1 {
        V1::zeros()
    }
    fn vjp_jvp(&self, _t: f64, _y: &V1, _p: &V1, v: &V1, _v_t: f64, w: &V1) -> (V1, V1, f64) {
        (V1::zeros(), V1::from([-w[0] * v[0]]), 0.0)
    }
}

#[test]
fn ode_term_solve_and_every_invalid_argument() {
    use InvalidArgument::*;
    let term = OdeTerm::new(&Decay, V1::from([2.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let y0 = V1::from([1.0]);
    let solve = |t0: f64, t1: f64, dt0: Option<f64>, y0: V1, ts: &[f64], max_steps: usize| {
        diffeqsolve(
            &term,
            &Tsit5,
            t0,
            t1,
            dt0,
            y0,
            &SaveAt::ts(ts),
            &pid,
            max_steps,
            &mut SaveBuffers::new(&mut [0.0; 8], &mut [V1::zeros(); 8]),
        )
    };
    let ok = solve(0.0, 1.0, Some(0.1), y0, &[0.5], 100).unwrap();
    assert!((ok.y[0] - (-2.0f64).exp()).abs() < 1e-7);

    let err = |e: InvalidArgument| Err(Error::InvalidArgument(e));
    assert_eq!(
        solve(0.0, 1.0, None, V1::from([f64::NAN]), &[], 100),
        err(NonFiniteY0)
    );
    assert_eq!(
        solve(f64::INFINITY, 1.0, None, y0, &[], 100),
        err(NonFiniteT0)
    );
    assert_eq!(solve(0.0, f64::NAN, None, y0, &[], 100), err(NonFiniteT1));
    // An empty interval is a valid solve (tests/empty_interval.rs): y0, no
    // step, whatever the sign of dt0, but a NaN dt0 is still rejected.
    let empty = solve(1.0, 1.0, None, y0, &[1.0], 100).unwrap();
    assert_eq!(
        (empty.y, empty.num_saved, empty.stats.num_steps),
        (y0, 1, 0)
    );
    assert!(solve(1.0, 1.0, Some(-0.1), y0, &[], 100).is_ok());
    assert_eq!(
        solve(1.0, 1.0, Some(f64::NAN), y0, &[], 100),
        err(NonFiniteDt0)
    );
    assert_eq!(solve(1.0, 1.0, None, y0, &[0.5], 100), err(TsOutsideSpan));
    assert_eq!(solve(0.0, 1.0, Some(0.0), y0, &[], 100), err(ZeroDt0));
    assert_eq!(
        solve(0.0, 1.0, Some(f64::NAN), y0, &[], 100),
        err(NonFiniteDt0)
    );
    assert_eq!(
        solve(0.0, 1.0, Some(-0.1), y0, &[], 100),
        err(Dt0WrongDirection)
    );
    assert_eq!(
        solve(1.0, 0.0, Some(0.1), y0, &[], 100),
        err(Dt0WrongDirection)
    );
    assert_eq!(
        solve(0.0, 1.0, None, y0, &[0.5, 0.2], 100),
        err(TsNotMonotone)
    );
    assert_eq!(
        solve(0.0, 1.0, None, y0, &[0.5, 1.5], 100),
        err(TsOutsideSpan)
    );
    assert_eq!(
        solve(0.0, 1.0, None, y0, &[f64::NAN], 100),
        err(TsOutsideSpan)
    );
    assert_eq!(
        solve(1.0, 0.0, None, y0, &[0.2, 0.5], 100),
        err(TsNotMonotone)
    );
    assert_eq!(solve(0.0, 1.0, None, y0, &[], 0), err(ZeroMaxSteps));

    let bad_params = OdeTerm::new(&Decay, V1::from([f64::INFINITY]));
    assert!(!bad_params.params_are_finite());
    assert_eq!(
        diffeqsolve(
            &bad_params,
            &Tsit5,
            0.0,
            1.0,
            None,
            y0,
            &SaveAt::nothing(),
            &pid,
            10,
            &mut SaveBuffers::none()
        ),
        err(NonFiniteParams)
    );

    // Controller arguments, at construction.
    let e = |e: InvalidArgument| Error::InvalidArgument(e);
    assert_eq!(
        PidController::new(-1e-3, 1e-6).unwrap_err(),
        e(NegativeRtol)
    );
    assert_eq!(
        PidController::new(f64::NAN, 1e-6).unwrap_err(),
        e(NegativeRtol)
    );
    assert_eq!(
        PidController::new(1e-3, -1e-6).unwrap_err(),
        e(NegativeAtol)
    );
    assert_eq!(
        PidController::new(1e-3, f64::INFINITY).unwrap_err(),
        e(NegativeAtol)
    );
    assert_eq!(PidController::new(0.0, 0.0).unwrap_err(), e(ZeroTolerances));
    assert_eq!(pid.with_dtmin(-1.0).unwrap_err(), e(InvalidDtmin));
    assert_eq!(
        pid.with_dtmax(0.1).unwrap().with_dtmin(1.0).unwrap_err(),
        e(InvalidDtmin)
    );
    assert_eq!(pid.with_dtmax(0.0).unwrap_err(), e(InvalidDtmax));
    assert_eq!(
        pid.with_safety(1.5).unwrap_err(),
        e(InvalidControllerCoefficient)
    );
    assert_eq!(
        pid.with_factormin(0.0).unwrap_err(),
        e(InvalidControllerCoefficient)
    );
    assert_eq!(
        pid.with_factormax(0.5).unwrap_err(),
        e(InvalidControllerCoefficient)
    );
    assert_eq!(
        pid.with_pcoeff(f64::NAN).unwrap_err(),
        e(InvalidControllerCoefficient)
    );
    assert_eq!(
        pid.with_icoeff(0.0).unwrap_err(),
        e(InvalidControllerCoefficient)
    );

    // ... and again at solve time, since the fields are public.
    let mut hostile = pid;
    hostile.rtol = -1.0;
    let run = |c: &PidController<'_, f64>| {
        diffeqsolve(
            &term,
            &Tsit5,
            0.0,
            1.0,
            None,
            y0,
            &SaveAt::nothing(),
            c,
            10,
            &mut SaveBuffers::none(),
        )
    };
    assert_eq!(run(&hostile), err(NegativeRtol));
    let bad_step_ts = [0.5, 0.2];
    assert_eq!(run(&pid.with_step_ts(&bad_step_ts)), err(StepTsInvalid));
    assert_eq!(run(&pid.with_jump_ts(&bad_step_ts)), err(StepTsInvalid));

    // Solver/controller combinations.
    let no_save = || SaveBuffers::none();
    assert_eq!(
        diffeqsolve(
            &term,
            &Euler,
            0.0,
            1.0,
            None,
            y0,
            &SaveAt::nothing(),
            &pid,
            10,
            &mut no_save()
        ),
        err(NoErrorEstimate)
    );
    assert_eq!(
        diffeqsolve(
            &term,
            &Euler,
            0.0,
            1.0,
            None,
            y0,
            &SaveAt::nothing(),
            &ConstantStepSize,
            10,
            &mut no_save()
        ),
        err(MissingDt0)
    );
    let step_to = |ts: &[f64], dt0: Option<f64>| {
        diffeqsolve(
            &term,
            &Euler,
            0.0,
            1.0,
            dt0,
            y0,
            &SaveAt::nothing(),
            &StepTo::new(ts),
            10,
            &mut SaveBuffers::none(),
        )
    };
    assert_eq!(step_to(&[0.0, 0.5], None), err(StepTsInvalid));
    assert_eq!(step_to(&[0.0, 0.7, 0.5, 1.0], None), err(StepTsInvalid));
    assert_eq!(step_to(&[], None), err(StepTsInvalid));
    assert_eq!(step_to(&[0.0, 1.0], Some(0.5)), err(Dt0WithStepTo));
    assert!(step_to(&[0.0, 0.25, 1.0], None).is_ok());
}

#[test]
fn runtime_errors() {
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    // Buffer too small for the known outputs: reported before any work.
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let r = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        1.0,
        None,
        V1::from([1.0]),
        &SaveAt::ts(&[0.1, 0.2, 0.3]).with_t1(),
        &pid,
        100,
        &mut SaveBuffers::new(&mut [0.0; 3], &mut [V1::zeros(); 3]),
    );
    assert_eq!(
        r,
        Err(Error::SaveBufferTooSmall {
            needed: 4,
            capacity: 3
        })
    );
    // ... and when the steps outnumber it.
    let r = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        10.0,
        None,
        V1::from([1.0]),
        &SaveAt::steps(),
        &pid,
        1000,
        &mut SaveBuffers::new(&mut [0.0; 3], &mut [V1::zeros(); 3]),
    );
    assert_eq!(
        r,
        Err(Error::SaveBufferTooSmall {
            needed: 4,
            capacity: 3
        })
    );

    // dtmin without forcing: the step size falls below it near the blow-up of
    // y' = y², y(0) = 1 at t = 1.
    let blowup = FnTerm::new(|_t: f64, y: &V1| V1::from([y[0] * y[0]]));
    let strict = pid.with_dtmin(1e-4).unwrap().with_force_dtmin(false);
    let r = diffeqsolve(
        &blowup,
        &Tsit5,
        0.0,
        2.0,
        None,
        V1::from([1.0]),
        &SaveAt::nothing(),
        &strict,
        10_000,
        &mut SaveBuffers::none(),
    );
    match r {
        Err(Error::StepSizeBelowDtmin { t, dt }) => assert!(t > 0.9 && t < 1.0 && dt < 1e-4),
        other => panic!("{other:?}"),
    }

    // A vector field that is NaN: reported as a derivative problem at t0.
    let nan = FnTerm::new(|_t: f64, _y: &V1| V1::from([f64::NAN]));
    let r = diffeqsolve(
        &nan,
        &Tsit5,
        0.0,
        1.0,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid,
        1000,
        &mut SaveBuffers::none(),
    );
    assert_eq!(r, Err(Error::NonFiniteDerivative { t: 0.0 }));

    // A state that overflows under constant steps.
    let grow = FnTerm::new(|_t: f64, y: &V1| *y);
    let r = diffeqsolve(
        &grow,
        &Euler,
        0.0,
        1e12,
        Some(1e10),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &ConstantStepSize,
        1000,
        &mut SaveBuffers::none(),
    );
    match r {
        Err(Error::NonFiniteState { t }) => assert!((t - 30e10).abs() < 1.0, "{t}"),
        other => panic!("{other:?}"),
    }

    // A discontinuous-in-time vector field that turns NaN at t = 0.5: the PID
    // controller rejects and shrinks, and the steps pile up before 0.5.
    let wall = FnTerm::new(|t: f64, y: &V1| if t > 0.5 { V1::from([f64::NAN]) } else { -y });
    let r = diffeqsolve(
        &wall,
        &Tsit5,
        0.0,
        1.0,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid,
        200,
        &mut SaveBuffers::none(),
    );
    match r {
        Err(Error::MaxStepsReached { t, max_steps: 200 }) => assert!(t > 0.49 && t <= 0.5),
        Err(Error::StepSizeBelowDtmin { t, .. }) => assert!(t > 0.49 && t <= 0.5),
        other => panic!("{other:?}"),
    }
}

/// Robertson's stiff chemistry (P3) under an explicit method: the step size is
/// limited by stability, and a small budget ends the solve with MaxStepsReached.
#[test]
fn stiff_problem_under_tsit5_runs_out_of_steps() {
    let robertson = FnTerm::new(|_t: f64, y: &SVector<f64, 3>| {
        let (k1, k2, k3) = (0.04, 3e7, 1e4);
        SVector::from([
            -k1 * y[0] + k3 * y[1] * y[2],
            k1 * y[0] - k2 * y[1] * y[1] - k3 * y[1] * y[2],
            k2 * y[1] * y[1],
        ])
    });
    let pid = PidController::new(1e-8, 1e-10).unwrap();
    let r = diffeqsolve(
        &robertson,
        &Tsit5,
        0.0,
        1e5,
        Some(1e-6),
        SVector::from([1.0, 0.0, 0.0]),
        &SaveAt::t1(),
        &pid,
        500,
        &mut SaveBuffers::new(&mut [0.0; 1], &mut [SVector::zeros(); 1]),
    );
    match r {
        Err(Error::MaxStepsReached { t, max_steps: 500 }) => assert!(t < 1.0, "{t}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn saveat_kinds() {
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let pid = PidController::new(1e-9, 1e-9).unwrap();
    let y0 = V1::from([1.0]);
    let ts = [0.0, 0.25, 1.0, 2.0];
    let mut t_out = [f64::NAN; 64];
    let mut y_out = [V1::zeros(); 64];
    let blank = DenseStep {
        t0: 0.0,
        t1: 0.0,
        y0: V1::zeros(),
        y1: V1::zeros(),
        dense: RkStages {
            k: [V1::zeros(); 7],
        },
    };
    let mut dense = [blank; 64];
    let saveat = SaveAt::ts(&ts)
        .with_t0()
        .with_t1()
        .with_steps()
        .with_dense();
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        2.0,
        None,
        y0,
        &saveat,
        &pid,
        1000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out).with_dense(&mut dense),
    )
    .unwrap();
    let n_steps = sol.stats.num_accepted_steps;
    assert_eq!(sol.num_saved, 1 + ts.len() + n_steps + 1);
    assert_eq!(sol.num_dense, n_steps);
    let saved = &t_out[..sol.num_saved];
    // Time order, t0 first and t1 last, every value on the exact solution.
    assert!(saved.windows(2).all(|w| w[1] >= w[0]), "{saved:?}");
    assert_eq!(saved[0], 0.0);
    assert_eq!(saved[sol.num_saved - 1], 2.0);
    for (t, y) in saved.iter().zip(y_out.iter()) {
        assert!((y[0] - (-t).exp()).abs() < 1e-8, "t = {t}");
    }
    // Dense records tile [t0, t1].
    let d = &dense[..sol.num_dense];
    assert_eq!(d[0].t0, 0.0);
    assert_eq!(d[n_steps - 1].t1, 2.0);
    assert!(d.windows(2).all(|w| w[0].t1 == w[1].t0));
    // The step ends saved with `steps` are the dense records' ends.
    let step_ends: Vec<f64> = d.iter().map(|s| s.t1).collect();
    for t in &step_ends {
        assert!(saved.contains(t));
    }

    // t0 only, t1 only.
    for (s, want) in [(SaveAt::nothing().with_t0(), 0.0), (SaveAt::t1(), 2.0)] {
        let mut t_out = [f64::NAN; 1];
        let mut y_out = [V1::zeros(); 1];
        let sol = diffeqsolve(
            &term,
            &Tsit5,
            0.0,
            2.0,
            None,
            y0,
            &s,
            &pid,
            1000,
            &mut SaveBuffers::new(&mut t_out, &mut y_out),
        )
        .unwrap();
        assert_eq!(sol.num_saved, 1);
        assert_eq!(t_out[0], want);
        assert!((y_out[0][0] - (-want).exp()).abs() < 1e-8);
    }

    // Dense buffer too small.
    let mut small = [blank; 2];
    let r = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        2.0,
        None,
        y0,
        &SaveAt::dense(),
        &pid,
        1000,
        &mut SaveBuffers::none().with_dense(&mut small),
    );
    assert_eq!(
        r,
        Err(Error::SaveBufferTooSmall {
            needed: 3,
            capacity: 2
        })
    );
}

#[test]
fn step_ts_and_jump_ts() {
    // f jumps from +1 to −1 at t = 1: y(2) = 0 exactly for a solver that
    // does not step across the jump.
    let term = FnTerm::new(|t: f64, _y: &V1| V1::from([if t < 1.0 { 1.0 } else { -1.0 }]));
    let jumps = [1.0];
    let pid = PidController::new(1e-8, 1e-8).unwrap().with_jump_ts(&jumps);
    let mut t_out = [0.0; 64];
    let mut y_out = [V1::zeros(); 64];
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        2.0,
        Some(0.3),
        V1::from([0.0]),
        &SaveAt::steps(),
        &pid,
        1000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )
    .unwrap();
    assert!(sol.y[0].abs() < 1e-12, "{}", sol.y[0]);
    // The step before the jump ends one ulp before it.
    assert!(t_out[..sol.num_saved].contains(&1.0f64.next_down()));
    assert_eq!(sol.stats.num_rejected_steps, 0);
    // Six evaluations per step, one FSAL start, one more after the jump.
    assert_eq!(
        sol.stats.num_rhs_evals,
        6 * sol.stats.num_accepted_steps + 2
    );

    // step_ts: the steps end at the given times too.
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let step_ts = [0.123, 0.77, 1.5];
    let pid = PidController::new(1e-6, 1e-6)
        .unwrap()
        .with_step_ts(&step_ts);
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        2.0,
        None,
        V1::from([1.0]),
        &SaveAt::steps(),
        &pid,
        1000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )
    .unwrap();
    for t in step_ts {
        assert!(t_out[..sol.num_saved].contains(&t), "{t}");
    }
}

#[test]
fn max_norm_is_stricter_than_rms() {
    let term = FnTerm::new(problems::lotka_volterra);
    let steps = |norm_max: bool| {
        let pid = PidController::new(1e-8, 1e-8).unwrap();
        let run = |c: &dyn Fn() -> usize| c();
        if norm_max {
            let pid = pid.with_norm(MaxNorm);
            run(&|| {
                diffeqsolve(
                    &term,
                    &Tsit5,
                    0.0,
                    10.0,
                    Some(0.01),
                    V2::from([1.0, 1.0]),
                    &SaveAt::nothing(),
                    &pid,
                    10_000,
                    &mut SaveBuffers::none(),
                )
                .unwrap()
                .stats
                .num_accepted_steps
            })
        } else {
            run(&|| {
                diffeqsolve(
                    &term,
                    &Tsit5,
                    0.0,
                    10.0,
                    Some(0.01),
                    V2::from([1.0, 1.0]),
                    &SaveAt::nothing(),
                    &pid,
                    10_000,
                    &mut SaveBuffers::none(),
                )
                .unwrap()
                .stats
                .num_accepted_steps
            })
        }
    };
    assert!(steps(true) > steps(false));
}

/// A stored loop state replays bit-identically: the contract the
/// checkpointing adjoint builds on.
#[test]
fn replay_from_a_stored_loop_state_is_bit_identical() {
    let term = FnTerm::new(problems::lotka_volterra);
    let pid = PidController::new(1e-8, 1e-8)
        .unwrap()
        .with_pcoeff(0.3)
        .unwrap();
    let mut it = Integrator::new(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        None,
        V2::from([1.0, 1.0]),
        4096,
    )
    .unwrap();
    let mut checkpoints = Vec::new();
    let mut history = Vec::new();
    let mut k = 0;
    while !it.is_done() {
        if k % 37 == 0 {
            checkpoints.push((history.len(), *it.state()));
        }
        k += 1;
        match it.advance().unwrap() {
            Advance::Accepted(s) => history.push((true, s.t0, s.t1, s.y1, s.solver_state)),
            Advance::Rejected { t0, t1 } => history.push((false, t0, t1, V2::zeros(), V2::zeros())),
            Advance::Finished => unreachable!(),
        }
    }
    let final_y = it.state().y;
    for (start, state) in checkpoints {
        let mut replay = Integrator::from_state(&term, &Tsit5, &pid, 0.0, 10.0, 4096, state);
        for want in &history[start..] {
            let got = match replay.advance().unwrap() {
                Advance::Accepted(s) => (true, s.t0, s.t1, s.y1, s.solver_state),
                Advance::Rejected { t0, t1 } => (false, t0, t1, V2::zeros(), V2::zeros()),
                Advance::Finished => unreachable!(),
            };
            assert_eq!(&got, want);
        }
        assert!(replay.is_done());
        assert_eq!(replay.state().y, final_y);
    }
}

/// A solver whose step "fails to converge" above a step size, as an implicit
/// method's Newton iteration may: the loop must reject and shrink, never
/// accept, and count the solver's work.
struct FlakyEuler;
impl<Tm: Term<f64, V1>> Solver<f64, V1, Tm> for FlakyEuler {
    type SolverState = ();
    type DenseInfo = ();
    fn order(&self) -> u32 {
        1
    }
    fn error_order(&self) -> Option<u32> {
        Some(2)
    }
    fn init(&self, _term: &Tm, _t0: f64, _t1: f64, _y0: &V1) {}
    fn step(&self, term: &Tm, t0: f64, t1: f64, y0: &V1, _s: &()) -> StepOutput<V1, (), ()> {
        let h = t1 - t0;
        let f0 = term.vf(t0, y0);
        let y1 = y0 + f0 * h;
        let f1 = term.vf(t1, &y1);
        let failed = h > 0.05;
        StepOutput {
            y1: if failed {
                V1::from([f64::NAN])
            } else {
                y0 + (f0 + f1) * (0.5 * h)
            },
            y_error: Some((f1 - f0) * (0.5 * h)),
            dense: (),
            state: (),
            status: if failed {
                StepStatus::NonlinearSolveFailed
            } else {
                StepStatus::Computed
            },
            work: StepWork {
                vf_evals: 2,
                jac_evals: 1,
                lu_factorisations: 1,
            },
        }
    }
    fn interpolate(&self, _t0: f64, _t1: f64, y0: &V1, _y1: &V1, _d: &(), _t: f64) -> V1 {
        *y0
    }
}

#[test]
fn failed_implicit_steps_are_rejected_and_counted() {
    let term = FnTerm::new(|_t: f64, y: &V1| -y);
    let pid = PidController::new(1e-4, 1e-4).unwrap();
    let sol = diffeqsolve(
        &term,
        &FlakyEuler,
        0.0,
        1.0,
        Some(0.5),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &pid,
        10_000,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    assert!(sol.stats.num_rejected_steps >= 2);
    assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-3);
    assert_eq!(sol.stats.num_jac_evals, sol.stats.num_steps);
    assert_eq!(sol.stats.num_lu_factorisations, sol.stats.num_steps);
    assert_eq!(sol.stats.num_rhs_evals, 2 * sol.stats.num_steps);
    // Under constant steps a failure cannot be retried: it is an error.
    let r = diffeqsolve(
        &term,
        &FlakyEuler,
        0.0,
        1.0,
        Some(0.1),
        V1::from([1.0]),
        &SaveAt::nothing(),
        &ConstantStepSize,
        100,
        &mut SaveBuffers::none(),
    );
    assert_eq!(r, Err(Error::NonlinearSolveFailed { t: 0.0 }));
}

/// The same solve in f32 (what `no-std-check` builds without std).
#[test]
fn p1_in_f32() {
    let term = FnTerm::new(|_t: f32, y: &SVector<f32, 2>| {
        SVector::from([1.5 * y[0] - y[0] * y[1], -3.0 * y[1] + y[0] * y[1]])
    });
    let pid = PidController::new(1e-5f32, 1e-5).unwrap();
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0f32,
        10.0,
        Some(0.01),
        SVector::from([1.0f32, 1.0]),
        &SaveAt::nothing(),
        &pid,
        4096,
        &mut SaveBuffers::none(),
    )
    .unwrap();
    for i in 0..2 {
        let rel = (f64::from(sol.y[i]) - problems::P1_Y10[i]).abs() / problems::P1_Y10[i];
        assert!(rel < 1e-3, "component {i}: {rel:e}");
    }
}

/// What an adjoint reads from an accepted step is enough to recompute it: the
/// FSAL solver state is f(t0, y0), and the generic step over the method's
/// public tableau reproduces y1 and the stage derivatives bit for bit.
#[test]
fn accepted_steps_can_be_recomputed_from_the_tableau() {
    use odegrad::solver::explicit::{erk_step, ExplicitRungeKutta};
    let term = FnTerm::new(problems::lotka_volterra);
    let pid = PidController::new(1e-6, 1e-6).unwrap();
    let mut it = Integrator::new(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        None,
        V2::from([1.0, 1.0]),
        4096,
    )
    .unwrap();
    let mut accepted = 0;
    while !it.is_done() {
        if let Advance::Accepted(s) = it.advance().unwrap() {
            accepted += 1;
            assert_eq!(s.solver_state, term.vf(s.t0, &s.y0));
            let again = erk_step(
                <Tsit5 as ExplicitRungeKutta<7, 4>>::TABLEAU,
                &term,
                s.t0,
                s.t1,
                &s.y0,
                &s.solver_state,
            );
            assert_eq!(again.y1, s.y1);
            assert_eq!(again.dense.k, s.dense.k);
            // The stage derivatives are f at the stage states of the tableau.
            let tab = <Tsit5 as ExplicitRungeKutta<7, 4>>::TABLEAU;
            let h = s.t1 - s.t0;
            for i in 0..7 {
                let mut yi = s.y0;
                for j in 0..i {
                    yi += s.dense.k[j] * (h * tab.a[i][j]);
                }
                let ki = term.vf(s.t0 + tab.c[i] * h, &yi);
                assert!((ki - s.dense.k[i]).norm() < 1e-12 * (1.0 + ki.norm()));
            }
        }
    }
    assert!(accepted > 10);
}
