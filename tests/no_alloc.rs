//! Zero heap allocations inside `diffeqsolve`: a counting global allocator
//! (per thread, so the test harness's own threads do not interfere) is read
//! around each solve of P1, P4 and P6 for every kind of `SaveAt`, and around
//! the stiff solvers on P3 and P6 with point, step and dense output, and
//! around solves over an empty interval (`t0 == t1`).

mod problems;
mod stiff_problems;

use odegrad::controller::PidController;
use odegrad::nalgebra::SVector;
use odegrad::solver::explicit::RkStages;
use odegrad::{
    diffeqsolve, DenseStep, Dopri5, FnTerm, SaveAt, SaveBuffers, Solver, State, Term, Tsit5,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: thread-local storage may be gone while a thread exits.
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    let r = f();
    (ALLOCATIONS.with(Cell::get) - before, r)
}

/// Solves with every `SaveAt` kind and asserts no allocation in any solve.
#[allow(clippy::too_many_arguments)]
fn check_all_saveats<Y, Tm, S, const K: usize>(
    name: &str,
    term: &Tm,
    solver: &S,
    t1: f64,
    dt0: f64,
    y0: Y,
    pid: &PidController<'_, f64>,
) where
    Y: State<f64> + core::fmt::Debug,
    Tm: Term<f64, Y>,
    S: Solver<f64, Y, Tm, DenseInfo = RkStages<Y, K>>,
{
    let ts: Vec<f64> = (0..21).map(|i| t1 * i as f64 / 20.0).collect();
    let kinds = [
        ("t0", SaveAt::nothing().with_t0()),
        ("t1", SaveAt::t1()),
        ("ts", SaveAt::ts(&ts)),
        ("steps", SaveAt::steps()),
        ("dense", SaveAt::dense()),
        (
            "all",
            SaveAt::ts(&ts)
                .with_t0()
                .with_t1()
                .with_steps()
                .with_dense(),
        ),
    ];
    // Buffers are the caller's: made before the counted region.
    let mut t_out = vec![0.0; 512];
    let mut y_out = vec![Y::zero(); 512];
    let blank = DenseStep {
        t0: 0.0,
        t1: 0.0,
        y0: Y::zero(),
        y1: Y::zero(),
        dense: RkStages { k: [Y::zero(); K] },
    };
    let mut dense = vec![blank; 512];
    for (kind, saveat) in kinds {
        let mut buffers = SaveBuffers::new(&mut t_out, &mut y_out).with_dense(&mut dense);
        let (n, sol) = allocations_in(|| {
            diffeqsolve(
                term,
                solver,
                0.0,
                t1,
                Some(dt0),
                y0,
                &saveat,
                pid,
                4096,
                &mut buffers,
            )
        });
        let sol = sol.unwrap_or_else(|e| panic!("{name}/{kind}: {e}"));
        assert!(sol.stats.num_accepted_steps > 0);
        assert_eq!(n, 0, "{name} with SaveAt {kind}: {n} heap allocations");
    }
}

#[test]
fn solves_do_not_allocate() {
    // The counter sees allocations, including one made by a vector field
    // inside a solve.
    let (n, v) = allocations_in(|| vec![1u8; 10]);
    assert_eq!(n, 1);
    drop(v);
    let allocating = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| {
        // A heap allocation the counter must see.
        let scratch = Box::new(-y[0]);
        SVector::from([*scratch])
    });
    let pid = PidController::new(1e-6, 1e-6).unwrap();
    let (n, sol) = allocations_in(|| {
        diffeqsolve(
            &allocating,
            &Tsit5,
            0.0,
            1.0,
            None,
            SVector::from([1.0]),
            &SaveAt::nothing(),
            &pid,
            100,
            &mut SaveBuffers::none(),
        )
    });
    assert!(sol.is_ok());
    assert_eq!(n, sol.unwrap().stats.num_rhs_evals);

    let p1 = FnTerm::new(problems::lotka_volterra);
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    check_all_saveats(
        "P1",
        &p1,
        &Tsit5,
        10.0,
        0.01,
        SVector::from([1.0, 1.0]),
        &pid,
    );

    let net = problems::NeuralOde::new();
    let p4 = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| net.rhs(y));
    let pid = PidController::new(1e-7, 1e-9).unwrap();
    check_all_saveats(
        "P4",
        &p4,
        &Dopri5,
        5.0,
        0.01,
        SVector::from([1.0, -0.5]),
        &pid,
    );

    let p6 = FnTerm::new(problems::heat32);
    let pid = PidController::new(1e-6, 1e-8).unwrap();
    check_all_saveats("P6", &p6, &Tsit5, 0.5, 1e-3, problems::heat32_y0(), &pid);
}

