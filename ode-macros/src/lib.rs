//! `#[ode_system]` and `#[differentiable]`: symbolic differentiation of ODE
//! vector fields and scalar losses at compile time.
//!
//! `#[ode_system]` reads a plain Rust function `f(t, y, p) -> y'` and emits,
//! next to it, a zero-sized type implementing `odegrad::OdeSystem` with the
//! Jacobians, Jacobian–vector and vector–Jacobian products of `f` as
//! straight-line code. `#[differentiable]` runs the same engine on a scalar
//! loss `ℓ(t, y[, p])` and emits `odegrad::Loss`, its value and gradient (or,
//! for a loss against observed data `ℓ(t, y[, p], d)`,
//! `odegrad::loss::DataLoss`). The stages live in their own modules, in pipeline
//! order: `signature` and `parse` (syntax → model), `lower` (symbolic
//! execution into the `ir` graph), `diff` (forward and reverse
//! differentiation), `simplify` (applied as nodes are built) and `emit`
//! (quote); `expand` drives them and `fallback` is the output for rejected
//! input.
extern crate proc_macro;

mod diff;
mod emit;
mod error;
mod expand;
mod fallback;
mod ir;
mod lower;
mod parse;
#[cfg(test)]
mod proptests;
mod signature;
mod simplify;
#[cfg(test)]
mod snapshot;

use proc_macro::TokenStream;

/// Differentiates an ODE vector field at compile time.
///
/// Put it on `fn name(t: F, y: &[F; N], p: &[F; P]) -> [F; N]` (`F` is `f64`
/// or `f32`, `N` and `P` integer literals). The function stays as written;
/// next to it the macro defines `struct Name;` (CamelCase of the function
/// name, same visibility) implementing `OdeSystem<F, N, P>`.
///
/// Options: `#[ode_system(name = MyType)]` names the type;
/// `#[ode_system(crate = ::ode_runtime)]` sets the path of the runtime crate
/// (default `::odegrad`).
///
/// The body may use `let` (also `let [a, b] = *y;`), `const` items declared
/// in the body (the macro sees only the function, not the module around
/// it), float literals, `+ - * /`, unary `-`, constant indexing, `for i in 0..K` loops
/// with constant bounds (unrolled), local arrays `let mut out = [0.0; N];`
/// with `out[i] = …` / `+=` / `-=` / `*=` / `/=`, the elementary functions
/// `sin cos tan asin acos atan atan2 sinh cosh tanh exp exp2 ln log10 log2
/// sqrt cbrt powi powf abs min max hypot recip` (as methods `x.sin()`, as
/// `f64::sin(x)`, or as `odegrad::math::sin(x)`, the form a `#![no_std]`
/// crate uses since `core` has no `f64::sin`),
/// and `if`/`else` on comparisons (combined with `&&`, `||`, `!`). It ends with
/// the derivative array `[…]` or a local array. Anything else is a compile
/// error pointing at the construct.
///
/// At non-smooth points the derivatives are those of automatic
/// differentiation: `abs' = sign` (0 at 0), `min`/`max` and `if`/`else`
/// differentiate the branch taken. The generated code evaluates both
/// branches of a runtime `if` and selects one (the function body the user
/// wrote still branches); a NaN in the branch not taken does not reach the
/// result or its derivatives.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, ode_system, OdeSystem};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     let [x, z] = *y;
///     let [a, b, c, d] = *p;
///     [a * x - b * x * z, -c * z + d * x * z]
/// }
///
/// let (y, p) = (SVector::from([1.0, 0.5]), SVector::from([1.5, 1.0, 3.0, 1.0]));
/// let j = LotkaVolterra.jac_y(0.0, &y, &p);
/// assert!((j[(0, 1)] + 1.0).abs() < 1e-15); // ∂f₀/∂z = −b·x
/// assert!(!<LotkaVolterra as OdeSystem<f64, 2, 4>>::JAC_P_PATTERN[0][2]); // f₀ ignores c
/// ```
#[proc_macro_attribute]
pub fn ode_system(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(attr.into(), item.into()).into()
}

