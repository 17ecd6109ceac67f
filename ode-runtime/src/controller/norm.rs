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
pub trait ErrorNorm<T: Scalar, Y: State<T>> {
    /// The norm of `err / (atol + rtol · max(|y0|, |y1|))`, componentwise.
    ///
    /// The initial-step heuristic calls it with `y1 = y0` to get the norm of
    /// `x / (atol + rtol · |y0|)`.
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
        let n = <T as Scalar>::from_f64(Y::DIM as f64);
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
