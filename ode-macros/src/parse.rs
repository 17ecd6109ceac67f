//! syn's syntax tree → the small expression language of a vector field.
//!
//! This stage decides what is *syntactically* supported. Anything outside the
//! language (loops other than `for` over a range, closures, macro calls,
//! calls of user functions, unknown methods, strings…) is recorded as an
//! error pointing at the user's token and replaced by [`ExprKind::Error`], so
//! parsing continues and every problem is reported in one compile. Semantic
//! checks (constant indices, bounds, lengths, types) happen in `lower`.

// Explicit path: the expansion bench includes this file with `#[path]`.
#[path = "parse/calls.rs"]
mod calls;

use crate::error::{Errors, Sp};
use crate::ir::{Binary, Unary};
use crate::signature::Float;
use calls::{call, method};
use proc_macro2::Ident;
use quote::ToTokens;

/// A block: statements and an optional final expression.
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub tail: Option<Box<Expr>>,
}

/// A statement.
pub enum Stmt {
    Let {
        pat: Pat,
        init: Expr,
    },
    Const {
        name: Ident,
        int: bool,
        value: Expr,
    },
    Assign {
        target: Expr,
        op: Option<Binary>,
        value: Expr,
    },
    For {
        var: Option<Ident>,
        start: Expr,
        end: Expr,
        inclusive: bool,
        body: Block,
        sp: Sp,
    },
    Expr(Expr),
}

/// A `let` pattern.
pub enum Pat {
    Bind { name: Ident, mutable: bool },
    Wild,
    Array(Vec<Pat>, Sp),
}

/// An expression with its source range.
pub struct Expr {
    pub kind: ExprKind,
    pub sp: Sp,
}

/// Binary operators of the language.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinOp {
    Arith(Binary),
    Rem,
    Cmp(crate::ir::Cmp),
    And,
    Or,
}

/// Calls of elementary functions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Func {
    Unary(Unary),
    Binary(Binary),
    Powi,
    Recip,
}

/// Expression forms.
pub enum ExprKind {
    Float(f64, Option<Float>),
    Int(i64),
    Bool(bool),
    Var(Ident),
    Index(Box<Expr>, Box<Expr>),
    Deref(Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    If(Box<Expr>, Block, Option<Box<Expr>>),
    Block(Block),
    Array(Vec<Expr>),
    Repeat(Box<Expr>, Box<Expr>),
    Cast(Box<Expr>, Float),
    /// An unsupported construct (already reported).
    Error,
}

/// Parses a function body.
pub fn block(b: &syn::Block, errs: &mut Errors) -> Block {
    let mut stmts = Vec::new();
    let mut tail = None;
    let last = b.stmts.len().wrapping_sub(1);
    for (i, s) in b.stmts.iter().enumerate() {
        match s {
            syn::Stmt::Expr(e, None) if i == last && !is_statement_like(e) => {
                tail = Some(Box::new(expr(e, errs)));
            }
            _ => stmts.extend(stmt(s, errs)),
        }
    }
    Block { stmts, tail }
}

fn is_statement_like(e: &syn::Expr) -> bool {
    matches!(
        e,
        syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_)
    )
}

