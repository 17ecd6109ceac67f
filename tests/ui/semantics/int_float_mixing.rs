use odegrad::ode_system;

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0] * 2]
}

fn main() {}
