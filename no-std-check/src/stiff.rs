//! The stiff solvers under `#![no_std]`: the generated `f32` pendulum (which
//! depends on `t`, so Rodas5P uses its `∂f/∂t`) through `OdeTerm`, solved with
//! Kvaerno5 and Rodas5P on the stack.

use crate::DrivenPendulum;
use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, Error, Kvaerno5, OdeTerm, PidController, Rodas5P, SaveAt, SaveBuffers};

/// Solves the pendulum on `[0, 10]` with Kvaerno5 and with Rodas5P at
/// `rtol = atol = 1e-4`; returns both final states.
pub fn solve_pendulum_stiff_f32() -> Result<(SVector<f32, 2>, SVector<f32, 2>), Error> {
    let term = OdeTerm::new(&DrivenPendulum, SVector::from([0.5f32, 1.2, 0.7]));
    let pid = PidController::new(1e-4f32, 1e-4)?;
    let y0 = SVector::from([1.0f32, 0.0]);
    let k5 = diffeqsolve(
        &term,
        &Kvaerno5::new(1e-4f32, 1e-4)?,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &SaveAt::nothing(),
        &pid,
        4096,
        &mut SaveBuffers::none(),
    )?;
    let r5 = diffeqsolve(
        &term,
        &Rodas5P,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &SaveAt::nothing(),
        &pid,
        4096,
        &mut SaveBuffers::none(),
    )?;
    Ok((k5.y, r5.y))
}
