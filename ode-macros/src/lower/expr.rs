//! Expressions of the vector-field language → values: arithmetic on
//! floats (graph nodes) and on compile-time integers, indexing, calls of
//! elementary functions, and the type errors between them.

use super::{Lower, Value, MAX_ARRAY};
use crate::error::Sp;
use crate::ir::{Binary, NodeId, Op};
use crate::parse::{BinOp, Expr, ExprKind, Func};

impl Lower<'_> {
    pub(super) fn want_float(&mut self, v: Value, sp: Sp) -> Option<NodeId> {
        match v {
            Value::Float(n) => Some(n),
            Value::Error => None,
            Value::Int(i) => {
                self.errs.push(sp, format!("expected a float, found the integer `{i}`; mixing integers and floats is not allowed: write `{i}.0`, or convert with `as {}`", self.float.name()));
                None
            }
            other => {
                self.errs
                    .push(sp, format!("expected a float, found {}", other.describe()));
                None
            }
        }
    }

    pub(super) fn float(&mut self, e: &Expr) -> Option<NodeId> {
        let v = self.expr(e);
        self.want_float(v, e.sp)
    }

    pub(super) fn int(&mut self, e: &Expr) -> Option<i64> {
        match self.expr(e) {
            Value::Int(i) => Some(i),
            Value::Error => None,
            other => {
                self.errs.push(e.sp, format!("expected a constant integer, found {}; indices and loop bounds must be known at compile time: integer literals, `const` items and loop variables combined with + - * / %", other.describe()));
                None
            }
        }
    }

    pub(super) fn expr(&mut self, e: &Expr) -> Value {
        let span = e.sp.lo;
        match &e.kind {
            ExprKind::Error => Value::Error,
            ExprKind::Float(v, suffix) => {
                if let Some(s) = suffix.filter(|s| *s != self.float) {
                    self.errs.push(
                        e.sp,
                        format!(
                            "`{}` literal in an `{}` vector field",
                            s.name(),
                            self.float.name()
                        ),
                    );
                    return Value::Error;
                }
                Value::Float(self.g.constant(*v, span))
            }
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Bool(b) => Value::Bool(self.g.intern(Op::Bool(*b), span)),
            ExprKind::Var(name) => match self.lookup(&name.to_string()) {
                Some(b) => b.value.clone(),
                // Bound by a pattern that was already reported.
                None if self.errs.poisoned.contains(&name.to_string()) => Value::Error,
                None => {
                    let noun = self.noun();
                    self.errs.push(
                        e.sp,
                        format!(
                            "cannot find `{name}` in this {noun}: the macro sees only the \
                             function itself, so a constant defined outside it is unknown; \
                             declare it as a `const` in the body, or pass it in `p`"
                        ),
                    );
                    Value::Error
                }
            },
            ExprKind::Index(base, idx) => self.index(base, idx),
            ExprKind::Deref(x) => self.expr(x),
            ExprKind::Neg(x) => match self.expr(x) {
                Value::Float(n) => Value::Float(self.g.neg(n, span)),
                Value::Int(i) => Value::Int(i.wrapping_neg()),
                Value::Error => Value::Error,
                other => self.type_error(x.sp, "cannot negate", &other),
            },
            ExprKind::Not(x) => match self.expr(x) {
                Value::Bool(n) => Value::Bool(self.g.add(Op::Not(n), span)),
                Value::Error => Value::Error,
                other => self.type_error(x.sp, "`!` applies to conditions, not to", &other),
            },
            ExprKind::Bin(op, a, b) => self.binary(*op, a, b, e.sp),
            ExprKind::Call(f, args) => self.call(*f, args, e.sp),
            ExprKind::If(c, then, els) => self.if_else(c, then, els.as_deref()),
            ExprKind::Block(b) => self.block(b),
            ExprKind::Array(elems) => {
                let mut out = Vec::with_capacity(elems.len());
                let mut ok = true;
                for x in elems {
                    match self.float(x) {
                        Some(n) => out.push(n),
                        None => ok = false,
                    }
                }
                if ok {
                    Value::Array(out)
                } else {
                    Value::Error
                }
            }
            ExprKind::Repeat(x, len) => {
                let (v, n) = (self.float(x), self.int(len));
                match (v, n) {
                    (Some(v), Some(n)) if (0..=MAX_ARRAY).contains(&n) => {
                        Value::Array(vec![v; n as usize])
                    }
                    (Some(_), Some(n)) => {
                        self.errs.push(
                            len.sp,
                            format!("array length {n} is out of range 0..={MAX_ARRAY}"),
                        );
                        Value::Error
                    }
                    _ => Value::Error,
                }
            }
            ExprKind::Cast(x, f) => {
                if *f != self.float {
                    self.errs.push(
                        e.sp,
                        format!(
                            "cast to `{}` in an `{}` vector field",
                            f.name(),
                            self.float.name()
                        ),
                    );
                    return Value::Error;
                }
                match self.expr(x) {
                    Value::Int(i) => Value::Float(self.g.constant(i as f64, span)),
                    Value::Float(n) => Value::Float(n),
                    Value::Error => Value::Error,
                    other => self.type_error(x.sp, "cannot cast", &other),
                }
            }
        }
    }

    pub(super) fn type_error(&mut self, sp: Sp, what: &str, v: &Value) -> Value {
        self.errs.push(sp, format!("{what} {}", v.describe()));
        Value::Error
    }

    pub(super) fn index(&mut self, base: &Expr, idx: &Expr) -> Value {
        let Some(i) = self.int(idx) else {
            self.expr(base);
            return Value::Error;
        };
        // Index a variable in place rather than copying its array.
        let (elem, len, name) = match var_name(base) {
            Some(n) => {
                let name = n.to_string();
                match self.lookup(&name).map(|b| &b.value) {
                    Some(Value::Array(a)) => (
                        usize::try_from(i).ok().and_then(|i| a.get(i).copied()),
                        a.len(),
                        name,
                    ),
                    _ => return self.index_value(base, i, idx.sp),
                }
            }
            _ => return self.index_value(base, i, idx.sp),
        };
        match elem {
            Some(n) => Value::Float(n),
            None => {
                self.errs.push(
                    idx.sp,
                    format!("index {i} is out of bounds for `{name}` of length {len}"),
                );
                Value::Error
            }
        }
    }

    pub(super) fn index_value(&mut self, base: &Expr, i: i64, isp: Sp) -> Value {
        match self.expr(base) {
            Value::Array(a) => match usize::try_from(i).ok().and_then(|i| a.get(i).copied()) {
                Some(n) => Value::Float(n),
                None => {
                    self.errs.push(
                        isp,
                        format!(
                            "index {i} is out of bounds for an array of length {}",
                            a.len()
                        ),
                    );
                    Value::Error
                }
            },
            Value::Error => Value::Error,
            other => self.type_error(base.sp, "cannot index", &other),
        }
    }

    pub(super) fn int_arith(&mut self, op: BinOp, a: i64, b: i64, sp: Sp) -> Option<i64> {
        let r = match op {
            BinOp::Arith(Binary::Add) => a.checked_add(b),
            BinOp::Arith(Binary::Sub) => a.checked_sub(b),
            BinOp::Arith(Binary::Mul) => a.checked_mul(b),
            BinOp::Arith(Binary::Div) => a.checked_div(b),
            BinOp::Rem => a.checked_rem(b),
            _ => None,
        };
        if r.is_none() {
            self.errs.push(
                sp,
                "integer overflow or division by zero in a constant expression",
            );
        }
        r
    }

    pub(super) fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, sp: Sp) -> Value {
        let (x, y) = (self.expr(a), self.expr(b));
        let span = sp.lo;
        match (op, x, y) {
            (_, Value::Error, _) | (_, _, Value::Error) => Value::Error,
            (BinOp::Arith(o), Value::Float(x), Value::Float(y)) => {
                Value::Float(self.g.add(Op::Binary(o, x, y), span))
            }
            (BinOp::Arith(_) | BinOp::Rem, Value::Int(x), Value::Int(y)) => {
                match self.int_arith(op, x, y, sp) {
                    Some(r) => Value::Int(r),
                    None => Value::Error,
                }
            }
            (BinOp::Cmp(c), Value::Float(x), Value::Float(y)) => {
                Value::Bool(self.g.cmp(c, x, y, span))
            }
            (BinOp::Cmp(c), Value::Int(x), Value::Int(y)) => Value::Bool(
                self.g
                    .intern(Op::Bool(crate::ir::eval_cmp(c, x as f64, y as f64)), span),
            ),
            (BinOp::And, Value::Bool(x), Value::Bool(y)) => {
                Value::Bool(self.g.add(Op::And(x, y), span))
            }
            (BinOp::Or, Value::Bool(x), Value::Bool(y)) => {
                Value::Bool(self.g.add(Op::Or(x, y), span))
            }
            (BinOp::Rem, Value::Float(_), Value::Float(_)) => {
                self.errs.push(
                    sp,
                    "`%` is supported only on integer constants, not on floats",
                );
                Value::Error
            }
            (BinOp::Arith(_) | BinOp::Rem | BinOp::Cmp(_), Value::Int(i), Value::Float(_)) => {
                self.mixing(a.sp, i)
            }
            (BinOp::Arith(_) | BinOp::Rem | BinOp::Cmp(_), Value::Float(_), Value::Int(i)) => {
                self.mixing(b.sp, i)
            }
            (BinOp::And | BinOp::Or, x, y) => {
                let bad = if matches!(x, Value::Bool(_)) {
                    (b.sp, y)
                } else {
                    (a.sp, x)
                };
                self.type_error(bad.0, "`&&` and `||` combine comparisons, not", &bad.1)
            }
            (_, x, y) => {
                let bad = if matches!(x, Value::Float(_) | Value::Int(_)) {
                    (b.sp, y)
                } else {
                    (a.sp, x)
                };
                self.type_error(
                    bad.0,
                    "arithmetic and comparisons apply to scalars, not to",
                    &bad.1,
                )
            }
        }
    }

    pub(super) fn mixing(&mut self, sp: Sp, i: i64) -> Value {
        self.errs.push(sp, format!("cannot mix the integer `{i}` with a float: Rust has no implicit conversion; write `{i}.0`, or convert with `as {}`", self.float.name()));
        Value::Error
    }

    pub(super) fn call(&mut self, f: Func, args: &[Expr], sp: Sp) -> Value {
        let span = sp.lo;
        let x = args.first().and_then(|a| self.float(a));
        let v = match f {
            Func::Unary(u) => x.map(|x| self.g.unary(u, x, span)),
            Func::Recip => x.map(|x| {
                let one = self.g.constant(1.0, span);
                self.g.div(one, x, span)
            }),
            Func::Binary(b) => {
                let y = args.get(1).and_then(|a| self.float(a));
                x.zip(y).map(|(x, y)| self.g.add(Op::Binary(b, x, y), span))
            }
            Func::Powi => {
                let n = match args.get(1).map(|a| (self.expr(a), a.sp)) {
                    // i32::MIN is excluded so that the derivative's n − 1 exists.
                    Some((Value::Int(n), nsp)) => {
                        match i32::try_from(n).ok().filter(|&n| n > i32::MIN) {
                            Some(n) => Some(n),
                            None => {
                                self.errs.push(
                                nsp,
                                "the exponent of `powi` must lie between -2147483647 and 2147483647",
                            );
                                None
                            }
                        }
                    }
                    Some((Value::Error, _)) | None => None,
                    Some((other, nsp)) => {
                        self.errs.push(nsp, format!("`powi` takes a constant integer exponent, found {}; use `powf` for a float exponent", other.describe()));
                        None
                    }
                };
                x.zip(n).map(|(x, n)| self.g.add(Op::Powi(x, n), span))
            }
        };
        v.map_or(Value::Error, Value::Float)
    }
}

/// The variable an indexing base names (`y` or `*y`).
fn var_name(e: &Expr) -> Option<&proc_macro2::Ident> {
    match &e.kind {
        ExprKind::Var(n) => Some(n),
        ExprKind::Deref(inner) => var_name(inner),
        _ => None,
    }
}
