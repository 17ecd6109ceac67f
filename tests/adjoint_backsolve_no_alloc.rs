//! BacksolveAdjoint allocates nothing: a counting global allocator watches a
//! P1 gradient with 21 save points and the seminorm, a re-anchored one, and
//! one with `y` from the dense output and Kvaerno5 backwards.
//!
//! A binary of its own, so the allocator counts only this test; it counts
//! only allocations made on the thread that armed it, so the test harness's
//! own bookkeeping on other threads does not show.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use odegrad::adjoint::{
    AdjointRmsSeminorm, Anchor, BacksolveAdjoint, BacksolveConfig, DenseBacksolveAdjoint,
};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, Kvaerno5, OdeTerm, PidController, Tsit5};

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

/// P1 of PROBLEMS.md.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

#[test]
fn p1_backsolve_gradients_allocate_nothing() {
    // The allocator must see allocations at all, or the test cannot fail.
    let (boxed, n) = allocations_in(|| Box::new(1u8));
    assert_eq!(*boxed, 1);
    assert!(n >= 1, "the counting allocator does not count");

    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let semi = pid.with_norm(AdjointRmsSeminorm);
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    for anchored in [false, true] {
        let (result, allocations) = allocations_in(|| {
            let mut ys = [SVector::<f64, 2>::zeros(); 21];
            let mut buf = [Anchor::zero(); 512];
            let anchors: &mut [Anchor<f64, SVector<f64, 2>>] =
                if anchored { &mut buf } else { &mut [] };
            let adjoint = BacksolveAdjoint::forward(
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
                anchors,
            )?;
            let ys_bar: [SVector<f64, 2>; 21] = core::array::from_fn(|i| 2.0 * adjoint.ys()[i]);
            let config = BacksolveConfig {
                solver: &Tsit5,
                controller: &semi,
                dt0: Some(-0.01),
                max_steps: 4096,
            };
            adjoint.backward_with(&config, &ys_bar, &SVector::zeros())
        });
        assert_eq!(
            allocations, 0,
            "the gradient allocated (anchored {anchored})"
        );
        let g = result.unwrap();
        assert!((g.y0[0] + 191.23176789678476).abs() < 1e-5 * 191.2);
        assert!((g.params[3] + 710.9642034238205).abs() < 1e-5 * 711.0);
    }
}

#[test]
fn a_dense_kvaerno5_backsolve_allocates_nothing() {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let solver = Kvaerno5::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let mut records = vec![None; 2048];
    let (result, allocations) = allocations_in(|| {
        let mut ys = [SVector::<f64, 2>::zeros(); 21];
        let adjoint = DenseBacksolveAdjoint::forward(
            &term,
            &solver,
            &pid,
            0.0,
            10.0,
            Some(0.01),
            SVector::from([1.0, 1.0]),
            &ts,
            &mut ys,
            4096,
            &mut records,
        )?;
        let ys_bar: [SVector<f64, 2>; 21] = core::array::from_fn(|i| 2.0 * adjoint.ys()[i]);
        adjoint.backward(&ys_bar, &SVector::zeros())
    });
    assert_eq!(allocations, 0, "the gradient allocated");
    let g = result.unwrap();
    assert!(
        (g.y0[0] + 191.23176789678476).abs() < 1e-4 * 191.2,
        "{:?}",
        g.y0
    );
    assert!(
        (g.params[3] + 710.9642034238205).abs() < 1e-4 * 711.0,
        "{:?}",
        g.params
    );
}
