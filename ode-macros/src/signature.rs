//! The attribute's options and the function's signature.
//!
//! `#[ode_system(name = Foo, crate = ::path)]` on a vector field
//! `fn f(t: F, y: &[F; N], p: &[F; P]) -> [F; N]`, and `#[differentiable]`
//! (same options) on a loss `fn l(t: F, y: &[F; N]) -> F` or
//! `fn l(t: F, y: &[F; N], p: &[F; P]) -> F`, with `F` one of `f32`, `f64`
//! and `N`, `P` integer literals. `#[differentiable(data = obs)]` adds a last
//! argument `obs: &[F; M]`, observed data the loss reads but is not
//! differentiated in. Both attributes share this layer; [`Kind`]
//! says which signature is expected and words the messages. Everything else
//! is rejected with a message naming what is accepted.

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

/// Which attribute is expanded: the function it applies to and its result.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// `#[ode_system]`: a vector field returning `[F; N]`.
    OdeSystem,
    /// `#[differentiable]`: a scalar loss returning `F`.
    Differentiable,
}

impl Kind {
    /// The attribute as the user writes it, for messages.
    pub fn attr(self) -> &'static str {
        match self {
            Kind::OdeSystem => "#[ode_system]",
            Kind::Differentiable => "#[differentiable]",
        }
    }

    /// What the function is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::OdeSystem => "vector field",
            Kind::Differentiable => "loss",
        }
    }

    /// The plural of [`Kind::noun`].
    pub fn nouns(self) -> &'static str {
        match self {
            Kind::OdeSystem => "vector fields",
            Kind::Differentiable => "losses",
        }
    }

    /// The accepted signature, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::OdeSystem => {
                "expected the signature `fn name(t: f64, y: &[f64; N], p: &[f64; P]) -> [f64; N]` \
                 (or with f32), with N and P integer literals"
            }
            Kind::Differentiable => {
                "expected the signature `fn name(t: f64, y: &[f64; N]) -> f64` or \
                 `fn name(t: f64, y: &[f64; N], p: &[f64; P]) -> f64` (or with f32), with N and P \
                 integer literals"
            }
        }
    }
}

/// What the function returns.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Output {
    /// `[F; N]`: one value per state.
    Array(usize),
    /// `F`: one scalar.
    Scalar,
}

/// The attribute's options.
pub struct Options {
    /// `name = Foo`: the generated type's name.
    pub name: Option<Ident>,
    /// `crate = path`: where the runtime is found (default `::odegrad`).
    pub krate: TokenStream,
    /// `data = obs` (`#[differentiable]` only): the argument holding the
    /// observed data, an input that is not differentiated.
    pub data: Option<Ident>,
}

/// Parses `name = Foo, crate = path` (and, for a loss, `data = arg`),
/// recording errors for anything else.
///
/// A duplicate option or `data` on a vector field is recorded and parsing
/// goes on, so those errors come together with the rest; an unknown option
/// stops it, since the shape of its value is unknown.
pub fn parse_options(kind: Kind, attr: TokenStream, errs: &mut Errors) -> Options {
    let mut opts = Options {
        name: None,
        krate: quote!(::odegrad),
        data: None,
    };
    let mut seen_crate = false;
    let mut found = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            let name: Ident = meta.value()?.parse()?;
            if opts.name.is_some() {
                found.push(meta.error("duplicate option `name`"));
            }
            opts.name = Some(name);
        } else if meta.path.is_ident("crate") {
            let path: syn::Path = meta.value()?.parse()?;
            if seen_crate {
                found.push(meta.error("duplicate option `crate`"));
            }
            seen_crate = true;
            opts.krate = path.to_token_stream();
        } else if meta.path.is_ident("data") {
            let arg: Ident = meta.value()?.parse()?;
            match kind {
                Kind::OdeSystem => found.push(meta.error(
                    "`data` is an option of `#[differentiable]`, for a loss compared with \
                     observed data; a vector field takes no data argument (pass fixed inputs \
                     as parameters `p` or as `const` items). The options of #[ode_system] are \
                     `name = TypeName` and `crate = path::to::odegrad`",
                )),
                Kind::Differentiable if opts.data.is_some() => {
                    found.push(meta.error("duplicate option `data`"));
                }
                Kind::Differentiable => opts.data = Some(arg),
            }
        } else {
            let shown = meta.path.to_token_stream().to_string().replace(' ', "");
            let options = match kind {
                Kind::OdeSystem => {
                    "the options are `name = TypeName` and `crate = path::to::odegrad`"
                }
                Kind::Differentiable => {
                    "the options are `name = TypeName`, `crate = path::to::odegrad` and \
                     `data = argument`"
                }
            };
            return Err(meta.error(format!(
                "unknown {} option `{shown}`; {options}",
                kind.attr()
            )));
        }
        Ok(())
    });
    let result = syn::parse::Parser::parse2(parser, attr);
    for e in found {
        errs.push_error(e);
    }
    if let Err(e) = result {
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
    /// Number of parameters (0 when the function takes none).
    pub np: usize,
    /// Whether the function takes a parameter argument (a loss may not).
    pub has_p: bool,
    /// The data argument's name (`data = obs`), if the loss has one.
    pub data: Option<Ident>,
    /// Length of the data (0 without data).
    pub nd: usize,
    /// What the function returns.
    pub output: Output,
}

