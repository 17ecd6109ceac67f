//! DirectAdjoint and forward mode: tangents against central finite
//! differences, duality with RecursiveCheckpointAdjoint (⟨w, J v⟩ = ⟨Jᵀ w, v⟩),
//! DirectAdjoint gradients against RecursiveCheckpointAdjoint gradients,
//! full sensitivities against single tangents, implicit stages (Kvaerno5 and
//! ImplicitEuler, the latter also against its closed-form discrete
//! derivative), and zero heap allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{
    jvp, Direct, DirectAdjoint, Gradient, RecursiveCheckpointAdjoint, SolverVjp, Tangent,
};
use odegrad::controller::StepSizeController;
use odegrad::integrate::{Advance, Integrator};
use odegrad::nalgebra::SVector;
use odegrad::solver::implicit::NewtonConfig;
use odegrad::{
    ode_system, ConstantStepSize, Dopri5, ImplicitEuler, Kvaerno5, OdeSystem, OdeTerm,
    PidController, StepTo, Tsit5,
};

/// `y' = −p·y`: ImplicitEuler's steps have a closed form.
#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

/// Lotka–Volterra with a time-dependent forcing, so that `∂f/∂t ≠ 0` and the
/// time tangents are exercised.
#[ode_system]
fn forced_lv(t: f64, y: &[f64; 2], p: &[f64; 5]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d, e] = *p;
    [a * x - b * x * z + e * t.sin(), -c * z + d * x * z]
}

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
        let mut s = p[5 * H + i];
        for j in 0..H {
            s += p[3 * H + H * i + j] * hidden[j];
        }
        out[i] = s;
    }
    out
}

#[ode_system]
fn heat(_t: f64, y: &[f64; 32], p: &[f64; 1]) -> [f64; 32] {
    const N: usize = 32;
    let h = 1.0 / (N as f64 + 1.0);
    let k = p[0] / (h * h);
    let mut out = [0.0; N];
    for i in 0..N {
        let left = if i > 0 { y[i - 1] } else { 0.0 };
        let right = if i + 1 < N { y[i + 1] } else { 0.0 };
        out[i] = k * (left - 2.0 * y[i] + right);
    }
    out
}

/// Van der Pol with μ = p0: stiff for large μ.
#[ode_system]
fn van_der_pol(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    let [u, v] = *y;
    [v, p[0] * (1.0 - u * u) * v - u]
}

fn p4_params() -> SVector<f64, 82> {
    let mut p = SVector::<f64, 82>::zeros();
    for i in 0..16 {
        for j in 0..2 {
            p[2 * i + j] = 0.1 * ((2 * i + j + 1) as f64).sin();
        }
        p[32 + i] = 0.05 * (i as f64).cos();
    }
    for i in 0..2 {
        for j in 0..16 {
            p[48 + 16 * i + j] = 0.1 * ((16 * i + j + 1) as f64).cos();
        }
    }
    p
}

fn heat_y0() -> SVector<f64, 32> {
    let h = 1.0 / 33.0;
    SVector::from_fn(|i, _| {
        let x = (i as f64 + 1.0) * h;
        (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
    })
}

/// A deterministic pseudo-random vector in [−1, 1].
fn pseudo_random<const K: usize>(seed: u64) -> SVector<f64, K> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    SVector::from_fn(|_, _| {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    })
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-300)
}

/// One problem instance: system, parameters, span, solver, controller.
struct Case<'a, Sys, Sv, C, const N: usize, const P: usize> {
    system: &'a Sys,
    params: SVector<f64, P>,
    y0: SVector<f64, N>,
    t0: f64,
    t1: f64,
    dt0: f64,
    ts: &'a [f64],
    solver: Sv,
    controller: C,
}