fn stmt(s: &syn::Stmt, errs: &mut Errors) -> Option<Stmt> {
    match s {
        syn::Stmt::Local(l) => {
            let Some(init) = &l.init else {
                errs.push(Sp::of(l), "a `let` needs an initializer: `let x = …;`");
                return None;
            };
            if let Some((_, e)) = &init.diverge {
                errs.push(Sp::of(e), "`let … else` is not supported");
            }
            if matches!(&*init.expr, syn::Expr::Closure(_)) {
                if let syn::Pat::Ident(p) = &l.pat {
                    errs.poisoned.push(p.ident.to_string());
                }
            }
            Some(Stmt::Let {
                pat: pat(&l.pat, errs),
                init: expr(&init.expr, errs),
            })
        }
        syn::Stmt::Item(syn::Item::Const(c)) => {
            let int = match &*c.ty {
                syn::Type::Path(tp) => {
                    let id = tp.path.get_ident().map(ToString::to_string);
                    match id.as_deref() {
                        Some("f64" | "f32") => Some(false),
                        Some("usize" | "isize" | "i32" | "i64" | "u32" | "u64") => Some(true),
                        _ => None,
                    }
                }
                _ => None,
            };
            let Some(int) = int else {
                errs.push(
                    Sp::of(&c.ty),
                    "a `const` in a vector field must have type f64, f32 or an integer type",
                );
                return None;
            };
            Some(Stmt::Const {
                name: c.ident.clone(),
                int,
                value: expr(&c.expr, errs),
            })
        }
        syn::Stmt::Item(item) => {
            errs.push(
                Sp::of(item),
                "items other than `const` are not supported in a vector field body; define them outside the function",
            );
            None
        }
        syn::Stmt::Macro(m) => {
            macro_error(&m.mac, errs);
            None
        }
        syn::Stmt::Expr(e, _) => stmt_expr(e, errs),
    }
}

fn stmt_expr(e: &syn::Expr, errs: &mut Errors) -> Option<Stmt> {
    match e {
        syn::Expr::Assign(a) => Some(Stmt::Assign {
            target: place(&a.left, errs),
            op: None,
            value: expr(&a.right, errs),
        }),
        syn::Expr::Binary(b) => {
            let op = match b.op {
                syn::BinOp::AddAssign(_) => Binary::Add,
                syn::BinOp::SubAssign(_) => Binary::Sub,
                syn::BinOp::MulAssign(_) => Binary::Mul,
                syn::BinOp::DivAssign(_) => Binary::Div,
                _ => return Some(Stmt::Expr(expr(e, errs))),
            };
            Some(Stmt::Assign {
                target: place(&b.left, errs),
                op: Some(op),
                value: expr(&b.right, errs),
            })
        }
        syn::Expr::ForLoop(f) => for_loop(f, errs),
        _ => Some(Stmt::Expr(expr(e, errs))),
    }
}

fn place(e: &syn::Expr, errs: &mut Errors) -> Expr {
    let ok = match e {
        syn::Expr::Path(_) => true,
        syn::Expr::Index(i) => matches!(&*i.expr, syn::Expr::Path(_)),
        _ => false,
    };
    if !ok {
        errs.push(
            Sp::of(e),
            "can only assign to a local variable `x` or an element `out[i]` of a local array",
        );
        return Expr {
            kind: ExprKind::Error,
            sp: Sp::of(e),
        };
    }
    expr(e, errs)
}

fn for_loop(f: &syn::ExprForLoop, errs: &mut Errors) -> Option<Stmt> {
    if let Some(l) = &f.label {
        errs.push(Sp::of(l), "loop labels are not supported");
    }
    let var = match &*f.pat {
        syn::Pat::Ident(p)
            if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() =>
        {
            Some(p.ident.clone())
        }
        syn::Pat::Wild(_) => None,
        other => {
            errs.push(
                Sp::of(other),
                "the loop variable must be an identifier or `_`",
            );
            None
        }
    };
    let body = block(&f.body, errs);
    let syn::Expr::Range(r) = &*f.expr else {
        errs.push(
            Sp::of(&f.expr),
            "a `for` loop must run over a constant range `a..b` or `a..=b`; it is unrolled at compile time",
        );
        return None;
    };
    let (Some(start), Some(end)) = (&r.start, &r.end) else {
        errs.push(
            Sp::of(r),
            "the loop range needs both bounds: `a..b` or `a..=b`",
        );
        return None;
    };
    Some(Stmt::For {
        var,
        start: expr(start, errs),
        end: expr(end, errs),
        inclusive: matches!(r.limits, syn::RangeLimits::Closed(_)),
        body,
        sp: Sp::of(&f.for_token).to(Sp::of(&f.expr)),
    })
}

