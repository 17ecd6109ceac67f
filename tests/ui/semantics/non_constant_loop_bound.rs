use odegrad::ode_system;

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    let n = p[0];
    let mut s = 0.0;
    for _ in 0..n {
        s += y[0];
    }
    [-s]
}

fn main() {}
