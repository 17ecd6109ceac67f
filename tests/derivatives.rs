//! The derivatives `#[ode_system]` generates, checked against finite
//! differences and against each other on a set of systems that together use
//! every construct of the input language.
//!
//! For each system and several points: J_y and J_p against central
//! differences of `rhs`; `jvp_y`, `jvp_p` against J·v and `vjp` against Jᵀ·w;
//! the adjoint identity ⟨w, J v⟩ = ⟨Jᵀ w, v⟩; the sparsity consts against the
//! computed zeros; `dfdt` against differences in t; and the second-order
//! `vjp_jvp` against central differences of `jvp_y + dfdt·v_t`.

use odegrad::nalgebra::SVector;
use odegrad::{ode_system, OdeSystem};

/// A small deterministic generator (xorshift64*), so the tests need no
/// dependency and always see the same points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[-1, 1]`.
    fn sym(&mut self) -> f64 {
        2.0 * self.next() - 1.0
    }

    fn vector<const K: usize>(&mut self) -> SVector<f64, K> {
        SVector::from_fn(|_, _| self.sym())
    }
}

/// `|a − b| ≤ tol · scale`, with a message naming what was compared.
fn close(a: f64, b: f64, scale: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * scale,
        "{what}: {a:e} vs {b:e} (difference {:e}, allowed {:e})",
        (a - b).abs(),
        tol * scale
    );
}

/// Relative tolerance of the finite-difference checks (f64).
const FD_TOL: f64 = 1e-6;
/// Tolerance of identities that hold up to round-off.
const EXACT_TOL: f64 = 1e-13;

/// Central difference of `g` along coordinate `j` of a vector.
fn central<const K: usize, const M: usize>(
    x: &SVector<f64, K>,
    j: usize,
    g: impl Fn(&SVector<f64, K>) -> SVector<f64, M>,
) -> SVector<f64, M> {
    let h = 1e-5 * x[j].abs().max(1e-2);
    let (mut xp, mut xm) = (*x, *x);
    xp[j] += h;
    xm[j] -= h;
    (g(&xp) - g(&xm)) / (2.0 * h)
}

