//! Algebraic simplification, applied as each node is created.
//!
//! Derivative code is mostly multiplications by seeds that are 0 or 1, so
//! rewriting at construction (constant folding, `x·0`, `x·1`, `x+0`, `−(−x)`,
//! moving negations outward so they cancel) keeps the graph at the size of a
//! hand-derived expression and makes structural zeros visible: a Jacobian
//! entry is structurally zero exactly when it folds to the literal `0`. Dead
//! nodes are never emitted: the emitter walks only what its outputs reach
//! ([`crate::ir::Graph::live`]). `x·0 → 0` ignores that `inf·0` is NaN and
//! that `−3·0` is `−0.0`, as symbolic differentiation conventionally does.

use crate::ir::{eval_binary, eval_cmp, eval_unary, Binary, Graph, NodeId, Op, Unary};
use proc_macro2::Span;

/// The outcome of [`peephole`]: an existing node, or the operation to intern.
pub enum Rewrite {
    Node(NodeId),
    Op(Op),
}

/// Rewrites `op` into a simpler equivalent (or folds it to a constant).
pub fn peephole(g: &mut Graph, op: Op, span: Span) -> Rewrite {
    use Rewrite::{Node, Op as R};
    let c = |g: &Graph, id: NodeId| g.const_of(id);
    match op {
        Op::Unary(u, a) => {
            if let Some(x) = c(g, a) {
                return Node(g.constant(eval_unary(u, x), span));
            }
            if u == Unary::Neg {
                match g.op(a) {
                    Op::Unary(Unary::Neg, x) => return Node(x),
                    Op::Binary(Binary::Sub, x, y) => return Node(g.sub(y, x, span)),
                    _ => {}
                }
            }
            R(op)
        }
        Op::Binary(b, x, y) => binary(g, b, x, y, span),
        Op::Powi(a, n) => {
            if let Some(x) = c(g, a) {
                return Node(g.constant(x.powi(n), span));
            }
            match n {
                0 => Node(g.constant(1.0, span)),
                1 => Node(a),
                _ => R(op),
            }
        }
        Op::Cmp(cmp, x, y) => match (c(g, x), c(g, y)) {
            (Some(x), Some(y)) => Node(g.intern(Op::Bool(eval_cmp(cmp, x, y)), span)),
            _ => R(op),
        },
        Op::Not(a) => match g.op(a) {
            Op::Bool(b) => Node(g.intern(Op::Bool(!b), span)),
            Op::Not(x) => Node(x),
            _ => R(op),
        },
        Op::And(x, y) | Op::Or(x, y) => {
            let is_and = matches!(op, Op::And(..));
            // `true && y = y`, `false && y = false`; dually for `||`.
            for (k, other) in [(x, y), (y, x)] {
                if let Op::Bool(b) = g.op(k) {
                    return Node(if b == is_and { other } else { k });
                }
            }
            R(op)
        }
        Op::Select(cond, a, b) => {
            if a == b {
                return Node(a);
            }
            match g.op(cond) {
                Op::Bool(t) => return Node(if t { a } else { b }),
                Op::Not(inner) => return Node(g.select(inner, b, a, span)),
                _ => {}
            }
            // A select nested under the same condition always takes the same side.
            let a = match g.op(a) {
                Op::Select(k, x, _) if k == cond => x,
                _ => a,
            };
            let b = match g.op(b) {
                Op::Select(k, _, y) if k == cond => y,
                _ => b,
            };
            if a == b {
                return Node(a);
            }
            R(Op::Select(cond, a, b))
        }
        Op::Const(_) | Op::Input(_) | Op::Bool(_) => R(op),
    }
}

