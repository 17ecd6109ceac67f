//! Step-level tests of the stiff solvers: tableaus against the order
//! conditions, one step against the exact stability function, observed
//! orders from constant-step loops on problems with closed forms, dense
//! output, Jacobian/LU reuse and the failure paths.

// Index loops read like the formulas they implement.
#![allow(clippy::needless_range_loop)]

use super::implicit::{
    EsdirkTableau, IMPLICIT_EULER, ImplicitEuler, ImplicitState, KVAERNO3, KVAERNO4, KVAERNO5,
    Kvaerno3, Kvaerno4, Kvaerno5, NewtonConfig,
};
use super::order_conditions::{certified_order, invert_lower, mat_mul, row_times};
use super::rosenbrock::{RODAS5P, Rodas5P, RosenbrockTableau};
use crate::{JacobianTerm, Solver, StepStatus, StepWork, Term};
use nalgebra::{SMatrix, SVector};

// ---------------------------------------------------------------- terms

/// `y' = A y` with a constant matrix.
struct Linear<const N: usize> {
    a: SMatrix<f64, N, N>,
}
impl<const N: usize> Term<f64, SVector<f64, N>> for Linear<N> {
    fn vf(&self, _t: f64, y: &SVector<f64, N>) -> SVector<f64, N> {
        self.a * y
    }
}
impl<const N: usize> JacobianTerm<f64, N> for Linear<N> {
    fn jac(&self, _t: f64, _y: &SVector<f64, N>) -> SMatrix<f64, N, N> {
        self.a
    }
    fn dfdt(&self, _t: f64, _y: &SVector<f64, N>) -> SVector<f64, N> {
        SVector::zeros()
    }
}

fn scalar(lambda: f64) -> Linear<1> {
    Linear {
        a: SMatrix::from([[lambda]]),
    }
}

/// `y' = A y` with `A = S D S⁻¹`, `D` = a rotation block with eigenvalues
/// `−1 ± 5i` (the slow, oscillating modes) and `−1000` (the stiff one).
fn stiff_basis() -> SMatrix<f64, 3, 3> {
    SMatrix::<f64, 3, 3>::new(1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, -1.0)
}
fn stiff_linear() -> Linear<3> {
    let s = stiff_basis();
    let d = SMatrix::<f64, 3, 3>::new(-1.0, 5.0, 0.0, -5.0, -1.0, 0.0, 0.0, 0.0, -1000.0);
    let s_inv = s.try_inverse().unwrap();
    Linear { a: s * d * s_inv }
}
/// The solution from modal coordinates `m0` at t = 0.
fn stiff_exact(m0: [f64; 3], t: f64) -> SVector<f64, 3> {
    let (sn, cs) = (5.0 * t).sin_cos();
    let e = (-t).exp();
    let m = SVector::from([
        e * (cs * m0[0] + sn * m0[1]),
        e * (-sn * m0[0] + cs * m0[1]),
        (-1000.0 * t).exp() * m0[2],
    ]);
    stiff_basis() * m
}
const STIFF_M0: [f64; 3] = [1.0, 0.5, 1.0];
fn stiff_y0() -> SVector<f64, 3> {
    stiff_exact(STIFF_M0, 0.0)
}

