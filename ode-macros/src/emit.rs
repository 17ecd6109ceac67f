//! The graph → Rust: the `OdeSystem` implementation (and, in `loss`, the
//! `Loss` implementation of `#[differentiable]`).
//!
//! Each trait method is straight-line code: the nodes its outputs reach, in
//! topological order, one `let` per node, with constants and inputs inlined.
//! Nodes no output reaches are not emitted (dead-node removal), structural
//! zeros are the literal `0.0`, and math goes through the runtime's `math`
//! module so the same expansion builds with std or with `libm`. All paths
//! are absolute (`::odegrad::…` unless `crate = …` says otherwise).

use crate::diff::Derivatives;
use crate::ir::{Binary, Cmp, Graph, Input, NodeId, Op, Unary};
use crate::signature::Float;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashMap;

// Explicit path: the expansion bench includes this file with `#[path]`.
#[path = "emit/loss.rs"]
mod loss;

pub use loss::loss_impl;

/// What the emitted code is for.
pub struct Target<'a> {
    pub krate: &'a TokenStream,
    pub float: Float,
    pub n: usize,
    pub np: usize,
}

/// Which inputs a method body reads.
#[derive(Default)]
struct Used {
    t: bool,
    y: bool,
    p: bool,
    v: bool,
    v_t: bool,
    w: bool,
    data: bool,
}

/// One method body: the `let`s and the output expressions.
struct Body {
    lets: TokenStream,
    outs: Vec<TokenStream>,
    used: Used,
}

