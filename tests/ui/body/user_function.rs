use odegrad::ode_system;

fn rate(k: f64) -> f64 {
    k * k
}

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-rate(p[0]) * y[0]]
}

fn main() {}
