//! Elementary functions for generated code and the solvers, with or without std.
//!
//! Code emitted by `#[ode_system]` calls `math::sin(x)` and friends; with the
//! `std` feature they are the platform's functions (the same ones a
//! hand-written `x.sin()` uses), without it they come from the `libm` crate, so
//! a generated system builds under `#![no_std]` unchanged.
//!
//! # Examples
//!
//! A vector field written with `math::` functions, as a `#![no_std]` crate
//! writes it, differentiated by `#[ode_system]`:
//!
//! ```
//! use odegrad::{math, nalgebra::SVector, ode_system, OdeSystem};
//!
//! #[ode_system]
//! fn pendulum(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
//!     [y[1], -p[0] * math::sin(y[0])]
//! }
//!
//! let (y, p) = (SVector::from([0.3, 0.0]), SVector::from([9.81]));
//! let j = Pendulum.jac_y(0.0, &y, &p);
//! assert!((j[(1, 0)] + 9.81 * math::cos(0.3)).abs() < 1e-14); // ∂/∂θ of −g sin θ
//! ```

/// A float type with the elementary functions the macro supports
/// (implemented for `f32` and `f64`; its methods are an implementation
/// detail, called through the free functions of this module).
///
/// # Examples
///
/// Code generic over `Real` calls the free functions, and so runs in both
/// precisions, with or without std:
///
/// ```
/// use odegrad::{math::{self, Real}, Scalar};
/// fn pythagoras<F: Real + Scalar>(x: F) -> F {
///     math::powi(math::sin(x), 2) + math::powi(math::cos(x), 2)
/// }
/// assert!((pythagoras(0.7f64) - 1.0).abs() < 1e-15);
/// assert!((pythagoras(0.7f32) - 1.0).abs() < 1e-6);
/// ```
pub trait Real: Copy {
    #[doc(hidden)]
    fn m_sin(self) -> Self;
    #[doc(hidden)]
    fn m_cos(self) -> Self;
    #[doc(hidden)]
    fn m_tan(self) -> Self;
    #[doc(hidden)]
    fn m_asin(self) -> Self;
    #[doc(hidden)]
    fn m_acos(self) -> Self;
    #[doc(hidden)]
    fn m_atan(self) -> Self;
    #[doc(hidden)]
    fn m_atan2(self, x: Self) -> Self;
    #[doc(hidden)]
    fn m_sinh(self) -> Self;
    #[doc(hidden)]
    fn m_cosh(self) -> Self;
    #[doc(hidden)]
    fn m_tanh(self) -> Self;
    #[doc(hidden)]
    fn m_exp(self) -> Self;
    #[doc(hidden)]
    fn m_exp2(self) -> Self;
    #[doc(hidden)]
    fn m_ln(self) -> Self;
    #[doc(hidden)]
    fn m_log10(self) -> Self;
    #[doc(hidden)]
    fn m_log2(self) -> Self;
    #[doc(hidden)]
    fn m_sqrt(self) -> Self;
    #[doc(hidden)]
    fn m_cbrt(self) -> Self;
    #[doc(hidden)]
    fn m_powi(self, n: i32) -> Self;
    #[doc(hidden)]
    fn m_powf(self, e: Self) -> Self;
    #[doc(hidden)]
    fn m_abs(self) -> Self;
    #[doc(hidden)]
    fn m_hypot(self, o: Self) -> Self;
}

#[cfg(feature = "std")]
macro_rules! impl_real {
    ($t:ident, $($libm:ident)*) => {
        impl Real for $t {
            #[inline(always)]
            fn m_sin(self) -> Self {
                std::primitive::$t::sin(self)
            }
            #[inline(always)]
            fn m_cos(self) -> Self {
                std::primitive::$t::cos(self)
            }
            #[inline(always)]
            fn m_tan(self) -> Self {
                std::primitive::$t::tan(self)
            }
            #[inline(always)]
            fn m_asin(self) -> Self {
                std::primitive::$t::asin(self)
            }
            #[inline(always)]
            fn m_acos(self) -> Self {
                std::primitive::$t::acos(self)
            }
            #[inline(always)]
            fn m_atan(self) -> Self {
                std::primitive::$t::atan(self)
            }
            #[inline(always)]
            fn m_atan2(self, x: Self) -> Self {
                std::primitive::$t::atan2(self, x)
            }
            #[inline(always)]
            fn m_sinh(self) -> Self {
                std::primitive::$t::sinh(self)
            }
            #[inline(always)]
            fn m_cosh(self) -> Self {
                std::primitive::$t::cosh(self)
            }
            #[inline(always)]
            fn m_tanh(self) -> Self {
                std::primitive::$t::tanh(self)
            }
            #[inline(always)]
            fn m_exp(self) -> Self {
                std::primitive::$t::exp(self)
            }
            #[inline(always)]
            fn m_exp2(self) -> Self {
                std::primitive::$t::exp2(self)
            }
            #[inline(always)]
            fn m_ln(self) -> Self {
                std::primitive::$t::ln(self)
            }
            #[inline(always)]
            fn m_log10(self) -> Self {
                std::primitive::$t::log10(self)
            }
            #[inline(always)]
            fn m_log2(self) -> Self {
                std::primitive::$t::log2(self)
            }
            #[inline(always)]
            fn m_sqrt(self) -> Self {
                std::primitive::$t::sqrt(self)
            }
            #[inline(always)]
            fn m_cbrt(self) -> Self {
                std::primitive::$t::cbrt(self)
            }
            #[inline(always)]
            fn m_powi(self, n: i32) -> Self {
                std::primitive::$t::powi(self, n)
            }
            #[inline(always)]
            fn m_powf(self, e: Self) -> Self {
                std::primitive::$t::powf(self, e)
            }
            #[inline(always)]
            fn m_abs(self) -> Self {
                std::primitive::$t::abs(self)
            }
            #[inline(always)]
            fn m_hypot(self, o: Self) -> Self {
                std::primitive::$t::hypot(self, o)
            }
        }
    };
}

