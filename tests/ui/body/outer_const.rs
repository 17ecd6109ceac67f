use odegrad::ode_system;

/// Gravitational acceleration, defined outside the vector field.
const G: f64 = 9.81;

#[ode_system]
fn falling(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    [y[1], -G - p[0] * y[1]]
}

fn main() {}
