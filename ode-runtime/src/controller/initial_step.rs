//! The automatic initial step of Hairer, Nørsett & Wanner, *Solving Ordinary
//! Differential Equations I*, 2nd ed., §II.4 ("Starting Step Size"), as in
//! Diffrax's `_select_initial_step`.
//!
//! Two vector-field evaluations: `h0` makes an explicit Euler step change `y`
//! by about 1% of its size; `h1` makes the local error of a method of the given
//! order about 1% of the tolerance, estimated from the change in `f` over `h0`.
//! The smaller of `100·h0` and `h1` is used.

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::ErrorNorm;
use crate::{Scalar, State, Term};

/// The initial step size magnitude (positive) for a solve from `(t0, y0)` in
/// direction `dir` (±1), and the vector-field evaluations it took.
///
/// Non-finite intermediate values (an overflowing `f`, a zero tolerance
/// scale) fall back to Diffrax's `1e-6`, so the result is always positive
/// and finite.
///
/// # Examples
///
/// ```
/// use odegrad::{FnTerm, controller::{select_initial_step, RmsNorm}, nalgebra::SVector};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let (h, evals) = select_initial_step(&term, 0.0, 1.0, &SVector::from([1.0]), 5,
///     1e-6, 1e-6, &RmsNorm);
/// assert_eq!(evals, 2);
/// assert!(h > 0.0 && h < 1.0);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn select_initial_step<T, Y, Tm, N>(
    term: &Tm,
    t0: T,
    dir: T,
    y0: &Y,
    error_order: u32,
    rtol: T,
    atol: T,
    norm: &N,
) -> (T, u32)
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    N: ErrorNorm<T, Y>,
{
    let c = T::cast;
    let f0 = term.vf(t0, y0);
    let d0 = norm.scaled_norm(y0, y0, y0, rtol, atol);
    let d1 = norm.scaled_norm(&f0, y0, y0, rtol, atol);
    let small = !(d0 >= c(1e-5) && d1 >= c(1e-5));
    let mut h0 = if small { c(1e-6) } else { c(0.01) * (d0 / d1) };
    if !(h0.finite() && h0 > T::zero()) {
        h0 = c(1e-6);
    }
    let y1 = y0.axpy(dir * h0, &f0);
    let f1 = term.vf(t0 + dir * h0, &y1);
    let d2 = norm.scaled_norm(&f1.sub(&f0), y0, y0, rtol, atol) / h0;
    let max_d = d1.max(d2);
    let h1 = if max_d <= c(1e-15) {
        c(1e-6).max(h0 * c(1e-3))
    } else {
        (c(0.01) / max_d).powf(T::one() / c(f64::from(error_order.max(1))))
    };
    let h = (c(100.0) * h0).min(h1);
    if h.finite() && h > T::zero() {
        (h, 2)
    } else {
        (c(1e-6), 2)
    }
}
