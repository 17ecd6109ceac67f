//! The attribute's options and the vector field's signature.
//!
//! `#[ode_system(name = Foo, crate = ::path)]` on
//! `fn f(t: F, y: &[F; N], p: &[F; P]) -> [F; N]` with `F` one of `f32`,
//! `f64` and `N`, `P` integer literals. Everything else is rejected with a
//! message naming what is accepted.

use crate::error::{Errors, Sp};
use proc_macro2::{Ident, TokenStream};
use quote::{quote, ToTokens};
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

/// The scalar type of a system.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Float {
    F32,
    F64,
}

impl Float {
    /// The Rust name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Float::F32 => "f32",
            Float::F64 => "f64",
        }
    }

    /// The type as tokens.
    pub fn tokens(self) -> TokenStream {
        match self {
            Float::F32 => quote!(f32),
            Float::F64 => quote!(f64),
        }
    }
}

/// The attribute's options.
pub struct Options {
    /// `name = Foo`: the generated type's name.
    pub name: Option<Ident>,
    /// `crate = path`: where the runtime is found (default `::odegrad`).
    pub krate: TokenStream,
}

/// Parses `name = Foo, crate = path`, recording errors for anything else.
pub fn parse_options(attr: TokenStream, errs: &mut Errors) -> Options {
    let mut opts = Options {
        name: None,
        krate: quote!(::odegrad),
    };
    let mut seen_crate = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            if opts.name.is_some() {
                return Err(meta.error("duplicate option `name`"));
            }
            opts.name = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("crate") {
            if seen_crate {
                return Err(meta.error("duplicate option `crate`"));
            }
            seen_crate = true;
            let path: syn::Path = meta.value()?.parse()?;
            opts.krate = path.to_token_stream();
        } else {
            let shown = meta.path.to_token_stream().to_string().replace(' ', "");
            return Err(meta.error(format!(
                "unknown #[ode_system] option `{shown}`; the options are `name = TypeName` and \
                 `crate = path::to::odegrad`"
            )));
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        errs.push_error(e);
    }
    opts
}

/// The parsed signature.
pub struct Signature {
    pub float: Float,
    /// Name of the time argument (`None` for `_`).
    pub t: Option<Ident>,
    pub y: Option<Ident>,
    pub p: Option<Ident>,
    /// Number of states.
    pub n: usize,
    /// Number of parameters.
    pub np: usize,
}

const EXPECTED: &str =
    "expected the signature `fn name(t: f64, y: &[f64; N], p: &[f64; P]) -> [f64; N]` \
     (or with f32), with N and P integer literals";

/// Checks the signature, recording every problem.
pub fn parse_signature(f: &ItemFn, errs: &mut Errors) -> Option<Signature> {
    let sig = &f.sig;
    let before = errs.count();
    let qualifiers: [(Option<Sp>, &str); 4] = [
        (sig.constness.as_ref().map(Sp::of), "const"),
        (sig.asyncness.as_ref().map(Sp::of), "async"),
        (sig.unsafety.as_ref().map(Sp::of), "unsafe"),
        (sig.abi.as_ref().map(Sp::of), "extern"),
    ];
    for (sp, what) in qualifiers {
        if let Some(sp) = sp {
            errs.push(sp, format!("#[ode_system] cannot be applied to an `{what}` fn; the vector field must be a plain `fn`"));
        }
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errs.push(
            Sp::of(&sig.generics),
            "generic vector fields are not supported; write the scalar type as `f64` or `f32`",
        );
    }
    if let Some(v) = &sig.variadic {
        errs.push(Sp::of(v), "variadic arguments are not supported");
    }
    if sig.inputs.len() != 3 {
        errs.push(
            Sp::of(&sig.inputs).to(Sp::single(sig.paren_token.span.close())),
            format!(
                "the vector field takes 3 arguments, found {}; {EXPECTED}",
                sig.inputs.len()
            ),
        );
        return None;
    }
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    let mut float = None;
    let t = scalar_arg(args[0], &mut float, errs);
    let (y, n) = array_arg(args[1], "y", &mut float, errs);
    let (p, np) = array_arg(args[2], "p", &mut float, errs);
    let ret = match &sig.output {
        ReturnType::Default => {
            errs.push(
                Sp::of(&sig.ident),
                format!("missing return type `-> [f64; N]`; {EXPECTED}"),
            );
            None
        }
        ReturnType::Type(_, ty) => array_type(ty, &mut float, errs).map(|n| (n, Sp::of(ty))),
    };
    if let (Some(n), Some((rn, sp))) = (n, ret) {
        if n != rn {
            errs.push(
                sp,
                format!("the return type has length {rn} but the state `y` has length {n}; a vector field returns one derivative per state"),
            );
        }
    }
    if errs.count() > before {
        return None;
    }
    Some(Signature {
        float: float.unwrap_or(Float::F64),
        t: t.flatten(),
        y: y.flatten(),
        p: p.flatten(),
        n: n.unwrap_or(0),
        np: np.unwrap_or(0),
    })
}

