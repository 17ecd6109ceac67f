use odegrad::differentiable;

// Every problem is reported at once, and `loss` itself still exists: the
// call in `main` gives no "cannot find function" error.
#[differentiable]
fn loss(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    let a = y[5];
    let b = p[0].frobnicate();
    a + b + loop {}
}

fn main() {
    let _ = loss(0.0, &[1.0, 2.0], &[3.0]);
}
