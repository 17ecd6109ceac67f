//! `#[differentiable]`: generated loss gradients against central finite
//! differences of the user's own function, and the P1 gradient of
//! PROBLEMS.md through `loss::cotangents` and RecursiveCheckpointAdjoint.
//! Losses against observed data (`#[differentiable(data = …)]`): the same
//! checks, `loss::cotangents_with_data`, and a fitting gradient through a
//! solve against finite differences of the whole solve.

use odegrad::adjoint::checkpoint::Slot;
use odegrad::adjoint::RecursiveCheckpointAdjoint;
use odegrad::loss::{cotangents, cotangents_with_data, DataLoss};
use odegrad::nalgebra::SVector;
use odegrad::{
    differentiable, ode_system, Error, InvalidArgument, Loss, OdeTerm, PidController, Tsit5,
};

/// Sum of squares, through an unrolled loop (the loop form the macro's body
/// language has, hence the index).
#[allow(clippy::needless_range_loop)]
#[differentiable]
fn sum_of_squares(_t: f64, y: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += y[i] * y[i];
    }
    s
}

/// A weighted misfit to data given as constants, depending on time.
#[differentiable]
fn data_misfit(t: f64, y: &[f64; 2]) -> f64 {
    const W0: f64 = 2.0;
    const W1: f64 = 0.25;
    let r0 = y[0] - (1.5 - 0.2 * t);
    let r1 = y[1] - 0.75;
    0.5 * (W0 * r0 * r0 + W1 * r1 * r1)
}

/// Elementary functions and a runtime branch.
#[differentiable]
fn smooth_and_branch(t: f64, y: &[f64; 3]) -> f64 {
    let [a, b, c] = *y;
    let base = if a > 0.0 {
        a.exp() * b.sin()
    } else {
        b.powi(3) / (1.0 + a * a)
    };
    base + t.cos() * c.tanh() + a.hypot(b).ln() + (c * c + 1.0).sqrt()
}

/// A loss with parameters: weighted misfit to a parameterised target.
#[differentiable(name = ParamLoss)]
fn with_params(_t: f64, y: &[f64; 2], p: &[f64; 3]) -> f64 {
    let r = y[0] - p[1];
    p[0] * r * r + p[2].exp() * y[1] + (p[0] * y[1]).atan()
}

/// Single precision.
#[differentiable]
fn single(_t: f32, y: &[f32; 2]) -> f32 {
    y[0] * y[1] + y[1].exp()
}

/// Central differences of `f` at `x` in every coordinate.
fn central<const K: usize>(f: impl Fn(&[f64; K]) -> f64, x: [f64; K]) -> [f64; K] {
    core::array::from_fn(|j| {
        let h = 1e-6 * x[j].abs().max(1.0);
        let (mut hi, mut lo) = (x, x);
        hi[j] += h;
        lo[j] -= h;
        (f(&hi) - f(&lo)) / (2.0 * h)
    })
}

fn assert_close(a: f64, b: f64, rtol: f64, what: &str) {
    assert!(
        (a - b).abs() <= rtol * b.abs().max(1.0),
        "{what}: {a} vs {b} (relative {:.2e})",
        (a - b).abs() / b.abs().max(1e-300)
    );
}

/// Checks value, `grad_y`, `grad_p` and `value_and_grad` of a parameter-free
/// loss at `y` against the user's function and its finite differences.
fn check_y<L: Loss<f64, N, 0>, const N: usize>(
    loss: &L,
    f: fn(f64, &[f64; N]) -> f64,
    t: f64,
    y: [f64; N],
    what: &str,
) {
    let (yv, p) = (SVector::from(y), SVector::<f64, 0>::zeros());
    assert_close(loss.value(t, &yv, &p), f(t, &y), 1e-15, what);
    let fd = central(|x| f(t, x), y);
    let g = loss.grad_y(t, &yv, &p);
    let (v, g2, _) = loss.value_and_grad(t, &yv, &p);
    assert_close(v, f(t, &y), 1e-15, what);
    for j in 0..N {
        assert_close(g[j], fd[j], 1e-7, what);
        assert_close(g2[j], g[j], 1e-15, what);
    }
}

#[test]
fn sum_of_squares_matches_finite_differences() {
    check_y(&SumOfSquares, sum_of_squares, 0.0, [1.0, -2.0, 0.5], "Σy²");
    let g = SumOfSquares.grad_y(
        0.0,
        &SVector::from([1.0, -2.0, 0.5]),
        &SVector::<f64, 0>::zeros(),
    );
    assert_close(g[1], -4.0, 1e-15, "Σy² exact");
}

