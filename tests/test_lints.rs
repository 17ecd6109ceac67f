//! Generated code compiles without warnings under strict lints (rustc's
//! `warnings` and `missing_docs`, clippy's `all` and `pedantic` when this
//! file is checked by `cargo clippy --all-targets`), so `#[ode_system]`
//! never forces an `allow` on its users.
#![deny(warnings, missing_docs, clippy::all, clippy::pedantic)]
#![allow(clippy::float_cmp)] // the user's own comparison `x == 0.0` below

use odegrad::{ode_system, OdeSystem};

/// A public system: the generated type is public too and must be documented.
#[ode_system]
#[must_use]
pub fn lints_system(time: f64, y: &[f64; 3], p: &[f64; 2]) -> [f64; 3] {
    const K: usize = 3;
    let [rate, forcing] = *p;
    let mut out = [0.0; K];
    for i in 0..K {
        let left = if i > 0 { y[i - 1] } else { 0.0 };
        out[i] = rate * (left - y[i]).tanh() + forcing * (time * std::f64::consts::LN_2).exp2();
    }
    out[0] += if y[0] == 0.0 || y[1] > 1.0 {
        y[2].abs()
    } else {
        y[2].min(y[1])
    };
    out[2] -= y[0].hypot(y[1]).ln() + y[2].powi(3);
    out
}

#[test]
fn generated_code_is_lint_clean() {
    let y = odegrad::nalgebra::SVector::from([0.5, 0.25, -1.0]);
    let p = odegrad::nalgebra::SVector::from([1.0, 0.1]);
    let f = LintsSystem.rhs(0.5, &y, &p);
    let g = lints_system(0.5, &[0.5, 0.25, -1.0], &[1.0, 0.1]);
    for i in 0..3 {
        assert!((f[i] - g[i]).abs() < 1e-14);
    }
}