/// The `impl OdeSystem` for the system named `name`.
pub fn system_impl(g: &Graph, d: &Derivatives, name: &Ident, tg: &Target) -> TokenStream {
    let (krate, fty) = (tg.krate, tg.float.tokens());
    let (n, np) = (tg.n, tg.np);
    let (nl, npl) = (lit(n), lit(np));
    let vec_n = quote!(#krate::nalgebra::SVector<#fty, #nl>);
    let vec_p = quote!(#krate::nalgebra::SVector<#fty, #npl>);
    let pattern = |rows: &[Vec<Option<NodeId>>]| {
        let rows = rows.iter().map(|r| {
            let r = r.iter().map(|e| e.is_some());
            quote!([#(#r),*])
        });
        quote!([#(#rows),*])
    };
    let (pat_y, pat_p) = (pattern(&d.jac_y), pattern(&d.jac_p));
    let depends_on_t = d.dfdt.iter().any(Option::is_some);

    let rhs = body(g, tg, &d.rhs.iter().copied().map(Some).collect::<Vec<_>>());
    let (rhs_lets, rhs_out, rhs_used) = (&rhs.lets, vector(tg, n, &rhs.outs), &rhs.used);
    let [t0, y0, p0] = args(rhs_used);

    let jy = body(g, tg, &d.jvp_y);
    let (jy_lets, jy_out) = (&jy.lets, vector(tg, n, &jy.outs));
    let [t1, y1, p1] = args(&jy.used);
    let v1 = arg("v", jy.used.v);

    let jp = body(g, tg, &d.jvp_p);
    let (jp_lets, jp_out) = (&jp.lets, vector(tg, n, &jp.outs));
    let [t2, y2, p2] = args(&jp.used);
    let v2 = arg("v", jp.used.v);

    let both: Vec<Option<NodeId>> = d.vjp_y.iter().chain(&d.vjp_p).copied().collect();
    let vj = body(g, tg, &both);
    let vj_lets = &vj.lets;
    let (vj_y, vj_p) = (vector(tg, n, &vj.outs[..n]), vector(tg, np, &vj.outs[n..]));
    let [t3, y3, p3] = args(&vj.used);
    let w3 = arg("w", vj.used.w);

    let flat_y: Vec<Option<NodeId>> = columns(&d.jac_y);
    let jy_m = body(g, tg, &flat_y);
    let (jym_lets, jym_out) = (&jy_m.lets, matrix(tg, n, n, &jy_m.outs));
    let [t4, y4, p4] = args(&jy_m.used);

    let flat_p: Vec<Option<NodeId>> = columns(&d.jac_p);
    let jp_m = body(g, tg, &flat_p);
    let (jpm_lets, jpm_out) = (&jp_m.lets, matrix(tg, n, np, &jp_m.outs));
    let [t5, y5, p5] = args(&jp_m.used);

    let dt = body(g, tg, &d.dfdt);
    let (dt_lets, dt_out) = (&dt.lets, vector(tg, n, &dt.outs));
    let [t6, y6, p6] = args(&dt.used);

    let second: Vec<Option<NodeId>> = d
        .vjp_jvp_y
        .iter()
        .chain(&d.vjp_jvp_p)
        .copied()
        .chain([d.vjp_jvp_t])
        .collect();
    let vv = body(g, tg, &second);
    let vv_lets = &vv.lets;
    let vv_y = vector(tg, n, &vv.outs[..n]);
    let vv_p = vector(tg, np, &vv.outs[n..n + np]);
    let vv_t = &vv.outs[n + np];
    let [t7, y7, p7] = args(&vv.used);
    let (v7, vt7, w7) = (
        arg("v", vv.used.v),
        arg("v_t", vv.used.v_t),
        arg("w", vv.used.w),
    );

    quote! {
        impl #krate::OdeSystem<#fty, #nl, #npl> for #name {
            const JAC_Y_PATTERN: [[bool; #nl]; #nl] = #pat_y;
            const JAC_P_PATTERN: [[bool; #npl]; #nl] = #pat_p;
            const DEPENDS_ON_T: bool = #depends_on_t;

            #[inline]
            fn rhs(&self, #t0: #fty, #y0: &#vec_n, #p0: &#vec_p) -> #vec_n {
                #rhs_lets
                #rhs_out
            }

            #[inline]
            fn jvp_y(&self, #t1: #fty, #y1: &#vec_n, #p1: &#vec_p, #v1: &#vec_n) -> #vec_n {
                #jy_lets
                #jy_out
            }

            #[inline]
            fn jvp_p(&self, #t2: #fty, #y2: &#vec_n, #p2: &#vec_p, #v2: &#vec_p) -> #vec_n {
                #jp_lets
                #jp_out
            }

            #[inline]
            fn vjp(&self, #t3: #fty, #y3: &#vec_n, #p3: &#vec_p, #w3: &#vec_n) -> (#vec_n, #vec_p) {
                #vj_lets
                (#vj_y, #vj_p)
            }

            #[inline]
            fn jac_y(&self, #t4: #fty, #y4: &#vec_n, #p4: &#vec_p)
                -> #krate::nalgebra::SMatrix<#fty, #nl, #nl> {
                #jym_lets
                #jym_out
            }

            #[inline]
            fn jac_p(&self, #t5: #fty, #y5: &#vec_n, #p5: &#vec_p)
                -> #krate::nalgebra::SMatrix<#fty, #nl, #npl> {
                #jpm_lets
                #jpm_out
            }

            #[inline]
            fn dfdt(&self, #t6: #fty, #y6: &#vec_n, #p6: &#vec_p) -> #vec_n {
                #dt_lets
                #dt_out
            }

            #[inline]
            fn vjp_jvp(
                &self,
                #t7: #fty,
                #y7: &#vec_n,
                #p7: &#vec_p,
                #v7: &#vec_n,
                #vt7: #fty,
                #w7: &#vec_n,
            ) -> (#vec_n, #vec_p, #fty) {
                #vv_lets
                (#vv_y, #vv_p, #vv_t)
            }
        }
    }
}

/// An unsuffixed integer literal (`2`, not `2usize`, in the expansion).
pub fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

/// Column-major flattening of a row-major matrix of entries.
fn columns(rows: &[Vec<Option<NodeId>>]) -> Vec<Option<NodeId>> {
    let ncols = rows.first().map_or(0, Vec::len);
    (0..ncols)
        .flat_map(|j| rows.iter().map(move |r| r[j]))
        .collect()
}

/// An argument name, `_`-prefixed when the body does not read it.
fn arg(name: &str, used: bool) -> Ident {
    if used {
        Ident::new(name, Span::call_site())
    } else {
        format_ident!("_{}", name)
    }
}

fn args(u: &Used) -> [Ident; 3] {
    [arg("t", u.t), arg("y", u.y), arg("p", u.p)]
}

fn vector(tg: &Target, len: usize, elems: &[TokenStream]) -> TokenStream {
    let (krate, fty, len) = (tg.krate, tg.float.tokens(), lit(len));
    quote! {
        #krate::nalgebra::SVector::<#fty, #len>::from_array_storage(
            #krate::nalgebra::ArrayStorage([[#(#elems),*]]))
    }
}

fn matrix(tg: &Target, rows: usize, cols: usize, colmajor: &[TokenStream]) -> TokenStream {
    let (krate, fty) = (tg.krate, tg.float.tokens());
    let cols_ts = colmajor
        .chunks(rows.max(1))
        .take(cols)
        .map(|c| quote!([#(#c),*]));
    let cols_ts: Vec<TokenStream> = if rows == 0 {
        (0..cols).map(|_| quote!([])).collect()
    } else {
        cols_ts.collect()
    };
    let (rl, cl) = (lit(rows), lit(cols));
    quote! {
        #krate::nalgebra::SMatrix::<#fty, #rl, #cl>::from_array_storage(
            #krate::nalgebra::ArrayStorage([#(#cols_ts),*]))
    }
}

/// The straight-line code computing `outs` (`None` is a literal zero).
fn body(g: &Graph, tg: &Target, outs: &[Option<NodeId>]) -> Body {
    let roots: Vec<NodeId> = outs.iter().flatten().copied().collect();
    let live = g.live(&roots);
    let mut names: HashMap<NodeId, Ident> = HashMap::new();
    let mut used = Used::default();
    let mut lets = TokenStream::new();
    let e = Emitter { g, tg };
    for (id, _) in live.iter().enumerate().filter(|(_, l)| **l) {
        let id = id as NodeId;
        match g.op(id) {
            Op::Input(i) => match i {
                Input::T => used.t = true,
                Input::Y(_) => used.y = true,
                Input::P(_) => used.p = true,
                Input::Vy(_) | Input::Vp(_) => used.v = true,
                Input::Vt => used.v_t = true,
                Input::W(_) => used.w = true,
                Input::D(_) => used.data = true,
            },
            Op::Const(_) | Op::Bool(_) => {}
            op => {
                let name = format_ident!("n{}", names.len());
                let value = e.op(op, &names);
                lets.extend(quote!(let #name = #value;));
                names.insert(id, name);
            }
        }
    }
    let mut prelude = TokenStream::new();
    let inputs = [
        (used.y, "y"),
        (used.p, "p"),
        (used.v, "v"),
        (used.w, "w"),
        (used.data, "data"),
    ];
    for (flag, x) in inputs {
        if flag {
            let x = Ident::new(x, Span::call_site());
            prelude.extend(quote!(let #x = &#x.data.0[0];));
        }
    }
    prelude.extend(lets);
    let zero = e.literal(0.0);
    let outs = outs
        .iter()
        .map(|o| o.map_or_else(|| zero.clone(), |id| e.atom(id, &names)))
        .collect();
    Body {
        lets: prelude,
        outs,
        used,
    }
}

struct Emitter<'a> {
    g: &'a Graph,
    tg: &'a Target<'a>,
}

impl Emitter<'_> {
    /// A node as an operand: its name, literal, or input access.
    fn atom(&self, id: NodeId, names: &HashMap<NodeId, Ident>) -> TokenStream {
        if let Some(n) = names.get(&id) {
            return quote!(#n);
        }
        match self.g.op(id) {
            Op::Const(bits) => self.literal(f64::from_bits(bits)),
            Op::Bool(b) => quote!(#b),
            Op::Input(i) => {
                let (x, k) = match i {
                    Input::T => return quote!(t),
                    Input::Vt => return quote!(v_t),
                    Input::Y(k) => ("y", k),
                    Input::P(k) => ("p", k),
                    Input::Vy(k) | Input::Vp(k) => ("v", k),
                    Input::W(k) => ("w", k),
                    Input::D(k) => ("data", k),
                };
                let x = Ident::new(x, Span::call_site());
                let k = Literal::usize_unsuffixed(k as usize);
                quote!(#x[#k])
            }
            // Unreachable for a live node in topological order; emit a
            // compile error rather than panicking.
            _ => quote!(::core::compile_error!("odegrad: node emitted out of order")),
        }
    }

    fn op(&self, op: Op, names: &HashMap<NodeId, Ident>) -> TokenStream {
        let a = |id: NodeId| self.atom(id, names);
        let krate = self.tg.krate;
        let fty = self.tg.float.tokens();
        match op {
            Op::Unary(Unary::Neg, x) => {
                let x = a(x);
                quote!(-#x)
            }
            Op::Unary(u, x) => {
                let f = Ident::new(unary_name(u), Span::call_site());
                let x = a(x);
                quote!(#krate::math::#f(#x))
            }
            Op::Binary(b, x, y) => {
                let (x, y) = (a(x), a(y));
                match b {
                    Binary::Add => quote!(#x + #y),
                    Binary::Sub => quote!(#x - #y),
                    Binary::Mul => quote!(#x * #y),
                    Binary::Div => quote!(#x / #y),
                    Binary::Powf => quote!(#krate::math::powf(#x, #y)),
                    Binary::Atan2 => quote!(#krate::math::atan2(#x, #y)),
                    Binary::Hypot => quote!(#krate::math::hypot(#x, #y)),
                    Binary::Min => quote!(#fty::min(#x, #y)),
                    Binary::Max => quote!(#fty::max(#x, #y)),
                }
            }
            Op::Powi(x, n) => {
                let x = a(x);
                match n {
                    2 => quote!(#x * #x),
                    -1 => {
                        let one = self.literal(1.0);
                        quote!(#one / #x)
                    }
                    _ => quote!(#krate::math::powi(#x, #n)),
                }
            }
            Op::Cmp(c, x, y) => {
                let (x, y) = (a(x), a(y));
                match c {
                    Cmp::Lt => quote!(#x < #y),
                    Cmp::Le => quote!(#x <= #y),
                    Cmp::Gt => quote!(#x > #y),
                    Cmp::Ge => quote!(#x >= #y),
                    Cmp::Eq => quote!(#x == #y),
                    Cmp::Ne => quote!(#x != #y),
                }
            }
            Op::And(x, y) => {
                let (x, y) = (a(x), a(y));
                quote!(#x && #y)
            }
            Op::Or(x, y) => {
                let (x, y) = (a(x), a(y));
                quote!(#x || #y)
            }
            Op::Not(x) => {
                let x = a(x);
                quote!(!#x)
            }
            Op::Select(c, x, y) => {
                let (c, x, y) = (a(c), a(x), a(y));
                quote!(if #c { #x } else { #y })
            }
            Op::Const(_) | Op::Input(_) | Op::Bool(_) => quote!(),
        }
    }

    /// A float literal of the system's type, exact (round-trip) formatting;
    /// named constants for values clippy would flag as approximations.
    fn literal(&self, v: f64) -> TokenStream {
        let (fty, name) = (self.tg.float.tokens(), self.tg.float.name());
        if v.is_nan() {
            return quote!(#fty::NAN);
        }
        if v.is_infinite() {
            return if v > 0.0 {
                quote!(#fty::INFINITY)
            } else {
                quote!(#fty::NEG_INFINITY)
            };
        }
        let sign = if v.is_sign_negative() {
            quote!(-)
        } else {
            quote!()
        };
        let m = v.abs();
        if let Some(c) = named_constant(m, self.tg.float) {
            let c = Ident::new(c, Span::call_site());
            return quote!(#sign ::core::#fty::consts::#c);
        }
        let text = match self.tg.float {
            Float::F64 => format!("{m:?}_{name}"),
            Float::F32 => format!("{:?}_{name}", m as f32),
        };
        let lit = text
            .parse::<Literal>()
            .unwrap_or_else(|_| Literal::f64_suffixed(m));
        quote!(#sign #lit)
    }
}

fn named_constant(v: f64, f: Float) -> Option<&'static str> {
    use std::f64::consts as c;
    let table = [
        (c::PI, "PI"),
        (c::TAU, "TAU"),
        (c::E, "E"),
        (c::LN_2, "LN_2"),
        (c::LN_10, "LN_10"),
        (c::SQRT_2, "SQRT_2"),
        (c::FRAC_1_SQRT_2, "FRAC_1_SQRT_2"),
        (c::FRAC_PI_2, "FRAC_PI_2"),
        (c::FRAC_PI_3, "FRAC_PI_3"),
        (c::FRAC_PI_4, "FRAC_PI_4"),
        (c::FRAC_PI_6, "FRAC_PI_6"),
        (c::FRAC_PI_8, "FRAC_PI_8"),
        (c::FRAC_1_PI, "FRAC_1_PI"),
        (c::FRAC_2_PI, "FRAC_2_PI"),
        (c::FRAC_2_SQRT_PI, "FRAC_2_SQRT_PI"),
        (c::LOG2_E, "LOG2_E"),
        (c::LOG10_E, "LOG10_E"),
        (c::LOG2_10, "LOG2_10"),
        (c::LOG10_2, "LOG10_2"),
    ];
    table.iter().find_map(|&(k, name)| {
        let hit = match f {
            Float::F64 => k.to_bits() == v.to_bits(),
            Float::F32 => (k as f32).to_bits() == (v as f32).to_bits(),
        };
        hit.then_some(name)
    })
}

fn unary_name(u: Unary) -> &'static str {
    match u {
        Unary::Neg => "neg",
        Unary::Sin => "sin",
        Unary::Cos => "cos",
        Unary::Tan => "tan",
        Unary::Asin => "asin",
        Unary::Acos => "acos",
        Unary::Atan => "atan",
        Unary::Sinh => "sinh",
        Unary::Cosh => "cosh",
        Unary::Tanh => "tanh",
        Unary::Exp => "exp",
        Unary::Exp2 => "exp2",
        Unary::Ln => "ln",
        Unary::Log10 => "log10",
        Unary::Log2 => "log2",
        Unary::Sqrt => "sqrt",
        Unary::Cbrt => "cbrt",
        Unary::Abs => "abs",
    }
}

/// The number of arithmetic operations (every emitted `let`) needed for `outs`.
#[allow(dead_code)] // for the tests and the expansion bench
pub fn op_count(g: &Graph, outs: &[Option<NodeId>]) -> usize {
    let roots: Vec<NodeId> = outs.iter().flatten().copied().collect();
    g.live(&roots)
        .iter()
        .enumerate()
        .filter(|&(id, &l)| {
            l && !matches!(
                g.op(id as NodeId),
                Op::Input(_) | Op::Const(_) | Op::Bool(_)
            )
        })
        .count()
}