impl<'a, Sys, Sv, C, const N: usize, const P: usize> Case<'a, Sys, Sv, C, N, P>
where
    Sys: OdeSystem<f64, N, P>,
    Sv: odegrad::adjoint::TangentStep<f64, N, OdeTerm<'a, Sys, f64, N, P>>,
    C: StepSizeController<f64, SVector<f64, N>>,
{
    /// Outputs at ts and t1 with perturbed inputs.
    fn solve(
        &self,
        y0: SVector<f64, N>,
        p: SVector<f64, P>,
        t0: f64,
        t1: f64,
    ) -> (Vec<SVector<f64, N>>, SVector<f64, N>) {
        let term = OdeTerm::new(self.system, p);
        let mut ys = vec![SVector::zeros(); self.ts.len()];
        let d = DirectAdjoint::forward(
            &term,
            &self.solver,
            &self.controller,
            t0,
            t1,
            Some(self.dt0),
            y0,
            self.ts,
            &mut ys,
            100_000,
        )
        .unwrap();
        (ys, *d.y1())
    }

    fn direct(&self) -> (Vec<SVector<f64, N>>, SVector<f64, N>) {
        self.solve(self.y0, self.params, self.t0, self.t1)
    }

    /// The tangent along `seed` through the generic entry point.
    fn tangent(
        &self,
        seed: &Tangent<f64, SVector<f64, N>, SVector<f64, P>>,
    ) -> (Vec<SVector<f64, N>>, SVector<f64, N>) {
        let term = OdeTerm::new(self.system, self.params);
        let mut ys = vec![SVector::zeros(); self.ts.len()];
        let mut ys_dot = vec![SVector::zeros(); self.ts.len()];
        let out = jvp(
            &Direct,
            &term,
            &self.solver,
            &self.controller,
            self.t0,
            self.t1,
            Some(self.dt0),
            self.y0,
            seed,
            self.ts,
            &mut ys,
            &mut ys_dot,
            100_000,
        )
        .unwrap();
        (ys_dot, out.y1_dot)
    }

    /// Central differences of the outputs along `seed`.
    fn finite_difference(
        &self,
        seed: &Tangent<f64, SVector<f64, N>, SVector<f64, P>>,
        eps: f64,
    ) -> (Vec<SVector<f64, N>>, SVector<f64, N>) {
        let (yp, y1p) = self.solve(
            self.y0 + seed.y0 * eps,
            self.params + seed.params * eps,
            self.t0 + seed.t0 * eps,
            self.t1 + seed.t1 * eps,
        );
        let (ym, y1m) = self.solve(
            self.y0 - seed.y0 * eps,
            self.params - seed.params * eps,
            self.t0 - seed.t0 * eps,
            self.t1 - seed.t1 * eps,
        );
        let ys = yp
            .iter()
            .zip(&ym)
            .map(|(a, b)| (a - b) / (2.0 * eps))
            .collect();
        (ys, (y1p - y1m) / (2.0 * eps))
    }

    /// DirectAdjoint's gradient for the cotangents `ws`, `w1`.
    fn direct_gradient(
        &self,
        ws: &[SVector<f64, N>],
        w1: &SVector<f64, N>,
    ) -> Gradient<f64, SVector<f64, N>, SVector<f64, P>> {
        let term = OdeTerm::new(self.system, self.params);
        let mut ys = vec![SVector::zeros(); self.ts.len()];
        DirectAdjoint::forward(
            &term,
            &self.solver,
            &self.controller,
            self.t0,
            self.t1,
            Some(self.dt0),
            self.y0,
            self.ts,
            &mut ys,
            100_000,
        )
        .unwrap()
        .backward::<P>(ws, w1)
        .unwrap()
    }
}

impl<'a, Sys, Sv, C, const N: usize, const P: usize> Case<'a, Sys, Sv, C, N, P>
where
    Sys: OdeSystem<f64, N, P>,
    C: StepSizeController<f64, SVector<f64, N>>,
{
    /// RecursiveCheckpointAdjoint's gradient for the cotangents `ws`, `w1`.
    fn checkpoint_gradient(
        &self,
        ws: &[SVector<f64, N>],
        w1: &SVector<f64, N>,
    ) -> Gradient<f64, SVector<f64, N>, SVector<f64, P>>
    where
        Sv: SolverVjp<f64, SVector<f64, N>, OdeTerm<'a, Sys, f64, N, P>>,
    {
        let term = OdeTerm::new(self.system, self.params);
        let mut ys = vec![SVector::zeros(); self.ts.len()];
        let mut slots = [Slot::EMPTY; 16];
        RecursiveCheckpointAdjoint::forward(
            &term,
            &self.solver,
            &self.controller,
            self.t0,
            self.t1,
            Some(self.dt0),
            self.y0,
            self.ts,
            &mut ys,
            100_000,
            &mut slots,
        )
        .unwrap()
        .backward(ws, w1)
        .unwrap()
    }
}

