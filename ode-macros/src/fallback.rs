//! What to emit when the input is rejected.
//!
//! The user's function is emitted unchanged next to the errors, so the rest of
//! the crate still sees it and reports no secondary "cannot find function"
//! errors; the generated type is left out entirely, since it would only add
//! errors of its own.

use proc_macro2::TokenStream;
use quote::quote;

/// The original item followed by the compile errors.
pub fn expand(original: TokenStream, err: &syn::Error) -> TokenStream {
    let errors = err.to_compile_error();
    quote! {
        #original
        #errors
    }
}
