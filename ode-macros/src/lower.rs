//! The expression language → the IR graph, by symbolic execution.
//!
//! The body is run once at compile time over symbolic values: floats are
//! graph nodes, integers (literals, `const`s, loop variables) are known
//! numbers, arrays are vectors of nodes. `for` loops are unrolled, indices
//! are evaluated (and bounds-checked) here, mutable variables and array
//! elements are simply rebound, and a runtime `if`/`else` runs both branches
//! and merges every variable they assign with a select node. What remains is
//! the straight-line dataflow of the vector field. Type errors (integer and
//! float mixing, non-constant indices, wrong result length) are found here.

// Explicit path: the expansion bench includes this file with `#[path]`.
#[path = "lower/expr.rs"]
mod expr;

use crate::error::{Errors, Sp};
use crate::ir::{Binary, Graph, Input, NodeId, Op};
use crate::parse::{BinOp, Block, Expr, ExprKind, Pat, Stmt};
use crate::signature::{Float, Output, Signature};

/// The most loop iterations the body may unroll to, in total.
const MAX_UNROLLED: usize = 1 << 20;
/// The longest local array.
const MAX_ARRAY: i64 = 4096;

/// A symbolic value.
#[derive(Clone, PartialEq, Debug)]
enum Value {
    Float(NodeId),
    Int(i64),
    Bool(NodeId),
    Array(Vec<NodeId>),
    Unit,
    /// The value of a construct that was already reported as an error.
    Error,
}

impl Value {
    fn describe(&self) -> &'static str {
        match self {
            Value::Float(_) => "a float",
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Array(_) => "an array",
            Value::Unit => "`()`",
            Value::Error => "an error",
        }
    }
}

#[derive(Clone)]
struct Binding {
    name: String,
    value: Value,
    mutable: bool,
    /// `y`, `p` or the data: read-only inputs.
    input: bool,
}

/// The graph of a vector field (or loss) and its inputs and outputs (one
/// output for a loss).
pub struct Lowered {
    pub graph: Graph,
    pub t: NodeId,
    pub y: Vec<NodeId>,
    pub p: Vec<NodeId>,
    pub outputs: Vec<NodeId>,
}

/// Runs the body symbolically; `end` is where a missing result is reported.
pub fn lower(sig: &Signature, body: &Block, end: Sp, errs: &mut Errors) -> Option<Lowered> {
    let mut g = Graph::new(sig.float == Float::F32, true);
    let (t, y, p) = crate::diff::inputs(&mut g, sig.n, sig.np, end.lo);
    let data: Vec<NodeId> = (0..sig.nd as u32)
        .map(|i| g.input(Input::D(i), end.lo))
        .collect();
    let mut scope = Vec::new();
    let mut bind = |name: &Option<proc_macro2::Ident>, value: Value, input: bool| {
        if let Some(name) = name {
            scope.push(Binding {
                name: name.to_string(),
                value,
                mutable: false,
                input,
            });
        }
    };
    bind(&sig.t, Value::Float(t), false);
    bind(&sig.y, Value::Array(y.clone()), true);
    bind(&sig.p, Value::Array(p.clone()), true);
    // The data are an input like `p` that nothing is differentiated in.
    bind(&sig.data, Value::Array(data), true);
    let mut l = Lower {
        g,
        errs,
        scopes: vec![scope],
        float: sig.float,
        output: sig.output,
        unrolled: 0,
    };
    let before = l.errs.count();
    let result = l.block(body);
    let sp = body.tail.as_ref().map_or(end, |e| e.sp);
    let outputs = match (result, sig.output) {
        (Value::Float(v), Output::Scalar) => Some(vec![v]),
        (Value::Error, _) => None,
        (Value::Unit, _) if l.errs.count() > 0 => None,
        (other, Output::Scalar) => {
            let hint = match other {
                Value::Array(_) => "; a loss is one scalar: sum its terms",
                Value::Int(_) => "; write a float literal such as `0.0`",
                _ => "",
            };
            l.errs.push(
                sp,
                format!(
                    "the body must end with the loss, a `{}` expression, found {}{hint}",
                    sig.float.name(),
                    other.describe()
                ),
            );
            None
        }
        (Value::Array(v), Output::Array(n)) if v.len() == n => Some(v),
        (Value::Array(v), Output::Array(_)) => {
            let s = if v.len() == 1 { "" } else { "s" };
            l.errs.push(sp, format!("the vector field returns {} value{s} but the state has N = {}; return one derivative per state", v.len(), sig.n));
            None
        }
        // A body whose end was rejected (`return …;`) has no result to report on
        // (`Value::Unit` with errors, above).
        (other, Output::Array(_)) => {
            l.errs.push(sp, format!("the body must end with the derivative array `[e0, e1, …]` (or a local array holding it) of length {}, found {}", sig.n, other.describe()));
            None
        }
    };
    if l.errs.count() > before {
        return None;
    }
    Some(Lowered {
        graph: l.g,
        t,
        y,
        p,
        outputs: outputs?,
    })
}