fn binary(g: &mut Graph, b: Binary, x: NodeId, y: NodeId, span: Span) -> Rewrite {
    use Rewrite::{Node, Op as R};
    let (cx, cy) = (g.const_of(x), g.const_of(y));
    if let (Some(u), Some(v)) = (cx, cy) {
        return Node(g.constant(eval_binary(b, u, v), span));
    }
    let neg_of = |g: &Graph, id: NodeId| match g.op(id) {
        Op::Unary(Unary::Neg, a) => Some(a),
        _ => None,
    };
    match b {
        Binary::Add => {
            // Canonical operand order: a + b and b + a are one node.
            let (x, y, cx, cy) = if x > y {
                (y, x, cy, cx)
            } else {
                (x, y, cx, cy)
            };
            if cx == Some(0.0) {
                return Node(y);
            }
            if cy == Some(0.0) {
                return Node(x);
            }
            if let Some(a) = neg_of(g, y) {
                return Node(g.sub(x, a, span));
            }
            if let Some(a) = neg_of(g, x) {
                return Node(g.sub(y, a, span));
            }
            for (k, other) in [(cx, y), (cy, x)] {
                if let Some(v) = k.filter(|v| *v < 0.0) {
                    let m = g.constant(-v, span);
                    return Node(g.sub(other, m, span));
                }
            }
            R(Op::Binary(b, x, y))
        }
        Binary::Sub => {
            if cy == Some(0.0) {
                return Node(x);
            }
            if cx == Some(0.0) {
                return Node(g.neg(y, span));
            }
            if let Some(a) = neg_of(g, y) {
                return Node(g.add2(x, a, span));
            }
            if let Some(v) = cy.filter(|v| *v < 0.0) {
                let m = g.constant(-v, span);
                return Node(g.add2(x, m, span));
            }
            R(Op::Binary(b, x, y))
        }
        Binary::Mul => {
            let (x, y, cx, cy) = if x > y {
                (y, x, cy, cx)
            } else {
                (x, y, cx, cy)
            };
            for (k, other) in [(cx, y), (cy, x)] {
                match k {
                    Some(0.0) => return Node(g.constant(0.0, span)),
                    Some(1.0) => return Node(other),
                    Some(-1.0) => return Node(g.neg(other, span)),
                    Some(v) => {
                        if let Some(a) = neg_of(g, other) {
                            let m = g.constant(-v, span);
                            return Node(g.mul(m, a, span));
                        }
                    }
                    None => {}
                }
            }
            match (neg_of(g, x), neg_of(g, y)) {
                (Some(a), Some(c)) => Node(g.mul(a, c, span)),
                (Some(a), None) => {
                    let m = g.mul(a, y, span);
                    Node(g.neg(m, span))
                }
                (None, Some(c)) => {
                    let m = g.mul(x, c, span);
                    Node(g.neg(m, span))
                }
                (None, None) => R(Op::Binary(b, x, y)),
            }
        }
        Binary::Div => {
            if cx == Some(0.0) {
                return Node(g.constant(0.0, span));
            }
            if cy == Some(1.0) {
                return Node(x);
            }
            if cy == Some(-1.0) {
                return Node(g.neg(x, span));
            }
            if let Some(a) = neg_of(g, x) {
                let d = g.div(a, y, span);
                return Node(g.neg(d, span));
            }
            R(Op::Binary(b, x, y))
        }
        Binary::Powf => {
            if cy == Some(1.0) {
                return Node(x);
            }
            R(Op::Binary(b, x, y))
        }
        Binary::Atan2 | Binary::Hypot | Binary::Min | Binary::Max => R(Op::Binary(b, x, y)),
    }
}

#[cfg(test)]
mod tests {
    use crate::ir::{Binary, Graph, Input, Op, Unary};
    use proc_macro2::Span;

    #[test]
    fn identities_return_existing_nodes() {
        let s = Span::call_site();
        let mut g = Graph::new(false, true);
        let x = g.input(Input::Y(0), s);
        let y = g.input(Input::Y(1), s);
        let (zero, one) = (g.constant(0.0, s), g.constant(1.0, s));
        assert_eq!(g.mul(x, one, s), x);
        assert_eq!(g.add2(zero, x, s), x);
        assert_eq!(g.sub(x, zero, s), x);
        assert_eq!(g.div(x, one, s), x);
        let nx = g.neg(x, s);
        assert_eq!(g.neg(nx, s), x);
        let z = g.mul(y, zero, s);
        assert_eq!(g.const_of(z), Some(0.0));
        // a + (−b) is a − b; −a · −b is a · b; b · a is a · b.
        let ny = g.neg(y, s);
        let d = g.add2(x, ny, s);
        assert_eq!(g.op(d), Op::Binary(Binary::Sub, x, y));
        let p = g.mul(nx, ny, s);
        assert_eq!(p, g.mul(y, x, s));
    }

    #[test]
    fn constants_fold_and_selects_resolve() {
        let s = Span::call_site();
        let mut g = Graph::new(false, true);
        let two = g.constant(2.0, s);
        let e = g.unary(Unary::Exp, two, s);
        assert_eq!(g.const_of(e), Some(2.0f64.exp()));
        let x = g.input(Input::Y(0), s);
        let c = g.cmp(crate::ir::Cmp::Lt, two, e, s);
        assert_eq!(g.select(c, x, two, s), x);
        let c = g.cmp(crate::ir::Cmp::Lt, x, two, s);
        assert_eq!(g.select(c, x, x, s), x);
        let inner = g.select(c, x, two, s);
        // The same condition decides the nested select.
        assert_eq!(g.select(c, inner, e, s), g.select(c, x, e, s));
    }

    #[test]
    fn f32_constants_are_rounded() {
        let s = Span::call_site();
        let mut g = Graph::new(true, true);
        let c = g.constant(0.1, s);
        assert_eq!(g.const_of(c), Some(f64::from(0.1f32)));
    }
}