#[test]
fn data_misfit_matches_finite_differences() {
    for t in [0.0, 0.5, 3.0] {
        check_y(&DataMisfit, data_misfit, t, [1.2, 0.1], "misfit");
    }
}

#[test]
fn elementary_functions_and_both_branches_match_finite_differences() {
    for t in [0.0, 1.3] {
        // a > 0 takes the first branch, a < 0 the second.
        check_y(
            &SmoothAndBranch,
            smooth_and_branch,
            t,
            [0.7, 1.1, -0.4],
            "if",
        );
        check_y(
            &SmoothAndBranch,
            smooth_and_branch,
            t,
            [-0.6, 0.9, 2.0],
            "else",
        );
    }
}

#[test]
fn parameter_gradient_matches_finite_differences() {
    let (t, y, p) = (0.3, [1.4, -0.7], [0.8, 0.5, -0.3]);
    let (yv, pv) = (SVector::from(y), SVector::from(p));
    let fd_y = central(|x| with_params(t, x, &p), y);
    let fd_p = central(|x| with_params(t, &y, x), p);
    let (v, g_y, g_p) = ParamLoss.value_and_grad(t, &yv, &pv);
    assert_close(v, with_params(t, &y, &p), 1e-15, "value");
    assert_close(ParamLoss.value(t, &yv, &pv), v, 1e-15, "value");
    let (gy_alone, gp_alone) = (ParamLoss.grad_y(t, &yv, &pv), ParamLoss.grad_p(t, &yv, &pv));
    for j in 0..2 {
        assert_close(g_y[j], fd_y[j], 1e-7, "∂ℓ/∂y");
        assert_close(gy_alone[j], g_y[j], 1e-15, "grad_y");
    }
    for k in 0..3 {
        assert_close(g_p[k], fd_p[k], 1e-7, "∂ℓ/∂p");
        assert_close(gp_alone[k], g_p[k], 1e-15, "grad_p");
    }
}

#[test]
fn a_loss_without_parameters_serves_any_parameter_count() {
    let y = SVector::from([0.3, 0.4]);
    let p = SVector::from([1.0, 2.0, 3.0, 4.0]);
    let (v, g_y, g_p) = <DataMisfit as Loss<f64, 2, 4>>::value_and_grad(&DataMisfit, 1.0, &y, &p);
    assert_close(v, data_misfit(1.0, &[0.3, 0.4]), 1e-15, "value");
    assert_close(g_y[0], 2.0 * (0.3 - 1.3), 1e-15, "∂ℓ/∂y₀");
    assert!(g_p.norm() < f64::MIN_POSITIVE, "{g_p}");
}

#[test]
fn single_precision_gradient() {
    let (y, p) = (SVector::from([1.5f32, 0.5]), SVector::<f32, 0>::zeros());
    let g = Single.grad_y(0.0, &y, &p);
    assert!((g[0] - 0.5).abs() < 1e-6 && (g[1] - (1.5 + 0.5f32.exp())).abs() < 1e-5);
    assert!((Single.value(0.0, &y, &p) - single(0.0, &[1.5, 0.5])).abs() < 1e-6);
}

#[test]
fn cotangents_fills_the_buffer_and_sums_the_loss() {
    let ts = [0.0, 0.5, 1.0];
    let ys = [
        SVector::from([1.0, 2.0]),
        SVector::from([0.0, -1.0]),
        SVector::from([3.0, 0.5]),
    ];
    let p = SVector::from([0.8, 0.5, -0.3]);
    let mut ys_bar = [SVector::from([9.0, 9.0]); 4];
    let (total, dl_dp) = cotangents(&ParamLoss, &ts, &ys, &p, &mut ys_bar).unwrap();
    let mut want = 0.0;
    let mut want_p = SVector::<f64, 3>::zeros();
    for (i, (&t, y)) in ts.iter().zip(&ys).enumerate() {
        want += with_params(t, &[y[0], y[1]], &[p[0], p[1], p[2]]);
        want_p += ParamLoss.grad_p(t, y, &p);
        let g = ParamLoss.grad_y(t, y, &p);
        assert_close(ys_bar[i][0], g[0], 1e-15, "ys_bar");
        assert_close(ys_bar[i][1], g[1], 1e-15, "ys_bar");
    }
    assert_close(total, want, 1e-14, "L");
    for k in 0..3 {
        assert_close(dl_dp[k], want_p[k], 1e-14, "Σ ∂ℓ/∂p");
    }
    // Entries past ts.len() are the caller's and stay untouched.
    assert_close(ys_bar[3][0], 9.0, 0.0, "untouched");
    let err = cotangents(&ParamLoss, &ts, &ys, &p, &mut ys_bar[..2]).unwrap_err();
    assert_eq!(
        err,
        Error::SaveBufferTooSmall {
            needed: 3,
            capacity: 2
        }
    );
}

