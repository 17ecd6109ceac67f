//! The intermediate representation: an SSA DAG of scalar nodes.
//!
//! Every value the vector field computes (and every derivative of it) is a
//! [`Node`] in one [`Graph`]. Nodes are hash-consed: adding an operation that
//! already exists returns the existing node, so common subexpressions are
//! shared by construction, across the primal and all derivative code. A node
//! is only ever added after its operands, so the arena order is a topological
//! order, which both differentiation modes and the emitter rely on. Each node
//! keeps the span of the user's token it came from.

use proc_macro2::Span;
use std::collections::HashMap;

/// Index of a node in its [`Graph`].
pub type NodeId = u32;

/// A free variable of the generated code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Input {
    /// Time `t`.
    T,
    /// State component `y[i]`.
    Y(u32),
    /// Parameter `p[i]`.
    P(u32),
    /// Tangent of the state, `v[i]` (JVP direction in y).
    Vy(u32),
    /// Tangent of the parameters, `v[i]` (JVP direction in p).
    Vp(u32),
    /// Tangent of time, `v_t`.
    Vt,
    /// Output cotangent `w[i]`.
    W(u32),
    /// Observed data `data[i]` of a loss: read, never differentiated (no
    /// seed or cotangent is ever attached to it, so its derivatives are
    /// structurally absent).
    D(u32),
}

/// Scalar functions of one argument.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Unary {
    Neg,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Exp2,
    Ln,
    Log10,
    Log2,
    Sqrt,
    Cbrt,
    Abs,
}

/// Scalar functions of two arguments.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Powf,
    Atan2,
    Hypot,
    Min,
    Max,
}

/// Float comparisons.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// One operation. Float-valued unless noted.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Op {
    /// A literal, stored as its bit pattern so it can be hashed.
    Const(u64),
    Input(Input),
    Unary(Unary, NodeId),
    Binary(Binary, NodeId, NodeId),
    Powi(NodeId, i32),
    /// A boolean literal.
    Bool(bool),
    /// Boolean-valued comparison of two floats.
    Cmp(Cmp, NodeId, NodeId),
    /// Boolean `&&`.
    And(NodeId, NodeId),
    /// Boolean `||`.
    Or(NodeId, NodeId),
    /// Boolean `!`.
    Not(NodeId),
    /// `if cond { a } else { b }`; both operands are computed.
    Select(NodeId, NodeId, NodeId),
}

impl Op {
    /// A float constant.
    pub fn constant(v: f64) -> Op {
        Op::Const(v.to_bits())
    }

    /// The value of a float constant.
    pub fn as_const(&self) -> Option<f64> {
        match *self {
            Op::Const(bits) => Some(f64::from_bits(bits)),
            _ => None,
        }
    }

    /// The operands, in order (the condition of a select first).
    pub fn operands(&self) -> impl Iterator<Item = NodeId> {
        let (a, b, c) = match *self {
            Op::Const(_) | Op::Input(_) | Op::Bool(_) => (None, None, None),
            Op::Unary(_, a) | Op::Powi(a, _) | Op::Not(a) => (Some(a), None, None),
            Op::Binary(_, a, b) | Op::Cmp(_, a, b) | Op::And(a, b) | Op::Or(a, b) => {
                (Some(a), Some(b), None)
            }
            Op::Select(c, a, b) => (Some(c), Some(a), Some(b)),
        };
        a.into_iter().chain(b).chain(c)
    }

    /// Whether the value is a boolean rather than a float.
    pub fn is_bool(&self) -> bool {
        matches!(
            self,
            Op::Bool(_) | Op::Cmp(..) | Op::And(..) | Op::Or(..) | Op::Not(_)
        )
    }
}

/// A node: an operation and the span of the user's code it came from.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub op: Op,
    pub span: Span,
}

/// The hash-consed DAG.
pub struct Graph {
    nodes: Vec<Node>,
    index: HashMap<Op, NodeId>,
    /// Whether the system's scalar is `f32`: constant folding rounds to it.
    pub f32: bool,
    /// Whether [`Graph::add`] applies the peephole rules of `simplify`.
    pub simplify: bool,
}

impl Graph {
    /// An empty graph; `simplify` turns on the peephole rules.
    pub fn new(f32: bool, simplify: bool) -> Graph {
        Graph {
            nodes: Vec::new(),
            index: HashMap::new(),
            f32,
            simplify,
        }
    }

    /// Number of nodes.
    #[allow(dead_code)] // for the interpreter of the tests
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The operation of a node.
    pub fn op(&self, id: NodeId) -> Op {
        self.nodes[id as usize].op
    }

    /// The span of a node.
    pub fn span(&self, id: NodeId) -> Span {
        self.nodes[id as usize].span
    }

    /// The constant value of a node, if it is a float literal.
    pub fn const_of(&self, id: NodeId) -> Option<f64> {
        self.op(id).as_const()
    }

    /// Whether a node is a literal equal to `v` (as floats: `-0.0` equals `0.0`).
    pub fn is_const(&self, id: NodeId, v: f64) -> bool {
        self.const_of(id) == Some(v)
    }

    /// Adds an operation (or finds it), applying the simplifier if enabled.
    pub fn add(&mut self, op: Op, span: Span) -> NodeId {
        let op = if self.simplify {
            match crate::simplify::peephole(self, op, span) {
                crate::simplify::Rewrite::Node(id) => return id,
                crate::simplify::Rewrite::Op(op) => op,
            }
        } else {
            op
        };
        self.intern(op, span)
    }