fn seed<const N: usize, const P: usize>(
    s: u64,
    time: bool,
) -> Tangent<f64, SVector<f64, N>, SVector<f64, P>> {
    let t = pseudo_random::<2>(s + 2);
    Tangent {
        y0: pseudo_random(s),
        params: pseudo_random(s + 1),
        t0: if time { t[0] } else { 0.0 },
        t1: if time { t[1] } else { 0.0 },
    }
}

/// ⟨w, J v⟩ over the outputs.
fn pair<const N: usize>(
    ws: &[SVector<f64, N>],
    w1: &SVector<f64, N>,
    ys_dot: &[SVector<f64, N>],
    y1_dot: &SVector<f64, N>,
) -> f64 {
    ws.iter().zip(ys_dot).map(|(w, v)| w.dot(v)).sum::<f64>() + w1.dot(y1_dot)
}

/// ⟨Jᵀ w, v⟩.
fn pair_gradient<const N: usize, const P: usize>(
    g: &Gradient<f64, SVector<f64, N>, SVector<f64, P>>,
    v: &Tangent<f64, SVector<f64, N>, SVector<f64, P>>,
) -> f64 {
    g.y0.dot(&v.y0) + g.params.dot(&v.params) + g.t0 * v.t0 + g.t1 * v.t1
}

fn assert_close<const N: usize>(
    a: &[SVector<f64, N>],
    b: &[SVector<f64, N>],
    tol: f64,
    what: &str,
) {
    let scale = b.iter().map(|v| v.amax()).fold(1e-12, f64::max);
    for (m, (x, y)) in a.iter().zip(b).enumerate() {
        let err = (x - y).amax() / scale;
        assert!(err < tol, "{what}: output {m}: {x:?} vs {y:?} ({err:e})");
    }
}

const P1_TS: [f64; 21] = [
    0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0,
    9.5, 10.0,
];

#[test]
fn p1_tangent_matches_central_differences_at_constant_steps() {
    let case = Case {
        system: &ForcedLv,
        params: SVector::from([1.5, 1.0, 3.0, 1.0, 0.3]),
        y0: SVector::from([1.0, 1.0]),
        t0: 0.0,
        t1: 4.0,
        dt0: 0.013,
        ts: &[0.5, 1.3, 2.0, 3.99],
        solver: Tsit5,
        controller: ConstantStepSize,
    };
    for (k, time) in [(1u64, false), (7, true)] {
        let v = seed::<2, 5>(k, time);
        let (ys_dot, y1_dot) = case.tangent(&v);
        let (ys_fd, y1_fd) = case.finite_difference(&v, 1e-6);
        assert_close(&ys_dot, &ys_fd, 1e-7, "tangent at ts");
        assert_close(&[y1_dot], &[y1_fd], 1e-7, "tangent at t1");
    }
}

