//! The floating-point types a solve runs in: `f32` and `f64`.
//!
//! Everything numerical in the runtime is generic over [`Scalar`], which adds
//! to nalgebra's `RealField` the few conversions the solvers need for their
//! constant coefficients (Butcher tableaus are written once, in `f64`).

use nalgebra::RealField;

/// A real floating-point type a solve can run in (`f32` or `f64`).
///
/// # Examples
///
/// ```
/// use ode_runtime::Scalar;
/// let h: f32 = Scalar::from_f64(0.5);
/// assert!((h.to_f64() - 0.5).abs() < 1e-12);
/// ```
pub trait Scalar: RealField + Copy + Default + core::fmt::Debug + 'static {
    /// The machine epsilon of the type.
    const EPSILON: Self;
    /// The largest finite value.
    const MAX: Self;
    /// Converts an `f64` constant, rounding to nearest.
    fn from_f64(x: f64) -> Self;
    /// Widens to `f64` (exact for both supported types).
    fn to_f64(self) -> f64;
    /// Whether the value is neither infinite nor NaN.
    fn finite(self) -> bool;
    /// The adjacent representable value towards +∞ (`up`) or −∞ (used to
    /// end a step just before a discontinuity and start the next just after).
    fn next_after(self, up: bool) -> Self;
}

macro_rules! impl_scalar {
    ($t:ty) => {
        impl Scalar for $t {
            const EPSILON: Self = <$t>::EPSILON;
            const MAX: Self = <$t>::MAX;
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
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