#[cfg(not(feature = "std"))]
macro_rules! impl_real {
    ($t:ident, $sin:ident $cos:ident $tan:ident $asin:ident $acos:ident $atan:ident $atan2:ident
     $sinh:ident $cosh:ident $tanh:ident $exp:ident $exp2:ident $ln:ident $log10:ident $log2:ident
     $sqrt:ident $cbrt:ident $pow:ident $fabs:ident $hypot:ident) => {
        impl Real for $t {
            #[inline(always)]
            fn m_sin(self) -> Self {
                libm::$sin(self)
            }
            #[inline(always)]
            fn m_cos(self) -> Self {
                libm::$cos(self)
            }
            #[inline(always)]
            fn m_tan(self) -> Self {
                libm::$tan(self)
            }
            #[inline(always)]
            fn m_asin(self) -> Self {
                libm::$asin(self)
            }
            #[inline(always)]
            fn m_acos(self) -> Self {
                libm::$acos(self)
            }
            #[inline(always)]
            fn m_atan(self) -> Self {
                libm::$atan(self)
            }
            #[inline(always)]
            fn m_atan2(self, x: Self) -> Self {
                libm::$atan2(self, x)
            }
            #[inline(always)]
            fn m_sinh(self) -> Self {
                libm::$sinh(self)
            }
            #[inline(always)]
            fn m_cosh(self) -> Self {
                libm::$cosh(self)
            }
            #[inline(always)]
            fn m_tanh(self) -> Self {
                libm::$tanh(self)
            }
            #[inline(always)]
            fn m_exp(self) -> Self {
                libm::$exp(self)
            }
            #[inline(always)]
            fn m_exp2(self) -> Self {
                libm::$exp2(self)
            }
            #[inline(always)]
            fn m_ln(self) -> Self {
                libm::$ln(self)
            }
            #[inline(always)]
            fn m_log10(self) -> Self {
                libm::$log10(self)
            }
            #[inline(always)]
            fn m_log2(self) -> Self {
                libm::$log2(self)
            }
            #[inline(always)]
            fn m_sqrt(self) -> Self {
                libm::$sqrt(self)
            }
            #[inline(always)]
            fn m_cbrt(self) -> Self {
                libm::$cbrt(self)
            }
            #[inline(always)]
            fn m_powi(self, n: i32) -> Self {
                // Repeated squaring, as the platform's powi does.
                let mut base = if n < 0 { 1.0 / self } else { self };
                let mut e = n.unsigned_abs();
                let mut acc: $t = 1.0;
                while e > 0 {
                    if e & 1 == 1 {
                        acc *= base;
                    }
                    base *= base;
                    e >>= 1;
                }
                acc
            }
            #[inline(always)]
            fn m_powf(self, e: Self) -> Self {
                libm::$pow(self, e)
            }
            #[inline(always)]
            fn m_abs(self) -> Self {
                libm::$fabs(self)
            }
            #[inline(always)]
            fn m_hypot(self, o: Self) -> Self {
                libm::$hypot(self, o)
            }
        }
    };
}

