use odegrad::ode_system;

// A vector field has no data argument.
#[ode_system(data = forcing)]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

fn main() {}
