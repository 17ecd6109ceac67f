use odegrad::differentiable;

#[differentiable]
fn loss(_t: f64, y: &[f64; 2]) {
    let _ = y[0];
}

fn main() {}
