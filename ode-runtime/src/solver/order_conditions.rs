//! Test support: the order conditions of Runge–Kutta and Rosenbrock methods,
//! checked on every rooted tree up to order 5 (Butcher; Hairer, Nørsett and
//! Wanner I, §II.2; Hairer and Wanner II, §IV.7, Theorem 7.3).
//!
//! A tree is written with parentheses, `()` being a single vertex and `(t u)`
//! a root with subtrees `t`, `u`. For a tree `t = [t_1, …, t_m]` the
//! elementary weight is `Ψ_j(t) = Π_i (Σ_k A_jk Ψ_k(t_i))`, and order `p`
//! means `b · Ψ(t) = 1/γ(t)` for all trees with at most `p` vertices. For a
//! Rosenbrock method, a vertex with exactly one son uses `β = α + Γ`
//! (diagonal included) instead of `α`.

// Index loops read like the formulas they implement.
#![allow(clippy::needless_range_loop)]

/// All rooted trees with 1 to 5 vertices (1 + 1 + 2 + 4 + 9 = 17).
pub const TREES: [&str; 17] = [
    "()",
    "(())",
    "(()())",
    "((()))",
    "(()()())",
    "(()(()))",
    "((()()))",
    "(((())))",
    "(()()()())",
    "(()()(()))",
    "(()(()()))",
    "(()((())))",
    "((())(()))",
    "((()()()))",
    "((()(())))",
    "(((()())))",
    "((((()))))",
];

/// Splits `"(a b c)"` into its subtrees `a`, `b`, `c`.
fn children(t: &str) -> impl Iterator<Item = &str> {
    let inner = &t[1..t.len() - 1];
    let mut out = [(0usize, 0usize); 8];
    let mut n = 0;
    let mut depth = 0;
    let mut start = 0;
    for (i, ch) in inner.char_indices() {
        match ch {
            '(' => {
                if depth == 0 {
                    start = i;
                }
                depth += 1;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    out[n] = (start, i + 1);
                    n += 1;
                }
            }
            _ => {}
        }
    }
    (0..n).map(move |k| &inner[out[k].0..out[k].1])
}

/// The number of vertices of a tree.
pub fn order(t: &str) -> usize {
    t.matches('(').count()
}

/// The density `γ(t)`.
pub fn density(t: &str) -> f64 {
    children(t).fold(order(t) as f64, |acc, u| acc * density(u))
}

/// `Ψ(t)`; `beta` replaces `alpha` on vertices with one son (Rosenbrock).
pub fn weights<const S: usize>(t: &str, alpha: &[[f64; S]; S], beta: &[[f64; S]; S]) -> [f64; S] {
    let kids: [&str; 8] = {
        let mut k = [""; 8];
        for (i, c) in children(t).enumerate() {
            k[i] = c;
        }
        k
    };
    let m = kids.iter().filter(|k| !k.is_empty()).count();
    let mat = if m == 1 { beta } else { alpha };
    let mut psi = [1.0; S];
    for u in kids.iter().take(m) {
        let pu = weights(u, alpha, beta);
        for j in 0..S {
            let s: f64 = (0..S).map(|k| mat[j][k] * pu[k]).sum();
            psi[j] *= s;
        }
    }
    psi
}

/// The largest `|b · Ψ(t) − 1/γ(t)|` over the trees with at most `p` vertices.
pub fn max_defect<const S: usize>(
    b: &[f64; S],
    alpha: &[[f64; S]; S],
    beta: &[[f64; S]; S],
    p: usize,
) -> f64 {
    TREES
        .iter()
        .filter(|t| order(t) <= p)
        .map(|t| {
            let psi = weights(t, alpha, beta);
            let lhs: f64 = (0..S).map(|j| b[j] * psi[j]).sum();
            (lhs - 1.0 / density(t)).abs()
        })
        .fold(0.0, f64::max)
}

/// The smallest `p` for which a tree of order `p + 1` fails by more than `tol`
/// (so `p` is the order the conditions certify, up to 5).
pub fn certified_order<const S: usize>(
    b: &[f64; S],
    alpha: &[[f64; S]; S],
    beta: &[[f64; S]; S],
    tol: f64,
) -> usize {
    (1..=5)
        .take_while(|&p| max_defect(b, alpha, beta, p) <= tol)
        .last()
        .unwrap_or(0)
}

/// Inverts a lower triangular matrix by forward substitution.
pub fn invert_lower<const S: usize>(l: &[[f64; S]; S]) -> [[f64; S]; S] {
    let mut inv = [[0.0; S]; S];
    for col in 0..S {
        for i in 0..S {
            let mut s = if i == col { 1.0 } else { 0.0 };
            for k in 0..i {
                s -= l[i][k] * inv[k][col];
            }
            inv[i][col] = s / l[i][i];
        }
    }
    inv
}

/// `x · M` for a row vector `x`.
pub fn row_times<const S: usize>(x: &[f64; S], m: &[[f64; S]; S]) -> [f64; S] {
    let mut out = [0.0; S];
    for (j, o) in out.iter_mut().enumerate() {
        *o = (0..S).map(|i| x[i] * m[i][j]).sum();
    }
    out
}

/// `A · B`.
pub fn mat_mul<const S: usize>(a: &[[f64; S]; S], b: &[[f64; S]; S]) -> [[f64; S]; S] {
    let mut out = [[0.0; S]; S];
    for i in 0..S {
        for j in 0..S {
            out[i][j] = (0..S).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    out
}

#[test]
fn tree_bookkeeping() {
    // Densities of the order-4 trees: 4, 8, 12, 24.
    let d: [f64; 4] = [
        density(TREES[4]),
        density(TREES[5]),
        density(TREES[6]),
        density(TREES[7]),
    ];
    for (x, y) in d.iter().zip([4.0, 8.0, 12.0, 24.0]) {
        assert!((x - y).abs() < 1e-12);
    }
    // The classical RK4 has order exactly 4.
    let a = [
        [0.0, 0.0, 0.0, 0.0],
        [0.5, 0.0, 0.0, 0.0],
        [0.0, 0.5, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
    ];
    let b = [1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0];
    assert_eq!(certified_order(&b, &a, &a, 1e-12), 4);
}