fn pat(p: &syn::Pat, errs: &mut Errors) -> Pat {
    match p {
        syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Pat::Bind {
            name: pi.ident.clone(),
            mutable: pi.mutability.is_some(),
        },
        syn::Pat::Wild(_) => Pat::Wild,
        syn::Pat::Slice(s) => Pat::Array(s.elems.iter().map(|e| pat(e, errs)).collect(), Sp::of(s)),
        syn::Pat::Type(t) => pat(&t.pat, errs),
        other => {
            errs.push(
                Sp::of(other),
                "unsupported pattern; use a name `x`, `_`, or an array pattern `[a, b, c]`",
            );
            // The names it would have bound are not reported again at their uses.
            poison_idents(other.to_token_stream(), errs);
            Pat::Wild
        }
    }
}

/// Marks every identifier in `tokens` as bound by a rejected construct.
fn poison_idents(tokens: proc_macro2::TokenStream, errs: &mut Errors) {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Ident(i) => errs.poisoned.push(i.to_string()),
            proc_macro2::TokenTree::Group(g) => poison_idents(g.stream(), errs),
            _ => {}
        }
    }
}

fn macro_error(m: &syn::Macro, errs: &mut Errors) {
    let name = m.path.to_token_stream().to_string().replace(' ', "");
    errs.push(
        Sp::of(&m.path).to(Sp::single(m.bang_token.span)),
        format!("macro `{name}!` cannot be used in a vector field: the macro differentiates the body and sees only plain arithmetic"),
    );
}

fn boxed(e: &syn::Expr, errs: &mut Errors) -> Box<Expr> {
    Box::new(expr(e, errs))
}

/// Parses an expression.
pub fn expr(e: &syn::Expr, errs: &mut Errors) -> Expr {
    let sp = Sp::of(e);
    let kind = expr_kind(e, sp, errs);
    Expr { kind, sp }
}

fn unsupported(sp: Sp, errs: &mut Errors, msg: &str) -> ExprKind {
    errs.push(sp, msg);
    ExprKind::Error
}

