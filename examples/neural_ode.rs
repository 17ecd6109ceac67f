//! Training a neural ODE: the P4 network f(y) = W2 tanh(W1 y + b1) + b2
//! (2–16–2, 82 parameters) learns a spiral from 41 observations of one
//! trajectory, with Adam on `RecursiveCheckpointAdjoint` gradients.
//!
//! The data come from the linear spiral y' = A y, A = [[−0.1, 2], [−2, −0.1]],
//! y0 = [2, 0], t ∈ [0, 4]. The network starts from P4's parameters. Each
//! epoch takes one Adam step on the whole data set; Adam alone is not a
//! descent method, so a step that would raise the loss is retried with half
//! the learning rate, and the loss (the mean squared distance to the data)
//! falls every epoch. The phase portrait of data and trained model is written
//! to `neural_ode.svg`.
//!
//! Run with `cargo run --release --example neural_ode`.

use std::time::Instant;

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::loss::cotangents_with_data;
use odegrad::nalgebra::{SMatrix, SVector};
use odegrad::{
    diffeqsolve, differentiable, ode_system, Dopri5, Error, OdeTerm, PidController, SaveAt,
    SaveBuffers,
};
use plotters::prelude::*;

/// The network of P4: y' = W2 tanh(W1 y + b1) + b2 with p = [W1 (16×2, row-major),
/// b1 (16), W2 (2×16, row-major), b2 (2)].
#[ode_system]
fn neural_ode(_t: f64, y: &[f64; 2], p: &[f64; 82]) -> [f64; 2] {
    const H: usize = 16;
    let mut hidden = [0.0; H];
    for i in 0..H {
        let mut s = p[2 * H + i];
        for j in 0..2 {
            s += p[2 * i + j] * y[j];
        }
        hidden[i] = s.tanh();
    }
    let mut out = [0.0; 2];
    for i in 0..2 {
        let mut s = p[4 * H + 16 + i];
        for j in 0..H {
            s += p[3 * H + H * i + j] * hidden[j];
        }
        out[i] = s;
    }
    out
}

type Y = SVector<f64, 2>;
type P = SVector<f64, 82>;

const NUM_OBS: usize = 41;
const T1: f64 = 4.0;
const EPOCHS: usize = 300;
const LEARNING_RATE: f64 = 0.01;

/// P4's initial parameters.
fn initial_params() -> P {
    let mut p = P::zeros();
    for i in 0..16 {
        for j in 0..2 {
            p[2 * i + j] = 0.1 * ((2 * i + j + 1) as f64).sin();
            p[48 + 16 * j + i] = 0.1 * ((16 * j + i + 1) as f64).cos();
        }
        p[32 + i] = 0.05 * (i as f64).cos();
    }
    p
}

/// The data: the exact solution of the linear spiral at the observation times.
fn spiral(ts: &[f64; NUM_OBS]) -> [Y; NUM_OBS] {
    let a = SMatrix::<f64, 2, 2>::new(-0.1, 2.0, -2.0, -0.1);
    ts.map(|t| (a * t).exp() * Y::from([2.0, 0.0]))
}

/// One observation's share of the mean squared error (1/M) Σ_m |y(t_m) − data_m|²;
/// its gradient is generated.
#[differentiable(data = obs)]
fn mean_squared_error(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
    // M: the macro reads only the body, so the count is restated here and
    // checked against NUM_OBS below.
    const M: f64 = 41.0;
    let r0 = y[0] - obs[0];
    let r1 = y[1] - obs[1];
    (r0 * r0 + r1 * r1) / M
}
const _: () = assert!(NUM_OBS == 41, "update M in mean_squared_error");

/// The loss and ∂L/∂p by one forward solve and one backward pass.
fn loss_and_gradient(p: &P, ts: &[f64; NUM_OBS], data: &[Y; NUM_OBS]) -> Result<(f64, P), Error> {
    let term = OdeTerm::new(&NeuralOde, *p);
    let controller = PidController::new(1e-6, 1e-8)?;
    let mut ys = [Y::zeros(); NUM_OBS];
    let mut slots = [Slot::EMPTY; 16];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Dopri5,
        &controller,
        0.0,
        T1,
        Some(0.01),
        data[0],
        ts,
        &mut ys,
        10_000,
        &mut slots,
    )?;
    let mut ys_bar = [Y::zeros(); NUM_OBS];
    // The loss has no parameters of its own: its ∂L/∂p part is zero.
    let (loss, _) = cotangents_with_data(&MeanSquaredError, ts, &ys, data, p, &mut ys_bar)?;
    let g = adjoint.backward(&ys_bar, &Y::zeros())?;
    Ok((loss, g.params))
}

