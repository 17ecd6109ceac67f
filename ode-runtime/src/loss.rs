//! Scalar losses of a saved trajectory and their gradients.
//!
//! A gradient entry point such as
//! [`RecursiveCheckpointAdjoint::backward`](crate::adjoint::RecursiveCheckpointAdjoint::backward)
//! takes the cotangents `∂L/∂y(tᵢ)` of a loss at the saved points. For the
//! common loss `L = Σᵢ ℓ(tᵢ, y(tᵢ), p)` those are the gradients of the
//! per-point loss `ℓ`, which `#[differentiable]` generates from a plain Rust
//! function as the [`Loss`] trait. [`cotangents`] turns a [`Loss`] and the
//! saved outputs into that cotangent buffer, together with the summed loss and
//! its explicit parameter gradient `Σᵢ ∂ℓ/∂p`, which the caller adds to the
//! adjoint's parameter gradient (the adjoint only sees `p` through the ODE).
//!
//! Fitting compares the trajectory with observations, one data point `dᵢ`
//! per saved time: `L = Σᵢ ℓ(tᵢ, y(tᵢ), p, dᵢ)`. The data are an input of `ℓ`
//! that is never differentiated; [`DataLoss`] is that per-point loss
//! (`#[differentiable(data = …)]` generates it) and [`cotangents_with_data`]
//! its counterpart of [`cotangents`], walking the data alongside the saved
//! outputs.

use crate::error::{Error, InvalidArgument};
use crate::scalar::Scalar;
use nalgebra::SVector;