/// Checks ⟨w, J v⟩ = ⟨Jᵀ w, v⟩ with J v from DirectAdjoint and Jᵀ w from
/// RecursiveCheckpointAdjoint, and DirectAdjoint's own gradient against
/// RecursiveCheckpointAdjoint's.
fn check_duality<'a, Sys, Sv, C, const N: usize, const P: usize>(
    case: &Case<'a, Sys, Sv, C, N, P>,
    tol: f64,
) where
    Sys: OdeSystem<f64, N, P>,
    Sv: odegrad::adjoint::TangentStep<f64, N, OdeTerm<'a, Sys, f64, N, P>>
        + SolverVjp<f64, SVector<f64, N>, OdeTerm<'a, Sys, f64, N, P>>,
    C: StepSizeController<f64, SVector<f64, N>>,
{
    let ws: Vec<SVector<f64, N>> = (0..case.ts.len())
        .map(|m| pseudo_random(100 + m as u64))
        .collect();
    let w1 = pseudo_random::<N>(99);
    let reverse = case.checkpoint_gradient(&ws, &w1);
    let direct = case.direct_gradient(&ws, &w1);
    for (k, time) in [(11u64, false), (21, true)] {
        let v = seed::<N, P>(k, time);
        let (ys_dot, y1_dot) = case.tangent(&v);
        let forward = pair(&ws, &w1, &ys_dot, &y1_dot);
        let backward = pair_gradient(&reverse, &v);
        assert!(
            rel(forward, backward) < tol,
            "duality: {forward} vs {backward} ({:e})",
            rel(forward, backward)
        );
    }
    // Both differentiate the same discrete solution: equal to round-off.
    let scale = reverse.y0.amax().max(reverse.params.amax());
    assert!(
        (direct.y0 - reverse.y0).amax() / scale < tol,
        "y0: {:?} vs {:?}",
        direct.y0,
        reverse.y0
    );
    assert!(
        (direct.params - reverse.params).amax() / scale < tol,
        "params: {:?} vs {:?}",
        direct.params,
        reverse.params
    );
    assert!(
        (direct.t0 - reverse.t0).abs() / scale.max(reverse.t0.abs()) < tol,
        "t0: {} vs {}",
        direct.t0,
        reverse.t0
    );
    assert!(
        (direct.t1 - reverse.t1).abs() / scale.max(reverse.t1.abs()) < tol,
        "t1: {} vs {}",
        direct.t1,
        reverse.t1
    );
}

#[test]
fn p1_duality_and_gradient_match_recursive_checkpoint() {
    let case = Case {
        system: &LotkaVolterra,
        params: SVector::from([1.5, 1.0, 3.0, 1.0]),
        y0: SVector::from([1.0, 1.0]),
        t0: 0.0,
        t1: 10.0,
        dt0: 0.01,
        ts: &P1_TS,
        solver: Tsit5,
        controller: PidController::new(1e-8, 1e-8).unwrap(),
    };
    check_duality::<_, _, _, 2, 4>(&case, 1e-10);
    // The P1 loss Σ|y(ts)|²: its gradient against the reference.
    let (ys, _) = case.direct();
    let ws: Vec<_> = ys.iter().map(|y| y * 2.0).collect();
    let g = case.direct_gradient(&ws, &SVector::zeros());
    let y0_ref = [-191.23176789678476, -47.321186342700656];
    let p_ref = [
        51.16634613103357,
        -218.66821621769037,
        216.22518800527433,
        -710.9642034238205,
    ];
    for (a, b) in g.y0.iter().zip(y0_ref).chain(g.params.iter().zip(p_ref)) {
        assert!(rel(*a, b) < 1e-5, "{a} vs {b}");
    }
}

#[test]
fn p4_duality_and_gradient_match_recursive_checkpoint() {
    let case = Case {
        system: &NeuralOde,
        params: p4_params(),
        y0: SVector::from([1.0, -0.5]),
        t0: 0.0,
        t1: 5.0,
        dt0: 0.01,
        ts: &[1.0, 2.5],
        solver: Dopri5,
        controller: PidController::new(1e-7, 1e-9).unwrap(),
    };
    check_duality::<_, _, _, 2, 82>(&case, 1e-10);
}

#[test]
fn p6_duality_and_gradient_match_recursive_checkpoint() {
    let case = Case {
        system: &Heat,
        params: SVector::from([0.1]),
        y0: heat_y0(),
        t0: 0.0,
        t1: 0.5,
        dt0: 1e-3,
        ts: &[0.1, 0.25],
        solver: Tsit5,
        controller: PidController::new(1e-6, 1e-8).unwrap(),
    };
    check_duality::<_, _, _, 32, 1>(&case, 1e-10);
}