/// Every check of the module docs for one system at one point.
fn check_point<S: OdeSystem<f64, N, P>, const N: usize, const P: usize>(
    sys: &S,
    t: f64,
    y: &SVector<f64, N>,
    p: &SVector<f64, P>,
    rng: &mut Rng,
) {
    let jy = sys.jac_y(t, y, p);
    let jp = sys.jac_p(t, y, p);
    for j in 0..N {
        let fd = central(y, j, |yy| sys.rhs(t, yy, p));
        for i in 0..N {
            close(
                jy[(i, j)],
                fd[i],
                jy[(i, j)].abs().max(1.0),
                FD_TOL,
                &format!("J_y[{i}][{j}]"),
            );
        }
    }
    for j in 0..P {
        let fd = central(p, j, |pp| sys.rhs(t, y, pp));
        for i in 0..N {
            close(
                jp[(i, j)],
                fd[i],
                jp[(i, j)].abs().max(1.0),
                FD_TOL,
                &format!("J_p[{i}][{j}]"),
            );
        }
    }

    // Products against the matrices, relative to Σ|J_ij v_j|.
    let (v, vp, w): (SVector<f64, N>, SVector<f64, P>, SVector<f64, N>) =
        (rng.vector(), rng.vector(), rng.vector());
    let jv = sys.jvp_y(t, y, p, &v);
    let jpv = sys.jvp_p(t, y, p, &vp);
    let (wy, wp) = sys.vjp(t, y, p, &w);
    let (ajy, ajp) = (jy.abs(), jp.abs());
    let (sv, svp) = (ajy * v.abs(), ajp * vp.abs());
    let (sw, swp) = (ajy.transpose() * w.abs(), ajp.transpose() * w.abs());
    let (ejv, ejpv) = (jy * v, jp * vp);
    let (ewy, ewp) = (jy.transpose() * w, jp.transpose() * w);
    for i in 0..N {
        close(jv[i], ejv[i], sv[i], EXACT_TOL, &format!("jvp_y[{i}]"));
        close(jpv[i], ejpv[i], svp[i], EXACT_TOL, &format!("jvp_p[{i}]"));
        close(wy[i], ewy[i], sw[i], EXACT_TOL, &format!("vjp_y[{i}]"));
    }
    for k in 0..P {
        close(wp[k], ewp[k], swp[k], EXACT_TOL, &format!("vjp_p[{k}]"));
    }
    let scale = w.abs().dot(&sv);
    close(
        w.dot(&jv),
        wy.dot(&v),
        scale,
        EXACT_TOL,
        "<w, J_y v> = <J_yᵀ w, v>",
    );
    close(
        w.dot(&jpv),
        wp.dot(&vp),
        w.abs().dot(&svp),
        EXACT_TOL,
        "<w, J_p v> = <J_pᵀ w, v>",
    );

    // Structural zeros are exact zeros.
    for i in 0..N {
        for j in 0..N {
            if !S::JAC_Y_PATTERN[i][j] {
                assert!(
                    jy[(i, j)] == 0.0,
                    "J_y[{i}][{j}] outside the pattern is {}",
                    jy[(i, j)]
                );
            }
        }
        for j in 0..P {
            if !S::JAC_P_PATTERN[i][j] {
                assert!(
                    jp[(i, j)] == 0.0,
                    "J_p[{i}][{j}] outside the pattern is {}",
                    jp[(i, j)]
                );
            }
        }
    }

    // Time derivative.
    let h = 1e-5 * t.abs().max(1e-2);
    let fd_t = (sys.rhs(t + h, y, p) - sys.rhs(t - h, y, p)) / (2.0 * h);
    let dfdt = sys.dfdt(t, y, p);
    for i in 0..N {
        close(
            dfdt[i],
            fd_t[i],
            dfdt[i].abs().max(1.0),
            FD_TOL,
            &format!("dfdt[{i}]"),
        );
        if !S::DEPENDS_ON_T {
            assert!(
                dfdt[i] == 0.0,
                "DEPENDS_ON_T is false but dfdt[{i}] = {}",
                dfdt[i]
            );
        }
    }
    close(
        sys.vjp_t(t, y, p, &w),
        w.dot(&dfdt),
        w.abs().dot(&dfdt.abs()),
        EXACT_TOL,
        "vjp_t",
    );

    // Second order: gradient of s = wᵀ(J_y v + ∂f/∂t v_t).
    let v_t = rng.sym();
    let s = |tt: f64, yy: &SVector<f64, N>, pp: &SVector<f64, P>| {
        w.dot(&(sys.jvp_y(tt, yy, pp, &v) + sys.dfdt(tt, yy, pp) * v_t))
    };
    let (gy, gp, gt) = sys.vjp_jvp(t, y, p, &v, v_t, &w);
    for j in 0..N {
        let fd = central(y, j, |yy| SVector::<f64, 1>::new(s(t, yy, p)))[0];
        close(
            gy[j],
            fd,
            gy[j].abs().max(1.0),
            FD_TOL,
            &format!("vjp_jvp y[{j}]"),
        );
    }
    for k in 0..P {
        let fd = central(p, k, |pp| SVector::<f64, 1>::new(s(t, y, pp)))[0];
        close(
            gp[k],
            fd,
            gp[k].abs().max(1.0),
            FD_TOL,
            &format!("vjp_jvp p[{k}]"),
        );
    }
    let fd = (s(t + h, y, p) - s(t - h, y, p)) / (2.0 * h);
    close(gt, fd, gt.abs().max(1.0), FD_TOL, "vjp_jvp t");
}

/// Runs [`check_point`] at four perturbations (relative size `spread`) of a
/// nominal point and compares the sparsity consts with the entries seen
/// nonzero there.
fn check<S: OdeSystem<f64, N, P>, const N: usize, const P: usize>(
    sys: S,
    t: f64,
    y: [f64; N],
    p: [f64; P],
    spread: f64,
) {
    check_with(sys, t, y, p, spread, true);
}

/// As [`check`]; with `exact_pattern` false (systems with `min`/`max`/`if`,
/// whose structural pattern includes the branches not taken at the sampled
/// points) only "outside the pattern ⇒ zero" is required.
fn check_with<S: OdeSystem<f64, N, P>, const N: usize, const P: usize>(
    sys: S,
    t: f64,
    y: [f64; N],
    p: [f64; P],
    spread: f64,
    exact_pattern: bool,
) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (N as u64 * 1000 + P as u64));
    let (y0, p0) = (SVector::from(y), SVector::from(p));
    let mut seen_y = [[false; N]; N];
    let mut seen_p = [[false; P]; N];
    for _ in 0..4 {
        let dy: SVector<f64, N> = rng.vector();
        let dp: SVector<f64, P> = rng.vector();
        let y = y0 + y0.component_mul(&dy) * spread;
        let p = p0 + p0.component_mul(&dp) * spread;
        let t = t + spread * rng.sym();
        check_point(&sys, t, &y, &p, &mut rng);
        let (jy, jp) = (sys.jac_y(t, &y, &p), sys.jac_p(t, &y, &p));
        for i in 0..N {
            for j in 0..N {
                seen_y[i][j] |= jy[(i, j)] != 0.0;
            }
            for j in 0..P {
                seen_p[i][j] |= jp[(i, j)] != 0.0;
            }
        }
    }
    if exact_pattern {
        assert_eq!(seen_y, S::JAC_Y_PATTERN, "J_y pattern vs computed nonzeros");
        assert_eq!(seen_p, S::JAC_P_PATTERN, "J_p pattern vs computed nonzeros");
    }
}