/// A per-saved-point loss `ℓ(t, y, p)` with its gradients.
///
/// `#[differentiable]` implements it for a function
/// `fn(t, y: &[F; N], p: &[F; P]) -> F`, or for `fn(t, y: &[F; N]) -> F` for
/// every `P` (the loss ignores the parameters; its `grad_p` is zero), so one
/// loss serves systems with any number of parameters.
///
/// # Examples
///
/// ```
/// use ode_runtime::{loss::Loss, nalgebra::SVector};
///
/// /// ℓ = y₀² + p₀·y₁, written by hand.
/// struct Misfit;
/// impl Loss<f64, 2, 1> for Misfit {
///     fn value(&self, _t: f64, y: &SVector<f64, 2>, p: &SVector<f64, 1>) -> f64 {
///         y[0] * y[0] + p[0] * y[1]
///     }
///     fn value_and_grad(
///         &self,
///         t: f64,
///         y: &SVector<f64, 2>,
///         p: &SVector<f64, 1>,
///     ) -> (f64, SVector<f64, 2>, SVector<f64, 1>) {
///         let g_y = SVector::from([2.0 * y[0], p[0]]);
///         (self.value(t, y, p), g_y, SVector::from([y[1]]))
///     }
/// }
///
/// let (y, p) = (SVector::from([3.0, 2.0]), SVector::from([0.5]));
/// assert!((Misfit.value(0.0, &y, &p) - 10.0).abs() < 1e-15);
/// assert!((Misfit.grad_y(0.0, &y, &p)[0] - 6.0).abs() < 1e-15);
/// assert!((Misfit.grad_p(0.0, &y, &p)[0] - 2.0).abs() < 1e-15);
/// ```
pub trait Loss<T: Scalar, const N: usize, const P: usize> {
    /// `ℓ(t, y, p)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, nalgebra::SVector, Loss};
    ///
    /// #[differentiable]
    /// fn weighted(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    ///     p[0] * y[0] * y[0] + y[1]
    /// }
    ///
    /// let (y, p) = (SVector::from([3.0, 2.0]), SVector::from([0.5]));
    /// assert!((Weighted.value(0.0, &y, &p) - 6.5).abs() < 1e-15); // 0.5 · 9 + 2
    /// ```
    fn value(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> T;

    /// `(ℓ, ∂ℓ/∂y, ∂ℓ/∂p)`, sharing the work between value and gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, nalgebra::SVector, Loss};
    ///
    /// #[differentiable]
    /// fn weighted(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    ///     p[0] * y[0] * y[0] + y[1]
    /// }
    ///
    /// let (y, p) = (SVector::from([3.0, 2.0]), SVector::from([0.5]));
    /// let (l, g_y, g_p) = Weighted.value_and_grad(0.0, &y, &p);
    /// assert!((l - 6.5).abs() < 1e-15);
    /// assert!((g_y[0] - 3.0).abs() < 1e-15 && (g_y[1] - 1.0).abs() < 1e-15); // 2·p₀·y₀, 1
    /// assert!((g_p[0] - 9.0).abs() < 1e-15); // y₀²
    /// ```
    fn value_and_grad(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
    ) -> (T, SVector<T, N>, SVector<T, P>);

    /// `∂ℓ/∂y`. Generated implementations compute only what it needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, nalgebra::SVector, Loss};
    ///
    /// #[differentiable]
    /// fn weighted(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    ///     p[0] * y[0] * y[0] + y[1]
    /// }
    ///
    /// let (y, p) = (SVector::from([3.0, 2.0]), SVector::from([0.5]));
    /// assert!((Weighted.grad_y(0.0, &y, &p)[0] - 3.0).abs() < 1e-15); // 2·p₀·y₀
    /// ```
    fn grad_y(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SVector<T, N> {
        self.value_and_grad(t, y, p).1
    }

    /// `∂ℓ/∂p`. Generated implementations compute only what it needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, nalgebra::SVector, Loss};
    ///
    /// #[differentiable]
    /// fn weighted(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
    ///     p[0] * y[0] * y[0] + y[1]
    /// }
    ///
    /// let (y, p) = (SVector::from([3.0, 2.0]), SVector::from([0.5]));
    /// assert!((Weighted.grad_p(0.0, &y, &p)[0] - 9.0).abs() < 1e-15); // y₀²
    /// ```
    fn grad_p(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>) -> SVector<T, P> {
        self.value_and_grad(t, y, p).2
    }
}

/// The loss `L = Σᵢ ℓ(tᵢ, ysᵢ, p)` of saved outputs and what a gradient
/// entry point needs from it.
///
/// Writes `∂L/∂ysᵢ = ∂ℓ/∂y(tᵢ, ysᵢ, p)` into `ys_bar[i]` for every saved
/// time (the `ys_bar` of `backward`; entries past `ts.len()` are left as they
/// are) and returns `(L, Σᵢ ∂ℓ/∂p)`. The second part is the loss's explicit
/// dependence on the parameters: add it to the adjoint's parameter gradient.
/// Nothing allocates. For a loss against observations, one per saved time,
/// see [`cotangents_with_data`].
///
/// # Errors
///
/// [`Error::SaveBufferTooSmall`] if `ys` or `ys_bar` is shorter than `ts`.
///
/// # Examples
///
/// ```
/// use ode_runtime::{loss::{cotangents, Loss}, nalgebra::SVector};
///
/// /// ℓ = Σⱼ yⱼ².
/// struct SumOfSquares;
/// impl Loss<f64, 2, 0> for SumOfSquares {
///     fn value(&self, _t: f64, y: &SVector<f64, 2>, _p: &SVector<f64, 0>) -> f64 {
///         y.norm_squared()
///     }
///     fn value_and_grad(
///         &self,
///         t: f64,
///         y: &SVector<f64, 2>,
///         p: &SVector<f64, 0>,
///     ) -> (f64, SVector<f64, 2>, SVector<f64, 0>) {
///         (self.value(t, y, p), 2.0 * y, SVector::zeros())
///     }
/// }
///
/// let ts = [0.0, 1.0];
/// let ys = [SVector::from([1.0, 2.0]), SVector::from([3.0, 0.0])];
/// let mut ys_bar = [SVector::zeros(); 2];
/// let (l, _) = cotangents(&SumOfSquares, &ts, &ys, &SVector::zeros(), &mut ys_bar)?;
/// assert!((l - 14.0).abs() < 1e-15);
/// assert!((ys_bar[1][0] - 6.0).abs() < 1e-15);
/// # Ok::<(), ode_runtime::Error>(())
/// ```
pub fn cotangents<T, L, const N: usize, const P: usize>(
    loss: &L,
    ts: &[T],
    ys: &[SVector<T, N>],
    params: &SVector<T, P>,
    ys_bar: &mut [SVector<T, N>],
) -> Result<(T, SVector<T, P>), Error>
where
    T: Scalar,
    L: Loss<T, N, P> + ?Sized,
{
    let short = ys.len().min(ys_bar.len());
    if short < ts.len() {
        return Err(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity: short,
        });
    }
    let mut total = T::zero();
    let mut grad_p = SVector::<T, P>::zeros();
    for ((&t, y), y_bar) in ts.iter().zip(ys).zip(ys_bar.iter_mut()) {
        let (l, g_y, g_p) = loss.value_and_grad(t, y, params);
        total += l;
        grad_p += g_p;
        *y_bar = g_y;
    }
    Ok((total, grad_p))
}

/// A per-saved-point loss `ℓ(t, y, p, d)` against an observation `d` (a
/// vector of `M` numbers), with its gradients in `y` and `p`.
///
/// The observation is data: it is read, never differentiated, and it
/// changes from one saved point to the next, which is why it is an argument
/// rather than part of the loss. `#[differentiable(data = obs)]` implements
/// the trait for `fn(t, y: &[F; N], p: &[F; P], obs: &[F; M]) -> F`, or for
/// `fn(t, y: &[F; N], obs: &[F; M]) -> F` for every `P` (with a zero
/// `grad_p`). [`cotangents_with_data`] evaluates it along a trajectory.
///
/// # Examples
///
/// ```
/// use odegrad::{differentiable, loss::DataLoss, nalgebra::SVector};
///
/// /// ½ (y₀ − d₀)², weighted by the inverse variance d₁ of the observation.
/// #[differentiable(data = obs)]
/// fn weighted(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
///     let r = y[0] - obs[0];
///     0.5 * obs[1] * r * r
/// }
///
/// let (y, p, d) = (SVector::from([3.0, 7.0]), SVector::<f64, 0>::zeros(), SVector::from([1.0, 4.0]));
/// let (l, g_y, g_p) = Weighted.value_and_grad(0.0, &y, &p, &d);
/// assert!((l - 8.0).abs() < 1e-15); // ½ · 4 · 2²
/// assert!((g_y[0] - 8.0).abs() < 1e-15 && g_y[1] == 0.0); // d₁ · r
/// assert_eq!(g_p.len(), 0);
/// assert!((Weighted.value(0.0, &y, &p, &d) - l).abs() < 1e-15);
/// assert!((Weighted.grad_y(0.0, &y, &p, &d)[0] - 8.0).abs() < 1e-15);
/// ```
pub trait DataLoss<T: Scalar, const N: usize, const P: usize, const M: usize> {
    /// `ℓ(t, y, p, d)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, loss::DataLoss, nalgebra::SVector};
    ///
    /// #[differentiable(data = obs)]
    /// fn misfit(_t: f64, y: &[f64; 1], p: &[f64; 1], obs: &[f64; 1]) -> f64 {
    ///     p[0] * (y[0] - obs[0]).powi(2)
    /// }
    ///
    /// let (y, p, d) = (SVector::from([2.0]), SVector::from([3.0]), SVector::from([0.5]));
    /// assert!((Misfit.value(0.0, &y, &p, &d) - 6.75).abs() < 1e-15); // 3 · 1.5²
    /// ```
    fn value(&self, t: T, y: &SVector<T, N>, p: &SVector<T, P>, data: &SVector<T, M>) -> T;

