//! Solves P1 (Lotka–Volterra) in `f32` with Tsit5 under `#![no_std]`: a
//! hand-written term, a PID controller and save buffers on the stack.

use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, Error, PidController, SaveAt, SaveBuffers, Term, Tsit5};

/// x' = a x − b x z, z' = −c z + d x z with p = [1.5, 1, 3, 1].
pub struct LotkaVolterra {
    /// `[a, b, c, d]`.
    pub p: [f32; 4],
}

impl Term<f32, SVector<f32, 2>> for LotkaVolterra {
    fn vf(&self, _t: f32, y: &SVector<f32, 2>) -> SVector<f32, 2> {
        let [a, b, c, d] = self.p;
        SVector::from([a * y[0] - b * y[0] * y[1], -c * y[1] + d * y[0] * y[1]])
    }
    fn params_are_finite(&self) -> bool {
        self.p.iter().all(|v| v.is_finite())
    }
}

/// Solves P1 on `[0, 10]` at `rtol = atol = 1e-5`, saving at `t = 0, 0.5, …, 10`
/// into `ys`; returns the number of accepted steps.
pub fn solve_p1_f32(ys: &mut [SVector<f32, 2>; 21]) -> Result<usize, Error> {
    let term = LotkaVolterra {
        p: [1.5, 1.0, 3.0, 1.0],
    };
    let mut ts = [0.0f32; 21];
    let mut save_ts = [0.0f32; 21];
    for (i, t) in save_ts.iter_mut().enumerate() {
        *t = 0.5 * i as f32;
    }
    let pid = PidController::new(1e-5f32, 1e-5)?;
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        10.0,
        Some(0.01),
        SVector::from([1.0, 1.0]),
        &SaveAt::ts(&save_ts),
        &pid,
        4096,
        &mut SaveBuffers::new(&mut ts, ys),
    )?;
    Ok(sol.stats.num_accepted_steps)
}
