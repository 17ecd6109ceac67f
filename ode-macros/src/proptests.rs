//! Property tests of differentiation and simplification on random graphs.
//!
//! A random expression DAG (depth ≥ 8, every operation of the IR, shared
//! subexpressions) over three inputs is evaluated three ways: by the IR
//! interpreter on the raw graph, by the interpreter on the simplified graph
//! (values must agree: simplification preserves values), and with dual
//! numbers written independently of `diff` (textbook derivative formulas).
//! The forward tangents (one column per input) and the reverse adjoints that
//! `diff` builds, evaluated by the interpreter, must equal the dual gradient,
//! and (in every tenth case) reverse mode over a forward tangent (the
//! Hessian–vector product, as `vjp_jvp` builds it) must equal forward mode
//! over the same tangent.

use crate::diff::{forward, reverse};
use crate::ir::{
    eval, eval_binary, eval_cmp, eval_unary, Binary, Cmp, Graph, Input, NodeId, Op, Unary,
};
use proc_macro2::Span;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::Cell;

const INPUTS: usize = 3;

/// One node of a random expression; operands index earlier nodes.
#[derive(Clone, Copy, Debug)]
enum Spec {
    Input(u32),
    Const(f64),
    Unary(Unary, usize),
    Binary(Binary, usize, usize),
    Powi(usize, i32),
    /// `if (a ⋈ b) [∧/∨/¬ (c ⋈ d)] { x } else { z }`; `logic`: 0 plain, 1 and, 2 or, 3 not.
    Select {
        cmp: Cmp,
        a: usize,
        b: usize,
        logic: u8,
        c: usize,
        d: usize,
        x: usize,
        z: usize,
    },
}

const UNARY: [Unary; 18] = [
    Unary::Neg,
    Unary::Sin,
    Unary::Cos,
    Unary::Tan,
    Unary::Asin,
    Unary::Acos,
    Unary::Atan,
    Unary::Sinh,
    Unary::Cosh,
    Unary::Tanh,
    Unary::Exp,
    Unary::Exp2,
    Unary::Ln,
    Unary::Log10,
    Unary::Log2,
    Unary::Sqrt,
    Unary::Cbrt,
    Unary::Abs,
];
const BINARY: [Binary; 9] = [
    Binary::Add,
    Binary::Sub,
    Binary::Mul,
    Binary::Div,
    Binary::Powf,
    Binary::Atan2,
    Binary::Hypot,
    Binary::Min,
    Binary::Max,
];
const CMP: [Cmp; 6] = [Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Eq, Cmp::Ne];

/// Appends `op(operands)` to `out`, inserting wrapper nodes that keep the
/// arguments of partial functions inside their domain (e.g. `ln(a² + 0.5)`).
fn push(out: &mut Vec<Spec>, kind: u8, pick: [usize; 6], n: i32, konst: f64) -> usize {
    let last = out.len() - 1;
    let len = out.len();
    let any = |k: usize| pick[k] % len;
    let add = |out: &mut Vec<Spec>, s: Spec| {
        out.push(s);
        out.len() - 1
    };
    // a² + 0.5 > 0
    let positive = |out: &mut Vec<Spec>, a: usize| {
        let sq = {
            out.push(Spec::Binary(Binary::Mul, a, a));
            out.len() - 1
        };
        let h = {
            out.push(Spec::Const(0.5));
            out.len() - 1
        };
        out.push(Spec::Binary(Binary::Add, sq, h));
        out.len() - 1
    };
    // 0.9 sin(a) ∈ (−1, 1)
    let unit = |out: &mut Vec<Spec>, a: usize| {
        let s = {
            out.push(Spec::Unary(Unary::Sin, a));
            out.len() - 1
        };
        let c = {
            out.push(Spec::Const(0.9));
            out.len() - 1
        };
        out.push(Spec::Binary(Binary::Mul, s, c));
        out.len() - 1
    };
    // Identity elements and a random constant, so that the simplifier's
    // rules (x·0, x·1, x+0, folding) fire.
    let special = [konst, 0.0, 1.0, -1.0][pick[5] % 4];
    match kind % 7 {
        0 | 1 => {
            let u = UNARY[pick[1] % UNARY.len()];
            let a = match u {
                Unary::Asin
                | Unary::Acos
                | Unary::Tan
                | Unary::Exp
                | Unary::Exp2
                | Unary::Sinh
                | Unary::Cosh => unit(out, last),
                Unary::Ln | Unary::Log10 | Unary::Log2 | Unary::Sqrt | Unary::Cbrt => {
                    positive(out, last)
                }
                _ => last,
            };
            add(out, Spec::Unary(u, a))
        }
        2 => {
            let b = BINARY[pick[1] % BINARY.len()];
            let other = if pick[4].is_multiple_of(3) {
                add(out, Spec::Const(special))
            } else {
                any(2)
            };
            let (x, y) = if pick[3].is_multiple_of(2) {
                (last, other)
            } else {
                (other, last)
            };
            let (x, y) = match b {
                Binary::Div => (x, positive(out, y)),
                Binary::Powf => (positive(out, x), unit(out, y)),
                _ => (x, y),
            };
            add(out, Spec::Binary(b, x, y))
        }
        3 => {
            let a = unit(out, last);
            add(out, Spec::Powi(a, n))
        }
        4 => {
            // A constant subexpression (folded) combined with the chain.
            let c1 = add(out, Spec::Const(konst));
            let c2 = add(out, Spec::Const(special));
            let b = BINARY[pick[1] % BINARY.len()];
            let (c1, c2) = match b {
                Binary::Div | Binary::Powf => (c1, positive(out, c2)),
                _ => (c1, c2),
            };
            let folded = add(out, Spec::Binary(b, c1, c2));
            let neg = add(out, Spec::Unary(Unary::Neg, folded));
            add(out, Spec::Binary(BINARY[pick[2] % 3], last, neg))
        }
        _ => {
            let k = add(out, Spec::Const(konst));
            let cmp = CMP[pick[1] % CMP.len()];
            add(
                out,
                Spec::Select {
                    cmp,
                    a: last,
                    b: k,
                    logic: (pick[2] % 4) as u8,
                    c: any(3),
                    d: any(4),
                    x: last,
                    z: any(5),
                },
            )
        }
    }
}

