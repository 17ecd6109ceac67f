//! The checkpointing schedule and RecursiveCheckpointAdjoint allocate
//! nothing: a counting global allocator watches a forward and a reverse sweep
//! with recomputation, and a P1 gradient, with its cotangents from generated
//! losses (`loss::cotangents`, and `loss::cotangents_with_data` for a misfit
//! to observations).
//!
//! A binary of its own, so the allocator counts only this test; it counts
//! only allocations made on the thread that armed it, so the test harness's
//! own bookkeeping on other threads does not show.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::loss::{cotangents, cotangents_with_data};
use odegrad::nalgebra::SVector;
use odegrad::{
    differentiable, ode_system, Error, Kvaerno5, OdeTerm, PidController, Rodas5P, Tsit5,
};

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    // `try_with`: thread-local storage may already be gone at thread exit.
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts the allocations `f` makes on this thread.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    ARMED.with(|a| a.set(true));
    let result = f();
    ARMED.with(|a| a.set(false));
    (result, ALLOCATIONS.with(Cell::get))
}

/// A payload the size of an integrator's restart state for a small system.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Restart {
    t: f64,
    y: [f64; 4],
    dt: f64,
    fsal: [f64; 4],
}

fn step(_k: usize, s: &Restart) -> Result<Restart, Error> {
    let mut next = *s;
    next.t += s.dt;
    for i in 0..4 {
        next.y[i] = s.y[i] + s.dt * s.fsal[i];
        next.fsal[i] = -0.5 * next.y[i];
    }
    Ok(next)
}

#[test]
fn forward_and_reverse_sweeps_allocate_nothing() {
    // The allocator must see allocations at all, or the test cannot fail.
    let (boxed, n) = allocations_in(|| Box::new(1u8));
    assert_eq!(*boxed, 1);
    assert!(n >= 1, "the counting allocator does not count");

    let init = Restart {
        t: 0.0,
        y: [1.0, 2.0, 3.0, 4.0],
        dt: 0.01,
        fsal: [-0.5, -1.0, -1.5, -2.0],
    };
    // Both placement regimes (Stumm–Walther up to 44 steps, then
    // Wang–Moin–Iaccarino), recording through `sweep` and through `record`.
    for use_record in [false, true] {
        let (result, allocations) = allocations_in(|| {
            let mut slots = Slot::<Restart>::array::<8>();
            let mut schedule = OnlineCheckpointer::new(&mut slots)?;
            let mut forward = step;
            if use_record {
                let mut state = init;
                for k in 0..1000 {
                    schedule.record(&state);
                    state = step(k, &state)?;
                }
            } else {
                schedule.sweep(init, &mut forward, |k, _| k == 1000)?;
            }
            // The reverse steps see y_k = (1 − dt/2)^k y_0; sum them.
            let mut sum = 0.0;
            let mut reverse = |_k: usize, s: &Restart| -> Result<(), Error> {
                sum += s.y[0];
                Ok(())
            };
            let stats = schedule.reverse(&mut forward, &mut reverse)?;
            Ok::<_, Error>((sum, stats))
        });
        assert_eq!(
            allocations, 0,
            "the schedule allocated (record: {use_record})"
        );
        let (sum, stats) = result.unwrap();
        assert_eq!(stats.reverse_steps, 1000);
        assert!(stats.recomputed_steps > 0);
        let q = 1.0f64 - 0.005;
        let expected = (1.0 - q.powi(1000)) / (1.0 - q);
        assert!(
            (sum - expected).abs() < 1e-10 * expected,
            "{sum} vs {expected}"
        );
    }
}

/// P1 of PROBLEMS.md.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

#[test]
fn a_p1_gradient_allocates_nothing() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let (result, allocations) = allocations_in(|| {
        let mut ys = [SVector::<f64, 2>::zeros(); 21];
        // Fewer slots than steps, so the backward pass recomputes.
        let mut slots = [Slot::EMPTY; 20];
        let adjoint = RecursiveCheckpointAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            SVector::from([1.0, 1.0]),
            &ts,
            &mut ys,
            4096,
            &mut slots,
        )?;
        let mut ys_bar = [SVector::zeros(); 21];
        cotangents(&P1Loss, &ts, &ys, &term.params, &mut ys_bar)?;
        adjoint.backward(&ys_bar, &SVector::zeros())
    });
    assert_eq!(allocations, 0, "the gradient allocated");
    let g = result.unwrap();
    assert!(g.stats.checkpoints.recomputed_steps > 0);
    assert!((g.y0[0] + 191.23176789678476).abs() < 1e-5 * 191.2);
}

/// P1's loss at one saved point: Σᵢ yᵢ².
#[differentiable]
fn p1_loss(_t: f64, y: &[f64; 2]) -> f64 {
    y[0] * y[0] + y[1] * y[1]
}

/// A weighted misfit to an observation `[x, z, weight]`, with a parameter
/// of its own (an offset of the observed prey).
#[differentiable(data = obs)]
fn weighted_misfit(_t: f64, y: &[f64; 2], p: &[f64; 1], obs: &[f64; 3]) -> f64 {
    let r0 = y[0] + p[0] - obs[0];
    let r1 = y[1] - obs[1];
    0.5 * obs[2] * (r0 * r0 + r1 * r1)
}

