//! `#[ode_system]`: symbolic differentiation of ODE vector fields at compile time.
//!
//! The attribute reads a plain Rust function `f(t, y, p) -> y'` and emits,
//! next to it, a zero-sized type implementing `odegrad::OdeSystem` with the
//! Jacobians, Jacobian–vector and vector–Jacobian products of `f` as
//! straight-line code. The stages live in their own modules, in pipeline
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
/// The body may use `let` (also `let [a, b] = *y;`), `const` items, float
/// literals, `+ - * /`, unary `-`, constant indexing, `for i in 0..K` loops
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
