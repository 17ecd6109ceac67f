use odegrad::ode_system;

#[ode_system]
fn decay(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
    let mut out = [0.0; 2];
    for i in 0..2 {
        out[i] = -p[0] * y[i + 1];
    }
    out
}

fn main() {}
