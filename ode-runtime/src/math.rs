//! Elementary functions for generated code and the solvers, with or without std.
//!
//! Code emitted by `#[ode_system]` calls `math::sin(x)` and friends; with the
//! `std` feature they are the platform's functions (the same ones a
//! hand-written `x.sin()` uses), without it they come from the `libm` crate, so
//! a generated system builds under `#![no_std]` unchanged.

/// A float type with the elementary functions the macro supports.
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
    ($($name:ident => $m:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($name), "` of `x`.")]
        #[inline(always)]
        pub fn $name<F: Real>(x: F) -> F {
            x.$m()
        }
    )*};
}
unary!(
    sin => m_sin, cos => m_cos, tan => m_tan, asin => m_asin, acos => m_acos, atan => m_atan,
    sinh => m_sinh, cosh => m_cosh, tanh => m_tanh, exp => m_exp, exp2 => m_exp2, ln => m_ln,
    log10 => m_log10, log2 => m_log2, sqrt => m_sqrt, cbrt => m_cbrt, abs => m_abs,
);

/// `atan2(y, x)`: the angle of the point (x, y).
#[inline(always)]
pub fn atan2<F: Real>(y: F, x: F) -> F {
    y.m_atan2(x)
}

/// `x` raised to the integer power `n`.
#[inline(always)]
pub fn powi<F: Real>(x: F, n: i32) -> F {
    x.m_powi(n)
}

/// `x` raised to the power `e`.
#[inline(always)]
pub fn powf<F: Real>(x: F, e: F) -> F {
    x.m_powf(e)
}

/// `sqrt(x² + y²)` without undue overflow.
#[inline(always)]
pub fn hypot<F: Real>(x: F, y: F) -> F {
    x.m_hypot(y)
}
