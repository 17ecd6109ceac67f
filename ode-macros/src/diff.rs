//! Differentiation by source transformation of the graph.
//!
//! Forward mode ([`forward`]) gives every node in the cone of the seeded
//! inputs a tangent node, in topological (arena) order: JVPs, Jacobian columns
//! (seed `e_j`) and `∂f/∂t`. Reverse mode ([`reverse`]) accumulates adjoint
//! nodes in reverse topological order, so the VJP is straight-line code with
//! no tape. Both write into the same hash-consed graph as the primal, so a
//! derivative reuses every primal value (`exp` reuses its own result, `tanh'`
//! is `1 − f²`), and the simplifier removes the zeros and ones the seeds
//! introduce. Reverse mode over forward-mode tangents gives the second-order
//! product `vjp_jvp`.
//!
//! Non-smooth points follow automatic differentiation: `abs' = sign(x)` (0 at
//! 0), `min`/`max` and `if`/`else` differentiate the branch taken. Adjoints
//! flowing into a branch are kept as `if c { a } else { 0 }` and multiplied
//! inside the `if`, so a NaN or infinite partial of the branch not taken
//! (`sqrt` of a negative number, say) cannot leak into the result as `0·NaN`.
//! Reference: Griewank & Walther, *Evaluating Derivatives* (2nd ed., SIAM
//! 2008), chapters 3–4.

use crate::ir::{Binary, Cmp, Graph, Input, NodeId, Op, Unary};
use proc_macro2::Span;
use std::f64::consts::{LN_10, LN_2};

/// How an operand's tangent is scaled by the local partial derivative.
#[derive(Clone, Copy)]
enum Partial {
    /// `d · k`
    Mul(NodeId),
    /// `d / k`
    Div(NodeId),
    /// `−(d / k)`
    NegDiv(NodeId),
}

/// Tangents of every node below `limit` in the cone of the seeds; `seeds`
/// maps input nodes to their tangent. `None` is a structural zero.
pub fn forward(g: &mut Graph, seeds: &[(NodeId, NodeId)], limit: usize) -> Vec<Option<NodeId>> {
    let mut tan: Vec<Option<NodeId>> = vec![None; limit];
    for &(input, seed) in seeds {
        if (input as usize) < limit {
            tan[input as usize] = Some(seed);
        }
    }
    for id in 0..limit as NodeId {
        let op = g.op(id);
        if matches!(op, Op::Input(_))
            || op.is_bool()
            || op.operands().all(|o| tan[o as usize].is_none())
        {
            continue;
        }
        let span = g.span(id);
        let t = |o: NodeId| tan[o as usize];
        let d = match op {
            Op::Unary(Unary::Neg, a) => t(a).map(|ta| g.neg(ta, span)),
            Op::Binary(Binary::Add, a, b) => sum(g, t(a), t(b), false, span),
            Op::Binary(Binary::Sub, a, b) => sum(g, t(a), t(b), true, span),
            Op::Binary(Binary::Mul, a, b) => {
                let x = t(a).map(|ta| g.mul(ta, b, span));
                let y = t(b).map(|tb| g.mul(a, tb, span));
                sum(g, x, y, false, span)
            }
            Op::Binary(Binary::Div, a, b) => match t(b) {
                // (a/b)' = (a' − f·b') / b
                None => t(a).map(|ta| g.div(ta, b, span)),
                Some(tb) => {
                    let fb = g.mul(id, tb, span);
                    let num = sum(g, t(a), Some(fb), true, span);
                    num.map(|n| g.div(n, b, span))
                }
            },
            Op::Binary(Binary::Atan2, a, b) => {
                // atan2(a, b)' = (a'·b − b'·a) / (a² + b²)
                let r = atan2_denominator(g, a, b, span);
                let x = t(a).map(|ta| g.mul(ta, b, span));
                let y = t(b).map(|tb| g.mul(tb, a, span));
                sum(g, x, y, true, span).map(|n| g.div(n, r, span))
            }
            Op::Binary(Binary::Hypot, a, b) => {
                let x = t(a).map(|ta| g.mul(ta, a, span));
                let y = t(b).map(|tb| g.mul(tb, b, span));
                sum(g, x, y, false, span).map(|n| g.div(n, id, span))
            }
            Op::Binary(Binary::Min, a, b) | Op::Binary(Binary::Max, a, b) => {
                let c = minmax_condition(g, op, a, b, span);
                let zero = g.constant(0.0, span);
                let (ta, tb) = (t(a).unwrap_or(zero), t(b).unwrap_or(zero));
                Some(g.select(c, ta, tb, span))
            }
            Op::Binary(Binary::Powf, a, b) => {
                let x = t(a).map(|ta| {
                    let k = powf_base_partial(g, a, b, span);
                    g.mul(ta, k, span)
                });
                let y = t(b).map(|tb| {
                    let k = powf_exponent_partial(g, id, a, span);
                    g.mul(tb, k, span)
                });
                sum(g, x, y, false, span)
            }
            Op::Select(c, a, b) => {
                let zero = g.constant(0.0, span);
                let (ta, tb) = (t(a).unwrap_or(zero), t(b).unwrap_or(zero));
                Some(g.select(c, ta, tb, span))
            }
            Op::Unary(..) | Op::Powi(..) => {
                let a = op.operands().next().unwrap_or(id);
                t(a).map(|ta| {
                    let k = partial(g, id, span);
                    apply(g, ta, k, span)
                })
            }
            Op::Const(_)
            | Op::Input(_)
            | Op::Bool(_)
            | Op::Cmp(..)
            | Op::And(..)
            | Op::Or(..)
            | Op::Not(_) => None,
        };
        tan[id as usize] = d.filter(|&n| !g.is_const(n, 0.0));
    }
    tan
}

