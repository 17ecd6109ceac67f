//! Dense LU factorisation with partial pivoting for statically sized matrices.
//!
//! The implicit and Rosenbrock solvers factorise `I − hγJ` once and reuse the
//! factors for many right-hand sides, and the discrete adjoint solves with its
//! transpose. nalgebra's `SMatrix::lu()` needs the bound
//! `Const<N>: DimMin<Const<N>>`, which nalgebra implements through typenum for
//! `N ≤ 127` only and which every generic caller would have to repeat; this
//! small factorisation has neither restriction, is `Copy` (so it can live in a
//! solver state), and refuses singular or non-finite matrices instead of
//! returning factors that produce infinities. Algorithm: Gaussian elimination
//! with row pivoting (Golub and Van Loan, *Matrix Computations*, §3.4).
//!
//! # Examples
//!
//! One factorisation of the Newton matrix `I − hγJ`, reused for several
//! right-hand sides, as an implicit stage loop does:
//!
//! ```
//! use odegrad::{nalgebra::{SMatrix, SVector}, solver::lu::StaticLu};
//! let jac = SMatrix::<f64, 2, 2>::new(-1.0, 1.0, 0.0, -1000.0); // a stiff Jacobian
//! let m = SMatrix::<f64, 2, 2>::identity() - jac * 0.1;
//! let lu = StaticLu::new(&m).expect("I − hγJ is nonsingular for h > 0");
//! for rhs in [SVector::from([1.0, 0.0]), SVector::from([0.0, 1.0])] {
//!     assert!((m * lu.solve(&rhs) - rhs).norm() < 1e-14);
//! }
//! ```

use crate::{Scalar, State};
use nalgebra::{SMatrix, SVector};

/// `P A = L U` of an `N × N` matrix, `L` unit lower triangular, stored in place.
///
/// # Examples
///
/// ```
/// use odegrad::solver::lu::StaticLu;
/// use odegrad::nalgebra::{SMatrix, SVector};
/// let a = SMatrix::<f64, 2, 2>::new(0.0, 2.0, 1.0, 1.0);
/// let lu = StaticLu::new(&a).expect("nonsingular");
/// let x = lu.solve(&SVector::from([4.0, 3.0]));
/// assert!((a * x - SVector::from([4.0, 3.0])).norm() < 1e-14);
/// assert!(StaticLu::new(&SMatrix::<f64, 2, 2>::zeros()).is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StaticLu<T, const N: usize> {
    lu: SMatrix<T, N, N>,
    /// `1 / U_ii`: the solves multiply instead of divide (a division's
    /// latency sits on the critical path of every stage).
    inv_diag: SVector<T, N>,
    perm: [usize; N],
    /// Column `j` of `L` is zero below row `l_end[j] − 1`, and column `j` of
    /// `U` zero above row `u_start[j]`: the solves run over these ranges
    /// only. For a dense matrix they are the full triangles; for a banded or
    /// otherwise sparse one (the heat equation's tridiagonal `I − hγJ`) the
    /// solves cost O(nonzeros) instead of O(N²).
    l_end: [u32; N],
    u_start: [u32; N],
}

impl<T: Scalar, const N: usize> StaticLu<T, N> {
    /// Factorises `a`; `None` if a pivot is zero or any entry is not finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SMatrix, solver::lu::StaticLu};
    /// // a zero in the corner is no problem: rows are pivoted
    /// assert!(StaticLu::new(&SMatrix::<f64, 2, 2>::new(0.0, 1.0, 1.0, 0.0)).is_some());
    /// // rank one: the second pivot is zero
    /// assert!(StaticLu::new(&SMatrix::<f64, 2, 2>::new(1.0, 2.0, 2.0, 4.0)).is_none());
    /// assert!(StaticLu::new(&SMatrix::<f64, 2, 2>::new(1.0, f64::NAN, 0.0, 1.0)).is_none());
    /// ```
    pub fn new(a: &SMatrix<T, N, N>) -> Option<Self> {
        let mut lu = Self {
            lu: *a,
            ..Self::unfactorised()
        };
        lu.eliminate().then_some(lu)
    }