    /// `(ℓ, ∂ℓ/∂y, ∂ℓ/∂p)`, sharing the work between value and gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, loss::DataLoss, nalgebra::SVector};
    ///
    /// #[differentiable(data = obs)]
    /// fn misfit(_t: f64, y: &[f64; 1], p: &[f64; 1], obs: &[f64; 1]) -> f64 {
    ///     p[0] * (y[0] - obs[0]).powi(2)
    /// }
    ///
    /// let (y, p, d) = (SVector::from([2.0]), SVector::from([3.0]), SVector::from([0.5]));
    /// let (l, g_y, g_p) = Misfit.value_and_grad(0.0, &y, &p, &d);
    /// assert!((l - 6.75).abs() < 1e-15);
    /// assert!((g_y[0] - 9.0).abs() < 1e-15 && (g_p[0] - 2.25).abs() < 1e-15);
    /// ```
    fn value_and_grad(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        data: &SVector<T, M>,
    ) -> (T, SVector<T, N>, SVector<T, P>);

    /// `∂ℓ/∂y`. Generated implementations compute only what it needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, loss::DataLoss, nalgebra::SVector};
    ///
    /// #[differentiable(data = obs)]
    /// fn misfit(_t: f64, y: &[f64; 1], p: &[f64; 1], obs: &[f64; 1]) -> f64 {
    ///     p[0] * (y[0] - obs[0]).powi(2)
    /// }
    ///
    /// let (y, p, d) = (SVector::from([2.0]), SVector::from([3.0]), SVector::from([0.5]));
    /// assert!((Misfit.grad_y(0.0, &y, &p, &d)[0] - 9.0).abs() < 1e-15); // 2·p₀·(y₀ − d₀)
    /// ```
    fn grad_y(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        data: &SVector<T, M>,
    ) -> SVector<T, N> {
        self.value_and_grad(t, y, p, data).1
    }