/// Checks the signature of a function for `kind`, recording every problem.
/// `data` is the argument named by a loss's `data = …` option.
pub fn parse_signature(
    kind: Kind,
    f: &ItemFn,
    data: Option<&Ident>,
    errs: &mut Errors,
) -> Option<Signature> {
    let sig = &f.sig;
    let expected = match data {
        Some(d) => format!(
            "expected the signature `fn name(t: f64, y: &[f64; N], {d}: &[f64; M]) -> f64` or \
             `fn name(t: f64, y: &[f64; N], p: &[f64; P], {d}: &[f64; M]) -> f64` (or with \
             f32), with N, P and M integer literals"
        ),
        None => kind.expected().to_string(),
    };
    let (noun, attr) = (kind.noun(), kind.attr());
    let before = errs.count();
    let qualifiers: [(Option<Sp>, &str); 4] = [
        (sig.constness.as_ref().map(Sp::of), "const"),
        (sig.asyncness.as_ref().map(Sp::of), "async"),
        (sig.unsafety.as_ref().map(Sp::of), "unsafe"),
        (sig.abi.as_ref().map(Sp::of), "extern"),
    ];
    for (sp, what) in qualifiers {
        if let Some(sp) = sp {
            errs.push(
                sp,
                format!(
                    "{attr} cannot be applied to an `{what}` fn; the {noun} must be a plain `fn`"
                ),
            );
        }
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errs.push(
            Sp::of(&sig.generics),
            format!(
                "generic {} are not supported; write the scalar type as `f64` or `f32`",
                kind.nouns()
            ),
        );
    }
    if let Some(v) = &sig.variadic {
        errs.push(Sp::of(v), "variadic arguments are not supported");
    }
    if let Some(d) = data {
        data_position(sig, d, errs);
    }
    // The data argument, if any, is the last one; the others are read as
    // without data.
    let without_data = sig.inputs.len().saturating_sub(usize::from(data.is_some()));
    let arity_ok = match kind {
        Kind::OdeSystem => sig.inputs.len() == 3,
        Kind::Differentiable => matches!(without_data, 2 | 3),
    };
    if !arity_ok {
        let takes = match (kind, data) {
            (Kind::OdeSystem, _) => "3 arguments".to_string(),
            (Kind::Differentiable, None) => "2 or 3 arguments".to_string(),
            (Kind::Differentiable, Some(d)) => format!("3 or 4 arguments with `data = {d}`"),
        };
        // A fourth argument is most likely observed data without the option.
        let hint = match (kind, data, sig.inputs.last()) {
            (Kind::Differentiable, None, Some(FnArg::Typed(last))) if sig.inputs.len() == 4 => {
                let name = last.pat.to_token_stream().to_string();
                format!(
                    "; if `{name}` holds observed data, name it in the attribute: \
                     `#[differentiable(data = {name})]`"
                )
            }
            _ => String::new(),
        };
        errs.push(
            Sp::of(&sig.inputs).to(Sp::single(sig.paren_token.span.close())),
            format!(
                "the {noun} takes {takes}, found {}; {expected}{hint}",
                sig.inputs.len()
            ),
        );
        return None;
    }
    let mut args: Vec<&FnArg> = sig.inputs.iter().collect();
    let data_arg = if data.is_some() { args.pop() } else { None };
    let mut float = None;
    let t = scalar_arg(kind, args[0], &mut float, errs);
    let (y, n) = array_arg(kind, args[1], "y", "N", &mut float, errs);
    let (p, np) = match args.get(2) {
        Some(arg) => array_arg(kind, arg, "p", "P", &mut float, errs),
        None => (Some(None), Some(0)),
    };
    let (d, nd) = match (data_arg, data) {
        (Some(arg), Some(name)) => array_arg(kind, arg, &name.to_string(), "M", &mut float, errs),
        _ => (Some(None), Some(0)),
    };
    let output = match (&sig.output, kind) {
        (ReturnType::Default, _) => {
            let ret = match kind {
                Kind::OdeSystem => "[f64; N]",
                Kind::Differentiable => "f64",
            };
            errs.push(
                Sp::of(&sig.ident),
                format!("missing return type `-> {ret}`; {expected}"),
            );
            None
        }
        (ReturnType::Type(_, ty), Kind::OdeSystem) => {
            array_type(kind, ty, &mut float, errs).map(|n| (Output::Array(n), Sp::of(ty)))
        }
        (ReturnType::Type(_, ty), Kind::Differentiable) => {
            loss_return(ty, &mut float, errs).map(|()| (Output::Scalar, Sp::of(ty)))
        }
    };
    if let (Some(n), Some((Output::Array(rn), sp))) = (n, output) {
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
        has_p: args.len() == 3,
        data: d.flatten(),
        nd: nd.unwrap_or(0),
        output: output.map_or(Output::Scalar, |(o, _)| o),
    })
}