    /// Storage for factors, holding none yet: every solve returns zero until
    /// a successful [`Self::factorise_with`]. The implicit solvers keep one
    /// in their state and refactorise it in place.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, solver::lu::StaticLu};
    /// let empty = StaticLu::<f64, 3>::unfactorised();
    /// let b = SVector::from([1.0, 2.0, 3.0]);
    /// assert_eq!(empty.solve(&b), SVector::<f64, 3>::zeros());
    /// assert_eq!(empty.solve_transpose(&b), SVector::<f64, 3>::zeros());
    /// ```
    pub fn unfactorised() -> Self {
        Self {
            lu: SMatrix::zeros(),
            inv_diag: SVector::zeros(),
            perm: core::array::from_fn(|i| i),
            // Empty ranges: no off-diagonal entry is read.
            l_end: core::array::from_fn(|j| to_u32(j + 1)),
            u_start: core::array::from_fn(to_u32),
        }
    }

    /// Factorises, in this storage, the matrix that `fill` writes into it:
    /// `false` (and factors that must not be used) if a pivot is zero or an
    /// entry is not finite. Refactorising in place copies nothing, which
    /// matters when the factors are kilobytes and change every few steps.
    ///
    /// # Examples
    ///
    /// The Newton matrix `I − hγJ` of a stiff linear system, written straight
    /// into the factor storage and refactorised when `hγ` changes:
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, solver::lu::StaticLu};
    /// let jac = SMatrix::<f64, 2, 2>::new(-1000.0, 1.0, 0.0, -1.0);
    /// let mut lu = StaticLu::unfactorised();
    /// for hg in [0.1, 0.01] {
    ///     let newton = SMatrix::identity() - jac * hg;
    ///     assert!(lu.factorise_with(|m| *m = newton));
    ///     let b = SVector::from([1.0, 1.0]);
    ///     assert!((newton * lu.solve(&b) - b).norm() < 1e-14);
    /// }
    /// // A singular matrix is refused, and the storage then holds no factors.
    /// assert!(!lu.factorise_with(|m| *m = SMatrix::zeros()));
    /// assert_eq!(lu.solve(&SVector::from([1.0, 1.0])), SVector::<f64, 2>::zeros());
    /// // So is one whose elimination overflows.
    /// assert!(!lu.factorise_with(|m| *m = SMatrix::<f64, 2, 2>::new(1.0, 1.7e308, 1.0, -1.7e308)));
    /// assert_eq!(lu.solve(&SVector::from([3.0, 4.0])), SVector::<f64, 2>::zeros());
    /// ```
    pub fn factorise_with(&mut self, fill: impl FnOnce(&mut SMatrix<T, N, N>)) -> bool {
        fill(&mut self.lu);
        let ok = self.eliminate();
        if !ok {
            // Refused factors hold nothing: solves return zero, as before any
            // factorisation, rather than whatever the elimination left.
            *self = Self::unfactorised();
        }
        ok
    }

    /// Gaussian elimination with row pivoting of `self.lu` in place.
    fn eliminate(&mut self) -> bool {
        if !State::is_finite(&self.lu) {
            return false;
        }
        if N == 0 {
            // Nothing to factorise (and `chunks_exact(0)` would panic).
            return true;
        }
        let perm = &mut self.perm;
        for (i, p) in perm.iter_mut().enumerate() {
            *p = i;
        }
        // Column-major storage: every update below runs down a contiguous
        // column, which the compiler vectorises.
        let data = self.lu.as_mut_slice();
        for k in 0..N {
            let (left, right) = data.split_at_mut((k + 1) * N);
            let col_k = &mut left[k * N..];
            let mut p = k;
            let mut pmax = T::zero();
            for (i, v) in col_k.iter().enumerate().skip(k) {
                if v.abs() > pmax {
                    pmax = v.abs();
                    p = i;
                }
            }
            if pmax <= T::zero() {
                return false;
            }
            if p != k {
                perm.swap(k, p);
                col_k.swap(k, p);
                for col in right.chunks_exact_mut(N) {
                    col.swap(k, p);
                }
                // Columns left of k hold L: swap their rows too.
                for col in left[..k * N].chunks_exact_mut(N) {
                    col.swap(k, p);
                }
            }
            let col_k = &mut left[k * N..];
            let inv = T::one() / col_k[k];
            // Multipliers past the last nonzero one are exactly zero and
            // change nothing below: the updates stop there, which is what
            // makes a banded matrix cost O(N · bandwidth²), not O(N³).
            let mut end = k + 1;
            for (i, l) in col_k.iter_mut().enumerate().skip(k + 1) {
                *l *= inv;
                if *l != T::zero() {
                    end = i + 1;
                }
            }
            let col_k = &left[k * N..];
            for col in right.chunks_exact_mut(N) {
                let u = col[k];
                if u != T::zero() {
                    for (c, &l) in col[k + 1..end].iter_mut().zip(&col_k[k + 1..end]) {
                        *c -= l * u;
                    }
                }
            }
        }
        for (i, d) in self.inv_diag.iter_mut().enumerate() {
            *d = T::one() / self.lu[(i, i)];
        }
        // Elimination can overflow even when the input is finite.
        if !(State::is_finite(&self.lu) && State::is_finite(&self.inv_diag)) {
            return false;
        }
        // The nonzero ranges, taken from the final factors: later row swaps
        // move entries of earlier L columns, so they are not known before.
        for (j, col) in self.lu.as_slice().chunks_exact(N).enumerate() {
            let last = col[j + 1..].iter().rposition(|&v| v != T::zero());
            self.l_end[j] = to_u32(last.map_or(j + 1, |i| j + 2 + i));
            let first = col[..j].iter().position(|&v| v != T::zero());
            self.u_start[j] = to_u32(first.unwrap_or(j));
        }
        true
    }

    /// Solves `A x = b`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, solver::lu::StaticLu};
    /// let a = SMatrix::<f64, 3, 3>::new(0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0);
    /// let x_true = SVector::from([1.0, -2.0, 0.5]);
    /// let lu = StaticLu::new(&a).expect("nonsingular");
    /// assert!((lu.solve(&(a * x_true)) - x_true).norm() < 1e-14);
    /// ```
    pub fn solve(&self, b: &SVector<T, N>) -> SVector<T, N> {
        if N == 0 {
            return *b;
        }
        let mut x = SVector::<T, N>::zeros();
        for (xi, &p) in x.iter_mut().zip(self.perm.iter()) {
            *xi = b[p];
        }
        let data = self.lu.as_slice();
        let xs = x.as_mut_slice();
        // L y = P b, column by column (unit diagonal).
        for (j, col) in data.chunks_exact(N).enumerate() {
            let end = self.l_end[j] as usize;
            let (head, tail) = xs.split_at_mut(j + 1);
            let xj = head[j];
            if xj != T::zero() {
                for (t, &l) in tail[..end - j - 1].iter_mut().zip(&col[j + 1..end]) {
                    *t -= l * xj;
                }
            }
        }
        // U x = y, column by column from the right.
        for (j, col) in data.chunks_exact(N).enumerate().rev() {
            let start = self.u_start[j] as usize;
            let (head, tail) = xs.split_at_mut(j);
            let xj = tail[0] * self.inv_diag[j];
            tail[0] = xj;
            if xj != T::zero() {
                for (h, &u) in head[start..].iter_mut().zip(&col[start..j]) {
                    *h -= u * xj;
                }
            }
        }
        x
    }

    /// Solves `Aᵀ x = b` (the adjoint of a stage solve).
    ///
    /// # Examples
    ///
    /// The adjoint identity `⟨A⁻ᵀ c, b⟩ = ⟨c, A⁻¹ b⟩`, which a reverse pass
    /// through a linear solve relies on:
    ///
    /// ```
    /// use odegrad::{nalgebra::{SMatrix, SVector}, solver::lu::StaticLu};
    /// let a = SMatrix::<f64, 3, 3>::new(0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0);
    /// let lu = StaticLu::new(&a).expect("nonsingular");
    /// let (b, c) = (SVector::from([1.0, 2.0, 3.0]), SVector::from([-1.0, 0.5, 2.0]));
    /// let x = lu.solve_transpose(&c);
    /// assert!((a.transpose() * x - c).norm() < 1e-14);
    /// assert!((x.dot(&b) - c.dot(&lu.solve(&b))).abs() < 1e-13);
    /// ```
    pub fn solve_transpose(&self, b: &SVector<T, N>) -> SVector<T, N> {
        if N == 0 {
            return *b;
        }
        // Aᵀ = Uᵀ Lᵀ P: solve Uᵀ w = b, then Lᵀ v = w, then x = Pᵀ v. Rows of
        // Uᵀ and Lᵀ are columns of the stored factors: dot products.
        let data = self.lu.as_slice();
        let mut w = *b;
        let ws = w.as_mut_slice();
        for (i, col) in data.chunks_exact(N).enumerate() {
            let start = self.u_start[i] as usize;
            let s: T = col[start..i]
                .iter()
                .zip(&ws[start..i])
                .fold(ws[i], |s, (&u, &wj)| s - u * wj);
            ws[i] = s * self.inv_diag[i];
        }
        for (i, col) in data.chunks_exact(N).enumerate().rev() {
            let end = self.l_end[i] as usize;
            let s: T = col[i + 1..end]
                .iter()
                .zip(&ws[i + 1..end])
                .fold(ws[i], |s, (&l, &wj)| s - l * wj);
            ws[i] = s;
        }
        let mut x = SVector::<T, N>::zeros();
        for (&wi, &p) in w.iter().zip(self.perm.iter()) {
            x[p] = wi;
        }
        x
    }
}