fn expr_kind(e: &syn::Expr, sp: Sp, errs: &mut Errors) -> ExprKind {
    use syn::Expr as E;
    match e {
        E::Lit(l) => lit(&l.lit, sp, errs),
        E::Paren(p) => expr_kind(&p.expr, sp, errs),
        E::Group(g) => expr_kind(&g.expr, sp, errs),
        E::Path(p) => path(p, sp, errs),
        E::Unary(u) => match u.op {
            syn::UnOp::Neg(_) => ExprKind::Neg(boxed(&u.expr, errs)),
            syn::UnOp::Not(_) => ExprKind::Not(boxed(&u.expr, errs)),
            syn::UnOp::Deref(_) => ExprKind::Deref(boxed(&u.expr, errs)),
            _ => unsupported(sp, errs, "unsupported unary operator"),
        },
        E::Binary(b) => binary(b, sp, errs),
        E::Index(i) => ExprKind::Index(boxed(&i.expr, errs), boxed(&i.index, errs)),
        E::MethodCall(m) => method(m, errs),
        E::Call(c) => call(c, sp, errs),
        E::If(i) => {
            if let E::Let(l) = &*i.cond {
                return unsupported(Sp::of(l), errs, "`if let` is not supported; branch on a comparison such as `x > 0.0`");
            }
            let cond = boxed(&i.cond, errs);
            let then = block(&i.then_branch, errs);
            let els = i.else_branch.as_ref().map(|(_, e)| boxed(e, errs));
            ExprKind::If(cond, then, els)
        }
        E::Block(b) => {
            if let Some(l) = &b.label {
                return unsupported(Sp::of(l), errs, "block labels are not supported");
            }
            ExprKind::Block(block(&b.block, errs))
        }
        E::Array(a) => ExprKind::Array(a.elems.iter().map(|x| expr(x, errs)).collect()),
        E::Repeat(r) => ExprKind::Repeat(boxed(&r.expr, errs), boxed(&r.len, errs)),
        E::Cast(c) => {
            let f = match &*c.ty {
                syn::Type::Path(tp) if tp.path.is_ident("f64") => Some(Float::F64),
                syn::Type::Path(tp) if tp.path.is_ident("f32") => Some(Float::F32),
                _ => None,
            };
            match f {
                Some(f) => ExprKind::Cast(boxed(&c.expr, errs), f),
                None => unsupported(Sp::of(c), errs, "only casts of integer constants to the float type (`i as f64`) are supported; a float cannot become an index or loop bound, which must be known at compile time"),
            }
        }
        E::Reference(r) => {
            // `&x` of a float is as good as `x` in arithmetic.
            if r.mutability.is_some() {
                return unsupported(sp, errs, "`&mut` is not supported in a vector field");
            }
            expr_kind(&r.expr, sp, errs)
        }
        E::Macro(m) => {
            macro_error(&m.mac, errs);
            ExprKind::Error
        }
        E::While(w) => unsupported(Sp::of(&w.while_token), errs, "`while` loops are not supported; use `for i in 0..K` with constant bounds, which is unrolled at compile time"),
        E::Loop(l) => unsupported(Sp::of(&l.loop_token), errs, "`loop` is not supported; use `for i in 0..K` with constant bounds, which is unrolled at compile time"),
        E::ForLoop(f) => unsupported(Sp::of(&f.for_token), errs, "a `for` loop is a statement here; it cannot be used as a value"),
        E::Closure(_) => unsupported(sp, errs, "closures are not supported in a vector field; write the expression inline or use a `for` loop"),
        E::Return(_) => unsupported(sp, errs, "`return` is not supported; end the body with the result array `[…]` instead"),
        E::Break(_) | E::Continue(_) => unsupported(sp, errs, "`break` and `continue` are not supported; loops run over their whole constant range"),
        E::Async(_) | E::Await(_) => unsupported(sp, errs, "`async` is not supported in a vector field"),
        E::Unsafe(_) => unsupported(sp, errs, "`unsafe` blocks are not supported in a vector field"),
        E::Match(m) => unsupported(Sp::of(&m.match_token), errs, "`match` is not supported; use `if`/`else` on comparisons"),
        E::Tuple(_) => unsupported(sp, errs, "tuples are not supported; use arrays `[a, b]`"),
        E::Field(_) => unsupported(sp, errs, "field access is not supported; the inputs are arrays indexed as `y[i]`"),
        E::Assign(_) => unsupported(sp, errs, "an assignment cannot be used as a value"),
        E::Range(_) => unsupported(sp, errs, "ranges are only supported as the bounds of a `for` loop"),
        E::Try(_) => unsupported(sp, errs, "`?` is not supported in a vector field"),
        _ => unsupported(sp, errs, "unsupported expression; a vector field body uses `let`, arithmetic, constant indexing, elementary functions, `for` over constant ranges and `if`/`else` on comparisons"),
    }
}

fn lit(l: &syn::Lit, sp: Sp, errs: &mut Errors) -> ExprKind {
    let suffix_float = |s: &str| match s {
        "f64" => Some(Some(Float::F64)),
        "f32" => Some(Some(Float::F32)),
        "" => Some(None),
        _ => None,
    };
    match l {
        syn::Lit::Float(f) => match (f.base10_parse::<f64>(), suffix_float(f.suffix())) {
            (Ok(v), Some(s)) => ExprKind::Float(v, s),
            _ => unsupported(sp, errs, "invalid float literal"),
        },
        syn::Lit::Int(i) => {
            if let Some(Some(fl)) = suffix_float(i.suffix()).filter(|_| !i.suffix().is_empty()) {
                return match i.base10_parse::<f64>() {
                    Ok(v) => ExprKind::Float(v, Some(fl)),
                    Err(_) => unsupported(sp, errs, "invalid float literal"),
                };
            }
            match i.base10_parse::<i64>() {
                Ok(v) => ExprKind::Int(v),
                Err(_) => unsupported(sp, errs, "integer literal out of range"),
            }
        }
        syn::Lit::Bool(b) => ExprKind::Bool(b.value),
        syn::Lit::Str(_) | syn::Lit::ByteStr(_) | syn::Lit::CStr(_) => unsupported(sp, errs, "string literals are not supported in a vector field; it computes numbers only"),
        _ => unsupported(sp, errs, "unsupported literal; use float literals such as `1.0` or integer constants for indices"),
    }
}

