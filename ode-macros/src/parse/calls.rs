//! Calls: the elementary functions in method form `x.sin()`, path form
//! `f64::sin(x)` and the runtime's `math::sin(x)`; everything else (user
//! functions, other methods) is rejected with the list of what is supported.

use super::{expr, unsupported, ExprKind, Func};
use crate::error::{Errors, Sp, SUPPORTED_FUNCTIONS};
use crate::ir::{Binary, Unary};
use quote::ToTokens;

/// The elementary function called `name` and its number of arguments
/// (counting the receiver).
fn func(name: &str) -> Option<(Func, usize)> {
    let u = |u| Some((Func::Unary(u), 1));
    let b = |b| Some((Func::Binary(b), 2));
    match name {
        "sin" => u(Unary::Sin),
        "cos" => u(Unary::Cos),
        "tan" => u(Unary::Tan),
        "asin" => u(Unary::Asin),
        "acos" => u(Unary::Acos),
        "atan" => u(Unary::Atan),
        "sinh" => u(Unary::Sinh),
        "cosh" => u(Unary::Cosh),
        "tanh" => u(Unary::Tanh),
        "exp" => u(Unary::Exp),
        "exp2" => u(Unary::Exp2),
        "ln" => u(Unary::Ln),
        "log10" => u(Unary::Log10),
        "log2" => u(Unary::Log2),
        "sqrt" => u(Unary::Sqrt),
        "cbrt" => u(Unary::Cbrt),
        "abs" => u(Unary::Abs),
        "atan2" => b(Binary::Atan2),
        "powf" => b(Binary::Powf),
        "hypot" => b(Binary::Hypot),
        "min" => b(Binary::Min),
        "max" => b(Binary::Max),
        "powi" => Some((Func::Powi, 2)),
        "recip" => Some((Func::Recip, 1)),
        _ => None,
    }
}

pub(super) fn method(m: &syn::ExprMethodCall, errs: &mut Errors) -> ExprKind {
    let name = m.method.to_string();
    let Some((f, arity)) = func(&name) else {
        return unsupported(
            Sp::of(&m.method),
            errs,
            &format!(
                "method `{name}` is not supported; the supported methods are {SUPPORTED_FUNCTIONS}"
            ),
        );
    };
    if let Some(t) = &m.turbofish {
        errs.push(Sp::of(t), "turbofish is not supported here");
    }
    if m.args.len() + 1 != arity {
        return unsupported(
            Sp::of(&m.method).to(Sp::single(m.paren_token.span.close())),
            errs,
            &format!(
                "`{name}` takes {} argument(s), found {}",
                arity - 1,
                m.args.len()
            ),
        );
    }
    let mut args = vec![expr(&m.receiver, errs)];
    args.extend(m.args.iter().map(|a| expr(a, errs)));
    ExprKind::Call(f, args)
}

pub(super) fn call(c: &syn::ExprCall, sp: Sp, errs: &mut Errors) -> ExprKind {
    let syn::Expr::Path(p) = &*c.func else {
        return unsupported(
            sp,
            errs,
            "unsupported call; only the elementary functions can be called",
        );
    };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let tail: Vec<&str> = segs
        .iter()
        .map(String::as_str)
        .skip_while(|s| matches!(*s, "std" | "core"))
        .collect();
    let fsp = Sp::of(&c.func);
    let name = match tail.as_slice() {
        ["f64" | "f32", name] => *name,
        // `math::sin(x)`, `odegrad::math::sin(x)`: the runtime's functions,
        // which a `#![no_std]` crate calls since core has no `f64::sin`.
        [.., "math", name] => *name,
        [name] if errs.poisoned.iter().any(|p| p == name) => return ExprKind::Error,
        [name] => {
            return unsupported(
                fsp,
                errs,
                &format!("cannot call function `{name}`: the macro differentiates only the body it sees; inline it, or use one of the elementary functions ({SUPPORTED_FUNCTIONS}) as a method `x.sin()` or as `f64::sin(x)`"),
            );
        }
        _ => {
            let shown = p.path.to_token_stream().to_string().replace(' ', "");
            return unsupported(
                fsp,
                errs,
                &format!("cannot call `{shown}`; the supported functions are {SUPPORTED_FUNCTIONS}, called as methods `x.sin()`, as `f64::sin(x)` or as `odegrad::math::sin(x)`"),
            );
        }
    };
    let Some((f, arity)) = func(name) else {
        return unsupported(
            fsp,
            errs,
            &format!("function `{name}` is not supported; the supported functions are {SUPPORTED_FUNCTIONS}"),
        );
    };
    if c.args.len() != arity {
        return unsupported(
            fsp.to(Sp::single(c.paren_token.span.close())),
            errs,
            &format!("`{name}` takes {arity} argument(s), found {}", c.args.len()),
        );
    }
    ExprKind::Call(f, c.args.iter().map(|a| expr(a, errs)).collect())
}