#[test]
fn a_fitting_gradient_against_data_allocates_nothing() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let data: [SVector<f64, 3>; 21] =
        core::array::from_fn(|i| SVector::from([1.0, 1.0 + 0.01 * i as f64, 2.0]));
    let offset = SVector::from([0.1]);
    let (result, allocations) = allocations_in(|| {
        let mut ys = [SVector::<f64, 2>::zeros(); 21];
        let mut slots = [Slot::EMPTY; 20];
        let adjoint = RecursiveCheckpointAdjoint::forward(
            &term,
            &Tsit5,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            SVector::from([1.0, 1.0]),
            &ts,
            &mut ys,
            4096,
            &mut slots,
        )?;
        let mut ys_bar = [SVector::zeros(); 21];
        let (loss, dl_doffset) =
            cotangents_with_data(&WeightedMisfit, &ts, &ys, &data, &offset, &mut ys_bar)?;
        let g = adjoint.backward(&ys_bar, &SVector::zeros())?;
        Ok::<_, Error>((loss, dl_doffset, g, ys))
    });
    assert_eq!(allocations, 0, "the gradient allocated");
    let (loss, dl_doffset, g, ys) = result.unwrap();
    assert!(g.stats.checkpoints.recomputed_steps > 0);
    // The loss's own parameter gradient is Σᵢ wᵢ·r₀ᵢ.
    let want: f64 = ys.iter().map(|y| 2.0 * (y[0] + 0.1 - 1.0)).sum();
    assert!((dl_doffset[0] - want).abs() < 1e-12 * want.abs().max(1.0));
    assert!(loss > 0.0 && g.params.iter().all(|x| x.is_finite()));
}

/// P3 of PROBLEMS.md.
#[ode_system]
fn robertson(_t: f64, y: &[f64; 3], p: &[f64; 3]) -> [f64; 3] {
    let [y1, y2, y3] = *y;
    let [k1, k2, k3] = *p;
    [
        -k1 * y1 + k3 * y2 * y3,
        k1 * y1 - k2 * y2 * y2 - k3 * y2 * y3,
        k2 * y2 * y2,
    ]
}

#[test]
fn stiff_gradients_allocate_nothing() {
    let term = OdeTerm::new(&Robertson, SVector::from([0.04, 3e7, 1e4]));
    let pid = PidController::new(1e-8, 1e-10).unwrap();
    let k5 = Kvaerno5::new(1e-8, 1e-10).unwrap();
    let ts = [1.0, 10.0, 100.0];
    let (result, allocations) = allocations_in(|| {
        let mut ys = [SVector::<f64, 3>::zeros(); 3];
        let mut slots = [Slot::EMPTY; 8];
        let adjoint = RecursiveCheckpointAdjoint::forward(
            &term,
            &k5,
            &pid,
            0.0,
            1e3,
            Some(1e-6),
            SVector::from([1.0, 0.0, 0.0]),
            &ts,
            &mut ys,
            4096,
            &mut slots,
        )?;
        adjoint.backward(&ys, &SVector::from([1.0, 0.0, 0.0]))
    });
    assert_eq!(allocations, 0, "the Kvaerno5 gradient allocated");
    let g = result.unwrap();
    assert!(g.stats.checkpoints.recomputed_steps > 0 && g.stats.lu_factorisations > 0);

    let (result, allocations) = allocations_in(|| {
        let mut ys = [SVector::<f64, 3>::zeros(); 3];
        let mut slots = [Slot::EMPTY; 8];
        let adjoint = RecursiveCheckpointAdjoint::forward(
            &term,
            &Rodas5P,
            &pid,
            0.0,
            1e3,
            Some(1e-6),
            SVector::from([1.0, 0.0, 0.0]),
            &ts,
            &mut ys,
            4096,
            &mut slots,
        )?;
        adjoint.backward(&ys, &SVector::from([1.0, 0.0, 0.0]))
    });
    assert_eq!(allocations, 0, "the Rodas5P gradient allocated");
    let g = result.unwrap();
    assert!(g.stats.checkpoints.recomputed_steps > 0 && g.stats.second_order_evals > 0);
}

/// The gradient of a solve over an empty interval (`t0 == t1`): no step,
/// the closed form, and no allocation.
#[test]
fn an_empty_interval_gradient_allocates_nothing() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let (t0, y0) = (2.0, SVector::from([1.0, 2.0]));
    let ts = [t0; 3];
    let y1_bar = SVector::from([0.5, -1.0]);
    let (result, allocations) = allocations_in(|| {
        let mut ys = [SVector::<f64, 2>::zeros(); 3];
        let mut slots = [Slot::EMPTY; 4];
        let adjoint = RecursiveCheckpointAdjoint::forward(
            &term, &Tsit5, &pid, t0, t0, None, y0, &ts, &mut ys, 10, &mut slots,
        )?;
        adjoint.backward(&ys, &y1_bar)
    });
    assert_eq!(allocations, 0, "the empty-interval gradient allocated");
    let g = result.unwrap();
    // dL/dy0 = y1_bar + Σ ys_bar with ys_bar = ys = y0; dL/dt1 = y1_bar·f;
    // dL/dt0 = −dL/dy0·f, since the outputs at t0 move with t0 too.
    assert_eq!(g.y0, y1_bar + 3.0 * y0);
    let f = SVector::from([1.5 * 1.0 - 1.0 * 2.0, -3.0 * 2.0 + 1.0 * 2.0]);
    assert!((g.t1 - y1_bar.dot(&f)).abs() < 1e-15);
    assert!((g.t0 + g.y0.dot(&f)).abs() < 1e-14, "{}", g.t0);
    assert_eq!(g.stats.forward.num_steps, 0);
}