/// Adjoints `∂(Σ cotangent·output)/∂x` for each `x` in `wrt`, by reverse
/// accumulation. `None` is a structural zero.
pub fn reverse(g: &mut Graph, outputs: &[(NodeId, NodeId)], wrt: &[NodeId]) -> Vec<Option<NodeId>> {
    let limit = outputs
        .iter()
        .map(|&(o, _)| o as usize + 1)
        .max()
        .unwrap_or(0);
    // Active nodes depend on a `wrt` input; only they carry adjoints.
    let mut active = vec![false; limit];
    for &x in wrt {
        if (x as usize) < limit {
            active[x as usize] = true;
        }
    }
    for id in 0..limit as NodeId {
        let op = g.op(id);
        if !op.is_bool() && !active[id as usize] {
            let ops: Vec<NodeId> = match op {
                Op::Select(_, a, b) => vec![a, b],
                _ => op.operands().collect(),
            };
            active[id as usize] = ops.iter().any(|&o| active[o as usize]);
        }
    }
    // Contributions (node, negated) to each adjoint, summed only when the
    // node is reached, all of them being known by then (reverse order).
    let mut parts: Vec<Vec<(NodeId, bool)>> = vec![Vec::new(); limit];
    let mut adj: Vec<Option<NodeId>> = vec![None; limit];
    for &(o, w) in outputs {
        if active[o as usize] {
            parts[o as usize].push((w, false));
        }
    }
    for id in (0..limit as NodeId).rev() {
        let span = g.span(id);
        let Some(a) = tree_sum(g, std::mem::take(&mut parts[id as usize]), span) else {
            continue;
        };
        adj[id as usize] = Some(a);
        let op = g.op(id);
        let mut push = |g: &mut Graph, target: NodeId, c: NodeId, neg: bool| {
            if active[target as usize] && !g.is_const(c, 0.0) {
                parts[target as usize].push((c, neg));
            }
        };
        match op {
            Op::Input(_) => continue,
            Op::Unary(Unary::Neg, x) => push(g, x, a, true),
            Op::Binary(Binary::Add, x, y) => {
                push(g, x, a, false);
                push(g, y, a, false);
            }
            Op::Binary(Binary::Sub, x, y) => {
                push(g, x, a, false);
                push(g, y, a, true);
            }
            Op::Binary(Binary::Mul, x, y) => {
                let cx = scale(g, a, &Partial::Mul(y), span);
                push(g, x, cx, false);
                let cy = scale(g, a, &Partial::Mul(x), span);
                push(g, y, cy, false);
            }
            Op::Binary(Binary::Div, x, y) => {
                // q = ā / y;  x̄ += q;  ȳ −= q·f
                let q = scale(g, a, &Partial::Div(y), span);
                push(g, x, q, false);
                let qy = scale(g, q, &Partial::Mul(id), span);
                push(g, y, qy, true);
            }
            Op::Binary(Binary::Atan2, x, y) => {
                let r = atan2_denominator(g, x, y, span);
                let q = scale(g, a, &Partial::Div(r), span);
                let cx = scale(g, q, &Partial::Mul(y), span);
                push(g, x, cx, false);
                let cy = scale(g, q, &Partial::Mul(x), span);
                push(g, y, cy, true);
            }
            Op::Binary(Binary::Hypot, x, y) => {
                let q = scale(g, a, &Partial::Div(id), span);
                let cx = scale(g, q, &Partial::Mul(x), span);
                push(g, x, cx, false);
                let cy = scale(g, q, &Partial::Mul(y), span);
                push(g, y, cy, false);
            }
            Op::Binary(Binary::Min, x, y) | Op::Binary(Binary::Max, x, y) => {
                let c = minmax_condition(g, op, x, y, span);
                let zero = g.constant(0.0, span);
                let cx = branch(g, c, a, zero, span);
                push(g, x, cx, false);
                let cy = branch(g, c, zero, a, span);
                push(g, y, cy, false);
            }
            Op::Binary(Binary::Powf, x, y) => {
                if active[x as usize] {
                    let k = powf_base_partial(g, x, y, span);
                    let cx = scale(g, a, &Partial::Mul(k), span);
                    push(g, x, cx, false);
                }
                if active[y as usize] {
                    let k = powf_exponent_partial(g, id, x, span);
                    let cy = scale(g, a, &Partial::Mul(k), span);
                    push(g, y, cy, false);
                }
            }
            Op::Select(c, x, y) => {
                let zero = g.constant(0.0, span);
                let cx = branch(g, c, a, zero, span);
                push(g, x, cx, false);
                let cy = branch(g, c, zero, a, span);
                push(g, y, cy, false);
            }
            Op::Unary(_, x) | Op::Powi(x, _) => {
                let k = partial(g, id, span);
                let cx = scale(g, a, &k, span);
                push(g, x, cx, false);
            }
            Op::Const(_) | Op::Bool(_) | Op::Cmp(..) | Op::And(..) | Op::Or(..) | Op::Not(_) => {}
        }
    }
    wrt.iter()
        .map(|&x| adj.get(x as usize).copied().flatten())
        .collect()
}