/// P1 of PROBLEMS.md.
#[ode_system]
fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    let [x, z] = *y;
    let [a, b, c, d] = *p;
    [a * x - b * x * z, -c * z + d * x * z]
}

/// P1's loss at one saved point: Σᵢ yᵢ².
#[differentiable]
fn p1_loss(_t: f64, y: &[f64; 2]) -> f64 {
    y[0] * y[0] + y[1] * y[1]
}

#[test]
fn p1_gradient_through_the_generated_loss_matches_the_reference() {
    let params = SVector::from([1.5, 1.0, 3.0, 1.0]);
    let term = OdeTerm::new(&LotkaVolterra, params);
    let pid = PidController::new(1e-8, 1e-8).unwrap();
    let ts: [f64; 21] = core::array::from_fn(|i| 0.5 * i as f64);
    let mut ys = [SVector::zeros(); 21];
    let mut slots = [Slot::EMPTY; 20];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        10.0,
        Some(0.01),
        SVector::from([1.0, 1.0]),
        &ts,
        &mut ys,
        4096,
        &mut slots,
    )
    .unwrap();
    let mut ys_bar = [SVector::zeros(); 21];
    let (loss, dl_dp_direct) = cotangents(&P1Loss, &ts, &ys, &params, &mut ys_bar).unwrap();
    assert_close(loss, 345.53973270101307, 1e-6, "P1 loss");
    let g = adjoint.backward(&ys_bar, &SVector::zeros()).unwrap();
    let dp = g.params + dl_dp_direct;
    let dy0 = [-191.23176789678476, -47.321186342700656];
    let dp_ref = [
        51.16634613103357,
        -218.66821621769037,
        216.22518800527433,
        -710.9642034238205,
    ];
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    for (i, &r) in dy0.iter().enumerate() {
        assert!(rel(g.y0[i], r) < 1e-5, "dL/dy0[{i}] = {} vs {r}", g.y0[i]);
    }
    for (i, &r) in dp_ref.iter().enumerate() {
        assert!(rel(dp[i], r) < 1e-5, "dL/dp[{i}] = {} vs {r}", dp[i]);
    }
}

/// A Huber misfit to an observation `obs = [value, threshold]`: the data
/// are destructured and indexed, and enter a comparison, an elementary
/// function and both branches.
#[differentiable(data = obs)]
fn huber(t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
    let [value, delta] = *obs;
    let r = y[0] - value * (0.1 * t).exp();
    let h = if r.abs() <= delta {
        0.5 * r * r
    } else {
        delta * (r.abs() - 0.5 * delta)
    };
    h + 0.25 * (y[1] - obs[0]).powi(2)
}

/// A parameterised data loss: a Gaussian negative log-likelihood with the
/// observation noise σ = exp(p₀) and a bias p₁, over three observed states.
#[differentiable(data = obs, name = GaussianNll)]
fn gaussian_nll(_t: f64, y: &[f64; 3], p: &[f64; 2], obs: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        let r = (y[i] + p[1] - obs[i]) / p[0].exp();
        s += 0.5 * r * r + p[0];
    }
    s
}

/// Single precision, with parameters.
#[differentiable(data = d)]
fn single_data(_t: f32, y: &[f32; 2], p: &[f32; 1], d: &[f32; 2]) -> f32 {
    let r0 = y[0] - d[0];
    let r1 = y[1] - d[1];
    p[0] * r0 * r0 + (r1 * p[0]).sin()
}

/// Single precision, without parameters: a relative misfit.
#[differentiable(data = d)]
fn single_relative(_t: f32, y: &[f32; 2], d: &[f32; 2]) -> f32 {
    let r = (y[0] - d[0]) / d[1];
    r * r + y[1].exp() * d[0]
}

