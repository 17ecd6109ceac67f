//! The expansions of Lotka–Volterra and of a loss against data,
//! pretty-printed and compared with the reviewed snapshots
//! `tests/expand/*.expanded.rs`, so a change in the generated code shows up
//! as a readable diff. Regenerate with
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

/// Compares `got` with the snapshot `tests/expand/{name}.expanded.rs`.
fn check_snapshot(name: &str, got: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let path = dir.join(format!("{name}.expanded.rs"));
    if std::env::var_os("ODEGRAD_BLESS").is_some() {
        if let Err(e) = std::fs::write(&path, got) {
            panic!("cannot write {}: {e}", path.display());
        }
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(got == want, "expansion of {name} changed; got:\n{got}");
}

/// A loss against observations: the `DataLoss` impl, with the data read
/// where the value needs them and never differentiated.
#[test]
fn data_loss_snapshot() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let source = std::fs::read_to_string(dir.join("gaussian_nll_data.rs")).unwrap_or_default();
    let mut item: syn::ItemFn = match syn::parse_str(&source) {
        Ok(f) => f,
        Err(e) => panic!("gaussian_nll_data: {e}"),
    };
    item.attrs.clear();
    let out = crate::expand::expand_loss(quote::quote!(data = obs), quote::quote!(#item));
    let got = match syn::parse2::<syn::File>(out) {
        Ok(file) => prettyplease::unparse(&file),
        Err(e) => panic!("expansion does not parse: {e}"),
    };
    assert!(
        got.contains("DataLoss<f64, 2, 4, 2> for GaussianNllData"),
        "{got}"
    );
    check_snapshot("gaussian_nll_data", &got);
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

/// Operation counts of the generated code for the benchmark systems: every
/// emitted arithmetic `let` of rhs, VJP and J_y. Prints the table of
/// BENCHMARKS.md (`cargo test -p ode-macros op_counts -- --nocapture`) and
/// checks the cheap-gradient bound VJP ≤ 3 × rhs.
#[test]
fn op_counts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    for name in ["lotka_volterra", "neural_ode", "heat"] {
        let source = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap_or_default();
        let item: syn::ItemFn = match syn::parse_str(&source) {
            Ok(f) => f,
            Err(e) => panic!("{name}: {e}"),
        };
        let mut item = item;
        item.attrs.clear();
        let a = match crate::expand::analyse(TokenStream::new(), quote::quote!(#item)) {
            Ok(a) => a,
            Err(e) => panic!("{name}: {e}"),
        };
        let d = &a.derivatives;
        let count = |outs: &[Option<crate::ir::NodeId>]| crate::emit::op_count(&a.graph, outs);
        let rhs = count(&d.rhs.iter().copied().map(Some).collect::<Vec<_>>());
        let vjp = count(&d.vjp_y.iter().chain(&d.vjp_p).copied().collect::<Vec<_>>());
        let jac: Vec<_> = d.jac_y.iter().flatten().copied().collect();
        let jac_y = count(&jac);
        let jvp = count(&d.jvp_y);
        println!(
            "{name}: rhs {rhs}, jvp_y {jvp} ({:.2}x), vjp {vjp} ({:.2}x), jac_y {jac_y} ({:.2}x)",
            jvp as f64 / rhs as f64,
            vjp as f64 / rhs as f64,
            jac_y as f64 / rhs as f64
        );
        assert!(
            vjp <= 3 * rhs,
            "{name}: VJP needs {vjp} operations, rhs {rhs}"
        );
    }
}

/// Operation counts of a `#[differentiable]` loss: the value alone, the
/// gradient alone and both together (`value_and_grad`), for BENCHMARKS.md
/// (`cargo test -p ode-macros loss_op_counts -- --nocapture`). Checks the
/// cheap-gradient bound and that value and gradient share work: together
/// they cost less than apart.
#[test]
fn loss_op_counts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let source = std::fs::read_to_string(dir.join("gaussian_nll.rs")).unwrap_or_default();
    let mut item: syn::ItemFn = match syn::parse_str(&source) {
        Ok(f) => f,
        Err(e) => panic!("gaussian_nll: {e}"),
    };
    item.attrs.clear();
    let a = match crate::expand::analyse_loss(TokenStream::new(), quote::quote!(#item)) {
        Ok(a) => a,
        Err(e) => panic!("gaussian_nll: {e}"),
    };
    let d = &a.gradient;
    let count = |outs: &[Option<crate::ir::NodeId>]| crate::emit::op_count(&a.graph, outs);
    let value = count(&[Some(d.value)]);
    let grad: Vec<_> = d.y.iter().chain(&d.p).copied().collect();
    let gradient = count(&grad);
    let both: Vec<_> = [Some(d.value)].into_iter().chain(grad).collect();
    let value_and_grad = count(&both);
    println!(
        "gaussian_nll: value {value}, gradient {gradient} ({:.2}x), value_and_grad {value_and_grad} ({:.2}x)",
        gradient as f64 / value as f64,
        value_and_grad as f64 / value as f64
    );
    assert!(value_and_grad <= 4 * value, "{value_and_grad} vs {value}");
    assert!(value_and_grad < value + gradient, "no sharing");
}
