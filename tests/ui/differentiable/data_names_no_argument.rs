use odegrad::differentiable;

// The option names an argument the function does not have.
#[differentiable(data = obs)]
fn misfit(_t: f64, y: &[f64; 2], observed: &[f64; 2]) -> f64 {
    let r = y[0] - observed[0];
    r * r
}

fn main() {}