/// Checks value, `grad_y`, `grad_p` and `value_and_grad` of a data loss with
/// parameters against the user's function and its finite differences.
fn check_data<L, const N: usize, const P: usize, const M: usize>(
    loss: &L,
    f: fn(f64, &[f64; N], &[f64; P], &[f64; M]) -> f64,
    (t, y, p, d): (f64, [f64; N], [f64; P], [f64; M]),
    what: &str,
) where
    L: DataLoss<f64, N, P, M>,
{
    let (yv, pv, dv) = (SVector::from(y), SVector::from(p), SVector::from(d));
    let want = f(t, &y, &p, &d);
    assert_close(loss.value(t, &yv, &pv, &dv), want, 1e-15, what);
    let (v, g_y, g_p) = loss.value_and_grad(t, &yv, &pv, &dv);
    assert_close(v, want, 1e-15, what);
    let (gy_alone, gp_alone) = (loss.grad_y(t, &yv, &pv, &dv), loss.grad_p(t, &yv, &pv, &dv));
    let fd_y = central(|x| f(t, x, &p, &d), y);
    let fd_p = central(|x| f(t, &y, x, &d), p);
    for j in 0..N {
        assert_close(g_y[j], fd_y[j], 1e-7, what);
        assert_close(gy_alone[j], g_y[j], 1e-15, what);
    }
    for k in 0..P {
        assert_close(g_p[k], fd_p[k], 1e-7, what);
        assert_close(gp_alone[k], g_p[k], 1e-15, what);
    }
}

#[test]
fn data_loss_without_parameters_matches_finite_differences() {
    // Without `p` the function is checked through a wrapper that ignores it.
    fn f(t: f64, y: &[f64; 2], _p: &[f64; 0], d: &[f64; 2]) -> f64 {
        huber(t, y, d)
    }
    for t in [0.0, 2.0] {
        // |r| below the threshold (quadratic branch), then above it, on both sides.
        check_data(&Huber, f, (t, [1.1, 0.3], [], [1.0, 0.5]), "huber, inside");
        check_data(&Huber, f, (t, [3.0, 0.3], [], [1.0, 0.5]), "huber, above");
        check_data(&Huber, f, (t, [-2.0, 0.3], [], [1.0, 0.5]), "huber, below");
    }
}

#[test]
fn data_loss_without_parameters_serves_any_parameter_count() {
    let (y, d) = (SVector::from([3.0, 0.3]), SVector::from([1.0, 0.5]));
    let p = SVector::from([1.0, 2.0, 3.0, 4.0]);
    let (v, g_y, g_p) = <Huber as DataLoss<f64, 2, 4, 2>>::value_and_grad(&Huber, 0.0, &y, &p, &d);
    assert_close(v, huber(0.0, &[3.0, 0.3], &[1.0, 0.5]), 1e-15, "value");
    // r = 2 > δ: ∂/∂y₀ = δ·sign r; ∂/∂y₁ = ½ (y₁ − d₀).
    assert_close(g_y[0], 0.5, 1e-15, "∂ℓ/∂y₀");
    assert_close(g_y[1], 0.5 * (0.3 - 1.0), 1e-15, "∂ℓ/∂y₁");
    assert!(g_p.norm() < f64::MIN_POSITIVE, "{g_p}");
    let g_p = <Huber as DataLoss<f64, 2, 4, 2>>::grad_p(&Huber, 0.0, &y, &p, &d);
    assert!(g_p.norm() < f64::MIN_POSITIVE, "{g_p}");
}

#[test]
fn data_loss_with_parameters_matches_finite_differences() {
    let point = (0.7, [1.2, -0.4, 2.5], [-0.3, 0.2], [1.0, 0.0, 2.0]);
    check_data(&GaussianNll, gaussian_nll, point, "gaussian nll");
    let point = (0.0, [0.1, 0.2, 0.3], [0.5, -1.0], [-1.0, 4.0, 0.5]);
    check_data(&GaussianNll, gaussian_nll, point, "gaussian nll");
}