/// The sum of signed contributions as a balanced tree: a node read by many
/// others (a parameter scaling every component, say) gets its adjoint in
/// log₂ k dependent additions instead of a chain of k.
fn tree_sum(g: &mut Graph, mut terms: Vec<(NodeId, bool)>, span: Span) -> Option<NodeId> {
    // Branch adjoints of one condition side by side, so that they merge
    // into one select and keep their guard (see `accumulate`).
    terms.sort_by_key(|&(t, _)| match g.op(t) {
        Op::Select(c, ..) => c,
        _ => NodeId::MAX,
    });
    while terms.len() > 1 {
        let mut next = Vec::with_capacity(terms.len().div_ceil(2));
        for pair in terms.chunks(2) {
            next.push(match *pair {
                [(a, false), (b, nb)] => (accumulate(g, Some(a), b, nb, span), false),
                [(a, true), (b, false)] => (accumulate(g, Some(b), a, true, span), false),
                [(a, true), (b, true)] => (accumulate(g, Some(a), b, false, span), true),
                _ => pair[0],
            });
        }
        terms = next;
    }
    terms
        .pop()
        .map(|(a, neg)| if neg { negate(g, a, span) } else { a })
}

/// `x ± y` where `None` is zero.
fn sum(
    g: &mut Graph,
    x: Option<NodeId>,
    y: Option<NodeId>,
    minus: bool,
    span: Span,
) -> Option<NodeId> {
    match (x, y) {
        (None, None) => None,
        (Some(x), None) => Some(x),
        (None, Some(y)) => Some(if minus { g.neg(y, span) } else { y }),
        (Some(x), Some(y)) => Some(if minus {
            g.sub(x, y, span)
        } else {
            g.add2(x, y, span)
        }),
    }
}

