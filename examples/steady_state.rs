//! The gradient of a steady state two ways: `ImplicitAdjoint` (the implicit
//! function theorem at the steady state: one LU of the Jacobian) against
//! `RecursiveCheckpointAdjoint` (reversing every step that led there), on P5
//! of the test problems.
//!
//! y' = −k ⊙ (y − c) + 0.1 sin(y) relaxes to a steady state y*(k, c); the solve
//! runs to t = ∞ and a steady-state event ends it once ‖f‖ < atol + rtol ‖y‖.
//! The loss is |y*|². Both adjoints should agree to about the event's
//! tolerance; the implicit one needs no checkpoints and no backward pass, and
//! its gradient with respect to y0 is zero by construction (the steady state
//! does not remember where it started).
//!
//! Run with `cargo run --release --example steady_state`.

use std::time::Instant;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::{ImplicitAdjoint, RecursiveCheckpointAdjoint};
use odegrad::controller::RmsNorm;
use odegrad::event::steady_state_event;
use odegrad::nalgebra::SVector;
use odegrad::{differentiable, ode_system, Error, Loss, OdeTerm, PidController, Tsit5};

/// P5: y' = −k ⊙ (y − c) + 0.1 sin(y), p = [k0, k1, k2, c0, c1, c2].
#[ode_system]
fn relaxation(_t: f64, y: &[f64; 3], p: &[f64; 6]) -> [f64; 3] {
    let mut out = [0.0; 3];
    for i in 0..3 {
        out[i] = -p[i] * (y[i] - p[i + 3]) + 0.1 * y[i].sin();
    }
    out
}

type Y = SVector<f64, 3>;

const PARAMS: [f64; 6] = [1.0, 2.0, 3.0, 0.5, -1.0, 2.0];
/// ∂L/∂p from the test set (Newton on f = 0 and the implicit function theorem).
const REFERENCE: [f64; 6] = [
    -0.06338366507154206,
    -0.046231107478782146,
    -0.03984925591496647,
    1.2077683095535732,
    -2.1402789543771528,
    4.00067016156723,
];

/// The loss L = |y*|² of the steady state; its cotangent ∂L/∂y* is generated.
#[differentiable]
fn squared_norm(_t: f64, y: &[f64; 3]) -> f64 {
    y[0] * y[0] + y[1] * y[1] + y[2] * y[2]
}

fn main() -> Result<(), Error> {
    let term = OdeTerm::new(&Relaxation, SVector::from(PARAMS));
    let controller = PidController::new(1e-10, 1e-10)?;
    let event = steady_state_event(1e-10, 1e-10, RmsNorm);
    println!("P5: y' = −k ⊙ (y − c) + 0.1 sin(y), k = [1, 2, 3], c = [0.5, −1, 2], y0 = 0, Tsit5, rtol = atol = 1e-10");

    let clock = Instant::now();
    let implicit = ImplicitAdjoint::forward(
        &term,
        &Tsit5,
        &controller,
        0.0,
        f64::INFINITY,
        Some(0.01),
        Y::zeros(),
        &event,
        4096,
    )?;
    let y_ss = *implicit.y1();
    let (loss, y_bar, _) = SquaredNorm.value_and_grad(implicit.t1(), &y_ss, &term.params);
    let g_implicit = implicit.backward(&y_bar)?;
    let t_implicit = clock.elapsed().as_secs_f64();
    println!(
        "steady state reached: {} ({} accepted steps); y* = [{:.10}, {:.10}, {:.10}], L = {loss:.12}",
        implicit.event_triggered(),
        g_implicit.stats.forward.num_accepted_steps,
        y_ss[0],
        y_ss[1],
        y_ss[2]
    );

    let clock = Instant::now();
    let mut slots = [Slot::EMPTY; 32];
    let rca = RecursiveCheckpointAdjoint::forward_with_event(
        &term,
        &Tsit5,
        &controller,
        0.0,
        f64::INFINITY,
        Some(0.01),
        Y::zeros(),
        &[],
        &mut [],
        4096,
        &mut slots,
        &event,
    )?;
    let y_bar = SquaredNorm.grad_y(implicit.t1(), rca.y1(), &term.params);
    let g_rca = rca.backward(&[], &y_bar)?;
    let t_rca = clock.elapsed().as_secs_f64();

    println!(
        "ImplicitAdjoint:            solve + gradient {:.3} ms, no checkpoints",
        1e3 * t_implicit
    );
    println!(
        "RecursiveCheckpointAdjoint: solve + gradient {:.3} ms, {} checkpoints, {} steps reversed, {} recomputed",
        1e3 * t_rca,
        g_rca.stats.checkpoints.capacity,
        g_rca.stats.checkpoints.reverse_steps,
        g_rca.stats.checkpoints.recomputed_steps
    );
    println!("  p    ImplicitAdjoint      RecursiveCheckpoint  reference            implicit vs reference");
    for (i, name) in ["k0", "k1", "k2", "c0", "c1", "c2"].iter().enumerate() {
        println!(
            "  {name}   {:>+.12e}   {:>+.12e}   {:>+.12e}   {:.1e}",
            g_implicit.params[i],
            g_rca.params[i],
            REFERENCE[i],
            ((g_implicit.params[i] - REFERENCE[i]) / REFERENCE[i]).abs()
        );
    }
    println!(
        "∂L/∂y0: implicit {:.1e} (zero by construction), recursive checkpoint {:.1e} (the transient's memory of y0, decayed)",
        g_implicit.y0.norm(),
        g_rca.y0.norm()
    );
    Ok(())
}