struct Lower<'a> {
    g: Graph,
    errs: &'a mut Errors,
    scopes: Vec<Vec<Binding>>,
    float: Float,
    /// What the function returns, which says whether it is a loss.
    output: Output,
    unrolled: usize,
}

impl Lower<'_> {
    /// What the function is called in messages.
    fn noun(&self) -> &'static str {
        match self.output {
            Output::Scalar => "loss",
            Output::Array(_) => "vector field",
        }
    }

    fn lookup(&self, name: &str) -> Option<&Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|b| b.name == name)
    }

    fn lookup_mut(&mut self, name: &str) -> Option<&mut Binding> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|s| s.iter_mut().rev())
            .find(|b| b.name == name)
    }

    fn define(&mut self, name: String, value: Value, mutable: bool) {
        if let Some(s) = self.scopes.last_mut() {
            s.push(Binding {
                name,
                value,
                mutable,
                input: false,
            });
        }
    }

    fn block(&mut self, b: &Block) -> Value {
        self.scopes.push(Vec::new());
        for s in &b.stmts {
            self.stmt(s);
        }
        let v = b.tail.as_ref().map_or(Value::Unit, |e| self.expr(e));
        self.scopes.pop();
        v
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Let { pat, init } => {
                let v = self.expr(init);
                self.bind(pat, v, init.sp);
            }
            Stmt::Const { name, int, value } => {
                let v = self.expr(value);
                let v = match (v, *int) {
                    (Value::Int(i), true) => Value::Int(i),
                    (Value::Float(n), false) if self.g.const_of(n).is_some() => Value::Float(n),
                    (Value::Error, _) => Value::Error,
                    (other, int) => {
                        let want = if int { "an integer" } else { "a float" };
                        self.errs.push(value.sp, format!("a `const` must be a constant expression of its type ({want}), found {}", other.describe()));
                        Value::Error
                    }
                };
                self.define(name.to_string(), v, false);
            }
            Stmt::Assign { target, op, value } => self.assign(target, *op, value),
            Stmt::For {
                var,
                start,
                end,
                inclusive,
                body,
                sp,
            } => {
                let (Some(a), Some(b)) = (self.int(start), self.int(end)) else {
                    return;
                };
                let b = if *inclusive { b.saturating_add(1) } else { b };
                let count = usize::try_from(b.saturating_sub(a)).unwrap_or(0);
                self.unrolled = self.unrolled.saturating_add(count);
                if self.unrolled > MAX_UNROLLED {
                    self.errs.push(
                        *sp,
                        format!("loops unroll to more than {MAX_UNROLLED} iterations in total"),
                    );
                    return;
                }
                for i in a..b {
                    let before = self.errs.count();
                    self.scopes.push(Vec::new());
                    if let Some(v) = var {
                        self.define(v.to_string(), Value::Int(i), false);
                    }
                    self.block(body);
                    self.scopes.pop();
                    // One report per construct, not one per iteration.
                    if self.errs.count() > before {
                        break;
                    }
                }
            }
            Stmt::Expr(e) => {
                self.expr(e);
            }
        }
    }

    fn bind(&mut self, pat: &Pat, v: Value, sp: Sp) {
        match pat {
            Pat::Bind { name, mutable } => self.define(name.to_string(), v, *mutable),
            Pat::Wild => {}
            Pat::Array(pats, psp) => match v {
                Value::Array(elems) if elems.len() == pats.len() => {
                    for (p, e) in pats.iter().zip(elems) {
                        if matches!(p, Pat::Array(..)) {
                            self.errs
                                .push(*psp, "nested array patterns are not supported");
                            return;
                        }
                        self.bind(p, Value::Float(e), sp);
                    }
                }
                Value::Array(elems) => self.errs.push(
                    *psp,
                    format!(
                        "pattern has {} elements but the array has {}",
                        pats.len(),
                        elems.len()
                    ),
                ),
                Value::Error => {
                    for p in pats {
                        self.bind(p, Value::Error, sp);
                    }
                }
                other => self.errs.push(
                    sp,
                    format!(
                        "expected an array to destructure, found {}",
                        other.describe()
                    ),
                ),
            },
        }
    }

    fn assign(&mut self, target: &Expr, op: Option<Binary>, value: &Expr) {
        let (name, index) = match &target.kind {
            ExprKind::Var(n) => (n, None),
            ExprKind::Index(base, idx) => match &base.kind {
                ExprKind::Var(n) => (n, Some(idx)),
                _ => return,
            },
            _ => return,
        };
        let v = self.expr(value);
        let index = match index {
            Some(i) => match self.int(i) {
                Some(v) => Some((v, i.sp)),
                None => return,
            },
            None => None,
        };
        let Some(b) = self.lookup(&name.to_string()).cloned() else {
            if self.errs.poisoned.contains(&name.to_string()) {
                return;
            }
            let noun = self.noun();
            self.errs
                .push(Sp::of(name), format!("cannot find `{name}` in this {noun}"));
            return;
        };
        if b.input {
            let instead = match self.output {
                Output::Array(_) => {
                    "build the result in a local array such as `let mut out = [0.0; N];`"
                }
                Output::Scalar => "compute with new variables such as `let mut r = …;`",
            };
            self.errs.push(
                target.sp,
                format!("cannot assign to `{name}`: the inputs are read-only; {instead}"),
            );
            return;
        }
        if !b.mutable {
            self.errs.push(
                target.sp,
                format!("cannot assign to immutable `{name}`; declare it with `let mut {name}`"),
            );
            return;
        }
        let new = match (b.value.clone(), index) {
            (Value::Array(mut a), Some((i, isp))) => {
                let Some(slot) = usize::try_from(i).ok().filter(|&i| i < a.len()) else {
                    self.errs.push(
                        isp,
                        format!(
                            "index {i} is out of bounds for `{name}` of length {}",
                            a.len()
                        ),
                    );
                    return;
                };
                let Some(x) = self.combine(op, Value::Float(a[slot]), v, value.sp) else {
                    return;
                };
                a[slot] = x;
                Value::Array(a)
            }
            (Value::Float(old), None) => match self.combine(op, Value::Float(old), v, value.sp) {
                Some(x) => Value::Float(x),
                None => return,
            },
            (Value::Int(old), None) => match (op, v) {
                (None, Value::Int(x)) => Value::Int(x),
                (Some(o), Value::Int(x)) => match self.int_arith(BinOp::Arith(o), old, x, value.sp)
                {
                    Some(x) => Value::Int(x),
                    None => return,
                },
                (_, Value::Error) => return,
                (_, other) => {
                    self.errs.push(
                        value.sp,
                        format!("`{name}` is an integer; cannot assign {}", other.describe()),
                    );
                    return;
                }
            },
            (Value::Error, _) => return,
            (old, _) => {
                self.errs.push(
                    target.sp,
                    format!("cannot assign to {} here", old.describe()),
                );
                return;
            }
        };
        if let Some(b) = self.lookup_mut(&name.to_string()) {
            b.value = new;
        }
    }

    /// `old op= v` (or `= v`) for floats.
    fn combine(&mut self, op: Option<Binary>, old: Value, v: Value, sp: Sp) -> Option<NodeId> {
        let v = self.want_float(v, sp)?;
        match (op, old) {
            (None, _) => Some(v),
            (Some(b), Value::Float(o)) => Some(self.g.add(Op::Binary(b, o, v), sp.lo)),
            _ => None,
        }
    }

    fn if_else(&mut self, c: &Expr, then: &Block, els: Option<&Expr>) -> Value {
        let cond = match self.expr(c) {
            Value::Bool(n) => n,
            Value::Error => return Value::Error,
            other => {
                return self.type_error(
                    c.sp,
                    "the condition of `if` must be a comparison, found",
                    &other,
                )
            }
        };
        if let Op::Bool(b) = self.g.op(cond) {
            // Known at compile time (e.g. on a loop variable): only one branch exists.
            return if b {
                self.block(then)
            } else {
                els.map_or(Value::Unit, |e| self.expr(e))
            };
        }
        let snapshot = self.scopes.clone();
        let vt = self.block(then);
        let then_scopes = std::mem::replace(&mut self.scopes, snapshot);
        let ve = els.map_or(Value::Unit, |e| self.expr(e));
        let span = c.sp.lo;
        for (s, st) in then_scopes.into_iter().enumerate() {
            for (i, bt) in st.into_iter().enumerate() {
                let be = self.scopes[s][i].value.clone();
                if bt.value != be {
                    let merged = self.merge(cond, bt.value, be, c.sp, span);
                    self.scopes[s][i].value = merged;
                }
            }
        }
        self.merge(cond, vt, ve, c.sp, span)
    }

    fn merge(&mut self, c: NodeId, a: Value, b: Value, sp: Sp, span: proc_macro2::Span) -> Value {
        match (a, b) {
            (Value::Float(a), Value::Float(b)) => Value::Float(self.g.select(c, a, b, span)),
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => Value::Array(
                a.into_iter()
                    .zip(b)
                    .map(|(x, y)| self.g.select(c, x, y, span))
                    .collect(),
            ),
            (Value::Bool(a), Value::Bool(b)) => {
                let ta = self.g.add(Op::And(c, a), span);
                let nc = self.g.add(Op::Not(c), span);
                let tb = self.g.add(Op::And(nc, b), span);
                Value::Bool(self.g.add(Op::Or(ta, tb), span))
            }
            (Value::Unit, Value::Unit) => Value::Unit,
            (Value::Int(a), Value::Int(b)) if a == b => Value::Int(a),
            (Value::Error, _) | (_, Value::Error) => Value::Error,
            (a, b) => {
                self.errs.push(sp, format!("the branches of this `if` produce different kinds of values ({} and {}); an integer can only differ between branches decided at compile time", a.describe(), b.describe()));
                Value::Error
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lower;
    use crate::error::{Errors, Sp};
    use crate::ir::{eval, Input};
    use crate::signature::{parse_signature, Kind};

    /// Lowers a function and evaluates its outputs at `y`, `p`.
    fn run(src: &str, y: &[f64], p: &[f64]) -> Result<Vec<f64>, String> {
        let f: syn::ItemFn = syn::parse_str(src).map_err(|e| e.to_string())?;
        let mut errs = Errors::default();
        let sig = parse_signature(Kind::OdeSystem, &f, None, &mut errs).ok_or("signature")?;
        let body = crate::parse::block(&f.block, &mut errs);
        let end = Sp::single(proc_macro2::Span::call_site());
        let l = lower(&sig, &body, end, &mut errs);
        errs.finish().map_err(|e| e.to_string())?;
        let l = l.ok_or("no result")?;
        let val = eval(&l.graph, &|i| match i {
            Input::Y(k) => y[k as usize],
            Input::P(k) => p[k as usize],
            _ => 0.0,
        });
        Ok(l.outputs.iter().map(|&o| val[o as usize]).collect())
    }

    #[test]
    fn loops_unroll_with_index_arithmetic_and_static_ifs() {
        let src = "fn f(_t: f64, y: &[f64; 4], p: &[f64; 1]) -> [f64; 4] {
            const N: usize = 4;
            let mut out = [0.0; N];
            for i in 0..N {
                let left = if i > 0 { y[i - 1] } else { 0.0 };
                out[i] = p[0] * (left - y[i]);
                out[N - 1 - i] += 0.5 * (i as f64);
            }
            out
        }";
        let got = run(src, &[1.0, 2.0, 4.0, 8.0], &[3.0]);
        // Iteration i assigns out[i] (overwriting what an earlier `+=` added)
        // and then adds 0.5·i to out[3 − i].
        assert_eq!(got, Ok(vec![-3.0 + 1.5, -3.0 + 1.0, -6.0, -12.0]));
    }

    #[test]
    fn runtime_ifs_merge_assignments_of_both_branches() {
        let src = "fn f(_t: f64, y: &[f64; 2], _p: &[f64; 0]) -> [f64; 2] {
            let mut a = y[0];
            let mut b = 0.0;
            if y[0] > 1.0 && y[1] < 0.0 {
                a = 2.0 * a;
            } else {
                b = -1.0;
            }
            [a, b]
        }";
        assert_eq!(run(src, &[2.0, -1.0], &[]), Ok(vec![4.0, 0.0]));
        assert_eq!(run(src, &[2.0, 1.0], &[]), Ok(vec![2.0, -1.0]));
    }

    #[test]
    fn every_error_of_a_body_is_reported() {
        let src = "fn f(_t: f64, y: &[f64; 2], p: &[f64; 1]) -> [f64; 2] {
            let a = y[2];
            let b = 2 * p[0];
            [a]
        }";
        let err = run(src, &[0.0; 2], &[0.0]).err().unwrap_or_default();
        assert!(err.contains("out of bounds"), "{err}");
        let mut errs = Errors::default();
        let f: syn::ItemFn = syn::parse_str(src).unwrap_or_else(|e| panic!("{e}"));
        let sig = parse_signature(Kind::OdeSystem, &f, None, &mut errs);
        let body = crate::parse::block(&f.block, &mut errs);
        let end = Sp::single(proc_macro2::Span::call_site());
        if let Some(sig) = sig {
            lower(&sig, &body, end, &mut errs);
        }
        // Bounds, integer/float mixing; the result length is not reported on
        // top, since `a` and `b` already failed.
        assert_eq!(errs.count(), 2);
    }
}