#[test]
fn single_precision_data_losses_match_finite_differences() {
    let (y, p, d) = ([1.5f32, 0.5], [0.8f32], [1.0f32, -0.25]);
    let (yv, pv, dv) = (SVector::from(y), SVector::from(p), SVector::from(d));
    let (v, g_y, g_p) = SingleData.value_and_grad(0.0, &yv, &pv, &dv);
    assert!((v - single_data(0.0, &y, &p, &d)).abs() < 1e-6);
    // Central differences in f32 with a step that balances truncation
    // (O(h²)) and rounding (O(ε/h)).
    let h = 1e-2f32;
    let fd = |f: &dyn Fn(f32) -> f32| (f(h) - f(-h)) / (2.0 * h);
    let close = |a: f32, b: f32| (a - b).abs() <= 2e-3 * b.abs().max(1.0);
    for j in 0..2 {
        let want = fd(&|e| {
            let mut x = y;
            x[j] += e;
            single_data(0.0, &x, &p, &d)
        });
        assert!(close(g_y[j], want), "∂ℓ/∂y{j}: {} vs {want}", g_y[j]);
    }
    let want = fd(&|e| single_data(0.0, &y, &[p[0] + e], &d));
    assert!(close(g_p[0], want), "∂ℓ/∂p: {} vs {want}", g_p[0]);
    assert!((SingleData.grad_p(0.0, &yv, &pv, &dv)[0] - g_p[0]).abs() < 1e-6);
    assert!((SingleData.grad_y(0.0, &yv, &pv, &dv)[1] - g_y[1]).abs() < 1e-6);

    // Without parameters: implemented for every P, here P = 0.
    let d = [0.5f32, 2.0];
    let dv = SVector::from(d);
    let p0 = SVector::<f32, 0>::zeros();
    let (v, g_y, _) = SingleRelative.value_and_grad(0.0, &yv, &p0, &dv);
    assert!((v - single_relative(0.0, &y, &d)).abs() < 1e-6);
    for j in 0..2 {
        let want = fd(&|e| {
            let mut x = y;
            x[j] += e;
            single_relative(0.0, &x, &d)
        });
        assert!(close(g_y[j], want), "∂ℓ/∂y{j}: {} vs {want}", g_y[j]);
    }
}

#[test]
fn cotangents_with_data_pairs_each_saved_point_with_its_observation() {
    let ts = [0.0, 0.5, 1.0];
    let ys = [
        SVector::from([1.0, 2.0, 0.5]),
        SVector::from([0.0, -1.0, 1.5]),
        SVector::from([3.0, 0.5, -2.0]),
    ];
    let data = [
        SVector::from([0.5, 2.0, 0.0]),
        SVector::from([0.0, 0.0, 1.0]),
        SVector::from([1.0, 1.0, -1.0]),
        // Past ts.len(): not read.
        SVector::from([f64::NAN; 3]),
    ];
    let p = SVector::from([0.2, -0.1]);
    let mut ys_bar = [SVector::from([9.0; 3]); 4];
    let (total, dl_dp) =
        cotangents_with_data(&GaussianNll, &ts, &ys, &data, &p, &mut ys_bar).unwrap();
    // By hand: with σ = exp(p₀) and rᵢⱼ = (yᵢⱼ + p₁ − dᵢⱼ) / σ,
    // ℓᵢ = Σⱼ ½ rᵢⱼ² + p₀, ∂ℓᵢ/∂yᵢⱼ = rᵢⱼ / σ,
    // ∂ℓᵢ/∂p₀ = Σⱼ (1 − rᵢⱼ²), ∂ℓᵢ/∂p₁ = Σⱼ rᵢⱼ / σ.
    let sigma = p[0].exp();
    let (mut want, mut want_p0, mut want_p1) = (0.0, 0.0, 0.0);
    for i in 0..3 {
        for j in 0..3 {
            let r = (ys[i][j] + p[1] - data[i][j]) / sigma;
            want += 0.5 * r * r + p[0];
            want_p0 += 1.0 - r * r;
            want_p1 += r / sigma;
            assert_close(ys_bar[i][j], r / sigma, 1e-14, "ys_bar");
        }
    }
    assert_close(total, want, 1e-14, "L");
    assert_close(dl_dp[0], want_p0, 1e-14, "Σ ∂ℓ/∂p₀");
    assert_close(dl_dp[1], want_p1, 1e-14, "Σ ∂ℓ/∂p₁");
    // Entries past ts.len() are the caller's and stay untouched.
    assert_close(ys_bar[3][0], 9.0, 0.0, "untouched");
}

