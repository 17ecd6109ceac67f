use odegrad::ode_system;

const N: usize = 2;

#[ode_system]
fn decay(_t: f64, y: &[f64; N], p: &[f64; 1]) -> [f64; N] {
    [-p[0] * y[0], -p[0] * y[1]]
}

fn main() {}
