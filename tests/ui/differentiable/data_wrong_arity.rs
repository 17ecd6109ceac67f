use odegrad::differentiable;

// With data, a loss takes the time, the state, optionally the parameters,
// and the data.
#[differentiable(data = obs)]
fn no_state(_t: f64, obs: &[f64; 2]) -> f64 {
    obs[0]
}

fn main() {}