/// A stiff solve saving at 21 times, every step and every dense record, with
/// no allocation inside it.
fn check_stiff<const N: usize, Tm, S>(
    name: &str,
    term: &Tm,
    solver: &S,
    t1: f64,
    dt0: f64,
    y0: SVector<f64, N>,
    blank: S::DenseInfo,
) where
    Tm: odegrad::JacobianTerm<f64, N>,
    S: Solver<f64, SVector<f64, N>, Tm>,
{
    let ts: Vec<f64> = (0..21).map(|i| t1 * i as f64 / 20.0).collect();
    let mut t_out = vec![0.0; 4096];
    let mut y_out = vec![SVector::<f64, N>::zeros(); 4096];
    let blank = DenseStep {
        t0: 0.0,
        t1: 0.0,
        y0: SVector::zeros(),
        y1: SVector::zeros(),
        dense: blank,
    };
    let mut dense = vec![blank; 4096];
    let mut buffers = SaveBuffers::new(&mut t_out, &mut y_out).with_dense(&mut dense);
    let saveat = SaveAt::ts(&ts).with_steps().with_dense();
    let pid = PidController::new(1e-6, 1e-8).unwrap();
    let (n, sol) = allocations_in(|| {
        diffeqsolve(
            term,
            solver,
            0.0,
            t1,
            Some(dt0),
            y0,
            &saveat,
            &pid,
            4096,
            &mut buffers,
        )
    });
    let sol = sol.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(sol.num_dense > 0 && sol.num_saved > 21, "{name}: {sol:?}");
    assert_eq!(n, 0, "{name}: {n} heap allocations");
}

#[test]
fn stiff_solves_do_not_allocate() {
    use odegrad::solver::implicit::HermiteDense;
    use odegrad::solver::rosenbrock::RosenbrockDense;
    use odegrad::{ImplicitEuler, Kvaerno3, Kvaerno4, Kvaerno5, Rodas5P};
    use stiff_problems::{heat_y0, Heat32, Robertson, P3_Y0};

    let rob = Robertson::P3;
    let y0 = SVector::from(P3_Y0);
    let hermite = HermiteDense {
        f0: SVector::zeros(),
        f1: SVector::zeros(),
    };
    let (rtol, atol) = (1e-6, 1e-8);
    check_stiff(
        "Kvaerno5 P3",
        &rob,
        &Kvaerno5::new(rtol, atol).unwrap(),
        1e3,
        1e-6,
        y0,
        hermite,
    );
    check_stiff(
        "Kvaerno4 P3",
        &rob,
        &Kvaerno4::new(rtol, atol).unwrap(),
        1e3,
        1e-6,
        y0,
        hermite,
    );
    check_stiff(
        "Kvaerno3 P3",
        &rob,
        &Kvaerno3::new(rtol, atol).unwrap(),
        1e3,
        1e-6,
        y0,
        hermite,
    );
    check_stiff(
        "ImplicitEuler P3",
        &rob,
        &ImplicitEuler::new(rtol, atol).unwrap(),
        1.0,
        1e-6,
        y0,
        (),
    );
    let rosenbrock = RosenbrockDense {
        k: [SVector::zeros(); 3],
    };
    check_stiff("Rodas5P P3", &rob, &Rodas5P, 1e3, 1e-6, y0, rosenbrock);

    let heat = Heat32 { d: 0.1 };
    let hermite = HermiteDense {
        f0: SVector::zeros(),
        f1: SVector::zeros(),
    };
    check_stiff(
        "Kvaerno5 P6",
        &heat,
        &Kvaerno5::new(rtol, atol).unwrap(),
        0.5,
        1e-3,
        heat_y0(),
        hermite,
    );
    let rosenbrock = RosenbrockDense {
        k: [SVector::zeros(); 3],
    };
    check_stiff(
        "Rodas5P P6",
        &heat,
        &Rodas5P,
        0.5,
        1e-3,
        heat_y0(),
        rosenbrock,
    );
}

