use odegrad::differentiable;

// Observed data as a fourth argument need the `data` option.
#[differentiable]
fn misfit(_t: f64, y: &[f64; 2], p: &[f64; 1], obs: &[f64; 2]) -> f64 {
    p[0] * (y[0] - obs[0])
}

fn main() {}
