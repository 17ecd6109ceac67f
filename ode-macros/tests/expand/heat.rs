#[ode_system]
fn heat(_t: f64, y: &[f64; 32], p: &[f64; 1]) -> [f64; 32] {
    const N: usize = 32;
    let h = 1.0 / (N as f64 + 1.0);
    let k = p[0] / (h * h);
    let mut out = [0.0; N];
    for i in 0..N {
        let left = if i > 0 { y[i - 1] } else { 0.0 };
        let right = if i + 1 < N { y[i + 1] } else { 0.0 };
        out[i] = k * (left - 2.0 * y[i] + right);
    }
    out
}
