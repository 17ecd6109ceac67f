//! A stiff solve: Robertson's chemical kinetics (P3 of the test problems) to
//! t = 1e5 with Kvaerno5 (ESDIRK) and Rodas5P (Rosenbrock), their step
//! statistics, and the gradient of y1(t1) with respect to the rate constants.
//!
//! The rates span eleven orders of magnitude (k1 = 0.04, k2 = 3e7, k3 = 1e4),
//! so an explicit solver would need millions of steps; both stiff solvers
//! need a few hundred, each using the Jacobian the macro generated.
//!
//! The gradient of y1(t1) with respect to the rates and the initial state
//! comes from `DirectAdjoint` (forward sensitivities, differentiating each
//! converged implicit stage by the implicit function theorem) through the
//! Kvaerno5 steps: the exact derivative of the computed solution.
//! `RecursiveCheckpointAdjoint` does not reverse implicit steps yet, and
//! Rodas5P is not differentiated by either. With three rates and three
//! initial values, forward mode is the cheaper choice here anyway. Central
//! finite differences of the solve at tight tolerances and the reference of
//! the test set check the result.
//!
//! Run with `cargo run --release --example robertson`.

use std::time::Instant;

use odegrad::adjoint::DirectAdjoint;
use odegrad::nalgebra::SVector;
use odegrad::{
    diffeqsolve, differentiable, ode_system, Error, Kvaerno5, Loss, OdeTerm, PidController,
    Rodas5P, SaveAt, SaveBuffers, Solution, Solver,
};

/// Robertson: y1' = −k1 y1 + k3 y2 y3, y2' = k1 y1 − k2 y2² − k3 y2 y3, y3' = k2 y2².
#[ode_system]
fn robertson(_t: f64, y: &[f64; 3], k: &[f64; 3]) -> [f64; 3] {
    let [y1, y2, y3] = *y;
    let [k1, k2, k3] = *k;
    [
        -k1 * y1 + k3 * y2 * y3,
        k1 * y1 - k2 * y2 * y2 - k3 * y2 * y3,
        k2 * y2 * y2,
    ]
}

/// The loss L = y1(t1), the first species at the end.
#[differentiable]
fn first_species(_t: f64, y: &[f64; 3]) -> f64 {
    y[0]
}

type Y = SVector<f64, 3>;
type K = SVector<f64, 3>;

const RATES: [f64; 3] = [0.04, 3e7, 1e4];
const T1: f64 = 1e5;
/// ∂y1(1e5)/∂k from the test set (Kvaerno5 at rtol 1e-12, atol 1e-14).
const REFERENCE_GRADIENT: [f64; 3] = [
    -0.7930471281270798,
    -5.281803362223364e-10,
    3.1690758341431592e-6,
];

/// Solves P3 with `solver` and returns y(t1) and the solve's statistics.
fn solve<S>(solver: &S, k: K, rtol: f64, atol: f64) -> Result<(Y, Solution<f64, Y>), Error>
where
    S: for<'a> Solver<f64, Y, OdeTerm<'a, Robertson, f64, 3, 3>>,
{
    let term = OdeTerm::new(&Robertson, k);
    let controller = PidController::new(rtol, atol)?;
    let mut t_out = [0.0; 1];
    let mut y_out = [Y::zeros(); 1];
    let sol = diffeqsolve(
        &term,
        solver,
        0.0,
        T1,
        Some(1e-6),
        Y::from([1.0, 0.0, 0.0]),
        &SaveAt::t1(),
        &controller,
        100_000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )?;
    Ok((y_out[0], sol))
}

fn print_solve(name: &str, y: &Y, sol: &Solution<f64, Y>, seconds: f64) {
    let s = sol.stats;
    println!(
        "{name}: y(1e5) = [{:.10e}, {:.10e}, {:.10e}] in {:.2} ms",
        y[0],
        y[1],
        y[2],
        1e3 * seconds
    );
    println!(
        "    {} accepted / {} rejected steps, {} rhs evaluations, {} Jacobians, {} LU factorisations",
        s.num_accepted_steps, s.num_rejected_steps, s.num_rhs_evals, s.num_jac_evals, s.num_lu_factorisations
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let k = K::from(RATES);
    let (rtol, atol) = (1e-8, 1e-10);
    println!(
        "Robertson (P3) to t = 1e5, rtol = {rtol:e}, atol = {atol:e}, k = {:?}",
        k.as_slice()
    );

    let clock = Instant::now();
    let (y, sol) = solve(&Kvaerno5::new(rtol, atol)?, k, rtol, atol)?;
    print_solve("Kvaerno5", &y, &sol, clock.elapsed().as_secs_f64());
    let clock = Instant::now();
    let (y, sol) = solve(&Rodas5P, k, rtol, atol)?;
    print_solve("Rodas5P ", &y, &sol, clock.elapsed().as_secs_f64());
    println!(
        "    mass y1 + y2 + y3 − 1 = {:.2e} (conserved by the model)",
        y.sum() - 1.0
    );

    // The gradient of L = y1(t1) at the stated tolerances: its cotangent at
    // t1 is the generated ∂L/∂y, and there are no other outputs.
    let (rtol, atol) = (1e-8, 1e-10);
    let solver = Kvaerno5::new(rtol, atol)?;
    let controller = PidController::new(rtol, atol)?;
    let term = OdeTerm::new(&Robertson, k);
    let clock = Instant::now();
    let direct = DirectAdjoint::forward(
        &term,
        &solver,
        &controller,
        0.0,
        T1,
        Some(1e-6),
        Y::from([1.0, 0.0, 0.0]),
        &[],
        &mut [],
        100_000,
    )?;
    let y1_bar = FirstSpecies.grad_y(T1, direct.y1(), &k);
    let g = direct.backward::<3>(&[], &y1_bar)?;
    println!(
        "∂y1(1e5)/∂k by DirectAdjoint through Kvaerno5 in {:.2} ms ({} accepted steps):",
        1e3 * clock.elapsed().as_secs_f64(),
        g.stats.forward.num_accepted_steps
    );
    println!(
        "    ∂y1/∂y0 = [{:.6e}, {:.6e}, {:.6e}] (reference [3.371127e-2, 3.370730e-2, 3.370730e-2])",
        g.y0[0], g.y0[1], g.y0[2]
    );

    // A check: central differences, relative step 1e-5, solves at rtol 1e-12.
    let (fd_rtol, fd_atol) = (1e-12, 1e-14);
    let fd_solver = Kvaerno5::new(fd_rtol, fd_atol)?;
    let mut fd = [0.0; 3];
    for (i, d) in fd.iter_mut().enumerate() {
        let h = 1e-5 * k[i];
        let (mut up, mut down) = (k, k);
        up[i] += h;
        down[i] -= h;
        let y_up = solve(&fd_solver, up, fd_rtol, fd_atol)?.0[0];
        let y_down = solve(&fd_solver, down, fd_rtol, fd_atol)?.0[0];
        *d = (y_up - y_down) / (2.0 * h);
    }
    println!("    rate   DirectAdjoint       finite differences   reference           rel. error vs reference");
    for i in 0..3 {
        let r = REFERENCE_GRADIENT[i];
        println!(
            "    k{}     {:>+.10e}   {:>+.10e}   {:>+.10e}   {:.1e}",
            i + 1,
            g.params[i],
            fd[i],
            r,
            ((g.params[i] - r) / r).abs()
        );
    }
    Ok(())
}
