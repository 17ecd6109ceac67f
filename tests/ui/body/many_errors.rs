use odegrad::ode_system;

// Every problem of one input is reported in one compile.
#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    let a = y[0].to_degrees();
    let b = helper(p[0]);
    while a > b {}
    [-p[0] * y[0]]
}

fn helper(x: f64) -> f64 {
    x
}

fn main() {}
