use odegrad::differentiable;

// The data are the last argument; the time, the state and the parameters
// cannot be data.
#[differentiable(data = t)]
fn on_time(t: f64, y: &[f64; 1], obs: &[f64; 1]) -> f64 {
    t * (y[0] - obs[0])
}

#[differentiable(data = y)]
fn on_state(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
    y[0] - obs[0]
}

#[differentiable(data = p)]
fn on_parameters(_t: f64, y: &[f64; 2], p: &[f64; 1], obs: &[f64; 2]) -> f64 {
    p[0] * (y[0] - obs[0])
}

fn main() {}