#[test]
fn sensitivity_columns_equal_single_tangents() {
    let term = OdeTerm::new(&ForcedLv, SVector::from([1.5, 1.0, 3.0, 1.0, 0.3]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts = [0.0, 0.7, 2.0];
    let mut ys = [SVector::zeros(); 3];
    let d = DirectAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        3.0,
        Some(0.01),
        SVector::from([1.0, 1.0]),
        &ts,
        &mut ys,
        10_000,
    )
    .unwrap();
    let mut sens = [Default::default(); 3];
    let s1 = d.sensitivities::<5>(&mut sens).unwrap();
    // Columns: y0 (2), params (5), t0, t1.
    for col in 0..9 {
        let mut v = Tangent {
            y0: SVector::zeros(),
            params: SVector::<f64, 5>::zeros(),
            t0: 0.0,
            t1: 0.0,
        };
        match col {
            0..=1 => v.y0[col] = 1.0,
            2..=6 => v.params[col - 2] = 1.0,
            7 => v.t0 = 1.0,
            _ => v.t1 = 1.0,
        }
        let mut ys_dot = [SVector::zeros(); 3];
        let out = d.tangent(&v, &mut ys_dot).unwrap();
        let column = |s: &odegrad::adjoint::Sensitivity<f64, 2, 5>| match col {
            0..=1 => s.0.column(col).into_owned(),
            2..=6 => s.1.column(col - 2).into_owned(),
            _ => s.2.column(col - 7).into_owned(),
        };
        for (m, (s, t)) in sens.iter().zip(&ys_dot).enumerate() {
            assert!(
                (column(s) - t).amax() < 1e-12 * (1.0 + t.amax()),
                "column {col}, output {m}: {:?} vs {t:?}",
                column(s)
            );
        }
        assert!(
            (column(&s1) - out.y1_dot).amax() < 1e-12 * (1.0 + out.y1_dot.amax()),
            "column {col} at t1"
        );
    }
}

/// Van der Pol with μ = 50 through Kvaerno5 at a constant step size, Newton
/// converged far below the step's error so that differences of the solve are
/// smooth: tangents (including moving t0, t1) against central differences.
#[test]
fn kvaerno5_tangent_matches_central_differences() {
    let mut newton = NewtonConfig::new(1e-13, 1e-13).unwrap();
    newton.kappa = 1e-3;
    let case = Case {
        system: &VanDerPol,
        params: SVector::from([50.0]),
        y0: SVector::from([2.0, 0.0]),
        t0: 0.0,
        t1: 1.0,
        dt0: 0.0123,
        ts: &[0.3, 0.61],
        solver: Kvaerno5::with_newton(newton).unwrap(),
        controller: ConstantStepSize,
    };
    for (k, time) in [(3u64, false), (5, true)] {
        let v = seed::<2, 1>(k, time);
        let (ys_dot, y1_dot) = case.tangent(&v);
        let (ys_fd, y1_fd) = case.finite_difference(&v, 1e-6);
        assert_close(&ys_dot, &ys_fd, 1e-6, "Kvaerno5 tangent at ts");
        assert_close(&[y1_dot], &[y1_fd], 1e-6, "Kvaerno5 tangent at t1");
    }
}

/// Kvaerno5 with a PID controller: the tangent and DirectAdjoint's reverse
/// gradient (from the sensitivity matrix) are dual to round-off.
#[test]
fn kvaerno5_tangent_and_gradient_are_dual() {
    let case = Case {
        system: &VanDerPol,
        params: SVector::from([100.0]),
        y0: SVector::from([2.0, 0.0]),
        t0: 0.0,
        t1: 2.0,
        dt0: 1e-4,
        ts: &[0.5, 1.0],
        solver: Kvaerno5::new(1e-6, 1e-6).unwrap(),
        controller: PidController::new(1e-6, 1e-6).unwrap(),
    };
    let ws: Vec<SVector<f64, 2>> = (0..2).map(|m| pseudo_random(40 + m)).collect();
    let w1 = pseudo_random::<2>(39);
    let g = case.direct_gradient(&ws, &w1);
    for (k, time) in [(13u64, false), (17, true)] {
        let v = seed::<2, 1>(k, time);
        let (ys_dot, y1_dot) = case.tangent(&v);
        let a = pair(&ws, &w1, &ys_dot, &y1_dot);
        let b = pair_gradient(&g, &v);
        assert!(rel(a, b) < 1e-10, "{a} vs {b}");
    }
}

/// Kvaerno5 on a stiff problem with a PID controller: the tangent is dual to
/// RecursiveCheckpointAdjoint's gradient, two independent differentiations
/// of the same discrete solution (both by the implicit function theorem at
/// the converged stages).
#[test]
fn kvaerno5_tangent_is_dual_to_recursive_checkpointing() {
    let case = Case {
        system: &VanDerPol,
        params: SVector::from([100.0]),
        y0: SVector::from([2.0, 0.0]),
        t0: 0.0,
        t1: 2.0,
        dt0: 1e-4,
        ts: &[0.5, 1.0],
        solver: Kvaerno5::new(1e-6, 1e-6).unwrap(),
        controller: PidController::new(1e-6, 1e-6).unwrap(),
    };
    check_duality::<_, _, _, 2, 1>(&case, 1e-10);
}

// --- ImplicitEuler ------------------------------------------------------------

/// ImplicitEuler on `y' = −p·y` at a constant step `h`:
/// `y_n = y0 / (1 + p h)ⁿ`, so the derivatives of the discrete solution are
/// known exactly. Moving `t0` shifts the grid and shortens the last step,
/// moving `t1` lengthens it; an output inside a step interpolates linearly.
#[test]
fn implicit_euler_tangent_is_the_exact_discrete_derivative() {
    let (p, h, y0): (f64, f64, f64) = (2.0, 0.25, 3.0);
    let q = 1.0 + p * h;
    // The solution and its derivatives at grid point n (n ≤ 4; t_4 = t1).
    let y = |n: i32| y0 / q.powi(n);
    let dy_dy0 = |n: i32| 1.0 / q.powi(n);
    let dy_dp = |n: i32| -f64::from(n) * h * y0 / q.powi(n + 1);
    // Only the last step's size moves: ∂h_4/∂t1 = 1 = −∂h_4/∂t0, and
    // ∂y_4/∂h_4 = −p y_3 / (1 + p h)².
    let dy4_dh4 = -p * y(3) / (q * q);
    // t = 0.6 is 40% of the way through the third step [0.5, 0.75]; a shift
    // of the grid by ṫ0 moves s by −ṫ0/h.
    let s = 0.4;
    let inside = |f: &dyn Fn(i32) -> f64| f(2) + s * (f(3) - f(2));
    let inside_dt0 = -(y(3) - y(2)) / h;

    let newton = NewtonConfig::new(1e-13, 1e-13).unwrap();
    let solver = ImplicitEuler::with_newton(newton).unwrap();
    let term = OdeTerm::new(&Decay, SVector::from([p]));
    let ts = [0.6];
    let mut ys = [SVector::zeros(); 1];
    let d = DirectAdjoint::forward(
        &term,
        &solver,
        &ConstantStepSize,
        0.0,
        1.0,
        Some(h),
        SVector::from([y0]),
        &ts,
        &mut ys,
        100,
    )
    .unwrap();
    assert!(rel(d.y1()[0], y(4)) < 1e-13, "{} vs {}", d.y1()[0], y(4));
    assert!(rel(ys[0][0], inside(&y)) < 1e-13);

    // Columns: y0, p, t0, t1; expected at t1 and at t = 0.6.
    let expected = [
        (dy_dy0(4), inside(&dy_dy0)),
        (dy_dp(4), inside(&dy_dp)),
        (-dy4_dh4, inside_dt0),
        (dy4_dh4, 0.0),
    ];
    let mut sens = [Default::default(); 1];
    let s1 = d.sensitivities::<1>(&mut sens).unwrap();
    let column = |m: &odegrad::adjoint::Sensitivity<f64, 1, 1>, col: usize| match col {
        0 => m.0[0],
        1 => m.1[0],
        c => m.2[c - 2],
    };
    for (col, &(at_t1, at_ts)) in expected.iter().enumerate() {
        let mut seed = Tangent {
            y0: SVector::zeros(),
            params: SVector::zeros(),
            t0: 0.0,
            t1: 0.0,
        };
        match col {
            0 => seed.y0[0] = 1.0,
            1 => seed.params[0] = 1.0,
            2 => seed.t0 = 1.0,
            _ => seed.t1 = 1.0,
        }
        let mut ys_dot = [SVector::zeros(); 1];
        let out = d.tangent(&seed, &mut ys_dot).unwrap();
        for (what, got, want) in [
            ("tangent at t1", out.y1_dot[0], at_t1),
            ("tangent at ts", ys_dot[0][0], at_ts),
            ("sensitivity at t1", column(&s1, col), at_t1),
            ("sensitivity at ts", column(&sens[0], col), at_ts),
        ] {
            assert!(
                (got - want).abs() < 1e-12 * (1.0 + want.abs()),
                "column {col}, {what}: {got} vs {want}"
            );
        }
    }
}

/// The accepted step ends `[t0, …, t1]` of a solve.
fn accepted_grid<'a, Sys, const N: usize, const P: usize>(
    term: &OdeTerm<'a, Sys, f64, N, P>,
    solver: &ImplicitEuler<f64>,
    controller: &PidController<f64>,
    (t0, t1, dt0): (f64, f64, f64),
    y0: SVector<f64, N>,
) -> Vec<f64>
where
    Sys: OdeSystem<f64, N, P>,
{
    let mut it = Integrator::new(term, solver, controller, t0, t1, Some(dt0), y0, 100_000).unwrap();
    let mut grid = vec![t0];
    loop {
        match it.advance().unwrap() {
            Advance::Accepted(step) => grid.push(step.t1),
            Advance::Rejected { .. } => {}
            Advance::Finished => return grid,
        }
    }
}

