use odegrad::differentiable;

#[differentiable]
fn loss(_t: f64, y: &mut [f64; 2]) -> f64 {
    y[0] * y[0]
}

fn main() {}
