//! The expansion of Lotka–Volterra, pretty-printed and compared with the
//! reviewed snapshot `tests/expand/lotka_volterra.expanded.rs`, so a change
//! in the generated code shows up as a readable diff. Regenerate with
//! `ODEGRAD_BLESS=1 cargo test -p ode-macros snapshot`.

use crate::expand::expand;
use proc_macro2::TokenStream;
use std::path::Path;

fn expansion(source: &str) -> String {
    let item: syn::ItemFn = match syn::parse_str(source) {
        Ok(f) => f,
        Err(e) => panic!("snapshot input does not parse: {e}"),
    };
    let mut item = item;
    item.attrs.clear();
    let out = expand(TokenStream::new(), quote::quote!(#item));
    match syn::parse2::<syn::File>(out) {
        Ok(file) => prettyplease::unparse(&file),
        Err(e) => panic!("expansion does not parse: {e}"),
    }
}

#[test]
fn lotka_volterra_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let source = std::fs::read_to_string(dir.join("lotka_volterra.rs")).unwrap_or_default();
    let got = expansion(&source);
    let path = dir.join("lotka_volterra.expanded.rs");
    if std::env::var_os("ODEGRAD_BLESS").is_some() {
        if let Err(e) = std::fs::write(&path, &got) {
            panic!("cannot write {}: {e}", path.display());
        }
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(got == want, "expansion changed; got:\n{got}");
}
