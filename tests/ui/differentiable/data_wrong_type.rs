use odegrad::differentiable;

// Data are passed as `&[F; M]`, of the loss's float type, with M a literal.
#[differentiable(data = obs)]
fn scalar(_t: f64, y: &[f64; 1], obs: f64) -> f64 {
    y[0] - obs
}

#[differentiable(data = obs)]
fn other_float(_t: f64, y: &[f64; 1], obs: &[f32; 1]) -> f64 {
    let _ = obs;
    y[0]
}

#[differentiable(data = obs)]
fn mutable(_t: f64, y: &[f64; 1], obs: &mut [f64; 1]) -> f64 {
    y[0] - obs[0]
}

const M: usize = 3;

#[differentiable(data = obs)]
fn named_length(_t: f64, y: &[f64; 1], obs: &[f64; M]) -> f64 {
    y[0] - obs[0]
}

fn main() {}