fn consts(name: &str) -> Option<f64> {
    use std::f64::consts as c;
    Some(match name {
        "PI" => c::PI,
        "TAU" => c::TAU,
        "E" => c::E,
        "SQRT_2" => c::SQRT_2,
        "LN_2" => c::LN_2,
        "LN_10" => c::LN_10,
        "FRAC_PI_2" => c::FRAC_PI_2,
        "FRAC_PI_3" => c::FRAC_PI_3,
        "FRAC_PI_4" => c::FRAC_PI_4,
        "FRAC_PI_6" => c::FRAC_PI_6,
        "FRAC_1_PI" => c::FRAC_1_PI,
        "FRAC_2_PI" => c::FRAC_2_PI,
        "FRAC_1_SQRT_2" => c::FRAC_1_SQRT_2,
        "LOG2_E" => c::LOG2_E,
        "LOG10_E" => c::LOG10_E,
        _ => return None,
    })
}

fn path(p: &syn::ExprPath, sp: Sp, errs: &mut Errors) -> ExprKind {
    if p.qself.is_none() {
        if let Some(id) = p.path.get_ident() {
            return ExprKind::Var(id.clone());
        }
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
        if let [ty @ ("f64" | "f32"), "consts", name] = tail.as_slice() {
            if let Some(v) = consts(name) {
                let fl = if *ty == "f64" { Float::F64 } else { Float::F32 };
                return ExprKind::Float(v, Some(fl));
            }
        }
    }
    unsupported(sp, errs, "unsupported path; refer to local variables, the arguments, `const` items of the body, or `f64::consts::PI`-style constants")
}

fn binary(b: &syn::ExprBinary, sp: Sp, errs: &mut Errors) -> ExprKind {
    use crate::ir::Cmp;
    use syn::BinOp as B;
    let op = match b.op {
        B::Add(_) => BinOp::Arith(Binary::Add),
        B::Sub(_) => BinOp::Arith(Binary::Sub),
        B::Mul(_) => BinOp::Arith(Binary::Mul),
        B::Div(_) => BinOp::Arith(Binary::Div),
        B::Rem(_) => BinOp::Rem,
        B::Lt(_) => BinOp::Cmp(Cmp::Lt),
        B::Le(_) => BinOp::Cmp(Cmp::Le),
        B::Gt(_) => BinOp::Cmp(Cmp::Gt),
        B::Ge(_) => BinOp::Cmp(Cmp::Ge),
        B::Eq(_) => BinOp::Cmp(Cmp::Eq),
        B::Ne(_) => BinOp::Cmp(Cmp::Ne),
        B::And(_) => BinOp::And,
        B::Or(_) => BinOp::Or,
        B::AddAssign(_) | B::SubAssign(_) | B::MulAssign(_) | B::DivAssign(_) => {
            return unsupported(sp, errs, "a compound assignment cannot be used as a value");
        }
        _ => return unsupported(Sp::of(&b.op), errs, "unsupported operator; the supported operators are + - * / (and % on integer constants), comparisons, && and ||"),
    };
    ExprKind::Bin(op, boxed(&b.left, errs), boxed(&b.right, errs))
}