    /// `∂ℓ/∂p`. Generated implementations compute only what it needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{differentiable, loss::DataLoss, nalgebra::SVector};
    ///
    /// #[differentiable(data = obs)]
    /// fn misfit(_t: f64, y: &[f64; 1], p: &[f64; 1], obs: &[f64; 1]) -> f64 {
    ///     p[0] * (y[0] - obs[0]).powi(2)
    /// }
    ///
    /// let (y, p, d) = (SVector::from([2.0]), SVector::from([3.0]), SVector::from([0.5]));
    /// assert!((Misfit.grad_p(0.0, &y, &p, &d)[0] - 2.25).abs() < 1e-15); // (y₀ − d₀)²
    /// ```
    fn grad_p(
        &self,
        t: T,
        y: &SVector<T, N>,
        p: &SVector<T, P>,
        data: &SVector<T, M>,
    ) -> SVector<T, P> {
        self.value_and_grad(t, y, p, data).2
    }
}

/// The loss `L = Σᵢ ℓ(tᵢ, ysᵢ, p, dataᵢ)` of saved outputs against
/// observations, and what a gradient entry point needs from it.
///
/// As [`cotangents`], with the observation `data[i]` passed to the loss at
/// the saved time `ts[i]`: writes `∂ℓ/∂y(tᵢ, ysᵢ, p, dataᵢ)` into `ys_bar[i]`
/// for every saved time (entries past `ts.len()` are left as they are) and
/// returns `(L, Σᵢ ∂ℓ/∂p)`; add the second part to the adjoint's parameter
/// gradient. Data past `ts.len()` are not read. Nothing allocates.
///
/// # Errors
///
/// [`Error::SaveBufferTooSmall`] if `ys` or `ys_bar` is shorter than `ts`;
/// [`InvalidArgument::DataShorterThanTs`]
/// if `data` is. Nothing is written in either case.
///
/// # Examples
///
/// ```
/// use odegrad::{differentiable, loss::cotangents_with_data, nalgebra::SVector};
/// use odegrad::{Error, InvalidArgument};
///
/// /// ½ |y − d|².
/// #[differentiable(data = obs)]
/// fn half_squared_error(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
///     let r0 = y[0] - obs[0];
///     let r1 = y[1] - obs[1];
///     0.5 * (r0 * r0 + r1 * r1)
/// }
///
/// let ts = [0.0, 1.0];
/// let ys = [SVector::from([1.0, 2.0]), SVector::from([3.0, 0.0])];
/// let data = [SVector::from([1.0, 1.0]), SVector::from([1.0, 0.0])];
/// let mut ys_bar = [SVector::zeros(); 2];
/// let p = SVector::<f64, 0>::zeros();
/// let (l, _) = cotangents_with_data(&HalfSquaredError, &ts, &ys, &data, &p, &mut ys_bar)?;
/// assert!((l - 2.5).abs() < 1e-15); // ½ (1 + 4)
/// assert_eq!(ys_bar[1], SVector::from([2.0, 0.0])); // the residual y − d
///
/// let short = cotangents_with_data(&HalfSquaredError, &ts, &ys, &data[..1], &p, &mut ys_bar);
/// assert_eq!(short, Err(Error::InvalidArgument(InvalidArgument::DataShorterThanTs)));
/// # Ok::<(), odegrad::Error>(())
/// ```
pub fn cotangents_with_data<T, L, const N: usize, const P: usize, const M: usize>(
    loss: &L,
    ts: &[T],
    ys: &[SVector<T, N>],
    data: &[SVector<T, M>],
    params: &SVector<T, P>,
    ys_bar: &mut [SVector<T, N>],
) -> Result<(T, SVector<T, P>), Error>
where
    T: Scalar,
    L: DataLoss<T, N, P, M> + ?Sized,
{
    let short = ys.len().min(ys_bar.len());
    if short < ts.len() {
        return Err(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity: short,
        });
    }
    if data.len() < ts.len() {
        return Err(InvalidArgument::DataShorterThanTs.into());
    }
    let mut total = T::zero();
    let mut grad_p = SVector::<T, P>::zeros();
    let points = ts.iter().zip(ys).zip(data).zip(ys_bar.iter_mut());
    for (((&t, y), d), y_bar) in points {
        let (l, g_y, g_p) = loss.value_and_grad(t, y, params, d);
        total += l;
        grad_p += g_p;
        *y_bar = g_y;
    }
    Ok((total, grad_p))
}
