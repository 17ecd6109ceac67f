use odegrad::differentiable;

#[differentiable]
fn loss(y: &[f64; 2]) -> f64 {
    y[0] * y[0]
}

fn main() {}
