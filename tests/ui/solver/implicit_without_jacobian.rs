use odegrad::nalgebra::SVector;
use odegrad::{diffeqsolve, FnTerm, Kvaerno5, PidController, SaveAt, SaveBuffers};

fn main() {
    // A closure has no Jacobian, which an implicit solver needs.
    let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    let solver = Kvaerno5::new(1e-6, 1e-6).unwrap();
    let pid = PidController::new(1e-6, 1e-6).unwrap();
    let _ = diffeqsolve(&term, &solver, 0.0, 1.0, None, SVector::from([1.0]),
        &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none());
}