/// ImplicitEuler with a PID controller on forced Lotka–Volterra (∂f/∂t ≠ 0),
/// outputs inside steps: the tangent against central differences of the
/// whole solve. Step sizes are not differentiated (as in Diffrax), so the
/// differences are taken on the PID solve's accepted grid, held fixed — the
/// interior ends shifted with `t0` and the last with `t1`, as the tangent
/// moves them. Newton converges far below the step error so that the solve
/// is smooth in its inputs.
#[test]
fn implicit_euler_tangent_matches_central_differences_on_an_adaptive_grid() {
    let mut newton = NewtonConfig::new(1e-13, 1e-13).unwrap();
    newton.kappa = 1e-3;
    let solver = ImplicitEuler::with_newton(newton).unwrap();
    let pid = PidController::new(1e-5, 1e-5).unwrap();
    let params = SVector::from([1.5, 1.0, 3.0, 1.0, 0.3]);
    let y0 = SVector::from([1.0, 1.0]);
    let (t0, t1) = (0.0, 2.0);
    let ts = [0.3217, 0.777, 1.2345, 1.9];
    let term = OdeTerm::new(&ForcedLv, params);
    let grid = accepted_grid(&term, &solver, &pid, (t0, t1, 0.01), y0);
    assert!(grid.len() > 20, "{} steps", grid.len() - 1);
    // Every output strictly inside a step, so the linear extension is used.
    assert!(ts.iter().all(|t| !grid.contains(t)));

    // Outputs at ts and t1 from a solve on `grid` with perturbed inputs.
    let solve = |y0, p, grid: &[f64]| {
        let term = OdeTerm::new(&ForcedLv, p);
        let mut ys = vec![SVector::zeros(); ts.len()];
        let steps = StepTo::new(grid);
        let (g0, g1) = (grid[0], grid[grid.len() - 1]);
        let d = DirectAdjoint::forward(
            &term, &solver, &steps, g0, g1, None, y0, &ts, &mut ys, 100_000,
        )
        .unwrap();
        (ys, *d.y1())
    };
    let shifted = |dt0: f64, dt1: f64| -> Vec<f64> {
        let last = grid.len() - 1;
        grid.iter()
            .enumerate()
            .map(|(k, &t)| if k == last { t + dt1 } else { t + dt0 })
            .collect()
    };
    for (k, time) in [(31u64, false), (37, true)] {
        let v = seed::<2, 5>(k, time);
        let mut ys = vec![SVector::zeros(); ts.len()];
        let mut ys_dot = vec![SVector::zeros(); ts.len()];
        let out = jvp(
            &Direct,
            &term,
            &solver,
            &pid,
            t0,
            t1,
            Some(0.01),
            y0,
            &v,
            &ts,
            &mut ys,
            &mut ys_dot,
            100_000,
        )
        .unwrap();
        let eps = 1e-6;
        let (yp, y1p) = solve(
            y0 + v.y0 * eps,
            params + v.params * eps,
            &shifted(v.t0 * eps, v.t1 * eps),
        );
        let (ym, y1m) = solve(
            y0 - v.y0 * eps,
            params - v.params * eps,
            &shifted(-v.t0 * eps, -v.t1 * eps),
        );
        let ys_fd: Vec<_> = yp
            .iter()
            .zip(&ym)
            .map(|(a, b)| (a - b) / (2.0 * eps))
            .collect();
        let y1_fd = (y1p - y1m) / (2.0 * eps);
        assert_close(&ys_dot, &ys_fd, 1e-7, "ImplicitEuler tangent at ts");
        assert_close(&[out.y1_dot], &[y1_fd], 1e-7, "ImplicitEuler tangent at t1");
    }
}