/// `y' = −2 t y²`, `y = 1/(1 + t²)`: nonlinear and non-autonomous. Solved
/// from t = 1 (at t = 0 its Jacobian vanishes, a poor Newton matrix for the
/// whole first step).
struct Riccati;
impl Term<f64, SVector<f64, 1>> for Riccati {
    fn vf(&self, t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> {
        SVector::from([-2.0 * t * y[0] * y[0]])
    }
}
impl JacobianTerm<f64, 1> for Riccati {
    fn jac(&self, t: f64, y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> {
        SMatrix::from([[-4.0 * t * y[0]]])
    }
    fn dfdt(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> {
        SVector::from([-2.0 * y[0] * y[0]])
    }
}
fn riccati_exact(t: f64) -> f64 {
    1.0 / (1.0 + t * t)
}

/// `y' = λ y` whose Jacobian is reported as `jac` (wrong on purpose).
struct WrongJacobian {
    lambda: f64,
    jac: f64,
}
impl Term<f64, SVector<f64, 1>> for WrongJacobian {
    fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> {
        y * self.lambda
    }
}
impl JacobianTerm<f64, 1> for WrongJacobian {
    fn jac(&self, _t: f64, _y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> {
        SMatrix::from([[self.jac]])
    }
    fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> {
        SVector::zeros()
    }
}

// ---------------------------------------------------------------- helpers

const TIGHT: f64 = 1e-13;

fn kvaerno3() -> Kvaerno3<f64> {
    Kvaerno3::new(TIGHT, TIGHT).unwrap()
}
fn kvaerno4() -> Kvaerno4<f64> {
    Kvaerno4::new(TIGHT, TIGHT).unwrap()
}
fn kvaerno5() -> Kvaerno5<f64> {
    Kvaerno5::new(TIGHT, TIGHT).unwrap()
}
fn implicit_euler() -> ImplicitEuler<f64> {
    ImplicitEuler::new(TIGHT, TIGHT).unwrap()
}

fn add_work(total: &mut StepWork, w: StepWork) {
    total.vf_evals += w.vf_evals;
    total.jac_evals += w.jac_evals;
    total.lu_factorisations += w.lu_factorisations;
}

/// `n` constant steps from `t0` to `t1`; panics (test only) if a step fails.
fn constant_steps<const N: usize, Tm, S>(
    solver: &S,
    term: &Tm,
    t0: f64,
    t1: f64,
    y0: SVector<f64, N>,
    n: usize,
) -> (SVector<f64, N>, StepWork)
where
    Tm: JacobianTerm<f64, N>,
    S: Solver<f64, SVector<f64, N>, Tm>,
{
    let h = (t1 - t0) / n as f64;
    let mut y = y0;
    let mut state = solver.init(term, t0, t1, &y0);
    let mut work = StepWork::default();
    for i in 0..n {
        let ta = t0 + i as f64 * h;
        let tb = if i + 1 == n { t1 } else { ta + h };
        let out = solver.step(term, ta, tb, &y, &state);
        assert_eq!(out.status, StepStatus::Computed, "step {i} failed");
        add_work(&mut work, out.work);
        y = out.y1;
        state = out.state;
    }
    (y, work)
}

/// `log2(e(n) / e(2n))` for the errors at three resolutions (the last pair).
fn observed_order(errors: &[f64]) -> f64 {
    let k = errors.len();
    (errors[k - 2] / errors[k - 1]).log2()
}

// ---------------------------------------------------------------- tableaus

fn check_esdirk<const S: usize>(tab: &EsdirkTableau<S>, p: usize, p_hat: usize, tol: f64) {
    let b = tab.a[S - 1];
    let mut b_hat = b;
    for (bh, e) in b_hat.iter_mut().zip(tab.b_error.iter()) {
        *bh -= e;
    }
    assert_eq!(certified_order(&b, &tab.a, &tab.a, tol), p, "main method");
    assert_eq!(
        certified_order(&b_hat, &tab.a, &tab.a, tol),
        p_hat,
        "embedded"
    );
    for i in 0..S {
        let row: f64 = tab.a[i].iter().sum();
        assert!((row - tab.c[i]).abs() < 1e-14, "c[{i}]");
        if i > 0 {
            assert!((tab.a[i][i] - tab.gamma).abs() < 1e-15);
            let pred: f64 = tab.predictor[i].iter().sum();
            assert!(
                (pred - 1.0).abs() < 1e-12,
                "predictor row {i} sums to {pred}"
            );
        }
    }
}

#[test]
fn esdirk_tableaus_satisfy_order_conditions() {
    // Implicit Euler's estimate compares it with the trapezoidal rule.
    check_esdirk(&IMPLICIT_EULER, 1, 2, 1e-14);
    check_esdirk(&KVAERNO3, 3, 2, 1e-14);
    check_esdirk(&KVAERNO4, 4, 3, 1e-14);
    // Kvaerno5's coefficients are published to 17 digits.
    check_esdirk(&KVAERNO5, 5, 4, 1e-13);
}

/// The original-form coefficients `(α, Γ, b, b̂)` of a transformed tableau.
#[allow(clippy::type_complexity)]
fn rosenbrock_original<const S: usize, const D: usize>(
    tab: &RosenbrockTableau<S, D>,
) -> ([[f64; S]; S], [[f64; S]; S], [f64; S], [f64; S]) {
    // Γ⁻¹ = diag(1/γ) − C, α = A Γ, b = m Γ (Hairer–Wanner (7.24)).
    let mut gamma_inv = [[0.0; S]; S];
    for i in 0..S {
        for j in 0..S {
            gamma_inv[i][j] = if i == j {
                1.0 / tab.gamma
            } else {
                -tab.c[i][j]
            };
        }
    }
    let gamma = invert_lower(&gamma_inv);
    let alpha = mat_mul(&tab.a, &gamma);
    let b = row_times(&tab.m, &gamma);
    let mut m_hat = tab.m;
    for (mh, e) in m_hat.iter_mut().zip(tab.m_error.iter()) {
        *mh -= e;
    }
    let b_hat = row_times(&m_hat, &gamma);
    (alpha, gamma, b, b_hat)
}

#[test]
fn rodas5p_tableau_satisfies_order_conditions() {
    let (alpha, gamma, b, b_hat) = rosenbrock_original(&RODAS5P);
    let mut beta = alpha;
    for i in 0..8 {
        for j in 0..8 {
            beta[i][j] += gamma[i][j];
        }
        let a_i: f64 = alpha[i].iter().sum();
        let g_i: f64 = gamma[i].iter().sum();
        assert!((a_i - RODAS5P.alpha[i]).abs() < 1e-12, "alpha[{i}]");
        assert!((g_i - RODAS5P.d[i]).abs() < 1e-12, "d[{i}]");
    }
    assert_eq!(certified_order(&b, &alpha, &beta, 1e-12), 5, "main method");
    assert_eq!(certified_order(&b_hat, &alpha, &beta, 1e-12), 4, "embedded");
}

// ---------------------------------------------------------------- stability

/// `R(z) = 1 + z bᵀ (I − z M)⁻¹ 1` for a lower triangular `M`.
fn stability<const S: usize>(b: &[f64; S], m: &[[f64; S]; S], z: f64) -> f64 {
    let mut x = [0.0; S];
    for i in 0..S {
        let mut s = 1.0;
        for j in 0..i {
            s += z * m[i][j] * x[j];
        }
        x[i] = s / (1.0 - z * m[i][i]);
    }
    1.0 + z * (0..S).map(|i| b[i] * x[i]).sum::<f64>()
}

const ZS: [f64; 6] = [0.4, -0.3, -5.0, -300.0, -1e5, -1e9];

fn check_stability<S, const ST: usize>(solver: &S, b: &[f64; ST], m: &[[f64; ST]; ST])
where
    S: Solver<f64, SVector<f64, 1>, Linear<1>>,
{
    for z in ZS {
        let term = scalar(z);
        let y0 = SVector::from([1.0]);
        let out = solver.step(&term, 0.0, 1.0, &y0, &solver.init(&term, 0.0, 1.0, &y0));
        assert_eq!(out.status, StepStatus::Computed);
        let r = stability(b, m, z);
        // Stages carry h·f ~ |z|, so round-off in y1 grows like ε|z|.
        assert!(
            (out.y1[0] - r).abs() <= 1e-10 * r.abs() + 1e-14 * z.abs(),
            "z = {z}: step {} vs R(z) {r}",
            out.y1[0]
        );
    }
    // L-stability: R(z) = O(1/z) as z → −∞ (evaluated where round-off in
    // the formula is still small).
    let (r3, r6) = (stability(b, m, -1e3), stability(b, m, -1e6));
    assert!(
        r6.abs() < 1e-4 && r6.abs() < r3.abs() * 2e-3,
        "R(-1e3) {r3}, R(-1e6) {r6}"
    );
}

#[test]
fn one_step_matches_stability_function() {
    check_stability(&implicit_euler(), &IMPLICIT_EULER.a[1], &IMPLICIT_EULER.a);
    check_stability(&kvaerno3(), &KVAERNO3.a[3], &KVAERNO3.a);
    check_stability(&kvaerno4(), &KVAERNO4.a[4], &KVAERNO4.a);
    check_stability(&kvaerno5(), &KVAERNO5.a[6], &KVAERNO5.a);
    let (alpha, gamma, b, _) = rosenbrock_original(&RODAS5P);
    let mut beta = alpha;
    for i in 0..8 {
        for j in 0..8 {
            beta[i][j] += gamma[i][j];
        }
    }
    check_stability(&Rodas5P, &b, &beta);
}

// ---------------------------------------------------------------- orders

fn order_on_stiff_linear<S>(solver: &S, p: f64, ns: [usize; 3])
where
    S: Solver<f64, SVector<f64, 3>, Linear<3>>,
{
    let term = stiff_linear();
    let exact = stiff_exact(STIFF_M0, 1.0);
    let errors = ns.map(|n| {
        let (y, _) = constant_steps(solver, &term, 0.0, 1.0, stiff_y0(), n);
        (y - exact).amax()
    });
    let q = observed_order(&errors);
    // The linear order may exceed the order (Rodas5P's stability function
    // matches exp to order 6), so only a lower bound and a sanity cap.
    assert!(
        q > p - 0.3 && q < p + 1.3,
        "observed order {q}, errors {errors:?}"
    );
}

fn order_on_riccati<S>(solver: &S, p: f64, ns: [usize; 3])
where
    S: Solver<f64, SVector<f64, 1>, Riccati>,
{
    let errors = ns.map(|n| {
        let y0 = SVector::from([riccati_exact(1.0)]);
        let (y, _) = constant_steps(solver, &Riccati, 1.0, 3.0, y0, n);
        (y[0] - riccati_exact(3.0)).abs()
    });
    let q = observed_order(&errors);
    assert!(
        q > p - 0.3 && q < p + 0.6,
        "observed order {q}, errors {errors:?}"
    );
}

#[test]
fn observed_orders_on_stiff_linear_problem() {
    order_on_stiff_linear(&implicit_euler(), 1.0, [100, 200, 400]);
    order_on_stiff_linear(&kvaerno3(), 3.0, [10, 20, 40]);
    order_on_stiff_linear(&kvaerno4(), 4.0, [10, 20, 40]);
    order_on_stiff_linear(&kvaerno5(), 5.0, [10, 20, 40]);
    order_on_stiff_linear(&Rodas5P, 5.0, [10, 20, 40]);
}

#[test]
fn observed_orders_on_nonlinear_nonautonomous_problem() {
    order_on_riccati(&implicit_euler(), 1.0, [100, 200, 400]);
    order_on_riccati(&kvaerno3(), 3.0, [20, 40, 80]);
    order_on_riccati(&kvaerno4(), 4.0, [20, 40, 80]);
    order_on_riccati(&kvaerno5(), 5.0, [10, 20, 40]);
    order_on_riccati(&Rodas5P, 5.0, [10, 20, 40]);
}

#[test]
fn error_estimates_have_the_embedded_order() {
    // One step from a state in the slow modes: ‖y_error‖ ~ h^(q+1) with q
    // the embedded order, so halving h divides it by about 2^(q+1).
    fn check<S: Solver<f64, SVector<f64, 3>, Linear<3>>>(solver: &S, q: f64) {
        let term = stiff_linear();
        let y0 = stiff_exact([1.0, 0.5, 0.0], 0.0);
        let est = [0.01, 0.005].map(|h| {
            let out = solver.step(&term, 0.0, h, &y0, &solver.init(&term, 0.0, h, &y0));
            out.y_error.map_or(f64::NAN, |e| e.amax())
        });
        let r = (est[0] / est[1]).log2();
        assert!(
            (r - (q + 1.0)).abs() < 0.3,
            "ratio exponent {r}, estimates {est:?}"
        );
    }
    check(&implicit_euler(), 1.0);
    check(&kvaerno3(), 2.0);
    check(&kvaerno4(), 3.0);
    check(&kvaerno5(), 4.0);
    check(&Rodas5P, 4.0);
}

#[test]
fn dense_output_converges() {
    // One step from the exact solution, interpolated at 0.37 of the step:
    // Hermite is O(h⁴) locally, Rodas5P's interpolant O(h⁵).
    fn check<S: Solver<f64, SVector<f64, 1>, Riccati>>(solver: &S, local: f64) {
        let err = [0.2, 0.1].map(|h| {
            let t0 = 0.3;
            let t1 = t0 + h;
            let y0 = SVector::from([riccati_exact(t0)]);
            let out = solver.step(&Riccati, t0, t1, &y0, &solver.init(&Riccati, t0, t1, &y0));
            let t = t0 + 0.37 * h;
            let y = solver.interpolate(t0, t1, &y0, &out.y1, &out.dense, t);
            let ends = solver.interpolate(t0, t1, &y0, &out.y1, &out.dense, t1);
            assert!((ends[0] - out.y1[0]).abs() < 1e-15);
            (y[0] - riccati_exact(t)).abs()
        });
        let r = (err[0] / err[1]).log2();
        assert!(
            r > local - 0.5,
            "local interpolation order {r}, errors {err:?}"
        );
    }
    check(&implicit_euler(), 2.0);
    check(&kvaerno3(), 4.0);
    check(&kvaerno5(), 4.0);
    check(&Rodas5P, 5.0);
}

// ---------------------------------------------------------------- reuse

#[test]
fn jacobian_and_factorisation_are_reused_on_a_linear_problem() {
    // Constant steps on a linear problem: the exact Jacobian makes Newton
    // converge at once, so one Jacobian and one LU serve the whole solve.
    let term = stiff_linear();
    let (y, work) = constant_steps(&kvaerno5(), &term, 0.0, 1.0, stiff_y0(), 20);
    assert!((y - stiff_exact(STIFF_M0, 1.0)).amax() < 1e-5);
    assert_eq!(work.jac_evals, 1);
    assert_eq!(work.lu_factorisations, 1);
    // f0 once, then at most two iterations per implicit stage.
    assert!(work.vf_evals <= 1 + 20 * 6 * 2, "{work:?}");
    // Rodas5P: one Jacobian, one LU and 8 evaluations per step, always.
    let (_, work) = constant_steps(&Rodas5P, &term, 0.0, 1.0, stiff_y0(), 20);
    assert_eq!(
        work,
        StepWork {
            vf_evals: 160,
            jac_evals: 20,
            lu_factorisations: 20
        }
    );
}

#[test]
fn stale_jacobian_is_refreshed_within_the_step() {
    // A state whose Jacobian belongs to y' = −y, used on y' = −1e4 y: the
    // stale matrix makes Newton crawl, so the step re-evaluates J itself.
    let solver = kvaerno5();
    let y0 = SVector::from([1.0]);
    let mild = scalar(-1.0);
    let stale = solver
        .step(&mild, 0.0, 0.1, &y0, &solver.init(&mild, 0.0, 0.1, &y0))
        .state;
    let stiff = scalar(-1e4);
    let mut from_stale = stale;
    from_stale.f0 = None;
    let out = solver.step(&stiff, 0.0, 0.1, &y0, &from_stale);
    assert_eq!(out.status, StepStatus::Computed);
    assert_eq!(out.work.jac_evals, 1);
    let fresh = solver.step(&stiff, 0.0, 0.1, &y0, &ImplicitState::empty());
    assert!((out.y1[0] - fresh.y1[0]).abs() < 1e-12);
}

// ---------------------------------------------------------------- failures

#[test]
fn non_finite_jacobian_is_reported_as_singular() {
    let term = WrongJacobian {
        lambda: -1.0,
        jac: f64::NAN,
    };
    let y0 = SVector::from([1.0]);
    let s = kvaerno5();
    let out = s.step(&term, 0.0, 0.1, &y0, &s.init(&term, 0.0, 0.1, &y0));
    assert_eq!(out.status, StepStatus::SingularMatrix);
    assert!(out.y1[0].is_finite());
    let out = Rodas5P.step(&term, 0.0, 0.1, &y0, &());
    assert_eq!(out.status, StepStatus::SingularMatrix);
    assert!(out.y1[0].is_finite());
}

#[test]
fn singular_iteration_matrix_rejects_the_step_and_a_smaller_one_works() {
    // y' = y with hγ = 1 makes I − hγJ exactly zero.
    let term = scalar(1.0);
    let y0 = SVector::from([1.0]);
    let s = implicit_euler();
    let out = s.step(&term, 0.0, 1.0, &y0, &s.init(&term, 0.0, 1.0, &y0));
    assert_eq!(out.status, StepStatus::NonlinearSolveFailed);
    assert!(out.y1[0].is_finite());
    let out = s.step(&term, 0.0, 0.5, &y0, &s.init(&term, 0.0, 0.5, &y0));
    assert_eq!(out.status, StepStatus::Computed);
    assert!((out.y1[0] - 2.0).abs() < 1e-10); // 1 / (1 − h)

    // A step size with hγ · (1/(hγ)) == 1 exactly, and y' = y/(hγ).
    let h = (1..100)
        .map(|i| f64::from(i) / RODAS5P.gamma)
        .find(|h| {
            let hg = h * RODAS5P.gamma;
            1.0 - hg * (1.0 / hg) == 0.0
        })
        .unwrap();
    let term = scalar(1.0 / (h * RODAS5P.gamma));
    let out = Rodas5P.step(&term, 0.0, h, &y0, &());
    assert_eq!(out.status, StepStatus::NonlinearSolveFailed);
    let out = Rodas5P.step(&term, 0.0, h / 2.0, &y0, &());
    assert_eq!(out.status, StepStatus::Computed);
}

#[test]
fn diverging_newton_reports_failure_not_nan() {
    // The reported Jacobian has the wrong sign: the iteration diverges, the
    // fresh Jacobian is just as wrong, so the step fails cleanly.
    let term = WrongJacobian {
        lambda: -1e4,
        jac: 1e4,
    };
    let y0 = SVector::from([1.0]);
    let e = implicit_euler().step(&term, 0.0, 0.1, &y0, &ImplicitState::empty());
    for (status, y1, work) in [
        kvaerno5().step(&term, 0.0, 0.1, &y0, &ImplicitState::empty()),
        kvaerno3().step(&term, 0.0, 0.1, &y0, &ImplicitState::empty()),
    ]
    .map(|o| (o.status, o.y1, o.work))
    .into_iter()
    .chain([(e.status, e.y1, e.work)])
    {
        assert_eq!(status, StepStatus::NonlinearSolveFailed);
        assert!(y1[0].is_finite());
        assert!(work.vf_evals <= 1 + 10, "{work:?}");
    }
}

#[test]
fn empty_step_and_f32() {
    let term = scalar(-3.0);
    let y0 = SVector::from([1.0]);
    let out = kvaerno5().step(&term, 0.5, 0.5, &y0, &ImplicitState::empty());
    assert_eq!(out.status, StepStatus::Computed);
    assert!((out.y1[0] - 1.0).abs() < 1e-15);

    struct Decay32;
    impl Term<f32, SVector<f32, 1>> for Decay32 {
        fn vf(&self, _t: f32, y: &SVector<f32, 1>) -> SVector<f32, 1> {
            y * -2.0
        }
    }
    impl JacobianTerm<f32, 1> for Decay32 {
        fn jac(&self, _t: f32, _y: &SVector<f32, 1>) -> SMatrix<f32, 1, 1> {
            SMatrix::from([[-2.0]])
        }
        fn dfdt(&self, _t: f32, _y: &SVector<f32, 1>) -> SVector<f32, 1> {
            SVector::zeros()
        }
    }
    let y0 = SVector::from([1.0f32]);
    let s = Kvaerno5::new(1e-5f32, 1e-5).unwrap();
    let out = s.step(&Decay32, 0.0, 0.1, &y0, &s.init(&Decay32, 0.0, 0.1, &y0));
    assert!((out.y1[0] - (-0.2f32).exp()).abs() < 1e-5);
    let out = Rodas5P.step(&Decay32, 0.0, 0.1, &y0, &());
    assert!((out.y1[0] - (-0.2f32).exp()).abs() < 1e-5);
}

#[test]
fn newton_config_is_validated() {
    assert!(NewtonConfig::new(1e-6, 0.0).is_ok());
    assert!(NewtonConfig::new(0.0, 0.0).is_err());
    assert!(NewtonConfig::new(f64::NAN, 1e-6).is_err());
    let mut c = NewtonConfig::new(1e-6, 1e-6).unwrap();
    c.kappa = 1.5;
    assert!(Kvaerno5::with_newton(c).is_err());
    c.kappa = 0.05;
    c.max_iters = 0;
    assert!(ImplicitEuler::with_newton(c).is_err());
}

#[test]
fn error_filter_damps_stiff_components_only() {
    let mut cfg = NewtonConfig::new(TIGHT, TIGHT).unwrap();
    let plain = Kvaerno5::with_newton(cfg).unwrap();
    cfg.filter_error = true;
    let filtered = Kvaerno5::with_newton(cfg).unwrap();
    let est = |s: &Kvaerno5<f64>, lambda: f64, h: f64| {
        let term = scalar(lambda);
        let y0 = SVector::from([1.0]);
        s.step(&term, 0.0, h, &y0, &ImplicitState::empty())
            .y_error
            .unwrap()[0]
    };
    // Stiff: hλ = −1e4, the estimate shrinks by about 1 + hγ|λ|.
    let (p, f) = (est(&plain, -1e4, 1.0), est(&filtered, -1e4, 1.0));
    assert!(f.abs() < p.abs() * 1e-3, "plain {p}, filtered {f}");
    // Non-stiff: hλ = −1e-3, unchanged to first order.
    let (p, f) = (est(&plain, -1.0, 1e-3), est(&filtered, -1.0, 1e-3));
    assert!((f - p).abs() < 1e-2 * p.abs(), "plain {p}, filtered {f}");
}
