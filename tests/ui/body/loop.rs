use odegrad::ode_system;

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    let mut k = p[0];
    loop {
        k *= 0.5;
        if k < 1.0 {
            break;
        }
    }
    [-k * y[0]]
}

fn main() {}