#[test]
fn short_data_is_an_error_and_writes_nothing() {
    let ts = [0.0, 0.5, 1.0];
    let ys = [SVector::from([1.0, 2.0]); 3];
    let data = [SVector::from([0.0, 0.5]); 3];
    let p = SVector::<f64, 0>::zeros();
    let mut ys_bar = [SVector::from([9.0, 9.0]); 3];
    let err = cotangents_with_data(&Huber, &ts, &ys, &data[..2], &p, &mut ys_bar).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidArgument(InvalidArgument::DataShorterThanTs)
    );
    assert_eq!(
        err.to_string(),
        "invalid argument: fewer data points than save times"
    );
    assert!(ys_bar.iter().all(|y| y == &SVector::from([9.0, 9.0])));
    // A short output buffer is reported as for `cotangents`.
    let err = cotangents_with_data(&Huber, &ts, &ys, &data, &p, &mut ys_bar[..1]).unwrap_err();
    assert_eq!(
        err,
        Error::SaveBufferTooSmall {
            needed: 3,
            capacity: 1
        }
    );
    // Exactly as many observations as save times is enough.
    assert!(cotangents_with_data(&Huber, &ts, &ys, &data, &p, &mut ys_bar).is_ok());
}

/// Half the squared distance to an observation of the whole state.
#[differentiable(data = obs)]
fn half_squared_error(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
    let r0 = y[0] - obs[0];
    let r1 = y[1] - obs[1];
    0.5 * (r0 * r0 + r1 * r1)
}

const FIT_POINTS: usize = 11;

/// P1's trajectory at `ts` for the parameters `p`, through the adjoint's
/// forward pass (so finite differences see the same computed solution).
fn lotka_volterra_at(p: [f64; 4], ts: &[f64; FIT_POINTS]) -> [SVector<f64, 2>; FIT_POINTS] {
    let term = OdeTerm::new(&LotkaVolterra, SVector::from(p));
    let pid = PidController::new(1e-10, 1e-10).unwrap();
    let mut ys = [SVector::zeros(); FIT_POINTS];
    let mut slots = [Slot::EMPTY; 16];
    RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        5.0,
        Some(0.01),
        SVector::from([1.0, 1.0]),
        ts,
        &mut ys,
        4096,
        &mut slots,
    )
    .unwrap();
    ys
}

#[test]
fn fitting_gradient_through_a_solve_matches_finite_differences() {
    let ts: [f64; FIT_POINTS] = core::array::from_fn(|i| 0.5 * i as f64);
    // Observations near, not on, the trajectory: the residuals are O(0.1).
    let data: [SVector<f64, 2>; FIT_POINTS] = core::array::from_fn(|i| {
        let t = ts[i];
        SVector::from([1.0 + 0.5 * t.sin(), 1.0 - 0.3 * (0.7 * t).cos()])
    });
    let p = [1.4, 1.1, 2.9, 0.95];
    let params = SVector::from(p);
    let term = OdeTerm::new(&LotkaVolterra, params);
    let pid = PidController::new(1e-10, 1e-10).unwrap();
    let mut ys = [SVector::zeros(); FIT_POINTS];
    // Fewer slots than steps, so the backward pass recomputes.
    let mut slots = [Slot::EMPTY; 16];
    let adjoint = RecursiveCheckpointAdjoint::forward(
        &term,
        &Tsit5,
        &pid,
        0.0,
        5.0,
        Some(0.01),
        SVector::from([1.0, 1.0]),
        &ts,
        &mut ys,
        4096,
        &mut slots,
    )
    .unwrap();
    let mut ys_bar = [SVector::zeros(); FIT_POINTS];
    let (loss, dl_dp_direct) =
        cotangents_with_data(&HalfSquaredError, &ts, &ys, &data, &params, &mut ys_bar).unwrap();
    let g = adjoint.backward(&ys_bar, &SVector::zeros()).unwrap();
    assert!(g.stats.checkpoints.recomputed_steps > 0);
    // The loss has no parameter of its own.
    assert!(dl_dp_direct.norm() < f64::MIN_POSITIVE);
    let dl_dp = g.params + dl_dp_direct;

    let total = |p: &[f64; 4]| -> f64 {
        let ys = lotka_volterra_at(*p, &ts);
        ys.iter()
            .zip(&data)
            .map(|(y, d)| 0.5 * (y - d).norm_squared())
            .sum()
    };
    assert_close(loss, total(&p), 1e-13, "L");
    let fd = central(total, p);
    for k in 0..4 {
        assert_close(dl_dp[k], fd[k], 1e-5, "dL/dp");
    }
}
