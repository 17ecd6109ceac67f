use odegrad::differentiable;

#[differentiable]
fn loss(_t: f64, y: &[f64; 2]) -> [f64; 2] {
    [y[0] * y[0], y[1] * y[1]]
}

fn main() {}
