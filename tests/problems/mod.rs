//! Test problems of PROBLEMS.md as closures over `SVector` (no macro needed).
#![allow(dead_code)]

use odegrad::nalgebra::SVector;

/// P1 Lotka–Volterra with p = [1.5, 1, 3, 1].
pub fn lotka_volterra(_t: f64, y: &SVector<f64, 2>) -> SVector<f64, 2> {
    let (a, b, c, d) = (1.5, 1.0, 3.0, 1.0);
    SVector::from([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])
}

/// P1 reference y(10).
pub const P1_Y10: [f64; 2] = [1.0263447675752504, 0.9096910781359997];

/// P4's parameters: W1 (16×2), b1, W2 (2×16), b2.
pub struct NeuralOde {
    pub w1: [[f64; 2]; 16],
    pub b1: [f64; 16],
    pub w2: [[f64; 16]; 2],
    pub b2: [f64; 2],
}

impl NeuralOde {
    pub fn new() -> Self {
        let mut w1 = [[0.0; 2]; 16];
        let mut b1 = [0.0; 16];
        let mut w2 = [[0.0; 16]; 2];
        for i in 0..16 {
            for j in 0..2 {
                w1[i][j] = 0.1 * ((2 * i + j + 1) as f64).sin();
                w2[j][i] = 0.1 * ((16 * j + i + 1) as f64).cos();
            }
            b1[i] = 0.05 * (i as f64).cos();
        }
        Self {
            w1,
            b1,
            w2,
            b2: [0.0; 2],
        }
    }

    pub fn rhs(&self, y: &SVector<f64, 2>) -> SVector<f64, 2> {
        let mut out = SVector::from(self.b2);
        for i in 0..16 {
            let h = (self.w1[i][0] * y[0] + self.w1[i][1] * y[1] + self.b1[i]).tanh();
            out[0] += self.w2[0][i] * h;
            out[1] += self.w2[1][i] * h;
        }
        out
    }
}

/// P4 reference y(5).
pub const P4_Y5: [f64; 2] = [1.1603014292515608, -0.592183374646989];

/// P6 heat equation, N = 32, D = 0.1.
pub fn heat32(_t: f64, y: &SVector<f64, 32>) -> SVector<f64, 32> {
    let d = 0.1;
    let h = 1.0 / 33.0;
    let k = d / (h * h);
    SVector::from_fn(|i, _| {
        let left = if i == 0 { 0.0 } else { y[i - 1] };
        let right = if i == 31 { 0.0 } else { y[i + 1] };
        k * (left - 2.0 * y[i] + right)
    })
}

/// P6 initial value.
pub fn heat32_y0() -> SVector<f64, 32> {
    let h = 1.0 / 33.0;
    SVector::from_fn(|i, _| {
        let x = (i + 1) as f64 * h;
        (core::f64::consts::PI * x).sin() + 0.5 * (3.0 * core::f64::consts::PI * x).sin()
    })
}

/// P6 reference loss Σ y(0.5).
pub const P6_LOSS: f64 = 12.862925929730096;