    /// Adds an operation exactly as given (hash-consed, never rewritten).
    pub fn intern(&mut self, op: Op, span: Span) -> NodeId {
        if let Some(&id) = self.index.get(&op) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node { op, span });
        self.index.insert(op, id);
        id
    }

    /// A float constant, rounded to the system's precision.
    pub fn constant(&mut self, v: f64, span: Span) -> NodeId {
        let v = if self.f32 { v as f32 as f64 } else { v };
        self.intern(Op::constant(v), span)
    }

    /// An input variable.
    pub fn input(&mut self, input: Input, span: Span) -> NodeId {
        self.intern(Op::Input(input), span)
    }

    /// `a + b`.
    pub fn add2(&mut self, a: NodeId, b: NodeId, span: Span) -> NodeId {
        self.add(Op::Binary(Binary::Add, a, b), span)
    }

    /// `a - b`.
    pub fn sub(&mut self, a: NodeId, b: NodeId, span: Span) -> NodeId {
        self.add(Op::Binary(Binary::Sub, a, b), span)
    }

    /// `a * b`.
    pub fn mul(&mut self, a: NodeId, b: NodeId, span: Span) -> NodeId {
        self.add(Op::Binary(Binary::Mul, a, b), span)
    }

    /// `a / b`.
    pub fn div(&mut self, a: NodeId, b: NodeId, span: Span) -> NodeId {
        self.add(Op::Binary(Binary::Div, a, b), span)
    }

    /// `-a`.
    pub fn neg(&mut self, a: NodeId, span: Span) -> NodeId {
        self.add(Op::Unary(Unary::Neg, a), span)
    }

    /// A unary function of `a`.
    pub fn unary(&mut self, u: Unary, a: NodeId, span: Span) -> NodeId {
        self.add(Op::Unary(u, a), span)
    }

    /// `if c { a } else { b }`.
    pub fn select(&mut self, c: NodeId, a: NodeId, b: NodeId, span: Span) -> NodeId {
        self.add(Op::Select(c, a, b), span)
    }

    /// The comparison `a ⋈ b`.
    pub fn cmp(&mut self, cmp: Cmp, a: NodeId, b: NodeId, span: Span) -> NodeId {
        self.add(Op::Cmp(cmp, a, b), span)
    }

    /// Marks every node reachable from `roots` (the live set, for dead-node removal).
    pub fn live(&self, roots: &[NodeId]) -> Vec<bool> {
        let mut live = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeId> = roots.to_vec();
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut live[id as usize], true) {
                continue;
            }
            stack.extend(self.op(id).operands());
        }
        live
    }
}

/// Evaluates a unary function (used for constant folding and interpretation).
pub fn eval_unary(u: Unary, x: f64) -> f64 {
    match u {
        Unary::Neg => -x,
        Unary::Sin => x.sin(),
        Unary::Cos => x.cos(),
        Unary::Tan => x.tan(),
        Unary::Asin => x.asin(),
        Unary::Acos => x.acos(),
        Unary::Atan => x.atan(),
        Unary::Sinh => x.sinh(),
        Unary::Cosh => x.cosh(),
        Unary::Tanh => x.tanh(),
        Unary::Exp => x.exp(),
        Unary::Exp2 => x.exp2(),
        Unary::Ln => x.ln(),
        Unary::Log10 => x.log10(),
        Unary::Log2 => x.log2(),
        Unary::Sqrt => x.sqrt(),
        Unary::Cbrt => x.cbrt(),
        Unary::Abs => x.abs(),
    }
}

/// Evaluates a binary function.
pub fn eval_binary(b: Binary, x: f64, y: f64) -> f64 {
    match b {
        Binary::Add => x + y,
        Binary::Sub => x - y,
        Binary::Mul => x * y,
        Binary::Div => x / y,
        Binary::Powf => x.powf(y),
        Binary::Atan2 => x.atan2(y),
        Binary::Hypot => x.hypot(y),
        Binary::Min => x.min(y),
        Binary::Max => x.max(y),
    }
}

/// Evaluates a comparison.
pub fn eval_cmp(c: Cmp, x: f64, y: f64) -> bool {
    match c {
        Cmp::Lt => x < y,
        Cmp::Le => x <= y,
        Cmp::Gt => x > y,
        Cmp::Ge => x >= y,
        Cmp::Eq => x == y,
        Cmp::Ne => x != y,
    }
}

/// An interpreter of the graph: the value of every node (booleans as 0/1),
/// given the inputs. Used by the tests to check the generated derivatives.
#[cfg(test)]
#[allow(dead_code)] // used by the property tests
pub fn eval(g: &Graph, input: &dyn Fn(Input) -> f64) -> Vec<f64> {
    let mut val = Vec::with_capacity(g.len());
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    for id in 0..g.len() as NodeId {
        let v = |i: NodeId| val[i as usize];
        let x = match g.op(id) {
            Op::Const(bits) => f64::from_bits(bits),
            Op::Input(i) => input(i),
            Op::Unary(u, a) => eval_unary(u, v(a)),
            Op::Binary(op, a, c) => eval_binary(op, v(a), v(c)),
            Op::Powi(a, n) => v(a).powi(n),
            Op::Bool(x) => b(x),
            Op::Cmp(c, a, d) => b(eval_cmp(c, v(a), v(d))),
            Op::And(a, c) => b(v(a) != 0.0 && v(c) != 0.0),
            Op::Or(a, c) => b(v(a) != 0.0 || v(c) != 0.0),
            Op::Not(a) => b(v(a) == 0.0),
            Op::Select(c, a, d) => {
                if v(c) != 0.0 {
                    v(a)
                } else {
                    v(d)
                }
            }
        };
        val.push(x);
    }
    val
}
