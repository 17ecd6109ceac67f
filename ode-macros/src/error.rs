//! Error collection: every problem of one input, reported together.
//!
//! Each stage records errors and keeps going with a placeholder, so a user
//! sees all unsupported constructs at once (as serde's `Ctxt` does) instead
//! of fixing them one compile at a time.

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// The source range of a syntax node: its first and last token.
///
/// Kept instead of a joined span because `Span::join` is not available on
/// stable; an error built from both ends underlines the whole node.
#[derive(Clone, Copy, Debug)]
pub struct Sp {
    pub lo: Span,
    pub hi: Span,
}

impl Sp {
    /// The range of a syntax node.
    pub fn of<T: ToTokens + ?Sized>(node: &T) -> Sp {
        let mut iter = node.to_token_stream().into_iter();
        let lo = iter.next().map_or_else(Span::call_site, |t| t.span());
        let hi = iter.last().map_or(lo, |t| t.span());
        Sp { lo, hi }
    }

    /// A range of one span.
    pub fn single(span: Span) -> Sp {
        Sp { lo: span, hi: span }
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Sp) -> Sp {
        Sp {
            lo: self.lo,
            hi: other.hi,
        }
    }

    /// The error `msg` underlining this range.
    pub fn error(self, msg: impl std::fmt::Display) -> syn::Error {
        let mut lo = Punct::new('#', Spacing::Alone);
        lo.set_span(self.lo);
        let mut hi = Punct::new('#', Spacing::Alone);
        hi.set_span(self.hi);
        let ts: TokenStream = [TokenTree::Punct(lo), TokenTree::Punct(hi)]
            .into_iter()
            .collect();
        syn::Error::new_spanned(ts, msg)
    }
}

/// The errors found so far.
#[derive(Default)]
pub struct Errors {
    first: Option<syn::Error>,
    count: usize,
    /// Names bound to a rejected construct (a closure, say): their uses are
    /// not reported again, so one mistake gives one error.
    pub poisoned: Vec<String>,
}

impl Errors {
    /// Records an error at `sp`.
    pub fn push(&mut self, sp: Sp, msg: impl std::fmt::Display) {
        self.push_error(sp.error(msg));
    }

    /// Records an existing `syn::Error` (which may hold several).
    pub fn push_error(&mut self, e: syn::Error) {
        self.count += 1;
        match &mut self.first {
            Some(first) => first.combine(e),
            None => self.first = Some(e),
        }
    }

    /// How many errors were recorded.
    pub fn count(&self) -> usize {
        self.count
    }

    /// `Ok` if nothing was recorded, otherwise all errors combined.
    pub fn finish(self) -> Result<(), syn::Error> {
        match self.first {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// The elementary functions of the input language, for messages.
pub const SUPPORTED_FUNCTIONS: &str = "sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, \
     exp, exp2, ln, log10, log2, sqrt, cbrt, powi, powf, abs, min, max, hypot, recip";