/// Checks that `data = d` names the last argument, reporting at the
/// option's `d` what it names otherwise.
fn data_position(sig: &syn::Signature, d: &Ident, errs: &mut Errors) {
    let named = |arg: &FnArg| match arg {
        FnArg::Typed(pt) => matches!(&*pt.pat, Pat::Ident(p) if p.ident == *d),
        FnArg::Receiver(_) => false,
    };
    let len = sig.inputs.len();
    match sig.inputs.iter().position(named) {
        Some(i) if i + 1 == len => {}
        Some(i) => {
            let role = match i {
                0 => "the time argument",
                1 => "the state argument, which the loss is differentiated in",
                2 => "the parameter argument, which the loss is differentiated in",
                _ => "an argument before the last",
            };
            errs.push(
                Sp::of(d),
                format!(
                    "`data = {d}` names {role}; the data are a last, separate argument: \
                     `fn name(t, y, obs: &[f64; M])` or `fn name(t, y, p, obs: &[f64; M])` \
                     with `data = obs`"
                ),
            );
        }
        None => errs.push(
            Sp::of(d),
            format!(
                "`data = {d}` names no argument of the loss; the data are its last argument: \
                 `fn name(t, y, {d}: &[f64; M])` or `fn name(t, y, p, {d}: &[f64; M])`"
            ),
        ),
    }
}

/// The result type of a loss: the scalar type, with a specific message for
/// the mistakes a user coming from vector fields makes (an array, a tuple).
fn loss_return(ty: &Type, float: &mut Option<Float>, errs: &mut Errors) -> Option<()> {
    let shown = float.unwrap_or(Float::F64).name();
    match ty {
        Type::Array(_) | Type::Tuple(_) | Type::Slice(_) | Type::Reference(_) => {
            errs.push(
                Sp::of(ty),
                format!(
                    "a loss returns one scalar `{shown}`: `#[differentiable]` differentiates a \
                     scalar function; sum the terms (or return a vector field with \
                     `#[ode_system]`)"
                ),
            );
            None
        }
        _ => scalar_type(Kind::Differentiable, ty, float, errs).map(|_| ()),
    }
}