fn spec_strategy() -> impl Strategy<Value = Vec<Spec>> {
    let step = (any::<u8>(), any::<[usize; 6]>(), -3i32..=4, -1.0f64..1.0);
    prop::collection::vec(step, 8..20).prop_map(|steps| {
        let mut out: Vec<Spec> = (0..INPUTS as u32).map(Spec::Input).collect();
        for (kind, pick, n, k) in steps {
            push(&mut out, kind, pick, n, k);
        }
        out
    })
}

/// The graph of a spec; returns the node of each spec entry.
fn build(g: &mut Graph, spec: &[Spec]) -> Vec<NodeId> {
    let s = Span::call_site();
    let mut ids: Vec<NodeId> = Vec::with_capacity(spec.len());
    for sp in spec {
        let id = match *sp {
            Spec::Input(i) => g.input(Input::Y(i), s),
            Spec::Const(c) => g.constant(c, s),
            Spec::Unary(u, a) => g.unary(u, ids[a], s),
            Spec::Binary(b, x, y) => g.add(Op::Binary(b, ids[x], ids[y]), s),
            Spec::Powi(a, n) => g.add(Op::Powi(ids[a], n), s),
            Spec::Select {
                cmp,
                a,
                b,
                logic,
                c,
                d,
                x,
                z,
            } => {
                let c1 = g.cmp(cmp, ids[a], ids[b], s);
                let c2 = g.cmp(cmp, ids[c], ids[d], s);
                let cond = match logic {
                    1 => g.add(Op::And(c1, c2), s),
                    2 => g.add(Op::Or(c1, c2), s),
                    3 => g.add(Op::Not(c1), s),
                    _ => c1,
                };
                g.select(cond, ids[x], ids[z], s)
            }
        };
        ids.push(id);
    }
    ids
}

/// A dual number: a value and its gradient with respect to the inputs.
#[derive(Clone, Copy, Debug)]
struct Dual {
    v: f64,
    d: [f64; INPUTS],
}

impl Dual {
    fn chain(v: f64, x: Dual, k: f64) -> Dual {
        Dual {
            v,
            d: x.d.map(|e| e * k),
        }
    }
    fn lin(v: f64, x: Dual, kx: f64, y: Dual, ky: f64) -> Dual {
        Dual {
            v,
            d: std::array::from_fn(|i| kx * x.d[i] + ky * y.d[i]),
        }
    }
}

