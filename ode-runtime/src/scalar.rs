//! The floating-point types a solve runs in: `f32` and `f64`.
//!
//! Everything numerical in the runtime is generic over [`Scalar`], which adds
//! to nalgebra's `RealField` the few conversions the solvers need for their
//! constant coefficients (Butcher tableaus are written once, in `f64`).
//!
//! # Examples
//!
//! One generic function, run in both precisions: Heun's step for `y' = −y`,
//! whose factor `1 − h + h²/2` is exact in binary for `h = 1/2`.
//!
//! ```
//! use odegrad::Scalar;
//! fn heun_factor<T: Scalar>(h: T) -> T {
//!     let half = T::cast(0.5);
//!     T::one() - h + half * h * h
//! }
//! assert!((heun_factor(0.5f64) - 0.625).abs() < 1e-15);
//! assert!((heun_factor(0.5f32) - 0.625).abs() < 1e-6);
//! ```

use nalgebra::RealField;

/// A real floating-point type a solve can run in (`f32` or `f64`).
///
/// # Examples
///
/// ```
/// use odegrad::Scalar;
/// let h: f32 = Scalar::cast(0.5);
/// assert!((h.to_f64() - 0.5).abs() < 1e-12);
/// ```
pub trait Scalar: RealField + Copy + Default + core::fmt::Debug + 'static {
    /// The machine epsilon of the type.
    const EPSILON: Self;
    /// The largest finite value.
    const MAX: Self;
    /// Converts an `f64` constant, rounding to nearest: how generic code
    /// writes `0.5` or a tableau coefficient as a `T`.
    ///
    /// The name is not `from_f64` because nalgebra's `RealField` already
    /// brings num-traits' `FromPrimitive::from_f64` (which returns an
    /// `Option`), and `T::from_f64` would then be ambiguous in every generic
    /// function.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::Scalar;
    /// let x: f32 = Scalar::cast(0.1);
    /// assert_eq!(x.to_bits(), 0.1f32.to_bits()); // the nearest f32, as the literal
    ///
    /// // In generic code, unambiguous:
    /// fn half<T: Scalar>(x: T) -> T {
    ///     x * T::cast(0.5)
    /// }
    /// assert_eq!(half(3.0f64), 1.5);
    /// ```
    fn cast(x: f64) -> Self;
    /// Widens to `f64` (exact for both supported types).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::Scalar;
    /// let x = 0.1f32;
    /// assert_eq!(x.to_f64().to_bits(), f64::from(x).to_bits());
    /// assert!((x.to_f64() - 0.1).abs() > 1e-10); // 0.1f32 is not 0.1
    /// ```
    fn to_f64(self) -> f64;
    /// Whether the value is neither infinite nor NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::Scalar;
    /// assert!(1.0f64.finite() && f64::MAX.finite());
    /// assert!(!f64::NAN.finite() && !f32::INFINITY.finite());
    /// ```
    fn finite(self) -> bool;
    /// The adjacent representable value towards +∞ (`up`) or −∞ (used to
    /// end a step just before a discontinuity and start the next just after).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::Scalar;
    /// let t = 1.0f64;
    /// assert!(t.next_after(false) < t && t < t.next_after(true));
    /// assert_eq!((t.next_after(true) - t).to_bits(), f64::EPSILON.to_bits());
    /// assert_eq!(t.next_after(true).next_after(false).to_bits(), t.to_bits());
    /// ```
    fn next_after(self, up: bool) -> Self;
}

macro_rules! impl_scalar {
    ($t:ty) => {
        impl Scalar for $t {
            const EPSILON: Self = <$t>::EPSILON;
            const MAX: Self = <$t>::MAX;
            #[inline(always)]
            fn cast(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn next_after(self, up: bool) -> Self {
                if up {
                    <$t>::next_up(self)
                } else {
                    <$t>::next_down(self)
                }
            }
        }
    };
}
impl_scalar!(f32);
impl_scalar!(f64);
