use odegrad::ode_system;

#[ode_system]
fn pick(_t: f64, y: &[f64; 2], p: &[f64; 2]) -> [f64; 2] {
    let i = y[0] as usize;
    [p[i], y[1]]
}

fn main() {}
