//! The pipeline: parse → lower to the IR → differentiate → emit.
//!
//! `#[ode_system]` and `#[differentiable]` share every stage up to the graph
//! ([`front`]); they differ in what is differentiated (every derivative of a
//! vector field, or the gradient of a scalar loss) and in the trait emitted.
//!
//! Every stage records its errors in one [`Errors`] and keeps going, so all
//! problems of an input are reported together; if any stage failed the
//! output is the [`fallback`](crate::fallback).

use crate::diff::{derivatives, gradient, Derivatives, Gradient};
use crate::emit::{loss_impl, system_impl, Target};
use crate::error::{Errors, Sp};
use crate::ir::Graph;
use crate::lower::Lowered;
use crate::signature::{camel_case, parse_options, parse_signature, Kind, Options, Signature};
use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

/// A differentiated system, before emission.
pub struct Analysed {
    pub item: ItemFn,
    pub options: Options,
    pub sig: Signature,
    pub graph: Graph,
    pub derivatives: Derivatives,
}

/// A differentiated loss, before emission.
pub struct AnalysedLoss {
    pub item: ItemFn,
    pub options: Options,
    pub sig: Signature,
    pub graph: Graph,
    pub gradient: Gradient,
}

/// The stages both attributes share: options, signature, body, lowering.
fn front(
    kind: Kind,
    attr: TokenStream,
    item: TokenStream,
) -> Result<(ItemFn, Options, Signature, Lowered), syn::Error> {
    let mut errs = Errors::default();
    let options = parse_options(kind, attr, &mut errs);
    let item: ItemFn = match syn::parse2(item) {
        Ok(f) => f,
        Err(e) => {
            let applies = match kind {
                Kind::OdeSystem => "#[ode_system] applies to a function `fn name(t: f64, y: &[f64; N], p: &[f64; P]) -> [f64; N]`",
                Kind::Differentiable => "#[differentiable] applies to a function `fn name(t: f64, y: &[f64; N]) -> f64` or `fn name(t: f64, y: &[f64; N], p: &[f64; P]) -> f64` (with `data = obs`, a last argument `obs: &[f64; M]`)",
            };
            let mut err = syn::Error::new(e.span(), applies);
            // Problems with the options are reported too.
            if let Err(opts) = errs.finish() {
                err.combine(opts);
            }
            return Err(err);
        }
    };
    let sig = parse_signature(kind, &item, options.data.as_ref(), &mut errs);
    let body = crate::parse::block(&item.block, &mut errs);
    let end = Sp::single(item.block.brace_token.span.close());
    let lowered = sig
        .as_ref()
        .and_then(|s| crate::lower::lower(s, &body, end, &mut errs));
    errs.finish()?;
    let (Some(sig), Some(l)) = (sig, lowered) else {
        return unreachable_error(kind);
    };
    Ok((item, options, sig, l))
}

/// Runs every stage of `#[ode_system]` up to emission.
pub fn analyse(attr: TokenStream, item: TokenStream) -> Result<Analysed, syn::Error> {
    let (item, options, sig, mut l) = front(Kind::OdeSystem, attr, item)?;
    let derivatives = derivatives(&mut l.graph, l.t, &l.y, &l.p, &l.outputs);
    Ok(Analysed {
        item,
        options,
        sig,
        graph: l.graph,
        derivatives,
    })
}

/// Stages report through `Errors`; this covers the impossible case of a
/// stage failing without a message, without panicking.
fn unreachable_error<T>(kind: Kind) -> Result<T, syn::Error> {
    Err(syn::Error::new(
        proc_macro2::Span::call_site(),
        format!("{} could not analyse this function", kind.attr()),
    ))
}

/// Runs every stage of `#[differentiable]` up to emission.
pub fn analyse_loss(attr: TokenStream, item: TokenStream) -> Result<AnalysedLoss, syn::Error> {
    let (item, options, sig, mut l) = front(Kind::Differentiable, attr, item)?;
    let Some(&output) = l.outputs.first() else {
        return unreachable_error(Kind::Differentiable);
    };
    let gradient = gradient(&mut l.graph, &l.y, &l.p, output);
    Ok(AnalysedLoss {
        item,
        options,
        sig,
        graph: l.graph,
        gradient,
    })
}

/// The full expansion of `#[differentiable]`: the user's function, the type
/// and its `Loss` impl.
pub fn expand_loss(attr: TokenStream, item: TokenStream) -> TokenStream {
    match analyse_loss(attr, item.clone()) {
        Ok(a) => emit_loss(&a),
        Err(e) => crate::fallback::expand(item, &e),
    }
}

/// Emits an analysed loss.
pub fn emit_loss(a: &AnalysedLoss) -> TokenStream {
    let item = &a.item;
    let vis = &item.vis;
    let fn_name = &item.sig.ident;
    let name = a
        .options
        .name
        .clone()
        .unwrap_or_else(|| camel_case(fn_name));
    let krate = &a.options.krate;
    let fty = a.sig.float.tokens();
    let (n, np) = (a.sig.n, a.sig.np);
    let tg = Target {
        krate,
        float: a.sig.float,
        n,
        np,
    };
    // With `data = …` the impl is `DataLoss` (the signature check made sure
    // the option names the last argument).
    let nd = a.options.data.is_some().then_some(a.sig.nd);
    let imp = loss_impl(&a.graph, &a.gradient, &name, &tg, a.sig.has_p, nd);
    let doc =
        format!(" The loss [`{fn_name}`] with its gradient, generated by `#[differentiable]`.");
    let p_ty = a.sig.has_p.then(|| quote!(&[#fty; #np]));
    let d_ty = nd.map(|m| quote!(&[#fty; #m]));
    let args = [Some(quote!(#fty)), Some(quote!(&[#fty; #n])), p_ty, d_ty];
    let args = args.iter().flatten();
    let check = quote!(const _: fn(#(#args),*) -> #fty = #fn_name;);
    quote! {
        #item

        #[doc = #doc]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;

        // Uses the function (no dead-code warning when only the type is used)
        // and checks that its signature is the one the code above was made for.
        #check

        #imp
    }
}

/// The full expansion: the user's function, the type and its `OdeSystem` impl.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    match analyse(attr, item.clone()) {
        Ok(a) => emit(&a),
        Err(e) => crate::fallback::expand(item, &e),
    }
}

/// Emits an analysed system.
pub fn emit(a: &Analysed) -> TokenStream {
    let item = &a.item;
    let vis = &item.vis;
    let fn_name = &item.sig.ident;
    let name = a
        .options
        .name
        .clone()
        .unwrap_or_else(|| camel_case(fn_name));
    let krate = &a.options.krate;
    let fty = a.sig.float.tokens();
    let (n, np) = (a.sig.n, a.sig.np);
    let tg = Target {
        krate,
        float: a.sig.float,
        n,
        np,
    };
    let imp = system_impl(&a.graph, &a.derivatives, &name, &tg);
    let doc = format!(
        " The vector field [`{fn_name}`] with its Jacobians, JVPs and VJPs, generated by `#[ode_system]`."
    );
    quote! {
        #item

        #[doc = #doc]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;

        // Uses the function (no dead-code warning when only the type is used)
        // and checks that its signature is the one the code above was made for.
        const _: fn(#fty, &[#fty; #n], &[#fty; #np]) -> [#fty; #n] = #fn_name;

        #imp
    }
}
