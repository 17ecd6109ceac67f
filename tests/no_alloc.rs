//! Solves and steps must not touch the heap: a counting global allocator
//! (per thread, so that the test harness's own threads do not interfere)
//! checks that no allocation happens inside them.

#[path = "stiff_problems/mod.rs"]
mod stiff_problems;

use odegrad::nalgebra::SVector;
use odegrad::solver::implicit::{ImplicitEuler, Kvaerno3, Kvaerno4, Kvaerno5};
use odegrad::solver::rosenbrock::Rodas5P;
use odegrad::{JacobianTerm, Solver};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use stiff_problems::driver::{solve, Options};
use stiff_problems::*;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (r, ALLOCATIONS.with(Cell::get) - before)
}

fn assert_no_alloc<const N: usize, Tm, S>(
    name: &str,
    solver: &S,
    term: &Tm,
    t1: f64,
    y0: SVector<f64, N>,
) where
    Tm: JacobianTerm<f64, N>,
    S: Solver<f64, SVector<f64, N>, Tm>,
{
    let o = Options {
        rtol: 1e-6,
        atol: 1e-8,
        dt0: 1e-6,
        max_steps: 100_000,
        constant: false,
    };
    let (r, n) = allocations_during(|| solve(solver, term, 0.0, t1, y0, o));
    assert!(r.is_ok(), "{name}: {r:?}");
    assert_eq!(n, 0, "{name}: {n} heap allocations");
}

#[test]
fn counting_allocator_counts() {
    let (_, n) = allocations_during(|| std::hint::black_box(vec![1u8; 16]));
    assert!(n >= 1);
}

#[test]
fn stiff_solvers_do_not_allocate() {
    let rob = Robertson::P3;
    let y0 = SVector::from(P3_Y0);
    let (rtol, atol) = (1e-6, 1e-8);
    assert_no_alloc(
        "Kvaerno5",
        &Kvaerno5::new(rtol, atol).unwrap(),
        &rob,
        1e3,
        y0,
    );
    assert_no_alloc(
        "Kvaerno4",
        &Kvaerno4::new(rtol, atol).unwrap(),
        &rob,
        1e3,
        y0,
    );
    assert_no_alloc(
        "Kvaerno3",
        &Kvaerno3::new(rtol, atol).unwrap(),
        &rob,
        1e3,
        y0,
    );
    assert_no_alloc(
        "ImplicitEuler",
        &ImplicitEuler::new(rtol, atol).unwrap(),
        &rob,
        1.0,
        y0,
    );
    assert_no_alloc("Rodas5P", &Rodas5P, &rob, 1e3, y0);
    // Dense output too.
    let s = Kvaerno5::new(rtol, atol).unwrap();
    let st = s.init(&rob, 0.0, 1e-3, &y0);
    let (_, n) = allocations_during(|| {
        let out = s.step(&rob, 0.0, 1e-3, &y0, &st);
        let a = <Kvaerno5<f64> as Solver<f64, SVector<f64, 3>, Robertson>>::interpolate(
            &s, 0.0, 1e-3, &y0, &out.y1, &out.dense, 5e-4,
        );
        let out = Rodas5P.step(&rob, 0.0, 1e-3, &y0, &());
        let b = <Rodas5P as Solver<f64, SVector<f64, 3>, Robertson>>::interpolate(
            &Rodas5P, 0.0, 1e-3, &y0, &out.y1, &out.dense, 5e-4,
        );
        std::hint::black_box((a, b))
    });
    assert_eq!(n, 0);
    // The heat equation (N = 32) through the largest stage arrays.
    assert_no_alloc("Kvaerno5 P6", &s, &Heat32 { d: 0.1 }, 0.5, heat_y0());
    assert_no_alloc("Rodas5P P6", &Rodas5P, &Heat32 { d: 0.1 }, 0.5, heat_y0());
}
