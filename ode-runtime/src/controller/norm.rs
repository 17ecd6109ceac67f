//! Error norms: how a controller turns an error estimate into one number.
//!
//! Each component of the error estimate is divided by
//! `atol + rtol · max(|y0ᵢ|, |y1ᵢ|)` (Hairer, Nørsett & Wanner, *Solving ODEs
//! I*, §II.4, eq. 4.10) and the result is reduced to a scalar: Diffrax's default
//! is the root mean square ([`RmsNorm`]); [`MaxNorm`] is the stricter choice.
//! The norm is a type parameter of the PID controller, so a seminorm over part
//! of an augmented state (the continuous adjoint's `adjoint_rms_seminorm`) is
//! one more implementation of [`ErrorNorm`], with no change to the controller.

use crate::{Scalar, State};

/// A norm of a scaled error estimate.
///
/// # Examples
///
/// A custom norm: a seminorm that controls the error of the first component
/// only, so the controller takes the steps that component needs:
///
/// ```
/// use odegrad::controller::ErrorNorm;
/// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, State, Tsit5};
/// /// The RMS over the first component only (a seminorm, as adjoints use).
/// struct FirstOnly;
/// impl ErrorNorm<f64, SVector<f64, 2>> for FirstOnly {
///     fn scaled_norm(&self, err: &SVector<f64, 2>, y0: &SVector<f64, 2>, y1: &SVector<f64, 2>,
///         rtol: f64, atol: f64) -> f64 {
///         let first = |v: &SVector<f64, 2>| SVector::<f64, 1>::from([v[0]]);
///         State::scaled_max(&first(err), &first(y0), &first(y1), rtol, atol)
///     }
/// }
/// // the second component grows fast but is not error-controlled
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 2>| SVector::from([-y[0], 20.0 * y[1]]));
/// let full = PidController::new(1e-8, 1e-8)?;
/// let semi = full.with_norm(FirstOnly);
/// let y0 = SVector::from([1.0, 1.0]);
/// let a = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, y0, &SaveAt::nothing(), &full, 10_000,
///     &mut SaveBuffers::none())?;
/// let b = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, y0, &SaveAt::nothing(), &semi, 10_000,
///     &mut SaveBuffers::none())?;
/// assert!(b.stats.num_steps < a.stats.num_steps);
/// assert!((b.y[0] - (-1.0f64).exp()).abs() < 1e-7);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub trait ErrorNorm<T: Scalar, Y: State<T>> {
    /// The norm of `err / (atol + rtol · max(|y0|, |y1|))`, componentwise.
    ///
    /// The initial-step heuristic calls it with `y1 = y0` to get the norm of
    /// `x / (atol + rtol · |y0|)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::controller::{ErrorNorm, MaxNorm, RmsNorm};
    /// use odegrad::nalgebra::SVector;
    /// // scales atol + rtol · max(|y0|, |y1|) = 1 + 1 · 3 = 4 and 1 + 1 · 1 = 2
    /// let (y0, y1) = (SVector::from([3.0f64, 0.0]), SVector::from([1.0, -1.0]));
    /// let err = SVector::from([4.0, 1.0]); // scaled: (1, 0.5)
    /// assert!((MaxNorm.scaled_norm(&err, &y0, &y1, 1.0, 1.0) - 1.0).abs() < 1e-15);
    /// assert!((RmsNorm.scaled_norm(&err, &y0, &y1, 1.0, 1.0) - (1.25f64 / 2.0).sqrt()).abs() < 1e-15);
    /// ```
    fn scaled_norm(&self, err: &Y, y0: &Y, y1: &Y, rtol: T, atol: T) -> T;
}

/// The root-mean-square norm, Diffrax's default.
///
/// # Examples
///
/// ```
/// use odegrad::{controller::{ErrorNorm, RmsNorm}, nalgebra::SVector};
/// let err = SVector::<f64, 2>::new(3.0, 4.0);
/// let y = SVector::<f64, 2>::zeros();
/// // sqrt((9 + 16) / 2) with unit scale (atol = 1, rtol = 0).
/// let n = RmsNorm.scaled_norm(&err, &y, &y, 0.0, 1.0);
/// assert!((n - (12.5f64).sqrt()).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RmsNorm;

impl<T: Scalar, Y: State<T>> ErrorNorm<T, Y> for RmsNorm {
    #[inline(always)]
    fn scaled_norm(&self, err: &Y, y0: &Y, y1: &Y, rtol: T, atol: T) -> T {
        if Y::DIM == 0 {
            return T::zero();
        }
        let n = T::cast(Y::DIM as f64);
        (Y::scaled_sq_sum(err, y0, y1, rtol, atol) / n).sqrt()
    }
}

/// The maximum norm.
///
/// # Examples
///
/// ```
/// use odegrad::{controller::{ErrorNorm, MaxNorm}, nalgebra::SVector};
/// let err = SVector::<f64, 2>::new(3.0, -4.0);
/// let y = SVector::<f64, 2>::zeros();
/// assert!((MaxNorm.scaled_norm(&err, &y, &y, 0.0, 2.0) - 2.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxNorm;

impl<T: Scalar, Y: State<T>> ErrorNorm<T, Y> for MaxNorm {
    #[inline(always)]
    fn scaled_norm(&self, err: &Y, y0: &Y, y1: &Y, rtol: T, atol: T) -> T {
        Y::scaled_max(err, y0, y1, rtol, atol)
    }
}
