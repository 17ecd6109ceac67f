//! The stiff problems of PROBLEMS.md (P2 Van der Pol, P3 Robertson, P6 heat
//! equation) as hand-written `JacobianTerm`s, with their reference values.
#![allow(dead_code)]
// Reference values are kept with the digits PROBLEMS.md gives.
#![allow(clippy::excessive_precision)]

pub mod driver;

use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::{JacobianTerm, Term};

/// P3 Robertson with p = [k1, k2, k3].
#[derive(Clone, Copy, Debug)]
pub struct Robertson {
    pub k: [f64; 3],
}

impl Robertson {
    pub const P3: Self = Self {
        k: [0.04, 3e7, 1e4],
    };
}

impl Term<f64, SVector<f64, 3>> for Robertson {
    fn vf(&self, _t: f64, y: &SVector<f64, 3>) -> SVector<f64, 3> {
        let [k1, k2, k3] = self.k;
        SVector::from([
            -k1 * y[0] + k3 * y[1] * y[2],
            k1 * y[0] - k2 * y[1] * y[1] - k3 * y[1] * y[2],
            k2 * y[1] * y[1],
        ])
    }
}

impl JacobianTerm<f64, 3> for Robertson {
    fn jac(&self, _t: f64, y: &SVector<f64, 3>) -> SMatrix<f64, 3, 3> {
        let [k1, k2, k3] = self.k;
        SMatrix::<f64, 3, 3>::new(
            -k1,
            k3 * y[2],
            k3 * y[1],
            k1,
            -2.0 * k2 * y[1] - k3 * y[2],
            -k3 * y[1],
            0.0,
            2.0 * k2 * y[1],
            0.0,
        )
    }
    fn dfdt(&self, _t: f64, _y: &SVector<f64, 3>) -> SVector<f64, 3> {
        SVector::zeros()
    }
}

pub const P3_Y0: [f64; 3] = [1.0, 0.0, 0.0];
/// P3 reference y(1e5) (Kvaerno5, rtol 1e-12, atol 1e-14).
pub const P3_Y1E5: [f64; 3] = [
    0.01786592114301957,
    7.274751468817661e-8,
    0.9821340061094634,
];
/// P3b reference y(1e11) (Bari test set).
pub const P3B_Y1E11: [f64; 3] = [
    2.083340149701255e-8,
    8.333360770334713e-14,
    0.9999999791665050,
];

/// P2 Van der Pol with stiffness μ.
#[derive(Clone, Copy, Debug)]
pub struct VanDerPol {
    pub mu: f64,
}

impl Term<f64, SVector<f64, 2>> for VanDerPol {
    fn vf(&self, _t: f64, y: &SVector<f64, 2>) -> SVector<f64, 2> {
        SVector::from([y[1], self.mu * (1.0 - y[0] * y[0]) * y[1] - y[0]])
    }
}

impl JacobianTerm<f64, 2> for VanDerPol {
    fn jac(&self, _t: f64, y: &SVector<f64, 2>) -> SMatrix<f64, 2, 2> {
        SMatrix::<f64, 2, 2>::new(
            0.0,
            1.0,
            -2.0 * self.mu * y[0] * y[1] - 1.0,
            self.mu * (1.0 - y[0] * y[0]),
        )
    }
    fn dfdt(&self, _t: f64, _y: &SVector<f64, 2>) -> SVector<f64, 2> {
        SVector::zeros()
    }
}

pub const P2_Y0: [f64; 2] = [2.0, 0.0];
/// P2 reference y(2000) (Bari test set, VDPOLM).
pub const P2_Y2000: [f64; 2] = [1.706167732170469, -8.928097010248125e-4];

/// P6: the heat equation on 32 interior points, diffusivity `d`.
#[derive(Clone, Copy, Debug)]
pub struct Heat32 {
    pub d: f64,
}

pub const HEAT_N: usize = 32;
const HEAT_H: f64 = 1.0 / (HEAT_N as f64 + 1.0);

impl Term<f64, SVector<f64, HEAT_N>> for Heat32 {
    fn vf(&self, _t: f64, y: &SVector<f64, HEAT_N>) -> SVector<f64, HEAT_N> {
        let c = self.d / (HEAT_H * HEAT_H);
        SVector::from_fn(|i, _| {
            let left = if i == 0 { 0.0 } else { y[i - 1] };
            let right = if i + 1 == HEAT_N { 0.0 } else { y[i + 1] };
            c * (left - 2.0 * y[i] + right)
        })
    }
}

impl JacobianTerm<f64, HEAT_N> for Heat32 {
    fn jac(&self, _t: f64, _y: &SVector<f64, HEAT_N>) -> SMatrix<f64, HEAT_N, HEAT_N> {
        let c = self.d / (HEAT_H * HEAT_H);
        SMatrix::from_fn(|i, j| {
            if i == j {
                -2.0 * c
            } else if i.abs_diff(j) == 1 {
                c
            } else {
                0.0
            }
        })
    }
    fn dfdt(&self, _t: f64, _y: &SVector<f64, HEAT_N>) -> SVector<f64, HEAT_N> {
        SVector::zeros()
    }
}

/// P6's initial value, `sin(π x) + 0.5 sin(3π x)` on the grid.
pub fn heat_y0() -> SVector<f64, HEAT_N> {
    heat_exact(0.1, 0.0)
}

/// The closed form: both initial modes are eigenvectors of the discrete
/// Laplacian, with eigenvalues `−(4d/h²) sin²(kπh/2)`.
pub fn heat_exact(d: f64, t: f64) -> SVector<f64, HEAT_N> {
    let pi = core::f64::consts::PI;
    let lam = |k: f64| -4.0 * d / (HEAT_H * HEAT_H) * (k * pi * HEAT_H / 2.0).sin().powi(2);
    SVector::from_fn(|i, _| {
        let x = (i as f64 + 1.0) * HEAT_H;
        (lam(1.0) * t).exp() * (pi * x).sin() + 0.5 * (lam(3.0) * t).exp() * (3.0 * pi * x).sin()
    })
}

/// P6 reference loss Σ y(0.5).
pub const P6_LOSS: f64 = 12.862925929730096;