/// Adds (or subtracts) contribution `c` to an adjoint, merging two branch
/// adjoints of the same condition into one select so the guard survives.
fn accumulate(g: &mut Graph, prev: Option<NodeId>, c: NodeId, neg: bool, span: Span) -> NodeId {
    let Some(p) = prev else {
        return if neg { negate(g, c, span) } else { c };
    };
    if let (Op::Select(k1, a, b), Op::Select(k2, d, e)) = (g.op(p), g.op(c)) {
        if k1 == k2 {
            let x = accumulate(g, Some(a), d, neg, span);
            let y = accumulate(g, Some(b), e, neg, span);
            return g.select(k1, x, y, span);
        }
    }
    if neg {
        g.sub(p, c, span)
    } else {
        g.add2(p, c, span)
    }
}

/// `−c`, pushed inside selects.
fn negate(g: &mut Graph, c: NodeId, span: Span) -> NodeId {
    match g.op(c) {
        Op::Select(k, a, b) => {
            let x = negate(g, a, span);
            let y = negate(g, b, span);
            g.select(k, x, y, span)
        }
        _ => g.neg(c, span),
    }
}

/// `if c { a } else { b }` for adjoints.
fn branch(g: &mut Graph, c: NodeId, a: NodeId, b: NodeId, span: Span) -> NodeId {
    g.select(c, a, b, span)
}

/// An adjoint times a partial, pushed inside selects (see the module docs).
fn scale(g: &mut Graph, a: NodeId, k: &Partial, span: Span) -> NodeId {
    if let Op::Select(c, x, y) = g.op(a) {
        let x = scale(g, x, k, span);
        let y = scale(g, y, k, span);
        return g.select(c, x, y, span);
    }
    apply(g, a, *k, span)
}

fn apply(g: &mut Graph, d: NodeId, k: Partial, span: Span) -> NodeId {
    match k {
        Partial::Mul(k) => g.mul(d, k, span),
        Partial::Div(k) => g.div(d, k, span),
        Partial::NegDiv(k) => {
            let q = g.div(d, k, span);
            g.neg(q, span)
        }
    }
}

/// The local partial derivative of a one-argument node `f = u(x)`,
/// expressed with `f` itself wherever that saves work.
fn partial(g: &mut Graph, f: NodeId, span: Span) -> Partial {
    let c = |g: &mut Graph, v: f64| g.constant(v, span);
    let (u, x) = match g.op(f) {
        Op::Unary(u, x) => (u, x),
        Op::Powi(x, n) => {
            // (xⁿ)' = n·xⁿ⁻¹
            let p = g.add(Op::Powi(x, n - 1), span);
            let k = c(g, f64::from(n));
            return Partial::Mul(g.mul(k, p, span));
        }
        _ => return Partial::Mul(c(g, 0.0)),
    };
    let one = c(g, 1.0);
    match u {
        Unary::Neg => Partial::Mul(c(g, -1.0)),
        Unary::Sin => Partial::Mul(g.unary(Unary::Cos, x, span)),
        Unary::Cos => {
            let s = g.unary(Unary::Sin, x, span);
            Partial::Mul(g.neg(s, span))
        }
        Unary::Tan => {
            let f2 = g.mul(f, f, span);
            Partial::Mul(g.add2(one, f2, span))
        }
        Unary::Asin | Unary::Acos => {
            let x2 = g.mul(x, x, span);
            let r = g.sub(one, x2, span);
            let s = g.unary(Unary::Sqrt, r, span);
            if u == Unary::Asin {
                Partial::Div(s)
            } else {
                Partial::NegDiv(s)
            }
        }
        Unary::Atan => {
            let x2 = g.mul(x, x, span);
            Partial::Div(g.add2(one, x2, span))
        }
        Unary::Sinh => Partial::Mul(g.unary(Unary::Cosh, x, span)),
        Unary::Cosh => Partial::Mul(g.unary(Unary::Sinh, x, span)),
        Unary::Tanh => {
            let f2 = g.mul(f, f, span);
            Partial::Mul(g.sub(one, f2, span))
        }
        Unary::Exp => Partial::Mul(f),
        Unary::Exp2 => {
            let l = c(g, LN_2);
            Partial::Mul(g.mul(f, l, span))
        }
        Unary::Ln => Partial::Div(x),
        Unary::Log10 | Unary::Log2 => {
            let l = c(g, if u == Unary::Log10 { LN_10 } else { LN_2 });
            Partial::Div(g.mul(x, l, span))
        }
        Unary::Sqrt => {
            let two = c(g, 2.0);
            Partial::Div(g.mul(two, f, span))
        }
        Unary::Cbrt => {
            // (x^{1/3})' = 1 / (3 f²)
            let three = c(g, 3.0);
            let f2 = g.mul(f, f, span);
            Partial::Div(g.mul(three, f2, span))
        }
        Unary::Abs => {
            // sign(x), 0 at 0
            let zero = c(g, 0.0);
            let m1 = c(g, -1.0);
            let pos = g.cmp(Cmp::Gt, x, zero, span);
            let negc = g.cmp(Cmp::Lt, x, zero, span);
            let inner = g.select(negc, m1, zero, span);
            Partial::Mul(g.select(pos, one, inner, span))
        }
    }
}

