use odegrad::differentiable;

#[differentiable]
fn loss(_t: f64, y: &[f64; 2]) -> i32 {
    y[0] * y[0]
}

fn main() {}
