//! Macro expansion time: the whole pipeline (parse, lower, differentiate,
//! simplify, emit to tokens) on the P4 neural ODE and the heat equation, and
//! of `#[differentiable]` on a Gaussian negative log-likelihood loss, with
//! its means as parameters and against observed data (`data = obs`).
//!
//! The engine's modules are compiled into this bench directly (a proc-macro
//! crate exports only its macros); tokens come from `proc_macro2`'s fallback
//! implementation, as in the unit tests, so this measures the engine without
//! rustc's token bridge. Run: `cargo bench -p ode-macros --bench expand`.
// Unused here: engine items only the macro entry point uses, and the imports
// of the engine's unit-test modules (built under `cfg(test)` by `clippy
// --all-targets`, whose `#[test]` functions a bench does not compile).
#![allow(dead_code, unused_imports)]

#[path = "../src/diff.rs"]
mod diff;
#[path = "../src/emit.rs"]
mod emit;
#[path = "../src/error.rs"]
mod error;
#[path = "../src/expand.rs"]
mod expand;
#[path = "../src/fallback.rs"]
mod fallback;
#[path = "../src/ir.rs"]
mod ir;
#[path = "../src/lower.rs"]
mod lower;
#[path = "../src/parse.rs"]
mod parse;
#[path = "../src/signature.rs"]
mod signature;
#[path = "../src/simplify.rs"]
mod simplify;

use criterion::{criterion_group, criterion_main, Criterion};
use proc_macro2::TokenStream;
use std::hint::black_box;

fn source(name: &str) -> TokenStream {
    let path = format!("{}/tests/expand/{name}.rs", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut item: syn::ItemFn = match syn::parse_str(&text) {
        Ok(f) => f,
        Err(e) => panic!("{name}: {e}"),
    };
    item.attrs.clear();
    quote::quote!(#item)
}

fn expansion(c: &mut Criterion) {
    for name in ["lotka_volterra", "neural_ode", "heat"] {
        let item = source(name);
        let size = expand::expand(TokenStream::new(), item.clone())
            .to_string()
            .len();
        println!("{name}: expansion is {size} characters of tokens");
        c.bench_function(&format!("expand/{name}"), |b| {
            b.iter(|| expand::expand(TokenStream::new(), black_box(item.clone())))
        });
    }
    let item = source("gaussian_nll");
    let size = expand::expand_loss(TokenStream::new(), item.clone())
        .to_string()
        .len();
    println!("gaussian_nll: expansion is {size} characters of tokens");
    c.bench_function("expand_loss/gaussian_nll", |b| {
        b.iter(|| expand::expand_loss(TokenStream::new(), black_box(item.clone())))
    });
    let item = source("gaussian_nll_data");
    let attr = quote::quote!(data = obs);
    let size = expand::expand_loss(attr.clone(), item.clone())
        .to_string()
        .len();
    println!("gaussian_nll_data: expansion is {size} characters of tokens");
    c.bench_function("expand_loss/gaussian_nll_data", |b| {
        b.iter(|| expand::expand_loss(black_box(attr.clone()), black_box(item.clone())))
    });
}

criterion_group!(benches, expansion);
criterion_main!(benches);
