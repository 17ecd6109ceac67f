//! An ensemble: 10,000 Lotka–Volterra solves and 10,000 gradients, each with
//! its own parameters, run in parallel with rayon and then serially, with the
//! throughput of both.
//!
//! Every solve and gradient is independent and borrows only its own stack
//! buffers (save points, checkpoints), so a parallel map needs no locks: the
//! solver, the controller and the system are shared by reference.
//!
//! Run with `cargo run --release --example ensemble`.

use std::time::Instant;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::loss::cotangents;
use odegrad::nalgebra::SVector;
use odegrad::rayon::prelude::*;
use odegrad::{
    diffeqsolve, differentiable, ode_system, Error, OdeTerm, PidController, SaveAt, SaveBuffers,
    Tsit5,
};

/// Predator–prey dynamics: x' = a x − b x z, z' = −c z + d x z.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

type Y = SVector<f64, 2>;
type P = SVector<f64, 4>;

const MEMBERS: usize = 10_000;
const T1: f64 = 10.0;
const NUM_SAVED: usize = 21;
const RTOL: f64 = 1e-6;
const ATOL: f64 = 1e-6;
const MAX_STEPS: usize = 10_000;

/// Member `k`'s parameters: P1's [1.5, 1, 3, 1], each varied by up to ±10%
/// on a deterministic low-discrepancy sequence.
fn member_params(k: usize) -> P {
    let base = [1.5, 1.0, 3.0, 1.0];
    // Fractional parts of k·(√2, √3, √5, √7): evenly spread in [0, 1).
    let irrationals = [2f64.sqrt(), 3f64.sqrt(), 5f64.sqrt(), 7f64.sqrt()];
    P::from_fn(|i, _| base[i] * (0.9 + 0.2 * (k as f64 * irrationals[i]).fract()))
}

fn save_times() -> [f64; NUM_SAVED] {
    core::array::from_fn(|m| T1 * m as f64 / (NUM_SAVED - 1) as f64)
}

/// One forward solve: the final state.
fn solve(p: P) -> Result<Y, Error> {
    let term = OdeTerm::new(&LotkaVolterra, p);
    let controller = PidController::new(RTOL, ATOL)?;
    let mut t_out = [0.0; 1];
    let mut y_out = [Y::zeros(); 1];
    diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        T1,
        Some(0.01),
        Y::from([1.0, 1.0]),
        &SaveAt::t1(),
        &controller,
        MAX_STEPS,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )?;
    Ok(y_out[0])
}

/// The loss at one save time, |y(t)|²; L is its sum over the save times.
#[differentiable]
fn squared_norm(_t: f64, y: &[f64; 2]) -> f64 {
    y[0] * y[0] + y[1] * y[1]
}

/// One gradient: ∂L/∂p by RecursiveCheckpointAdjoint with 16 checkpoints.
fn gradient(p: P) -> Result<(f64, P), Error> {
    let term = OdeTerm::new(&LotkaVolterra, p);
    let controller = PidController::new(RTOL, ATOL)?;
    let ts = save_times();
    let mut ys = [Y::zeros(); NUM_SAVED];
    let mut slots = [Slot::EMPTY; 16];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &controller,
        0.0,
        T1,
        Some(0.01),
        Y::from([1.0, 1.0]),
        &ts,
        &mut ys,
        MAX_STEPS,
        &mut slots,
    )?;
    let mut ys_bar = [Y::zeros(); NUM_SAVED];
    let (loss, _) = cotangents(&SquaredNorm, &ts, &ys, &p, &mut ys_bar)?;
    let g = adjoint.backward(&ys_bar, &Y::zeros())?;
    Ok((loss, g.params))
}

/// Runs `f` over every member, in parallel or not, and prints the throughput.
fn time<R: Send>(
    label: &str,
    parallel: bool,
    f: impl Fn(P) -> Result<R, Error> + Sync,
) -> Result<Vec<R>, Error> {
    let clock = Instant::now();
    let results: Result<Vec<R>, Error> = if parallel {
        (0..MEMBERS)
            .into_par_iter()
            .map(|k| f(member_params(k)))
            .collect()
    } else {
        (0..MEMBERS).map(|k| f(member_params(k))).collect()
    };
    let seconds = clock.elapsed().as_secs_f64();
    println!(
        "{label:<28} {MEMBERS} in {:>7.3} s  = {:>9.0} /s",
        seconds,
        MEMBERS as f64 / seconds
    );
    results
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "Ensemble of {MEMBERS} Lotka–Volterra problems (P1 with parameters varied by ±10%), Tsit5, rtol = atol = {RTOL:e}"
    );
    println!("rayon threads: {}", odegrad::rayon::current_num_threads());
    // Start the thread pool before timing, so its start-up is not counted.
    odegrad::rayon::broadcast(|_| ());

    let parallel_solves = time("solves, parallel (rayon)", true, solve)?;
    let serial_solves = time("solves, serial", false, solve)?;
    let parallel_grads = time("gradients, parallel (rayon)", true, gradient)?;
    let serial_grads = time("gradients, serial", false, gradient)?;

    // The same arithmetic in every thread: parallel and serial results agree bit for bit.
    let same = parallel_solves == serial_solves
        && parallel_grads
            .iter()
            .zip(&serial_grads)
            .all(|(a, b)| a.0.to_bits() == b.0.to_bits() && a.1 == b.1);
    println!("parallel and serial results identical: {same}");

    let (worst, best) = parallel_grads
        .iter()
        .enumerate()
        .fold((0, 0), |(w, b), (k, g)| {
            (
                if g.0 > parallel_grads[w].0 { k } else { w },
                if g.0 < parallel_grads[b].0 { k } else { b },
            )
        });
    for (name, k) in [("smallest", best), ("largest", worst)] {
        let (loss, g) = &parallel_grads[k];
        println!(
            "{name} loss: member {k}, p = {:.4?}, L = {loss:.4}, dL/dp = {:.3?}",
            member_params(k).as_slice(),
            g.as_slice()
        );
    }
    if !same {
        return Err("parallel and serial results differ".into());
    }
    Ok(())
}
