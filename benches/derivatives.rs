//! Generated derivative code against careful hand-written code.
//!
//! For Lotka–Volterra, the P4 neural ODE (2–16–2, P = 82) and the P6 heat
//! equation (N = 32) from PROBLEMS.md: `rhs`, `jac_y` and `vjp` as emitted by
//! `#[ode_system]` next to hand-derived versions with the same signatures
//! (the hand-written VJP of P4 back-propagates through the hidden layer once,
//! the heat Jacobian writes the three diagonals directly).
//!
//! Run: `cargo bench --bench derivatives`.

use criterion::{criterion_group, criterion_main, Criterion};
use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::{ode_system, OdeSystem};
use std::hint::black_box;

#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

mod lv_hand {
    use super::{SMatrix, SVector};
    #[inline]
    pub fn rhs(y: &SVector<f64, 2>, p: &SVector<f64, 4>) -> SVector<f64, 2> {
        let (x, z) = (y[0], y[1]);
        let xz = x * z;
        SVector::from([p[0] * x - p[1] * xz, -p[2] * z + p[3] * xz])
    }
    #[inline]
    pub fn jac_y(y: &SVector<f64, 2>, p: &SVector<f64, 4>) -> SMatrix<f64, 2, 2> {
        let (x, z) = (y[0], y[1]);
        SMatrix::<f64, 2, 2>::new(p[0] - p[1] * z, -p[1] * x, p[3] * z, p[3] * x - p[2])
    }
    #[inline]
    pub fn vjp(
        y: &SVector<f64, 2>,
        p: &SVector<f64, 4>,
        w: &SVector<f64, 2>,
    ) -> (SVector<f64, 2>, SVector<f64, 4>) {
        let (x, z) = (y[0], y[1]);
        let xz = x * z;
        let wy = SVector::from([
            w[0] * (p[0] - p[1] * z) + w[1] * p[3] * z,
            w[1] * (p[3] * x - p[2]) - w[0] * p[1] * x,
        ]);
        let wp = SVector::from([w[0] * x, -w[0] * xz, -w[1] * z, w[1] * xz]);
        (wy, wp)
    }
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

mod p4_hand {
    use super::{SMatrix, SVector};
    const H: usize = 16;
    #[inline]
    fn hidden(y: &SVector<f64, 2>, p: &SVector<f64, 82>) -> [f64; H] {
        let mut h = [0.0; H];
        for (i, hi) in h.iter_mut().enumerate() {
            *hi = (p[2 * H + i] + p[2 * i] * y[0] + p[2 * i + 1] * y[1]).tanh();
        }
        h
    }
    #[inline]
    pub fn rhs(y: &SVector<f64, 2>, p: &SVector<f64, 82>) -> SVector<f64, 2> {
        let h = hidden(y, p);
        let mut out = SVector::from([p[80], p[81]]);
        for i in 0..2 {
            for (k, hk) in h.iter().enumerate() {
                out[i] += p[3 * H + H * i + k] * hk;
            }
        }
        out
    }
    #[inline]
    pub fn jac_y(y: &SVector<f64, 2>, p: &SVector<f64, 82>) -> SMatrix<f64, 2, 2> {
        let h = hidden(y, p);
        let mut j = SMatrix::<f64, 2, 2>::zeros();
        for (k, hk) in h.iter().enumerate() {
            let s = 1.0 - hk * hk;
            for i in 0..2 {
                let a = p[3 * H + H * i + k] * s;
                j[(i, 0)] += a * p[2 * k];
                j[(i, 1)] += a * p[2 * k + 1];
            }
        }
        j
    }
    #[inline]
    pub fn vjp(
        y: &SVector<f64, 2>,
        p: &SVector<f64, 82>,
        w: &SVector<f64, 2>,
    ) -> (SVector<f64, 2>, SVector<f64, 82>) {
        let h = hidden(y, p);
        let mut wy = SVector::<f64, 2>::zeros();
        let mut wp = SVector::<f64, 82>::zeros();
        for (k, hk) in h.iter().enumerate() {
            let g = (w[0] * p[3 * H + k] + w[1] * p[4 * H + k]) * (1.0 - hk * hk);
            wy[0] += g * p[2 * k];
            wy[1] += g * p[2 * k + 1];
            wp[2 * k] = g * y[0];
            wp[2 * k + 1] = g * y[1];
            wp[2 * H + k] = g;
            wp[3 * H + k] = w[0] * hk;
            wp[4 * H + k] = w[1] * hk;
        }
        wp[80] = w[0];
        wp[81] = w[1];
        (wy, wp)
    }
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

mod heat_hand {
    use super::{SMatrix, SVector};
    const N: usize = 32;
    const INV_H2: f64 = 33.0 * 33.0;
    #[inline]
    fn laplacian(y: &SVector<f64, N>) -> SVector<f64, N> {
        let mut out = SVector::<f64, N>::zeros();
        for i in 0..N {
            let left = if i > 0 { y[i - 1] } else { 0.0 };
            let right = if i + 1 < N { y[i + 1] } else { 0.0 };
            out[i] = left - 2.0 * y[i] + right;
        }
        out
    }
    #[inline]
    pub fn rhs(y: &SVector<f64, N>, p: &SVector<f64, 1>) -> SVector<f64, N> {
        laplacian(y) * (p[0] * INV_H2)
    }
    #[inline]
    pub fn jac_y(_y: &SVector<f64, N>, p: &SVector<f64, 1>) -> SMatrix<f64, N, N> {
        let k = p[0] * INV_H2;
        let mut j = SMatrix::<f64, N, N>::zeros();
        for i in 0..N {
            j[(i, i)] = -2.0 * k;
            if i > 0 {
                j[(i, i - 1)] = k;
                j[(i - 1, i)] = k;
            }
        }
        j
    }
    #[inline]
    pub fn vjp(
        y: &SVector<f64, N>,
        p: &SVector<f64, 1>,
        w: &SVector<f64, N>,
    ) -> (SVector<f64, N>, SVector<f64, 1>) {
        // The Laplacian is symmetric: wᵀ J_y = k · L w; wᵀ J_p = wᵀ L y / h².
        let k = p[0] * INV_H2;
        (
            laplacian(w) * k,
            SVector::from([w.dot(&laplacian(y)) * INV_H2]),
        )
    }
}

/// The hand-written counterparts of `rhs`, `jac_y` and `vjp` of one system,
/// as direct (inlinable) calls like the generated trait methods.
trait Hand<const N: usize, const P: usize> {
    fn rhs(y: &SVector<f64, N>, p: &SVector<f64, P>) -> SVector<f64, N>;
    fn jac_y(y: &SVector<f64, N>, p: &SVector<f64, P>) -> SMatrix<f64, N, N>;
    fn vjp(
        y: &SVector<f64, N>,
        p: &SVector<f64, P>,
        w: &SVector<f64, N>,
    ) -> (SVector<f64, N>, SVector<f64, P>);
}

macro_rules! hand {
    ($ty:ident, $m:ident, $n:literal, $p:literal) => {
        struct $ty;
        impl Hand<$n, $p> for $ty {
            #[inline]
            fn rhs(y: &SVector<f64, $n>, p: &SVector<f64, $p>) -> SVector<f64, $n> {
                $m::rhs(y, p)
            }
            #[inline]
            fn jac_y(y: &SVector<f64, $n>, p: &SVector<f64, $p>) -> SMatrix<f64, $n, $n> {
                $m::jac_y(y, p)
            }
            #[inline]
            fn vjp(
                y: &SVector<f64, $n>,
                p: &SVector<f64, $p>,
                w: &SVector<f64, $n>,
            ) -> (SVector<f64, $n>, SVector<f64, $p>) {
                $m::vjp(y, p, w)
            }
        }
    };
}
hand!(LvHand, lv_hand, 2, 4);
hand!(P4Hand, p4_hand, 2, 82);
hand!(HeatHand, heat_hand, 32, 1);

fn bench_system<S: OdeSystem<f64, N, P>, H: Hand<N, P>, const N: usize, const P: usize>(
    c: &mut Criterion,
    name: &str,
    sys: &S,
    y: SVector<f64, N>,
    p: SVector<f64, P>,
) {
    let w = SVector::<f64, N>::from_fn(|i, _| 1.0 - 0.1 * i as f64);
    // Same results, or the comparison would be meaningless.
    let (a, b) = (sys.vjp(0.0, &y, &p, &w), H::vjp(&y, &p, &w));
    assert!((a.0 - b.0).norm() + (a.1 - b.1).norm() <= 1e-9 * (1.0 + b.0.norm() + b.1.norm()));
    let jh = H::jac_y(&y, &p);
    assert!((sys.jac_y(0.0, &y, &p) - jh).norm() <= 1e-9 * (1.0 + jh.norm()));
    let fh = H::rhs(&y, &p);
    assert!((sys.rhs(0.0, &y, &p) - fh).norm() <= 1e-12 * (1.0 + fh.norm()));
    let mut g = c.benchmark_group(name);
    g.bench_function("rhs/generated", |b| {
        b.iter(|| sys.rhs(0.0, black_box(&y), black_box(&p)))
    });
    g.bench_function("rhs/hand", |b| {
        b.iter(|| H::rhs(black_box(&y), black_box(&p)))
    });
    g.bench_function("jac_y/generated", |b| {
        b.iter(|| sys.jac_y(0.0, black_box(&y), black_box(&p)))
    });
    g.bench_function("jac_y/hand", |b| {
        b.iter(|| H::jac_y(black_box(&y), black_box(&p)))
    });
    g.bench_function("vjp/generated", |b| {
        b.iter(|| sys.vjp(0.0, black_box(&y), black_box(&p), black_box(&w)))
    });
    g.bench_function("vjp/hand", |b| {
        b.iter(|| H::vjp(black_box(&y), black_box(&p), black_box(&w)))
    });
    g.finish();
}

fn derivatives(c: &mut Criterion) {
    bench_system::<_, LvHand, 2, 4>(
        c,
        "lotka_volterra",
        &LotkaVolterra,
        SVector::from([1.0, 0.5]),
        SVector::from([1.5, 1.0, 3.0, 1.0]),
    );
    let mut p4 = [0.0; 82];
    for i in 0..16 {
        p4[2 * i] = 0.1 * ((2 * i + 1) as f64).sin();
        p4[2 * i + 1] = 0.1 * ((2 * i + 2) as f64).sin();
        p4[32 + i] = 0.05 * (i as f64).cos();
        p4[48 + i] = 0.1 * ((i + 1) as f64).cos();
        p4[64 + i] = 0.1 * ((16 + i + 1) as f64).cos();
    }
    bench_system::<_, P4Hand, 2, 82>(
        c,
        "neural_ode",
        &NeuralOde,
        SVector::from([1.0, -0.5]),
        SVector::from(p4),
    );
    let y: [f64; 32] = core::array::from_fn(|i| {
        let x = (i as f64 + 1.0) / 33.0;
        (std::f64::consts::PI * x).sin() + 0.5 * (3.0 * std::f64::consts::PI * x).sin()
    });
    bench_system::<_, HeatHand, 32, 1>(c, "heat32", &Heat, SVector::from(y), SVector::from([0.1]));
}

criterion_group!(benches, derivatives);
criterion_main!(benches);