/// The binding of an argument: `Some(Some(ident))`, `Some(None)` for `_`.
fn arg_pat(kind: Kind, pat: &Pat, errs: &mut Errors) -> Option<Option<Ident>> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            if let Some(m) = &p.mutability {
                errs.push(
                    Sp::of(m),
                    format!("arguments of a {} cannot be `mut`", kind.noun()),
                );
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

fn typed(kind: Kind, arg: &FnArg, errs: &mut Errors) -> Option<(Option<Option<Ident>>, Type)> {
    match arg {
        FnArg::Receiver(r) => {
            errs.push(
                Sp::of(r),
                format!("a {} cannot take `self`; {}", kind.noun(), kind.expected()),
            );
            None
        }
        FnArg::Typed(pt) => Some((arg_pat(kind, &pt.pat, errs), (*pt.ty).clone())),
    }
}

fn scalar_arg(
    kind: Kind,
    arg: &FnArg,
    float: &mut Option<Float>,
    errs: &mut Errors,
) -> Option<Option<Ident>> {
    let (pat, ty) = typed(kind, arg, errs)?;
    scalar_type(kind, &ty, float, errs)?;
    pat
}

/// An array argument `which: &[F; len]` (`len` is the length's name in
/// messages: `N`, `P` or `M`).
fn array_arg(
    kind: Kind,
    arg: &FnArg,
    which: &str,
    len: &str,
    float: &mut Option<Float>,
    errs: &mut Errors,
) -> (Option<Option<Ident>>, Option<usize>) {
    let Some((pat, ty)) = typed(kind, arg, errs) else {
        return (None, None);
    };
    let f = float.unwrap_or(Float::F64).name();
    let Type::Reference(r) = &ty else {
        let passed = if len == "M" {
            "the data are passed by shared reference, as an array of numbers"
        } else {
            "the state and parameters are passed by shared reference"
        };
        errs.push(
            Sp::of(&ty),
            format!("expected `&[{f}; {len}]` for `{which}`; {passed}"),
        );
        return (pat, None);
    };
    if let Some(m) = &r.mutability {
        errs.push(
            Sp::of(m).to(Sp::of(&r.elem)),
            match kind {
                Kind::OdeSystem => format!("`{which}` must be a shared reference `&[f64; {len}]`: the vector field returns its derivative and cannot modify its inputs"),
                Kind::Differentiable => format!("`{which}` must be a shared reference `&[f64; {len}]`: the loss returns its value and cannot modify its inputs"),
            },
        );
    }
    if let Some(l) = &r.lifetime {
        errs.push(
            Sp::of(l),
            "explicit lifetimes are not supported here; write `&[f64; N]`",
        );
    }
    (pat, array_type(kind, &r.elem, float, errs))
}

fn array_type(
    kind: Kind,
    ty: &Type,
    float: &mut Option<Float>,
    errs: &mut Errors,
) -> Option<usize> {
    let Type::Array(a) = ty else {
        errs.push(
            Sp::of(ty),
            format!("expected an array type `[f64; N]`; {}", kind.expected()),
        );
        return None;
    };
    scalar_type(kind, &a.elem, float, errs);
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

fn scalar_type(
    kind: Kind,
    ty: &Type,
    float: &mut Option<Float>,
    errs: &mut Errors,
) -> Option<Float> {
    let found = match ty {
        Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("f64") => Some(Float::F64),
        Type::Path(tp) if tp.qself.is_none() && tp.path.is_ident("f32") => Some(Float::F32),
        _ => None,
    };
    match (found, *float) {
        (None, _) => {
            errs.push(
                Sp::of(ty),
                format!(
                    "expected `f64` or `f32`: {} are written for one concrete float type",
                    kind.nouns()
                ),
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

#[cfg(test)]
mod tests {
    use super::{parse_options, parse_signature, Float, Kind, Output, Signature};
    use crate::error::Errors;

    fn sig(kind: Kind, src: &str) -> Result<Signature, String> {
        let f: syn::ItemFn = syn::parse_str(src).map_err(|e| e.to_string())?;
        let mut errs = Errors::default();
        let s = parse_signature(kind, &f, None, &mut errs);
        errs.finish().map_err(|e| e.to_string())?;
        s.ok_or_else(|| "no signature and no error".to_string())
    }

    fn err(kind: Kind, src: &str) -> String {
        match sig(kind, src) {
            Ok(_) => panic!("accepted: {src}"),
            Err(e) => e,
        }
    }

    #[test]
    fn loss_without_parameters() {
        let s = sig(
            Kind::Differentiable,
            "fn l(t: f64, y: &[f64; 3]) -> f64 { t }",
        )
        .unwrap();
        assert_eq!(
            (s.n, s.np, s.has_p, s.output),
            (3, 0, false, Output::Scalar)
        );
        assert_eq!(s.float, Float::F64);
        assert!(s.p.is_none());
        assert_eq!(s.y.map(|i| i.to_string()).as_deref(), Some("y"));
    }

    #[test]
    fn loss_with_parameters_in_f32() {
        let src = "fn l(_: f32, state: &[f32; 2], theta: &[f32; 5]) -> f32 { 0.0 }";
        let s = sig(Kind::Differentiable, src).unwrap();
        assert_eq!((s.n, s.np, s.has_p, s.output), (2, 5, true, Output::Scalar));
        assert_eq!(s.float, Float::F32);
        assert!(s.t.is_none());
        assert_eq!(s.p.map(|i| i.to_string()).as_deref(), Some("theta"));
    }

    #[test]
    fn vector_field_signature_is_unchanged() {
        let src = "fn f(t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] { *y }";
        let s = sig(Kind::OdeSystem, src).unwrap();
        assert_eq!(
            (s.n, s.np, s.has_p, s.output),
            (2, 4, true, Output::Array(2))
        );
        // A vector field needs its parameter argument and an array result.
        let e = err(
            Kind::OdeSystem,
            "fn f(t: f64, y: &[f64; 2]) -> [f64; 2] { *y }",
        );
        assert!(
            e.contains("the vector field takes 3 arguments, found 2"),
            "{e}"
        );
        let e = err(
            Kind::OdeSystem,
            "fn f(t: f64, y: &[f64; 2], p: &[f64; 1]) -> f64 { t }",
        );
        assert!(e.contains("expected an array type"), "{e}");
    }

    #[test]
    fn loss_rejections_name_the_loss() {
        let e = err(
            Kind::Differentiable,
            "fn l(t: f64, y: &[f64; 2]) -> [f64; 2] { *y }",
        );
        assert!(e.starts_with("a loss returns one scalar `f64`"), "{e}");
        let e = err(
            Kind::Differentiable,
            "fn l(t: f64, y: &[f64; 2]) -> (f64, f64) { t }",
        );
        assert!(e.starts_with("a loss returns one scalar"), "{e}");
        let src = "fn l(t: f64, y: &[f64; 2], p: &[f64; 1], q: f64) -> f64 { t }";
        let e = err(Kind::Differentiable, src);
        assert!(
            e.contains("the loss takes 2 or 3 arguments, found 4"),
            "{e}"
        );
        let e = err(Kind::Differentiable, "fn l(t: f64, y: &[f64; 2]) { }");
        assert!(e.starts_with("missing return type `-> f64`"), "{e}");
        let e = err(
            Kind::Differentiable,
            "fn l<T>(t: f64, y: &[f64; 2]) -> f64 { t }",
        );
        assert!(e.starts_with("generic losses are not supported"), "{e}");
        let e = err(
            Kind::Differentiable,
            "fn l(mut t: f64, y: &[f64; 2]) -> f64 { t }",
        );
        assert!(e.starts_with("arguments of a loss cannot be `mut`"), "{e}");
        let e = err(
            Kind::Differentiable,
            "fn l(t: f64, y: &mut [f64; 2]) -> f64 { t }",
        );
        assert!(e.contains("the loss returns its value"), "{e}");
        let e = err(
            Kind::Differentiable,
            "async fn l(t: f64, y: &[f64; 2]) -> f64 { t }",
        );
        assert!(
            e.starts_with("#[differentiable] cannot be applied to an `async` fn"),
            "{e}"
        );
    }

    /// Options and signature of a loss, as `#[differentiable(attr)]` sees them.
    fn data_sig(attr: &str, src: &str) -> Result<Signature, String> {
        let f: syn::ItemFn = syn::parse_str(src).map_err(|e| e.to_string())?;
        let attr: proc_macro2::TokenStream = attr.parse().map_err(|_| "attr".to_string())?;
        let mut errs = Errors::default();
        let opts = parse_options(Kind::Differentiable, attr, &mut errs);
        let s = parse_signature(Kind::Differentiable, &f, opts.data.as_ref(), &mut errs);
        errs.finish().map_err(|e| e.to_string())?;
        s.ok_or_else(|| "no signature and no error".to_string())
    }

    #[test]
    fn data_is_the_last_argument_with_or_without_parameters() {
        let s = data_sig(
            "data = obs",
            "fn l(t: f64, y: &[f64; 2], obs: &[f64; 3]) -> f64 { t }",
        )
        .unwrap();
        assert_eq!((s.n, s.np, s.has_p, s.nd), (2, 0, false, 3));
        assert_eq!(s.data.map(|i| i.to_string()).as_deref(), Some("obs"));
        let s = data_sig(
            "name = Fit, data = d",
            "fn l(t: f32, y: &[f32; 2], q: &[f32; 4], d: &[f32; 1]) -> f32 { t }",
        )
        .unwrap();
        assert_eq!((s.n, s.np, s.has_p, s.nd), (2, 4, true, 1));
        assert_eq!(s.p.map(|i| i.to_string()).as_deref(), Some("q"));
        assert_eq!(s.float, Float::F32);
        // Without the option the same function is a loss with parameters.
        let s = sig(
            Kind::Differentiable,
            "fn l(t: f64, y: &[f64; 2], obs: &[f64; 3]) -> f64 { t }",
        )
        .unwrap();
        assert_eq!((s.np, s.has_p, s.nd), (3, true, 0));
        assert!(s.data.is_none());
    }

    #[test]
    fn data_option_errors_are_collected() {
        let e = data_sig(
            "data = obs",
            "fn l(t: f64, y: &[f64; 2], data: &[f64; 3]) -> f64 { t }",
        )
        .err()
        .unwrap_or_default();
        assert!(
            e.starts_with("`data = obs` names no argument of the loss"),
            "{e}"
        );
        let e = data_sig(
            "data = y, data = y",
            "fn l(t: f64, y: &[f64; 2], obs: &[f64; 3]) -> f64 { t }",
        )
        .err()
        .unwrap_or_default();
        assert!(e.starts_with("duplicate option `data`"), "{e}");
        let e = data_sig(
            "data = p",
            "fn l(t: f64, y: &[f64; 2], p: &[f64; 1], obs: &[f64; 3]) -> f64 { t }",
        )
        .err()
        .unwrap_or_default();
        assert!(
            e.starts_with("`data = p` names the parameter argument"),
            "{e}"
        );
        let mut errs = Errors::default();
        let opts = parse_options(Kind::OdeSystem, quote::quote!(data = obs), &mut errs);
        assert!(opts.data.is_none());
        let e = errs
            .finish()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("`data` is an option of `#[differentiable]`"),
            "{e}"
        );
    }

    #[test]
    fn options_name_the_attribute() {
        let mut errs = Errors::default();
        let opts = parse_options(
            Kind::Differentiable,
            quote::quote!(name = Misfit),
            &mut errs,
        );
        assert!(errs.finish().is_ok());
        assert_eq!(opts.name.map(|i| i.to_string()).as_deref(), Some("Misfit"));
        let mut errs = Errors::default();
        parse_options(
            Kind::Differentiable,
            quote::quote!(nmae = Misfit),
            &mut errs,
        );
        let e = errs
            .finish()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("unknown #[differentiable] option `nmae`"),
            "{e}"
        );
    }
}