/// The condition under which `min`/`max` returns its first operand.
fn minmax_condition(g: &mut Graph, op: Op, a: NodeId, b: NodeId, span: Span) -> NodeId {
    let cmp = if matches!(op, Op::Binary(Binary::Min, ..)) {
        Cmp::Le
    } else {
        Cmp::Ge
    };
    g.cmp(cmp, a, b, span)
}

/// `a² + b²`, the denominator of both partials of `atan2(a, b)`.
fn atan2_denominator(g: &mut Graph, a: NodeId, b: NodeId, span: Span) -> NodeId {
    let a2 = g.mul(a, a, span);
    let b2 = g.mul(b, b, span);
    g.add2(a2, b2, span)
}

/// `∂ xʸ / ∂x = y · x^(y−1)`.
fn powf_base_partial(g: &mut Graph, x: NodeId, y: NodeId, span: Span) -> NodeId {
    let one = g.constant(1.0, span);
    let ym1 = g.sub(y, one, span);
    let p = g.add(Op::Binary(Binary::Powf, x, ym1), span);
    g.mul(y, p, span)
}

/// `∂ xʸ / ∂y = xʸ · ln x`.
fn powf_exponent_partial(g: &mut Graph, f: NodeId, x: NodeId, span: Span) -> NodeId {
    let l = g.unary(Unary::Ln, x, span);
    g.mul(f, l, span)
}

/// The input nodes of a system, created up front so they exist in every graph.
pub fn inputs(g: &mut Graph, n: usize, p: usize, span: Span) -> (NodeId, Vec<NodeId>, Vec<NodeId>) {
    let t = g.input(Input::T, span);
    let y = (0..n as u32).map(|i| g.input(Input::Y(i), span)).collect();
    let p = (0..p as u32).map(|i| g.input(Input::P(i), span)).collect();
    (t, y, p)
}

/// Every derivative the `OdeSystem` trait asks for, as nodes of one graph.
pub struct Derivatives {
    /// `f`.
    pub rhs: Vec<NodeId>,
    /// `J_y v` (direction inputs `Vy`).
    pub jvp_y: Vec<Option<NodeId>>,
    /// `J_p v` (direction inputs `Vp`).
    pub jvp_p: Vec<Option<NodeId>>,
    /// `wᵀ J_y`.
    pub vjp_y: Vec<Option<NodeId>>,
    /// `wᵀ J_p`.
    pub vjp_p: Vec<Option<NodeId>>,
    /// `J_y`, row-major.
    pub jac_y: Vec<Vec<Option<NodeId>>>,
    /// `J_p`, row-major.
    pub jac_p: Vec<Vec<Option<NodeId>>>,
    /// `∂f/∂t`.
    pub dfdt: Vec<Option<NodeId>>,
    /// `∇_y wᵀ(J_y v + ∂f/∂t v_t)`.
    pub vjp_jvp_y: Vec<Option<NodeId>>,
    /// `∇_p wᵀ(J_y v + ∂f/∂t v_t)`.
    pub vjp_jvp_p: Vec<Option<NodeId>>,
    /// `∂/∂t wᵀ(J_y v + ∂f/∂t v_t)`.
    pub vjp_jvp_t: Option<NodeId>,
}

