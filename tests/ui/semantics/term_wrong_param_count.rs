use odegrad::{nalgebra::SVector, ode_system, OdeTerm};

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    [-p[0] * y[0] + p[1]]
}

fn main() {
    // Three parameters for a system that takes two.
    let _term = OdeTerm::new(&Decay, SVector::from([1.0, 0.0, 3.0]));
}
