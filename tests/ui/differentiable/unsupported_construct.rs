use odegrad::differentiable;

#[differentiable]
fn loss(_t: f64, y: &[f64; 2]) -> f64 {
    let total = y.iter().map(|v| v * v).sum::<f64>();
    match total {
        x => x,
    }
}

fn main() {}
