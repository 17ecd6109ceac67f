use odegrad::differentiable;

// The data are read-only and indexed with constants within their length.
#[differentiable(data = obs)]
fn misfit(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
    let r = y[0] - obs[2];
    obs[0] = 1.0;
    r * r
}

fn main() {}
