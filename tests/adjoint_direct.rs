//! DirectAdjoint and forward mode: tangents against central finite
//! differences, duality with RecursiveCheckpointAdjoint (⟨w, J v⟩ = ⟨Jᵀ w, v⟩),
//! DirectAdjoint gradients against RecursiveCheckpointAdjoint gradients,
//! full sensitivities against single tangents, implicit (Kvaerno5) stages,
//! and zero heap allocations.
//!
//! RecursiveCheckpointAdjoint differentiates explicit solvers only, so the
//! stiff problem is checked against central finite differences at a constant
//! step size (and against DirectAdjoint's own reverse gradient) instead.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{jvp, Direct, DirectAdjoint, Gradient, RecursiveCheckpointAdjoint, Tangent};
use odegrad::controller::StepSizeController;
use odegrad::nalgebra::SVector;
use odegrad::solver::explicit::{ExplicitRungeKutta, RkStages};
use odegrad::solver::implicit::NewtonConfig;
use odegrad::{
    ode_system, ConstantStepSize, Dopri5, Kvaerno5, OdeSystem, OdeTerm, PidController, Solver,
    Tsit5,
};

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
    fn checkpoint_gradient<const ST: usize, const D: usize>(
        &self,
        ws: &[SVector<f64, N>],
        w1: &SVector<f64, N>,
    ) -> Gradient<f64, SVector<f64, N>, SVector<f64, P>>
    where
        Sv: Solver<
                f64,
                SVector<f64, N>,
                OdeTerm<'a, Sys, f64, N, P>,
                DenseInfo = RkStages<SVector<f64, N>, ST>,
            > + ExplicitRungeKutta<ST, D>,
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
fn check_duality<'a, Sys, Sv, C, const N: usize, const P: usize, const ST: usize, const D: usize>(
    case: &Case<'a, Sys, Sv, C, N, P>,
    tol: f64,
) where
    Sys: OdeSystem<f64, N, P>,
    Sv: odegrad::adjoint::TangentStep<f64, N, OdeTerm<'a, Sys, f64, N, P>>
        + Solver<
            f64,
            SVector<f64, N>,
            OdeTerm<'a, Sys, f64, N, P>,
            DenseInfo = RkStages<SVector<f64, N>, ST>,
        > + ExplicitRungeKutta<ST, D>,
    C: StepSizeController<f64, SVector<f64, N>>,
{
    let ws: Vec<SVector<f64, N>> = (0..case.ts.len())
        .map(|m| pseudo_random(100 + m as u64))
        .collect();
    let w1 = pseudo_random::<N>(99);
    let reverse = case.checkpoint_gradient::<ST, D>(&ws, &w1);
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
    check_duality::<_, _, _, 2, 4, 7, 4>(&case, 1e-10);
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
    check_duality::<_, _, _, 2, 82, 7, 4>(&case, 1e-10);
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
    check_duality::<_, _, _, 32, 1, 7, 4>(&case, 1e-10);
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
        Ok::<_, odegrad::Error>((t.y1_dot, s.1, g.params, g2.params))
    });
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(n, 0, "forward mode allocated {n} times");
}