impl_real!(f64, sin cos tan asin acos atan atan2 sinh cosh tanh exp exp2 log log10 log2 sqrt cbrt pow fabs hypot);
impl_real!(f32, sinf cosf tanf asinf acosf atanf atan2f sinhf coshf tanhf expf exp2f logf log10f log2f sqrtf cbrtf powf fabsf hypotf);

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $m:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($name), "` of `x`.")]
        $(#[$doc])*
        #[inline(always)]
        pub fn $name<F: Real>(x: F) -> F {
            x.$m()
        }
    )*};
}
unary!(
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// use core::f64::consts::PI;
    /// assert!((math::sin(PI / 6.0) - 0.5).abs() < 1e-15);
    /// assert!((math::sin(0.3f32).powi(2) + math::cos(0.3f32).powi(2) - 1.0).abs() < 1e-6);
    /// ```
    sin => m_sin,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// use core::f64::consts::PI;
    /// assert!((math::cos(PI / 3.0) - 0.5).abs() < 1e-15);
    /// assert!((math::cos(PI) + 1.0).abs() < 1e-15);
    /// ```
    cos => m_cos,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// use core::f64::consts::PI;
    /// assert!((math::tan(PI / 4.0) - 1.0).abs() < 1e-15);
    /// ```
    tan => m_tan,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// use core::f64::consts::PI;
    /// assert!((math::asin(0.5) - PI / 6.0).abs() < 1e-15);
    /// ```
    asin => m_asin,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// use core::f64::consts::PI;
    /// assert!((math::acos(0.5) - PI / 3.0).abs() < 1e-15);
    /// ```
    acos => m_acos,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// use core::f64::consts::PI;
    /// assert!((math::atan(1.0) - PI / 4.0).abs() < 1e-15);
    /// ```
    atan => m_atan,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// // sinh(ln 2) = (2 − 1/2) / 2
    /// assert!((math::sinh(math::ln(2.0f64)) - 0.75).abs() < 1e-15);
    /// ```
    sinh => m_sinh,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// // cosh(ln 2) = (2 + 1/2) / 2
    /// assert!((math::cosh(math::ln(2.0f64)) - 1.25).abs() < 1e-15);
    /// ```
    cosh => m_cosh,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// // tanh(ln 3) = (9 − 1) / (9 + 1)
    /// assert!((math::tanh(math::ln(3.0f64)) - 0.8).abs() < 1e-15);
    /// ```
    tanh => m_tanh,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::exp(1.0) - core::f64::consts::E).abs() < 1e-15);
    /// assert!((math::exp(math::ln(5.0f32)) - 5.0).abs() < 1e-5);
    /// ```
    exp => m_exp,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::exp2(10.0f64) - 1024.0).abs() < 1e-12);
    /// ```
    exp2 => m_exp2,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::ln(core::f64::consts::E) - 1.0).abs() < 1e-15);
    /// assert!((math::ln(6.0f64) - math::ln(2.0) - math::ln(3.0)).abs() < 1e-15);
    /// ```
    ln => m_ln,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::log10(1000.0f64) - 3.0).abs() < 1e-15);
    /// ```
    log10 => m_log10,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::log2(8.0f64) - 3.0).abs() < 1e-15);
    /// ```
    log2 => m_log2,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::sqrt(2.0f64) * math::sqrt(2.0) - 2.0).abs() < 1e-15);
    /// assert!((math::sqrt(16.0f32) - 4.0).abs() < 1e-6);
    /// ```
    sqrt => m_sqrt,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::cbrt(-27.0f64) + 3.0).abs() < 1e-15); // defined for negative x
    /// ```
    cbrt => m_cbrt,
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::math;
    /// assert!((math::abs(-2.5f64) - 2.5).abs() < 1e-15);
    /// assert!((math::abs(2.5f32) - 2.5).abs() < 1e-7);
    /// ```
    abs => m_abs,
);

/// `atan2(y, x)`: the angle of the point (x, y).
///
/// # Examples
///
/// ```
/// use odegrad::math;
/// use core::f64::consts::PI;
/// // (−1, 1) is in the second quadrant, which atan(y / x) cannot tell
/// assert!((math::atan2(1.0, -1.0) - 3.0 * PI / 4.0).abs() < 1e-15);
/// ```
#[inline(always)]
pub fn atan2<F: Real>(y: F, x: F) -> F {
    y.m_atan2(x)
}

/// `x` raised to the integer power `n`.
///
/// # Examples
///
/// ```
/// use odegrad::math;
/// assert!((math::powi(2.0f64, 10) - 1024.0).abs() < 1e-12);
/// assert!((math::powi(2.0f64, -3) - 0.125).abs() < 1e-15);
/// ```
#[inline(always)]
pub fn powi<F: Real>(x: F, n: i32) -> F {
    x.m_powi(n)
}

/// `x` raised to the power `e`.
///
/// # Examples
///
/// ```
/// use odegrad::math;
/// assert!((math::powf(8.0f64, 1.0 / 3.0) - 2.0).abs() < 1e-15);
/// assert!((math::powf(2.0f32, 0.5) - core::f32::consts::SQRT_2).abs() < 1e-6);
/// ```
#[inline(always)]
pub fn powf<F: Real>(x: F, e: F) -> F {
    x.m_powf(e)
}

/// `sqrt(x² + y²)` without undue overflow.
///
/// # Examples
///
/// ```
/// use odegrad::math;
/// assert!((math::hypot(3.0f64, 4.0) - 5.0).abs() < 1e-15);
/// // x² alone would overflow to infinity
/// assert!((math::hypot(3e300f64, 4e300) / 5e300 - 1.0).abs() < 1e-15);
/// ```
#[inline(always)]
pub fn hypot<F: Real>(x: F, y: F) -> F {
    x.m_hypot(y)
}
