//! Builds the runtime and a generated `f32` system under `#![no_std]`.
//!
//! Nothing reachable from here may use std: the crate is built for
//! `thumbv7em-none-eabihf`, which has no std at all, so any std use in the
//! runtime or in the code `#[ode_system]` emits fails that build.
#![no_std]

pub mod solve;

use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::{math, ode_system, OdeSystem};

/// A damped pendulum with a driving force, in `f32`: exercises elementary
/// functions (through `libm`), explicit time dependence and an `if`.
#[ode_system]
pub fn driven_pendulum(t: f32, y: &[f32; 2], p: &[f32; 3]) -> [f32; 2] {
    let [theta, omega] = *y;
    let [damping, gain, freq] = *p;
    let drive = if omega.abs() < 10.0 {
        gain * math::cos(freq * t)
    } else {
        0.0
    };
    // core has no `f32::sin`; `math::sin` is std's or libm's.
    [omega, -math::sin(theta) - damping * omega + drive]
}

/// Calls every derivative of the generated system through the runtime trait
/// and returns a checksum (so nothing is optimised away).
pub fn exercise(t: f32, y: [f32; 2], p: [f32; 3]) -> f32 {
    let sys = DrivenPendulum;
    let (y, p) = (SVector::from(y), SVector::from(p));
    let v = SVector::from([1.0, -0.5]);
    let w = SVector::from([0.25, 2.0]);
    let f = sys.rhs(t, &y, &p);
    let jv = sys.jvp_y(t, &y, &p, &v);
    let jpv = sys.jvp_p(t, &y, &p, &SVector::from([1.0, 1.0, 1.0]));
    let (wy, wp) = sys.vjp(t, &y, &p, &w);
    let jy: SMatrix<f32, 2, 2> = sys.jac_y(t, &y, &p);
    let jp: SMatrix<f32, 2, 3> = sys.jac_p(t, &y, &p);
    let ft = sys.dfdt(t, &y, &p);
    let (hy, hp, ht) = sys.vjp_jvp(t, &y, &p, &v, 1.0, &w);
    f.sum()
        + jv.sum()
        + jpv.sum()
        + wy.sum()
        + wp.sum()
        + jy.sum()
        + jp.sum()
        + ft.sum()
        + hy.sum()
        + hp.sum()
        + ht
}