/// An index below `N` as stored in the nonzero ranges (a statically sized
/// matrix with 2³² rows could not exist).
fn to_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SMatrix<f64, 4, 4> {
        // Needs pivoting: the leading entry is zero.
        SMatrix::<f64, 4, 4>::from_row_slice(&[
            0.0, 2.0, -1.0, 3.0, //
            4.0, 1.0, 0.5, -2.0, //
            -1.0, 3.0, 2.0, 1.0, //
            2.0, -1.0, 4.0, 0.25,
        ])
    }

    #[test]
    fn solves_and_solves_transpose() {
        let a = sample();
        let lu = StaticLu::new(&a).expect("nonsingular");
        let b = SVector::<f64, 4>::from([1.0, -2.0, 0.5, 3.0]);
        let x = lu.solve(&b);
        assert!((a * x - b).norm() < 1e-13);
        let xt = lu.solve_transpose(&b);
        assert!((a.transpose() * xt - b).norm() < 1e-13);
    }

    #[test]
    fn agrees_with_nalgebra_on_a_larger_matrix() {
        // A deterministic, well-conditioned 9×9 matrix with small diagonal
        // entries, so that pivoting happens.
        let a = SMatrix::<f64, 9, 9>::from_fn(|i, j| {
            ((7 * i + 3 * j) as f64 * 0.7).sin() + if i == j { 0.05 } else { 0.0 }
        });
        let b = SVector::<f64, 9>::from_fn(|i, _| (i as f64).sin());
        let x = StaticLu::new(&a).expect("nonsingular").solve(&b);
        let reference = a.lu().solve(&b).expect("nonsingular");
        assert!(reference.amax() < 1e3, "badly conditioned test matrix");
        assert!((x - reference).amax() < 1e-10 * reference.amax());
        let xt = StaticLu::new(&a).expect("nonsingular").solve_transpose(&b);
        let reference_t = a.transpose().lu().solve(&b).expect("nonsingular");
        assert!(
            (xt - reference_t).amax() < 1e-10 * reference_t.amax(),
            "{xt} vs {reference_t}"
        );
        // Sizes 1 and 0.
        let one = StaticLu::new(&SMatrix::<f64, 1, 1>::from([[4.0]])).expect("nonsingular");
        assert!((one.solve(&SVector::from([2.0]))[0] - 0.5).abs() < 1e-15);
        let empty = StaticLu::new(&SMatrix::<f64, 0, 0>::zeros()).expect("empty");
        assert_eq!(empty.solve(&SVector::<f64, 0>::zeros()).len(), 0);
    }

    #[test]
    fn refuses_singular_and_non_finite() {
        let mut a = sample();
        // Two equal rows: elimination produces an exactly zero pivot.
        for j in 0..4 {
            a[(3, j)] = a[(1, j)];
        }
        assert!(StaticLu::new(&a).is_none());
        let mut b = sample();
        b[(2, 1)] = f64::NAN;
        assert!(StaticLu::new(&b).is_none());
        b[(2, 1)] = f64::INFINITY;
        assert!(StaticLu::new(&b).is_none());
    }

    /// A matrix with the given fraction of exact zeros off the diagonal,
    /// from a fixed linear congruential sequence.
    fn sparse<const N: usize>(seed: &mut u64, zeros: f64, diag: f64) -> SMatrix<f64, N, N> {
        let mut next = || {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (*seed >> 11) as f64 / (1u64 << 53) as f64
        };
        SMatrix::from_fn(|i, j| {
            let v = 2.0 * next() - 1.0;
            if i == j {
                v + diag
            } else if next() < zeros {
                0.0
            } else {
                v
            }
        })
    }

    /// The solves skip only exact zeros, so on sparse matrices of every
    /// pattern (banded, arrow, random, with and without pivoting) they agree
    /// with nalgebra's dense LU, forwards and transposed.
    #[test]
    fn sparse_patterns_agree_with_dense_elimination() {
        fn check<const N: usize>(a: &SMatrix<f64, N, N>) {
            let b = SVector::<f64, N>::from_fn(|i, _| (i as f64 + 0.5).cos());
            let lu = StaticLu::new(a).expect("nonsingular");
            // nalgebra's static LU needs typenum bounds a generic N lacks.
            let dense = nalgebra::DMatrix::from_column_slice(N, N, a.as_slice());
            let rhs = nalgebra::DVector::from_column_slice(b.as_slice());
            let reference = dense.clone().lu().solve(&rhs).expect("nonsingular");
            let reference_t = dense.transpose().lu().solve(&rhs).expect("nonsingular");
            let reference = SVector::<f64, N>::from_column_slice(reference.as_slice());
            let reference_t = SVector::<f64, N>::from_column_slice(reference_t.as_slice());
            let scale = reference.amax().max(reference_t.amax());
            assert!(scale < 1e6, "badly conditioned test matrix");
            assert!((lu.solve(&b) - reference).amax() <= 1e-11 * scale);
            assert!((lu.solve_transpose(&b) - reference_t).amax() <= 1e-11 * scale);
        }
        let mut seed = 7;
        for &(zeros, diag) in &[(0.5, 0.0), (0.8, 0.0), (0.95, 0.3), (0.8, 3.0)] {
            for _ in 0..50 {
                check(&sparse::<12>(&mut seed, zeros, diag));
                check(&sparse::<5>(&mut seed, zeros, diag));
            }
        }
        // Tridiagonal with small diagonal: pivoting swaps rows throughout and
        // moves entries of earlier L columns below the band.
        let tri = SMatrix::<f64, 10, 10>::from_fn(|i, j| match i.abs_diff(j) {
            0 => 0.01 * (i as f64 + 1.0),
            1 => 1.0 + 0.1 * (i + j) as f64,
            _ => 0.0,
        });
        check(&tri);
        // Arrow: dense last row and column, fill-in everywhere after pivoting.
        let arrow = SMatrix::<f64, 8, 8>::from_fn(|i, j| {
            if i == j {
                0.1
            } else if i == 7 || j == 7 {
                1.0
            } else {
                0.0
            }
        });
        check(&arrow);
    }

    /// For a diagonally dominant tridiagonal matrix (no pivoting) the stored
    /// ranges are the band itself: the solves touch 3N entries, not N².
    #[test]
    fn banded_ranges_are_tight() {
        let tri = SMatrix::<f64, 6, 6>::from_fn(|i, j| match i.abs_diff(j) {
            0 => -4.0,
            1 => 1.0,
            _ => 0.0,
        });
        let lu = StaticLu::new(&tri).expect("nonsingular");
        for j in 0..6u32 {
            assert_eq!(lu.l_end[j as usize], (j + 2).min(6));
            assert_eq!(lu.u_start[j as usize], j.saturating_sub(1));
        }
    }
}
