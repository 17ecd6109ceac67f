use odegrad::differentiable;

// Every repeated option is reported, together with the other errors.
#[differentiable(data = obs, name = Misfit, data = obs, name = Misfit2, crate = odegrad, crate = odegrad)]
fn misfit(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
    y[0] - obs[9]
}

fn main() {}