/// Textbook derivatives, independent of `diff`.
fn dual_eval(spec: &[Spec], x: &[f64; INPUTS]) -> Vec<Dual> {
    let mut val: Vec<Dual> = Vec::with_capacity(spec.len());
    for sp in spec {
        let r = match *sp {
            Spec::Input(i) => {
                let mut d = [0.0; INPUTS];
                d[i as usize] = 1.0;
                Dual {
                    v: x[i as usize],
                    d,
                }
            }
            Spec::Const(c) => Dual {
                v: c,
                d: [0.0; INPUTS],
            },
            Spec::Unary(u, a) => {
                let a = val[a];
                let (x, f) = (a.v, eval_unary(u, a.v));
                let k = match u {
                    Unary::Neg => -1.0,
                    Unary::Sin => x.cos(),
                    Unary::Cos => -x.sin(),
                    Unary::Tan => 1.0 / (x.cos() * x.cos()),
                    Unary::Asin => 1.0 / (1.0 - x * x).sqrt(),
                    Unary::Acos => -1.0 / (1.0 - x * x).sqrt(),
                    Unary::Atan => 1.0 / (1.0 + x * x),
                    Unary::Sinh => x.cosh(),
                    Unary::Cosh => x.sinh(),
                    Unary::Tanh => 1.0 / (x.cosh() * x.cosh()),
                    Unary::Exp => x.exp(),
                    Unary::Exp2 => x.exp2() * std::f64::consts::LN_2,
                    Unary::Ln => 1.0 / x,
                    Unary::Log10 => 1.0 / (x * std::f64::consts::LN_10),
                    Unary::Log2 => 1.0 / (x * std::f64::consts::LN_2),
                    Unary::Sqrt => 0.5 / x.sqrt(),
                    Unary::Cbrt => x.cbrt() / (3.0 * x),
                    Unary::Abs => {
                        if x > 0.0 {
                            1.0
                        } else if x < 0.0 {
                            -1.0
                        } else {
                            0.0
                        }
                    }
                };
                Dual::chain(f, a, k)
            }
            Spec::Binary(b, p, q) => {
                let (a, c) = (val[p], val[q]);
                let (x, y) = (a.v, c.v);
                let f = eval_binary(b, x, y);
                match b {
                    Binary::Add => Dual::lin(f, a, 1.0, c, 1.0),
                    Binary::Sub => Dual::lin(f, a, 1.0, c, -1.0),
                    Binary::Mul => Dual::lin(f, a, y, c, x),
                    Binary::Div => Dual::lin(f, a, 1.0 / y, c, -x / (y * y)),
                    Binary::Powf => Dual::lin(f, a, y * x.powf(y - 1.0), c, f * x.ln()),
                    Binary::Atan2 => {
                        let r = x * x + y * y;
                        Dual::lin(f, a, y / r, c, -x / r)
                    }
                    Binary::Hypot => Dual::lin(f, a, x / f, c, y / f),
                    Binary::Min => {
                        if x <= y {
                            Dual { v: f, ..a }
                        } else {
                            Dual { v: f, ..c }
                        }
                    }
                    Binary::Max => {
                        if x >= y {
                            Dual { v: f, ..a }
                        } else {
                            Dual { v: f, ..c }
                        }
                    }
                }
            }
            Spec::Powi(a, n) => {
                let a = val[a];
                Dual::chain(a.v.powi(n), a, f64::from(n) * a.v.powi(n - 1))
            }
            Spec::Select {
                cmp,
                a,
                b,
                logic,
                c,
                d,
                x,
                z,
            } => {
                let c1 = eval_cmp(cmp, val[a].v, val[b].v);
                let c2 = eval_cmp(cmp, val[c].v, val[d].v);
                let cond = match logic {
                    1 => c1 && c2,
                    2 => c1 || c2,
                    3 => !c1,
                    _ => c1,
                };
                if cond {
                    val[x]
                } else {
                    val[z]
                }
            }
        };
        val.push(r);
    }
    val
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// Checks one random DAG at one point; `Ok(false)` if the point is unusable
/// (a value is not finite or is too large to compare meaningfully).
fn check(spec: &[Spec], x: [f64; INPUTS], second_order: bool) -> Result<bool, TestCaseError> {
    let duals = dual_eval(spec, &x);
    if duals.iter().any(|d| {
        !d.v.is_finite() || d.v.abs() > 1e6 || d.d.iter().any(|e| !e.is_finite() || e.abs() > 1e6)
    }) {
        return Ok(false);
    }
    // The engine differentiates tanh as 1 − tanh² (as JAX and PyTorch do:
    // it reuses the primal value); the reference uses sech². Where tanh
    // rounds to ±1 the first is exactly 0 and the second a denormal-scale
    // value that later nodes may amplify: both are right to working
    // precision, so such points say nothing about the engine and are skipped.
    let saturated = spec.iter().any(|s| match *s {
        Spec::Unary(Unary::Tanh, a) => {
            let (x, t) = (duals[a].v, duals[a].v.tanh());
            let sech2 = 1.0 / (x.cosh() * x.cosh());
            ((1.0 - t * t) - sech2).abs() > 1e-6 * sech2
        }
        _ => false,
    });
    if saturated {
        return Ok(false);
    }
    let out = duals[duals.len() - 1];
    let input = |i: Input| match i {
        Input::Y(k) => x[k as usize],
        Input::W(_) => 1.0,
        Input::Vy(k) => [0.7, -0.4, 0.25][k as usize],
        _ => 0.0,
    };

    // Simplification preserves every value.
    let mut raw = Graph::new(false, false);
    let raw_ids = build(&mut raw, spec);
    let raw_val = eval(&raw, &input);
    let mut g = Graph::new(false, true);
    let ids = build(&mut g, spec);
    let limit = g.len();
    let inputs: Vec<NodeId> = ids[..INPUTS].to_vec();
    let root = ids[ids.len() - 1];
    // Differentiate: one forward pass per input, and one reverse pass.
    let one = g.constant(1.0, Span::call_site());
    let cols: Vec<Option<NodeId>> = inputs
        .iter()
        .map(|&xi| forward(&mut g, &[(xi, one)], limit)[root as usize])
        .collect();
    let w = g.input(Input::W(0), Span::call_site());
    let adj = reverse(&mut g, &[(root, w)], &inputs);
    // Second order, as `vjp_jvp` builds it: reverse mode over the forward
    // tangent along v = (Vy(0), Vy(1), Vy(2)) gives the Hessian–vector product.
    let seeds: Vec<(NodeId, NodeId)> = inputs
        .iter()
        .enumerate()
        .map(|(i, &xi)| (xi, g.input(Input::Vy(i as u32), Span::call_site())))
        .collect();
    let tangent = forward(&mut g, &seeds, limit)[root as usize];
    let (hvp, fof): (Vec<Option<NodeId>>, Vec<Option<NodeId>>) = match tangent {
        Some(d) if second_order => {
            let rev = reverse(&mut g, &[(d, w)], &inputs);
            // Independent reference: forward mode over the same tangent,
            // one input direction at a time, gives (H v)_i exactly.
            let lim = d as usize + 1;
            let fwd = inputs
                .iter()
                .map(|&xi| forward(&mut g, &[(xi, one)], lim)[d as usize])
                .collect();
            (rev, fwd)
        }
        _ => (vec![None; INPUTS], vec![None; INPUTS]),
    };
    let val = eval(&g, &input);
    // `x·0 → 0` drops the sign of a zero; only `atan2` can tell, so a graph
    // where a signed zero reaches a point of difference is not comparable.
    let mut signed_zero = false;
    for (k, (&r, &s)) in raw_ids.iter().zip(&ids).enumerate() {
        let (a, b) = (raw_val[r as usize], val[s as usize]);
        if a == 0.0 && b == 0.0 && a.is_sign_negative() != b.is_sign_negative() {
            signed_zero = true;
        }
        if signed_zero && !close(a, b, 1e-12) {
            return Ok(false);
        }
        prop_assert!(
            close(a, b, 1e-12) || (a.is_nan() && b.is_nan()),
            "node {k}: raw {a} vs simplified {b}\n{spec:?}"
        );
        prop_assert!(
            close(a, duals[k].v, 1e-12),
            "node {k}: interpreter {a} vs dual {}",
            duals[k].v
        );
    }
    for i in 0..INPUTS {
        let fwd = cols[i].map_or(0.0, |n| val[n as usize]);
        let rev = adj[i].map_or(0.0, |n| val[n as usize]);
        prop_assert!(
            close(fwd, out.d[i], 1e-9),
            "forward ∂/∂x{i}: {fwd} vs dual {}\n{spec:?}\nat {x:?}",
            out.d[i]
        );
        prop_assert!(
            close(rev, out.d[i], 1e-9),
            "reverse ∂/∂x{i}: {rev} vs dual {}\n{spec:?}\nat {x:?}",
            out.d[i]
        );
    }
    for i in 0..INPUTS {
        let a = hvp[i].map_or(0.0, |n| val[n as usize]);
        let b = fof[i].map_or(0.0, |n| val[n as usize]);
        if a.abs().max(b.abs()) < 1e6 {
            prop_assert!(close(a, b, 1e-9), "Hessian-vector product [{i}]: reverse-over-forward {a} vs forward-over-forward {b}\n{spec:?}\nat {x:?}");
        }
    }
    Ok(true)
}

#[test]
fn derivatives_of_random_dags_match_dual_numbers() {
    const CASES: u32 = 10_000;
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let checked = Cell::new(0u32);
    let strategy = (spec_strategy(), [-1.0f64..1.0, -1.0f64..1.0, -1.0f64..1.0]);
    let cases = Cell::new(0u32);
    let result = runner.run(&strategy, |(spec, x)| {
        // The second-order check costs several times the first-order ones;
        // every tenth case (1,000 per run) keeps the test at seconds.
        cases.set(cases.get() + 1);
        if check(&spec, x, cases.get().is_multiple_of(10))? {
            checked.set(checked.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // Most random graphs must be usable, or the test would check little.
    assert!(
        checked.get() >= CASES * 3 / 4,
        "only {} of {CASES} cases were finite",
        checked.get()
    );
}
