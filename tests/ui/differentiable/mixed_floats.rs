use odegrad::differentiable;

#[differentiable]
fn loss(_t: f32, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    p[0] * y[0]
}

fn main() {}
