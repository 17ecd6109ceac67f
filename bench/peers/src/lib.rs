//! Problem definitions shared by the peer benchmarks (PROBLEMS.md P1, P4).

/// P4's weights: `(W1 16×2, b1, W2 2×16)` row-major as in PROBLEMS.md.
pub fn neural_ode_params() -> [f64; 82] {
    let mut p = [0.0; 82];
    for i in 0..16 {
        for j in 0..2 {
            p[2 * i + j] = 0.1 * ((2 * i + j + 1) as f64).sin();
            p[48 + 16 * j + i] = 0.1 * ((16 * j + i + 1) as f64).cos();
        }
        p[32 + i] = 0.05 * (i as f64).cos();
    }
    p
}

/// P4's vector field on slices, `y ∈ R²`.
#[inline(always)]
pub fn neural_ode(p: &[f64], y: &[f64], out: &mut [f64]) {
    out[0] = p[80];
    out[1] = p[81];
    for i in 0..16 {
        let h = (p[2 * i] * y[0] + p[2 * i + 1] * y[1] + p[32 + i]).tanh();
        out[0] += p[48 + i] * h;
        out[1] += p[64 + i] * h;
    }
}

/// P1's vector field on slices.
#[inline(always)]
pub fn lotka_volterra(p: &[f64], y: &[f64], out: &mut [f64]) {
    out[0] = p[0] * y[0] - p[1] * y[0] * y[1];
    out[1] = -p[2] * y[1] + p[3] * y[0] * y[1];
}