/// Adam (Kingma and Ba 2015) with the usual β1 = 0.9, β2 = 0.999: the step
/// direction from the running moments of the gradient.
struct Adam {
    m: P,
    v: P,
    step: i32,
}

impl Adam {
    fn new() -> Self {
        Self {
            m: P::zeros(),
            v: P::zeros(),
            step: 0,
        }
    }

    fn direction(&mut self, g: &P) -> P {
        let (beta1, beta2, eps) = (0.9, 0.999, 1e-8);
        self.step += 1;
        self.m = beta1 * self.m + (1.0 - beta1) * g;
        self.v = beta2 * self.v + (1.0 - beta2) * g.component_mul(g);
        let m_hat = self.m / (1.0 - beta1.powi(self.step));
        let v_hat = self.v / (1.0 - beta2.powi(self.step));
        m_hat.zip_map(&v_hat, |m, v| m / (v.sqrt() + eps))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ts: [f64; NUM_OBS] = core::array::from_fn(|m| T1 * m as f64 / (NUM_OBS - 1) as f64);
    let data = spiral(&ts);
    let mut p = initial_params();
    let mut adam = Adam {
        m: P::zeros(),
        v: P::zeros(),
        step: 0,
    };
    let mut learning_rate = LEARNING_RATE;
    println!(
        "Neural ODE 2–16–2 (82 parameters) fitted to a spiral: {NUM_OBS} points in [0, {T1}], Adam, learning rate {LEARNING_RATE}"
    );
    println!("epoch        loss   learning rate");
    let clock = Instant::now();
    let (mut loss, mut g) = loss_and_gradient(&p, &ts, &data)?;
    let first = loss;
    println!("{:>5}  {loss:>10.6}", 0);
    let mut gradients = 1;
    for epoch in 1..=EPOCHS {
        let mut d = adam.direction(&g);
        // A rejected step restarts Adam (its momentum can point uphill; a
        // fresh start steps along sign(∇L), which descends for a small enough
        // step) and halves the learning rate. The gradient at the accepted
        // point comes with its loss, so an accepted step costs nothing extra.
        let mut accepted = None;
        for _ in 0..30 {
            let candidate = p - learning_rate * d;
            let (l, gc) = loss_and_gradient(&candidate, &ts, &data)?;
            gradients += 1;
            if l < loss {
                accepted = Some((candidate, l, gc));
                break;
            }
            learning_rate *= 0.5;
            adam = Adam::new();
            d = adam.direction(&g);
        }
        let Some((candidate, l, gc)) = accepted else {
            println!("no step lowers the loss any more: stopped at epoch {epoch}");
            break;
        };
        (p, loss, g) = (candidate, l, gc);
        if epoch % 20 == 0 {
            println!("{epoch:>5}  {loss:>10.6}   {learning_rate:.2e}");
        }
    }
    println!(
        "{EPOCHS} epochs, {gradients} gradients in {:.2} s; loss {first:.4} → {loss:.6}",
        clock.elapsed().as_secs_f64()
    );
    plot(&data, &p, "neural_ode.svg")?;
    println!("Wrote neural_ode.svg (data and trained trajectory in the phase plane)");
    Ok(())
}

/// The phase portrait: observations (points) and the trained model (line).
fn plot(data: &[Y; NUM_OBS], p: &P, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    const FINE: usize = 401;
    let fine: [f64; FINE] = core::array::from_fn(|m| T1 * m as f64 / (FINE - 1) as f64);
    let mut t_out = [0.0; FINE];
    let mut y_out = [Y::zeros(); FINE];
    diffeqsolve(
        &OdeTerm::new(&NeuralOde, *p),
        &Dopri5,
        0.0,
        T1,
        Some(0.01),
        data[0],
        &SaveAt::ts(&fine),
        &PidController::new(1e-6, 1e-8)?,
        10_000,
        &mut SaveBuffers::new(&mut t_out, &mut y_out),
    )?;
    let root = SVGBackend::new(path, (600, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Neural ODE fitted to a spiral", ("sans-serif", 22))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(-2.2..2.2, -2.2..2.2)?;
    chart.configure_mesh().x_desc("y₀").y_desc("y₁").draw()?;
    chart
        .draw_series(
            data.iter()
                .map(|y| Circle::new((y[0], y[1]), 3, BLUE.filled())),
        )?
        .label("data")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, BLUE.filled()));
    chart
        .draw_series(LineSeries::new(
            y_out.iter().map(|y| (y[0], y[1])),
            RED.stroke_width(2),
        ))?
        .label("trained neural ODE")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED.stroke_width(2)));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