#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

#[test]
fn lotka_volterra_derivatives() {
    check(LotkaVolterra, 0.0, [1.0, 0.5], [1.5, 1.0, 3.0, 1.0], 0.3);
    let (y, p) = ([1.2, 0.7], [1.5, 1.0, 3.0, 1.0]);
    let f = LotkaVolterra.rhs(0.0, &y.into(), &p.into());
    let g = lotka_volterra(0.0, &y, &p);
    assert!(
        (f[0] - g[0]).abs() + (f[1] - g[1]).abs() < 1e-15,
        "rhs equals the user's function"
    );
}

/// Robertson's stiff chemical kinetics (three rate constants as parameters).
#[ode_system]
fn robertson(_t: f64, y: &[f64; 3], p: &[f64; 3]) -> [f64; 3] {
    let [y1, y2, y3] = *y;
    let [k1, k2, k3] = *p;
    let r1 = k1 * y1;
    let r2 = k2 * y2 * y3;
    let r3 = k3 * y2 * y2;
    [-r1 + r2, r1 - r2 - r3, r3]
}

#[test]
fn robertson_derivatives() {
    check(Robertson, 0.0, [0.9, 3e-5, 0.1], [0.04, 1e4, 3e7], 0.2);
}

#[ode_system]
fn van_der_pol(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    let mu = p[0];
    [y[1], mu * (1.0 - y[0] * y[0]) * y[1] - y[0]]
}

#[test]
fn van_der_pol_derivatives() {
    check(VanDerPol, 0.0, [2.0, 0.5], [5.0], 0.3);
}

/// P4 of PROBLEMS.md: f(y) = W2 tanh(W1 y + b1) + b2, hidden width 16.
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
        let mut s = p[4 * H + 16 + i];
        for j in 0..H {
            s += p[3 * H + H * i + j] * hidden[j];
        }
        out[i] = s;
    }
    out
}

