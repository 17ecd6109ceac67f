//! The no_std path: a Lotka–Volterra solve and its gradient in `f32`, with
//! every buffer a fixed-size array on the stack and no heap allocation.
//!
//! The solve and gradient code below uses only `core` and the runtime, which
//! is `#![no_std]`; it compiles unchanged for a microcontroller (see
//! `no-std-check`, built for thumbv7em-none-eabihf in CI). This program runs it
//! on the host inside a counting global allocator and prints how many heap
//! allocations the solve and the gradient made (zero), and the stack bytes
//! they use, measured as the `size_of` of every buffer and object the caller
//! holds: the save buffers, the checkpoint slots, the adjoint object (which
//! holds the final loop state) and the result. The stack frames of the
//! runtime's functions themselves come on top and are not counted here.
//!
//! Run with `cargo run --release --example embedded_f32`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::loss::cotangents;
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve, differentiable, ode_system, Error, OdeTerm, PidController, SaveAt, SaveBuffers,
    Tsit5,
};

/// Counts every allocation the program makes.
struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Predator–prey dynamics in f32: x' = a x − b x z, z' = −c z + d x z.
#[ode_system]
fn lotka_volterra(_t: f32, y: &[f32; 2], p: &[f32; 4]) -> [f32; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

type Y = SVector<f32, 2>;

const NUM_SAVED: usize = 21;
const CHECKPOINTS: usize = 8;

/// What the solve and the gradient return, and the stack bytes they held.
struct Report {
    y1: Y,
    loss: f32,
    dl_dy0: Y,
    dl_dp: SVector<f32, 4>,
    solve_bytes: usize,
    gradient_bytes: usize,
    steps: usize,
}

/// The solve and the gradient, as they would run on a microcontroller:
/// `core` only, fixed-size buffers, errors returned rather than panicking.
fn solve_and_gradient() -> Result<Report, Error> {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5f32, 1.0, 3.0, 1.0]));
    let controller = PidController::new(1e-4f32, 1e-4)?;
    let ts: [f32; NUM_SAVED] = core::array::from_fn(|i| 0.5 * i as f32);
    let y0 = Y::from([1.0, 1.0]);

    // A plain solve: y at the 21 save times.
    let mut t_out = [0.0f32; NUM_SAVED];
    let mut y_out = [Y::zeros(); NUM_SAVED];
    let sol = diffeqsolve(
        &term,
        &Tsit5,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &SaveAt::ts(&ts),
        &controller,
        1000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )?;
    let solve_bytes =
        size_of_val(&ts) + size_of_val(&t_out) + size_of_val(&y_out) + size_of_val(&sol);

    // The gradient of L = Σ |y(t)|² with 8 checkpoints.
    let mut ys = [Y::zeros(); NUM_SAVED];
    let mut slots = [Slot::EMPTY; CHECKPOINTS];
    let slots_bytes = size_of_val(&slots);
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &controller,
        0.0,
        10.0,
        Some(0.01),
        y0,
        &ts,
        &mut ys,
        1000,
        &mut slots,
    )?;
    let adjoint_bytes = size_of_val(&adjoint);
    let mut ys_bar = [Y::zeros(); NUM_SAVED];
    let (loss, _) = cotangents(&SquaredNorm, &ts, &ys, &term.params, &mut ys_bar)?;
    let g = adjoint.backward(&ys_bar, &Y::zeros())?;
    let gradient_bytes = size_of_val(&ts)
        + size_of_val(&ys)
        + slots_bytes
        + adjoint_bytes
        + size_of_val(&ys_bar)
        + size_of_val(&g);
    Ok(Report {
        y1: y_out[NUM_SAVED - 1],
        loss,
        dl_dy0: g.y0,
        dl_dp: g.params,
        solve_bytes,
        gradient_bytes,
        steps: g.stats.forward.num_accepted_steps,
    })
}

/// The loss at one save time, |y(t)|²; L is its sum over the save times.
/// Its gradient is generated, and `cotangents` writes it into a stack buffer.
#[differentiable]
fn squared_norm(_t: f32, y: &[f32; 2]) -> f32 {
    y[0] * y[0] + y[1] * y[1]
}

fn main() -> Result<(), Error> {
    println!(
        "Lotka–Volterra (P1) in f32, Tsit5, rtol = atol = 1e-4, 21 save points, 8 checkpoints"
    );
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let report = solve_and_gradient();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let r = report?;
    println!(
        "y(10)  = {:?}   ({} accepted steps)",
        r.y1.as_slice(),
        r.steps
    );
    println!("loss   = {}", r.loss);
    println!("dL/dy0 = {:?}", r.dl_dy0.as_slice());
    println!("dL/dp  = {:?}", r.dl_dp.as_slice());
    println!("heap allocations during the solve and the gradient: {allocations}");
    println!(
        "caller-held stack bytes: solve {} B (save times and buffers, solution); gradient {} B (save times, outputs, {} checkpoint slots of {} B, adjoint object, cotangents, gradient)",
        r.solve_bytes,
        r.gradient_bytes,
        CHECKPOINTS,
        size_of::<odegrad::adjoint::CheckpointSlot<f32, Y, OdeTerm<'static, LotkaVolterra, f32, 2, 4>, Tsit5, PidController<'static, f32>>>()
    );
    if allocations != 0 {
        std::process::exit(1);
    }
    Ok(())
}
