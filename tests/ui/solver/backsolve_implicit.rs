use odegrad::adjoint::BacksolveAdjoint;
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, Kvaerno5, OdeTerm, PidController};

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

fn main() -> Result<(), odegrad::Error> {
    let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    let solver = Kvaerno5::new(1e-8, 1e-8)?;
    let pid = PidController::new(1e-8, 1e-8)?;
    let (ts, mut ys) = ([1.0], [SVector::zeros()]);
    let solve = BacksolveAdjoint::forward(&term, &solver, &pid, 0.0, 1.0, None,
        SVector::from([1.0]), &ts, &mut ys, 100, &mut [])?;
    // The backward pass would run Kvaerno5 on the augmented state.
    let _ = solve.backward(&[SVector::from([1.0])], &SVector::zeros())?;
    Ok(())
}
