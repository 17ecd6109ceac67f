//! Generated code compiles without warnings under strict lints (rustc's
//! `warnings` and `missing_docs`, clippy's `all` and `pedantic` when this
//! file is checked by `cargo clippy --all-targets`), so `#[ode_system]`
//! and `#[differentiable]` never force an `allow` on their users.
#![deny(warnings, missing_docs, clippy::all, clippy::pedantic)]
#![allow(clippy::float_cmp)] // the user's own comparison `x == 0.0` below

use odegrad::{differentiable, loss::DataLoss, ode_system, Loss, OdeSystem};

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

/// A public loss with parameters: its generated type is public too.
#[differentiable]
#[must_use]
pub fn lints_loss(time: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    let r = if y[0] > 0.0 { y[0] - p[0] } else { y[1] };
    r * r + (time * y[1]).sin()
}

/// A public loss without parameters (a generic impl over the parameter count).
#[differentiable]
#[must_use]
pub fn lints_loss_y(_t: f64, y: &[f64; 2]) -> f64 {
    y[0].exp() * y[1]
}

#[test]
fn generated_loss_code_is_lint_clean() {
    let y = odegrad::nalgebra::SVector::from([0.5, 0.25]);
    let p = odegrad::nalgebra::SVector::from([0.2]);
    let (v, g_y, g_p) = LintsLoss.value_and_grad(0.5, &y, &p);
    assert!((v - lints_loss(0.5, &[0.5, 0.25], &[0.2])).abs() < 1e-15);
    assert!((g_y[0] - 0.6).abs() < 1e-14 && (g_p[0] + 0.6).abs() < 1e-14);
    let g = LintsLossY.grad_y(0.0, &y, &p);
    assert!((g[1] - 0.5f64.exp()).abs() < 1e-14);
}

/// A public loss against data, with parameters.
#[differentiable(data = obs)]
#[must_use]
pub fn lints_data_loss(_t: f64, y: &[f64; 2], p: &[f64; 1], obs: &[f64; 2]) -> f64 {
    let r = (y[0] - obs[0]) / p[0];
    0.5 * r * r + if y[1] > obs[1] { y[1] - obs[1] } else { 0.0 }
}

/// A public loss against data, without parameters (generic over their count).
#[differentiable(data = obs)]
#[must_use]
pub fn lints_data_loss_y(_t: f64, y: &[f64; 2], obs: &[f64; 1]) -> f64 {
    (y[0] - obs[0]).powi(2)
}

#[test]
fn generated_data_loss_code_is_lint_clean() {
    let y = odegrad::nalgebra::SVector::from([0.5, 0.25]);
    let p = odegrad::nalgebra::SVector::from([2.0]);
    let obs = odegrad::nalgebra::SVector::from([0.1, 0.0]);
    let (value, g_y, g_p) = LintsDataLoss.value_and_grad(0.0, &y, &p, &obs);
    assert!((value - lints_data_loss(0.0, &[0.5, 0.25], &[2.0], &[0.1, 0.0])).abs() < 1e-15);
    // r = (y₀ − d₀) / p₀ = 0.2: ∂/∂y₀ = r / p₀, ∂/∂p₀ = −r² / p₀.
    assert!((g_y[0] - 0.1).abs() < 1e-14 && (g_y[1] - 1.0).abs() < 1e-14);
    assert!((g_p[0] + 0.02).abs() < 1e-14);
    let g_y = LintsDataLossY.grad_y(0.0, &y, &p, &odegrad::nalgebra::SVector::from([0.1]));
    assert!((g_y[0] - 0.8).abs() < 1e-14);
}