/// The binding of an argument: `Some(Some(ident))`, `Some(None)` for `_`.
fn arg_pat(pat: &Pat, errs: &mut Errors) -> Option<Option<Ident>> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            if let Some(m) = &p.mutability {
                errs.push(Sp::of(m), "arguments of a vector field cannot be `mut`");
            }
            Some(Some(p.ident.clone()))
        }
        Pat::Wild(_) => Some(None),
        other => {
            errs.push(
                Sp::of(other),
                "expected an identifier or `_` as the argument pattern",
            );
            None
        }
    }
}

fn typed(arg: &FnArg, errs: &mut Errors) -> Option<(Option<Option<Ident>>, Type)> {
    match arg {
        FnArg::Receiver(r) => {
            errs.push(
                Sp::of(r),
                format!("a vector field cannot take `self`; {EXPECTED}"),
            );
            None
        }
        FnArg::Typed(pt) => Some((arg_pat(&pt.pat, errs), (*pt.ty).clone())),
    }
}

fn scalar_arg(arg: &FnArg, float: &mut Option<Float>, errs: &mut Errors) -> Option<Option<Ident>> {
    let (pat, ty) = typed(arg, errs)?;
    scalar_type(&ty, float, errs)?;
    pat
}

fn array_arg(
    arg: &FnArg,
    which: &str,
    float: &mut Option<Float>,
    errs: &mut Errors,
) -> (Option<Option<Ident>>, Option<usize>) {
    let Some((pat, ty)) = typed(arg, errs) else {
        return (None, None);
    };
    let Type::Reference(r) = &ty else {
        errs.push(
            Sp::of(&ty),
            format!("expected `&[{}; N]` for `{which}`; the state and parameters are passed by shared reference", float.unwrap_or(Float::F64).name()),
        );
        return (pat, None);
    };
    if let Some(m) = &r.mutability {
        errs.push(
            Sp::of(m).to(Sp::of(&r.elem)),
            format!("`{which}` must be a shared reference `&[f64; N]`: the vector field returns its derivative and cannot modify its inputs"),
        );
    }
    if let Some(l) = &r.lifetime {
        errs.push(
            Sp::of(l),
            "explicit lifetimes are not supported here; write `&[f64; N]`",
        );
    }
    (pat, array_type(&r.elem, float, errs))
}

fn array_type(ty: &Type, float: &mut Option<Float>, errs: &mut Errors) -> Option<usize> {
    let Type::Array(a) = ty else {
        errs.push(
            Sp::of(ty),
            format!("expected an array type `[f64; N]`; {EXPECTED}"),
        );
        return None;
    };
    scalar_type(&a.elem, float, errs);
    match &a.len {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => match i.base10_parse::<usize>() {
            Ok(v) if v <= 4096 => Some(v),
            _ => {
                errs.push(
                    Sp::of(i),
                    "array length must be an integer between 0 and 4096",
                );
                None
            }
        },
        other => {
            errs.push(
                Sp::of(other),
                "array length must be an integer literal such as `3`: the macro needs the dimension while it expands, before constants and generics are resolved",
            );
            None
        }
    }
}

fn scalar_type(ty: &Type, float: &mut Option<Float>, errs: &mut Errors) -> Option<Float> {
    let found = match ty {
        Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("f64") => Some(Float::F64),
        Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("f32") => Some(Float::F32),
        _ => None,
    };
    match (found, *float) {
        (None, _) => {
            errs.push(
                Sp::of(ty),
                "expected `f64` or `f32`: vector fields are written for one concrete float type",
            );
            None
        }
        (Some(f), None) => {
            *float = Some(f);
            Some(f)
        }
        (Some(f), Some(g)) if f != g => {
            errs.push(
                Sp::of(ty),
                format!("expected `{}`: every argument and the result use the same float type as the first argument", g.name()),
            );
            None
        }
        (Some(f), Some(_)) => Some(f),
    }
}

/// The CamelCase type name for a snake_case function name.
pub fn camel_case(ident: &Ident) -> Ident {
    let s = ident.to_string();
    let mut out = String::with_capacity(s.len());
    let mut upper = true;
    for ch in s.trim_start_matches("r#").chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    // A type name must start with a letter (`fn _2d` gives `System2d`).
    if !out.starts_with(|c: char| c.is_alphabetic()) {
        out.insert_str(0, "System");
    }
    Ident::new(&out, ident.span())
}