/// Differentiates a scalar loss of a saved state at compile time.
///
/// Put it on `fn name(t: F, y: &[F; N]) -> F` or
/// `fn name(t: F, y: &[F; N], p: &[F; P]) -> F` (`F` is `f64` or `f32`, `N`
/// and `P` integer literals): the loss `ℓ(tᵢ, y(tᵢ)[, p])` at one saved
/// point of a solve. The function stays as written; next to it the macro
/// defines `struct Name;` (CamelCase of the function name, same visibility)
/// implementing `Loss<F, N, P>`: `value`, `grad_y`, `grad_p` and
/// `value_and_grad`, the last computing value and gradient in one
/// straight-line body that shares their common subexpressions. A loss
/// without `p` implements `Loss<F, N, P>` for every `P`, with a zero
/// parameter gradient, so it can be paired with any system.
///
/// The gradient of `L = Σᵢ ℓ(tᵢ, y(tᵢ), p)` through a solve needs the
/// cotangents `∂ℓ/∂y(tᵢ)` at the saved points; `odegrad::loss::cotangents`
/// writes them into the buffer `RecursiveCheckpointAdjoint::backward` takes
/// and returns `(L, Σᵢ ∂ℓ/∂p)`, the loss's own parameter gradient, which is
/// added to the adjoint's.
///
/// A loss that compares the state with observations, different at every
/// saved time, takes them as a last argument named by the option `data`:
/// `#[differentiable(data = obs)]` on `fn name(t: F, y: &[F; N], obs: &[F; M])
/// -> F` or `fn name(t: F, y: &[F; N], p: &[F; P], obs: &[F; M]) -> F`. The
/// data are read like `p` (constant indexing, in any expression, never
/// assigned) but not differentiated in: the type implements
/// `odegrad::loss::DataLoss<F, N, P, M>`, whose methods take the data as a
/// last argument `&SVector<F, M>` and return the same gradients in `y` and
/// `p`. `odegrad::loss::cotangents_with_data` evaluates it at the saved
/// points, with one data vector per saved time.
///
/// Options, the body language and the errors are those of
/// [`macro@ode_system`]: `name = MyType`, `crate = path::to::odegrad`; `let`,
/// `const`, arithmetic, constant indexing, unrolled `for` loops, local
/// arrays, the elementary functions and `if`/`else` (differentiated along
/// the branch taken). The body ends with one float expression. Anything
/// else is a compile error pointing at the construct, all errors of the
/// input together, with the function itself still emitted.
///
/// # Examples
///
/// ```
/// use odegrad::{differentiable, loss::cotangents, nalgebra::SVector, Loss};
///
/// /// Squared misfit to the data point 2 + t, weighted by p₀.
/// #[differentiable]
/// fn misfit(t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 {
///     let r = y[0] - (2.0 + t);
///     p[0] * r * r + y[1].sin()
/// }
///
/// let (y, p) = (SVector::from([3.5, 0.0]), SVector::from([2.0]));
/// let (l, g_y, g_p) = Misfit.value_and_grad(1.0, &y, &p);
/// assert!((l - 0.5).abs() < 1e-15);
/// assert!((g_y[0] - 2.0).abs() < 1e-15); // 2·p₀·r
/// assert!((g_y[1] - 1.0).abs() < 1e-15); // cos 0
/// assert!((g_p[0] - 0.25).abs() < 1e-15); // r²
///
/// // Cotangents at two saved points, for `backward`.
/// let (ts, ys) = ([0.0, 1.0], [SVector::from([2.0, 0.0]), y]);
/// let mut ys_bar = [SVector::zeros(); 2];
/// let (total, dl_dp) = cotangents(&Misfit, &ts, &ys, &p, &mut ys_bar)?;
/// assert!((total - 0.5).abs() < 1e-15 && (dl_dp[0] - 0.25).abs() < 1e-15);
/// assert!(ys_bar[0][0].abs() < 1e-15 && (ys_bar[1][0] - 2.0).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
///
/// Fitting observations: the data are the last argument, one observation
/// (here a value and its standard deviation) per saved time.
///
/// ```
/// use odegrad::{differentiable, loss::{cotangents_with_data, DataLoss}, nalgebra::SVector};
///
/// /// ½ ((y₀ − value) / σ)², the misfit of one observation of y₀.
/// #[differentiable(data = obs)]
/// fn misfit(_t: f64, y: &[f64; 2], obs: &[f64; 2]) -> f64 {
///     let r = (y[0] - obs[0]) / obs[1];
///     0.5 * r * r
/// }
///
/// let (y, p, obs) = (SVector::from([3.0, 1.0]), SVector::<f64, 0>::zeros(), SVector::from([2.0, 0.5]));
/// let (l, g_y, _) = Misfit.value_and_grad(0.0, &y, &p, &obs);
/// assert!((l - 2.0).abs() < 1e-15); // ½ (1 / 0.5)²
/// assert!((g_y[0] - 4.0).abs() < 1e-15 && g_y[1] == 0.0); // r / σ
///
/// // The cotangents of L = Σᵢ ℓ(tᵢ, yᵢ, dᵢ) at two saved points, for `backward`.
/// let ts = [0.0, 1.0];
/// let ys = [SVector::from([2.0, 0.0]), y];
/// let data = [SVector::from([2.5, 1.0]), obs];
/// let mut ys_bar = [SVector::zeros(); 2];
/// let (total, _) = cotangents_with_data(&Misfit, &ts, &ys, &data, &p, &mut ys_bar)?;
/// assert!((total - 2.125).abs() < 1e-15); // ½ · 0.5² + 2
/// assert!((ys_bar[0][0] + 0.5).abs() < 1e-15 && (ys_bar[1][0] - 4.0).abs() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[proc_macro_attribute]
pub fn differentiable(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand_loss(attr.into(), item.into()).into()
}
