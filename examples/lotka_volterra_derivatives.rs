//! The derivatives `#[ode_system]` generates for the Lotka–Volterra system.
//!
//! Prints the vector field f, the Jacobians J_y = ∂f/∂y and J_p = ∂f/∂p, and
//! the vector–Jacobian products wᵀJ_y, wᵀJ_p at one point. Every one of them
//! is straight-line code the macro wrote at compile time; run
//! `cargo expand --example lotka_volterra_derivatives` to read it.
//!
//! Run with `cargo run --release --example lotka_volterra_derivatives`.

use odegrad::nalgebra::SVector;
use odegrad::{ode_system, OdeSystem};

/// Predator–prey dynamics: x' = a x − b x z, z' = −c z + d x z.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

fn main() {
    let t = 0.0;
    let y = SVector::from([1.0, 0.5]);
    let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
    let w = SVector::from([1.0, -2.0]);

    println!(
        "Lotka–Volterra at y = {:?}, p = {:?}",
        y.as_slice(),
        p.as_slice()
    );
    let f = LotkaVolterra.rhs(t, &y, &p);
    println!("f(t, y, p) = {:?}", f.as_slice());
    // The user's function is still an ordinary function.
    println!(
        "lotka_volterra(t, y, p) = {:?}",
        lotka_volterra(t, &y.into(), &p.into())
    );
    println!("J_y = ∂f/∂y:{}", LotkaVolterra.jac_y(t, &y, &p));
    println!("J_p = ∂f/∂p:{}", LotkaVolterra.jac_p(t, &y, &p));
    let (wy, wp) = LotkaVolterra.vjp(t, &y, &p, &w);
    println!("w = {:?}", w.as_slice());
    println!("wᵀ J_y = {:?}", wy.as_slice());
    println!("wᵀ J_p = {:?}", wp.as_slice());
    println!(
        "sparsity of J_y: {:?}, of J_p: {:?}",
        <LotkaVolterra as OdeSystem<f64, 2, 4>>::JAC_Y_PATTERN,
        <LotkaVolterra as OdeSystem<f64, 2, 4>>::JAC_P_PATTERN
    );
}
