//! The graph → Rust: the `Loss` (or, with data, `DataLoss`) implementation
//! of `#[differentiable]`.
//!
//! The same emitter as the `OdeSystem` methods: each method computes only
//! the nodes its outputs reach, and `value_and_grad` emits the value and the
//! gradient as one straight-line body, so they share every common
//! subexpression (the reverse sweep reuses the primal nodes).

use super::{arg, args, body, vector, Target};
use crate::diff::Gradient;
use crate::ir::{Graph, NodeId};
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The `impl Loss` for the loss named `name`, or `impl DataLoss` when the
/// loss reads data of length `nd` (`Some`). A loss without a parameter
/// argument is implemented for every parameter count, with `grad_p = 0`.
pub fn loss_impl(
    g: &Graph,
    d: &Gradient,
    name: &Ident,
    tg: &Target,
    has_p: bool,
    nd: Option<usize>,
) -> TokenStream {
    let (krate, fty) = (tg.krate, tg.float.tokens());
    let n = tg.n;
    let nl = super::lit(n);
    let vec_n = quote!(#krate::nalgebra::SVector<#fty, #nl>);
    let (generics, np_ty) = if has_p {
        let npl = super::lit(tg.np);
        (TokenStream::new(), quote!(#npl))
    } else {
        (quote!(<const NP: usize>), quote!(NP))
    };
    let vec_p = quote!(#krate::nalgebra::SVector<#fty, #np_ty>);
    // A loss without `p` has no parameter nodes: its gradient is the zero
    // vector of whatever length the impl is instantiated at.
    let p_vector = |elems: &[TokenStream]| {
        if has_p {
            vector(tg, tg.np, elems)
        } else {
            quote!(#krate::nalgebra::SVector::<#fty, NP>::zeros())
        }
    };
    // The data argument, last, when there is one; the trait differs only by
    // it and its length parameter.
    let data_arg = |used: bool| match nd {
        Some(m) => {
            let (x, ml) = (arg("data", used), super::lit(m));
            quote!(, #x: &#krate::nalgebra::SVector<#fty, #ml>)
        }
        None => TokenStream::new(),
    };
    let trait_ = match nd {
        Some(m) => {
            let ml = super::lit(m);
            quote!(#krate::loss::DataLoss<#fty, #nl, #np_ty, #ml>)
        }
        None => quote!(#krate::Loss<#fty, #nl, #np_ty>),
    };

    let value = body(g, tg, &[Some(d.value)]);
    let (v_lets, v_out) = (&value.lets, &value.outs[0]);
    let [t0, y0, p0] = args(&value.used);
    let d0 = data_arg(value.used.data);

    let gy = body(g, tg, &d.y);
    let (gy_lets, gy_out) = (&gy.lets, vector(tg, n, &gy.outs));
    let [t1, y1, p1] = args(&gy.used);
    let d1 = data_arg(gy.used.data);

    let gp = body(g, tg, &d.p);
    let (gp_lets, gp_out) = (&gp.lets, p_vector(&gp.outs));
    let [t2, y2, p2] = args(&gp.used);
    let d2 = data_arg(gp.used.data);

    let all: Vec<Option<NodeId>> = [Some(d.value)]
        .into_iter()
        .chain(d.y.iter().copied())
        .chain(d.p.iter().copied())
        .collect();
    let vg = body(g, tg, &all);
    let vg_lets = &vg.lets;
    let vg_value = &vg.outs[0];
    let vg_y = vector(tg, n, &vg.outs[1..=n]);
    let vg_p = p_vector(&vg.outs[n + 1..]);
    let [t3, y3, p3] = args(&vg.used);
    let d3 = data_arg(vg.used.data);

    quote! {
        impl #generics #trait_ for #name {
            #[inline]
            fn value(&self, #t0: #fty, #y0: &#vec_n, #p0: &#vec_p #d0) -> #fty {
                #v_lets
                #v_out
            }

            #[inline]
            fn value_and_grad(&self, #t3: #fty, #y3: &#vec_n, #p3: &#vec_p #d3)
                -> (#fty, #vec_n, #vec_p) {
                #vg_lets
                (#vg_value, #vg_y, #vg_p)
            }

            #[inline]
            fn grad_y(&self, #t1: #fty, #y1: &#vec_n, #p1: &#vec_p #d1) -> #vec_n {
                #gy_lets
                #gy_out
            }

            #[inline]
            fn grad_p(&self, #t2: #fty, #y2: &#vec_n, #p2: &#vec_p #d2) -> #vec_p {
                #gp_lets
                #gp_out
            }
        }
    }
}
