use odegrad::ode_system;

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    let k = match p[0] > 1.0 {
        true => 1.0,
        false => p[0],
    };
    [-k * y[0]]
}

fn main() {}
