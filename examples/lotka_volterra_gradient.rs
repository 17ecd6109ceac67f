//! The gradient of a loss of a Lotka–Volterra solve (P1 of the test problems)
//! with `RecursiveCheckpointAdjoint`: the exact derivative of the computed
//! solution with respect to the initial state and the parameters, using a
//! fixed buffer of 20 checkpoints for a solve of about 200 steps.
//!
//! Run with `cargo run --release --example lotka_volterra_gradient`.

use odegrad::adjoint::binomial::min_recomputations;
use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::loss::cotangents;
use odegrad::nalgebra::SVector;
use odegrad::{differentiable, ode_system, Error, OdeTerm, PidController, Tsit5};

/// Predator–prey dynamics: x' = a x − b x z, z' = −c z + d x z.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

/// The loss at one save time, |y(t)|²; L is its sum over the save times.
#[differentiable]
fn squared_norm(_t: f64, y: &[f64; 2]) -> f64 {
    y[0] * y[0] + y[1] * y[1]
}

fn main() -> Result<(), Error> {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let controller = PidController::new(1e-8, 1e-8)?;
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let mut ys = [SVector::zeros(); 21];
    // The caller owns the checkpoints; the payload type is inferred.
    let mut slots = [Slot::EMPTY; 20];

    // Forward: solve, save y(ts), keep checkpoints.
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &controller,
        0.0,
        10.0,
        Some(0.01),
        SVector::from([1.0, 1.0]),
        &ts,
        &mut ys,
        4096,
        &mut slots,
    )?;

    // The loss L = Σ over ts of |y(t)|² and its cotangents ∂L/∂y(t), from the
    // generated gradient.
    let mut ys_bar = [SVector::zeros(); 21];
    let (loss, _) = cotangents(&SquaredNorm, &ts, &ys, &term.params, &mut ys_bar)?;

    // Backward: reverse the steps, recomputing from the checkpoints.
    let g = adjoint.backward(&ys_bar, &SVector::zeros())?;

    println!("loss          = {loss}");
    println!("dL/dy0        = {:?}", g.y0.as_slice());
    println!("dL/dp         = {:?}", g.params.as_slice());
    let s = g.stats;
    println!(
        "forward       : {} accepted and {} rejected steps, {} vector-field evaluations",
        s.forward.num_accepted_steps, s.forward.num_rejected_steps, s.forward.num_rhs_evals
    );
    println!(
        "backward      : {} steps reversed, {} recomputed (fewest possible with {} checkpoints: {}), {} vector–Jacobian products",
        s.checkpoints.reverse_steps,
        s.checkpoints.recomputed_steps,
        s.checkpoints.capacity,
        min_recomputations(s.checkpoints.forward_steps, s.checkpoints.capacity).unwrap_or(0),
        s.vjp_evals
    );
    println!("checkpoints   : {} bytes", core::mem::size_of_val(&slots));
    Ok(())
}