/// ImplicitEuler on stiff Van der Pol with a PID controller: the tangent is
/// dual to RecursiveCheckpointAdjoint's gradient (its ESDIRK step adjoint),
/// and DirectAdjoint's gradient equals it.
#[test]
fn implicit_euler_tangent_is_dual_to_recursive_checkpointing() {
    let case = Case {
        system: &VanDerPol,
        params: SVector::from([100.0]),
        y0: SVector::from([2.0, 0.0]),
        t0: 0.0,
        t1: 0.5,
        dt0: 1e-4,
        ts: &[0.1234, 0.3],
        solver: ImplicitEuler::new(1e-5, 1e-5).unwrap(),
        controller: PidController::new(1e-5, 1e-5).unwrap(),
    };
    check_duality::<_, _, _, 2, 1>(&case, 1e-10);
}

// --- zero heap allocations -------------------------------------------------

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: thread-local storage may already be gone at thread exit.
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts the allocations `f` makes on this thread.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, ALLOCATIONS.with(|n| n.get()))
}

#[test]
fn forward_mode_allocates_nothing() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let stiff = OdeTerm::new(&VanDerPol, SVector::from([100.0]));
    let kvaerno = Kvaerno5::new(1e-6, 1e-6).unwrap();
    let implicit_euler = ImplicitEuler::new(1e-6, 1e-6).unwrap();
    let (result, n) = allocations_in(|| {
        let mut ys = [SVector::zeros(); 21];
        let mut ys_dot = [SVector::zeros(); 21];
        let mut sens = [Default::default(); 21];
        let seed = Tangent {
            y0: SVector::from([1.0, 0.0]),
            params: SVector::from([0.0, 1.0, 0.0, 0.0]),
            t0: 0.0,
            t1: 1.0,
        };
        let d = DirectAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            SVector::from([1.0, 1.0]),
            &P1_TS,
            &mut ys,
            10_000,
        )?;
        let t = d.tangent(&seed, &mut ys_dot)?;
        let s = d.sensitivities::<4>(&mut sens)?;
        let g = d.backward::<4>(&ys, &SVector::zeros())?;
        let d2 = DirectAdjoint::forward(
            &stiff,
            &kvaerno,
            &pid,
            0.0,
            1.0,
            Some(1e-4),
            SVector::from([2.0, 0.0]),
            &[],
            &mut [],
            10_000,
        )?;
        let g2 = d2.backward::<1>(&[], &SVector::from([1.0, 0.0]))?;
        // ImplicitEuler, with outputs inside steps (its linear extension).
        let ie_ts = [0.1234, 0.3];
        let mut ie_ys = [SVector::zeros(); 2];
        let mut ie_ys_dot = [SVector::zeros(); 2];
        let mut ie_sens = [Default::default(); 2];
        let d3 = DirectAdjoint::forward(
            &stiff,
            &implicit_euler,
            &pid,
            0.0,
            0.5,
            Some(1e-4),
            SVector::from([2.0, 0.0]),
            &ie_ts,
            &mut ie_ys,
            10_000,
        )?;
        let ie_seed = Tangent {
            y0: SVector::from([1.0, 0.0]),
            params: SVector::from([1.0]),
            t0: 0.5,
            t1: 1.0,
        };
        let t3 = d3.tangent(&ie_seed, &mut ie_ys_dot)?;
        let s3 = d3.sensitivities::<1>(&mut ie_sens)?;
        let g3 = d3.backward::<1>(&ie_ys, &SVector::from([1.0, 0.0]))?;
        Ok::<_, odegrad::Error>((
            t.y1_dot, s.1, g.params, g2.params, t3.y1_dot, s3.1, g3.params,
        ))
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(n, 0, "forward mode allocated {n} times");
}
