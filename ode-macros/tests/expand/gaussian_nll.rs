#[differentiable]
fn gaussian_nll(t: f64, y: &[f64; 2], p: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        let mu = p[i] * (-0.1 * t).exp();
        let r = (y[i] - mu) / p[2 + i];
        s += 0.5 * r * r + p[2 + i].ln();
    }
    s
}