/// A solve over an empty interval (`t0 == t1`), which takes no step, with
/// every `SaveAt` kind and every accepted `dt0`, explicit and stiff: no
/// allocation either.
#[test]
fn empty_interval_solves_do_not_allocate() {
    use odegrad::solver::implicit::HermiteDense;
    use odegrad::Kvaerno5;
    use stiff_problems::{Robertson, P3_Y0};

    fn check<const N: usize, Tm, S>(
        name: &str,
        term: &Tm,
        solver: &S,
        y0: SVector<f64, N>,
        blank: S::DenseInfo,
    ) where
        Tm: Term<f64, SVector<f64, N>>,
        S: Solver<f64, SVector<f64, N>, Tm>,
    {
        let t0 = 0.5;
        let ts = [t0, t0];
        let kinds = [
            ("t0", SaveAt::nothing().with_t0()),
            ("t1", SaveAt::t1()),
            ("ts", SaveAt::ts(&ts)),
            ("steps", SaveAt::steps()),
            ("dense", SaveAt::dense()),
            (
                "all",
                SaveAt::ts(&ts)
                    .with_t0()
                    .with_t1()
                    .with_steps()
                    .with_dense(),
            ),
        ];
        let mut t_out = [0.0; 8];
        let mut y_out = [SVector::<f64, N>::zeros(); 8];
        let blank = DenseStep {
            t0: 0.0,
            t1: 0.0,
            y0: SVector::zeros(),
            y1: SVector::zeros(),
            dense: blank,
        };
        let mut dense = [blank; 2];
        let pid = PidController::new(1e-6, 1e-8).unwrap();
        for dt0 in [None, Some(0.1), Some(-0.1), Some(0.0)] {
            for (kind, saveat) in kinds {
                let mut buffers = SaveBuffers::new(&mut t_out, &mut y_out).with_dense(&mut dense);
                let (n, sol) = allocations_in(|| {
                    diffeqsolve(
                        term,
                        solver,
                        t0,
                        t0,
                        dt0,
                        y0,
                        &saveat,
                        &pid,
                        10,
                        &mut buffers,
                    )
                });
                let sol = sol.unwrap_or_else(|e| panic!("{name}/{kind}/{dt0:?}: {e}"));
                assert_eq!((sol.y, sol.stats.num_steps), (y0, 0), "{name}/{kind}");
                assert_eq!(
                    n, 0,
                    "{name}, SaveAt {kind}, dt0 {dt0:?}: {n} heap allocations"
                );
            }
        }
    }

    let p1 = FnTerm::new(problems::lotka_volterra);
    let zero = SVector::<f64, 2>::zeros();
    check(
        "Tsit5 P1",
        &p1,
        &Tsit5,
        SVector::from([1.0, 1.0]),
        RkStages { k: [zero; 7] },
    );
    let zero = SVector::<f64, 3>::zeros();
    let hermite = HermiteDense { f0: zero, f1: zero };
    let k5 = Kvaerno5::new(1e-6, 1e-8).unwrap();
    check(
        "Kvaerno5 P3",
        &Robertson::P3,
        &k5,
        SVector::from(P3_Y0),
        hermite,
    );
}