/// The parameters of P4.
fn p4_params() -> [f64; 82] {
    let mut p = [0.0; 82];
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

#[test]
fn neural_ode_derivatives() {
    let mut p = p4_params();
    // b2 = 0 in P4; nonzero here so that every J_p entry is seen nonzero.
    p[80] = 0.01;
    p[81] = -0.02;
    check(NeuralOde, 0.0, [1.0, -0.5], p, 0.2);
    // J_p of output i is zero outside its own W2 row, b2 entry and the W1/b1 block.
    let pat = <NeuralOde as OdeSystem<f64, 2, 82>>::JAC_P_PATTERN;
    assert!(pat[0][48] && !pat[0][64] && pat[1][64] && !pat[1][48] && pat[0][80] && !pat[0][81]);
}

/// P6 of PROBLEMS.md: the heat equation on 32 points, Dirichlet boundaries.
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

#[test]
fn heat_derivatives() {
    let y: [f64; 32] = core::array::from_fn(|i| {
        let x = (i as f64 + 1.0) / 33.0;
        (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
    });
    check(Heat, 0.0, y, [0.1], 0.2);
    let pat = <Heat as OdeSystem<f64, 32, 1>>::JAC_Y_PATTERN;
    let nonzeros = pat.iter().flatten().filter(|&&b| b).count();
    assert_eq!(nonzeros, 32 + 2 * 31, "J_y is tridiagonal");
}

/// Every elementary function, in method and path form, with `const` items,
/// explicit time dependence and compound assignment.
#[ode_system]
fn every_function(t: f64, y: &[f64; 3], p: &[f64; 2]) -> [f64; 3] {
    const HALF: f64 = 0.5;
    let [a, b, c] = *y;
    let [k, m] = *p;
    let mut acc = a.sin() + f64::cos(b) + (0.3 * c).tan();
    acc += (0.5 * a).asin() + f64::acos(0.4 * b) + c.atan();
    acc -= a.atan2(b) + f64::sinh(0.5 * c) - (0.2 * a).cosh();
    acc *= 1.0 + 0.1 * (b * k).tanh();
    let e = (0.2 * a).exp() + f64::exp2(0.3 * b) + c.ln() + f64::log10(b) + m.log2();
    let r = a.sqrt() + f64::cbrt(c) + b.powi(3) + f64::powi(c, -2) + a.powf(m) + f64::powf(b, HALF);
    let q = (a - b).abs() + f64::abs(c - 2.0) + a.min(b) + f64::max(c, k) + a.hypot(b);
    let s = f64::hypot(b, c) + c.recip() + f64::recip(a + b) + std::f64::consts::PI * t.sin();
    [acc * k, e + r * m, q - s / (1.0 + t * t)]
}

#[test]
fn every_function_derivatives() {
    check_with(EveryFunction, 0.7, [0.8, 1.3, 2.9], [0.6, 1.7], 0.1, false);
}

/// Piecewise definitions: runtime `if`/`else` with `&&`, `||`, `!`, branches
/// that assign to outer variables, and a branch whose derivative is NaN when
/// it is not taken (sqrt of a negative number).
#[ode_system]
fn piecewise(t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    let [x, v] = *y;
    let [mu, k] = *p;
    let friction = if v > 0.0 {
        -mu
    } else if v < 0.0 {
        mu
    } else {
        0.0
    };
    let mut spring = -k * x;
    if !(v > 2.0 && x > 1.2) && x > 1.0 || t > 100.0 {
        spring = -k * x * x;
    }
    let soft = if x >= 0.0 { x.sqrt() } else { -(-x).sqrt() };
    [v, friction * v.abs() + spring + 0.1 * soft]
}

#[test]
fn piecewise_derivatives() {
    // Points away from the switching surfaces, on both sides of each.
    check_with(Piecewise, 0.0, [0.5, 0.5], [0.3, 2.0], 0.1, false);
    check_with(Piecewise, 0.0, [-0.5, -0.5], [0.3, 2.0], 0.1, false);
    check_with(Piecewise, 0.0, [1.5, 0.5], [0.3, 2.0], 0.1, false);
    check_with(Piecewise, 0.0, [1.5, 3.0], [0.3, 2.0], 0.1, false);
    // The branch not taken has an infinite/NaN derivative; it must not leak.
    let (y, p) = (SVector::from([-0.25, 0.5]), SVector::from([0.3, 2.0]));
    let (wy, wp) = Piecewise.vjp(0.0, &y, &p, &SVector::from([1.0, 1.0]));
    assert!(
        wy.iter().chain(wp.iter()).all(|x| x.is_finite()),
        "{wy:?} {wp:?}"
    );
}

/// A system without parameters.
#[ode_system]
fn harmonic(t: f64, y: &[f64; 2], _p: &[f64; 0]) -> [f64; 2] {
    [y[1], -y[0] + (2.0 * t).cos()]
}

#[test]
fn parameterless_derivatives() {
    check(Harmonic, 0.4, [1.0, 0.0], [], 0.3);
    const { assert!(<Harmonic as OdeSystem<f64, 2, 0>>::DEPENDS_ON_T) };
}

/// An f32 system, and its f64 twin as the reference.
#[ode_system]
fn brusselator_f32(_t: f32, y: &[f32; 2], p: &[f32; 2]) -> [f32; 2] {
    let [u, v] = *y;
    let [a, b] = *p;
    [a + u * u * v - (b + 1.0) * u, b * u - u * u * v]
}

#[ode_system]
fn brusselator_f64(_t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    let [u, v] = *y;
    let [a, b] = *p;
    [a + u * u * v - (b + 1.0) * u, b * u - u * u * v]
}

#[test]
fn f32_derivatives() {
    check(BrusselatorF64, 0.0, [1.0, 3.0], [1.0, 3.0], 0.3);
    let (y, p) = ([1.1f32, 2.7], [1.0f32, 3.0]);
    let (y32, p32) = (SVector::from(y), SVector::from(p));
    let (y64, p64) = (y32.cast::<f64>(), p32.cast::<f64>());
    let w32 = SVector::from([0.5f32, -1.5]);
    let j32 = BrusselatorF32.jac_y(0.0, &y32, &p32).cast::<f64>();
    let j64 = BrusselatorF64.jac_y(0.0, &y64, &p64);
    let (wy32, wp32) = BrusselatorF32.vjp(0.0, &y32, &p32, &w32);
    let (wy64, wp64) = BrusselatorF64.vjp(0.0, &y64, &p64, &w32.cast::<f64>());
    let tol = 1e-5;
    for (a, b) in j32.iter().zip(j64.iter()) {
        close(*a, *b, b.abs().max(1.0), tol, "f32 J_y");
    }
    for (a, b) in wy32
        .cast::<f64>()
        .iter()
        .chain(wp32.cast::<f64>().iter())
        .zip(wy64.iter().chain(wp64.iter()))
    {
        close(*a, *b, b.abs().max(1.0), tol, "f32 VJP");
    }
    assert_eq!(
        <BrusselatorF32 as OdeSystem<f32, 2, 2>>::JAC_P_PATTERN,
        <BrusselatorF64 as OdeSystem<f64, 2, 2>>::JAC_P_PATTERN
    );
}

/// The `name` and `crate` options.
#[ode_system(name = Decay, crate = ::ode_runtime)]
fn exponential_decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

#[test]
fn options_name_and_crate() {
    check(Decay, 0.0, [2.0], [0.5], 0.3);
}