/// Differentiates the vector field `outputs(t, y, p)` in every way the trait needs.
pub fn derivatives(
    g: &mut Graph,
    t: NodeId,
    y: &[NodeId],
    p: &[NodeId],
    outputs: &[NodeId],
) -> Derivatives {
    let limit = outputs.iter().map(|&o| o as usize + 1).max().unwrap_or(0);
    let span = outputs.first().map_or_else(Span::call_site, |&o| g.span(o));
    let pick = |tan: &[Option<NodeId>]| -> Vec<Option<NodeId>> {
        outputs.iter().map(|&o| tan[o as usize]).collect()
    };
    let directional = |g: &mut Graph, xs: &[NodeId], mk: fn(u32) -> Input| -> Vec<Option<NodeId>> {
        let seeds: Vec<(NodeId, NodeId)> = xs
            .iter()
            .enumerate()
            .map(|(j, &x)| (x, g.input(mk(j as u32), span)))
            .collect();
        pick(&forward(g, &seeds, limit))
    };
    let jvp_y = directional(g, y, Input::Vy);
    let jvp_p = directional(g, p, Input::Vp);
    let columns = |g: &mut Graph, xs: &[NodeId]| -> Vec<Vec<Option<NodeId>>> {
        let one = g.constant(1.0, span);
        let cols: Vec<Vec<Option<NodeId>>> = xs
            .iter()
            .map(|&x| pick(&forward(g, &[(x, one)], limit)))
            .collect();
        (0..outputs.len())
            .map(|i| cols.iter().map(|c| c[i]).collect())
            .collect()
    };
    let jac_y = columns(g, y);
    let jac_p = columns(g, p);
    let one = g.constant(1.0, span);
    let dfdt = pick(&forward(g, &[(t, one)], limit));

    let cotangents: Vec<(NodeId, NodeId)> = outputs
        .iter()
        .enumerate()
        .map(|(i, &o)| (o, g.input(Input::W(i as u32), span)))
        .collect();
    let wrt: Vec<NodeId> = y.iter().chain(p).copied().collect();
    let adj = reverse(g, &cotangents, &wrt);
    let (vjp_y, vjp_p) = (adj[..y.len()].to_vec(), adj[y.len()..].to_vec());

    // Second order: reverse mode over the tangent graph of (v, v_t).
    let mut seeds: Vec<(NodeId, NodeId)> = y
        .iter()
        .enumerate()
        .map(|(j, &x)| (x, g.input(Input::Vy(j as u32), span)))
        .collect();
    seeds.push((t, g.input(Input::Vt, span)));
    let tan = pick(&forward(g, &seeds, limit));
    let cot: Vec<(NodeId, NodeId)> = tan
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|d| (d, g.input(Input::W(i as u32), span))))
        .collect();
    let mut wrt2 = wrt;
    wrt2.push(t);
    let adj2 = reverse(g, &cot, &wrt2);
    Derivatives {
        rhs: outputs.to_vec(),
        jvp_y,
        jvp_p,
        vjp_y,
        vjp_p,
        jac_y,
        jac_p,
        dfdt,
        vjp_jvp_y: adj2[..y.len()].to_vec(),
        vjp_jvp_p: adj2[y.len()..y.len() + p.len()].to_vec(),
        vjp_jvp_t: adj2[y.len() + p.len()],
    }
}

/// The gradient of a scalar loss `output(t, y, p)`: `(∂ℓ/∂y, ∂ℓ/∂p)`.
///
/// One reverse sweep seeded with the constant 1, in the loss's own graph, so
/// the gradient reuses every primal value and the value and gradient share
/// their common subexpressions when emitted together.
pub struct Gradient {
    /// `ℓ`.
    pub value: NodeId,
    /// `∂ℓ/∂y`.
    pub y: Vec<Option<NodeId>>,
    /// `∂ℓ/∂p`.
    pub p: Vec<Option<NodeId>>,
}

/// Differentiates the loss `output` with respect to `y` and `p`.
pub fn gradient(g: &mut Graph, y: &[NodeId], p: &[NodeId], output: NodeId) -> Gradient {
    let one = g.constant(1.0, g.span(output));
    let wrt: Vec<NodeId> = y.iter().chain(p).copied().collect();
    let adj = reverse(g, &[(output, one)], &wrt);
    Gradient {
        value: output,
        y: adj[..y.len()].to_vec(),
        p: adj[y.len()..].to_vec(),
    }
}
