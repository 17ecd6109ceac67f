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

use crate::{Scalar, State};
use nalgebra::{SMatrix, SVector};

/// `P A = L U` of an `N × N` matrix, `L` unit lower triangular, stored in place.
///
/// # Examples
///
/// ```
/// use ode_runtime::solver::lu::StaticLu;
/// use ode_runtime::nalgebra::{SMatrix, SVector};
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
}

impl<T: Scalar, const N: usize> StaticLu<T, N> {
    /// Factorises `a`; `None` if a pivot is zero or any entry is not finite.
    pub fn new(a: &SMatrix<T, N, N>) -> Option<Self> {
        if !State::is_finite(a) {
            return None;
        }
        let mut lu = *a;
        let mut perm = [0usize; N];
        for (i, p) in perm.iter_mut().enumerate() {
            *p = i;
        }
        for k in 0..N {
            let mut p = k;
            let mut pmax = lu[(k, k)].abs();
            for i in k + 1..N {
                let v = lu[(i, k)].abs();
                if v > pmax {
                    pmax = v;
                    p = i;
                }
            }
            if pmax <= T::zero() {
                return None;
            }
            if p != k {
                lu.swap_rows(k, p);
                perm.swap(k, p);
            }
            let inv = T::one() / lu[(k, k)];
            for i in k + 1..N {
                let l = lu[(i, k)] * inv;
                lu[(i, k)] = l;
                if l != T::zero() {
                    for j in k + 1..N {
                        let u = lu[(k, j)];
                        lu[(i, j)] -= l * u;
                    }
                }
            }
        }
        // Elimination can overflow even when the input is finite.
        let inv_diag = SVector::<T, N>::from_fn(|i, _| T::one() / lu[(i, i)]);
        if State::is_finite(&lu) && State::is_finite(&inv_diag) {
            Some(Self { lu, inv_diag, perm })
        } else {
            None
        }
    }

    /// Solves `A x = b`.
    pub fn solve(&self, b: &SVector<T, N>) -> SVector<T, N> {
        let mut x = SVector::<T, N>::zeros();
        for (i, &p) in self.perm.iter().enumerate() {
            x[i] = b[p];
        }
        for i in 0..N {
            let mut s = x[i];
            for j in 0..i {
                s -= self.lu[(i, j)] * x[j];
            }
            x[i] = s;
        }
        for i in (0..N).rev() {
            let mut s = x[i];
            for j in i + 1..N {
                s -= self.lu[(i, j)] * x[j];
            }
            x[i] = s * self.inv_diag[i];
        }
        x
    }

    /// Solves `Aᵀ x = b` (the adjoint of a stage solve).
    pub fn solve_transpose(&self, b: &SVector<T, N>) -> SVector<T, N> {
        // Aᵀ = Uᵀ Lᵀ P: solve Uᵀ w = b, then Lᵀ v = w, then x = Pᵀ v.
        let mut w = *b;
        for i in 0..N {
            let mut s = w[i];
            for j in 0..i {
                s -= self.lu[(j, i)] * w[j];
            }
            w[i] = s * self.inv_diag[i];
        }
        for i in (0..N).rev() {
            let mut s = w[i];
            for j in i + 1..N {
                s -= self.lu[(j, i)] * w[j];
            }
            w[i] = s;
        }
        let mut x = SVector::<T, N>::zeros();
        for (i, &p) in self.perm.iter().enumerate() {
            x[p] = w[i];
        }
        x
    }
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
}
