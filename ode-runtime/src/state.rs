//! The state algebra: what a solver needs to know about the thing it integrates.
//!
//! Stable Rust cannot name `SVector<T, {2 * N + P}>`, yet the continuous adjoint
//! integrates an augmented state `(y, a, a_p)` and forward sensitivities
//! integrate `(y, S)`. Solvers are therefore generic over [`State`], a small
//! vector-space trait (the role Diffrax's PyTrees play), implemented for
//! nalgebra's statically sized matrices and for tuples of states, so that every
//! augmented state fits every solver without changing it.
//!
//! Error norms follow Hairer, Nørsett and Wanner, *Solving Ordinary
//! Differential Equations I*, §II.4: each component of the error estimate is
//! scaled by `atol + rtol · max(|y0|, |y1|)`.

use crate::Scalar;
use nalgebra::SMatrix;

/// A finite-dimensional real vector space of fixed size, stored by value.
///
/// All operations are pure and allocation-free. Implemented for
/// `SMatrix<T, R, C>` (and so `SVector<T, N>`) and for pairs and triples of
/// states.
///
/// # Examples
///
/// ```
/// use ode_runtime::{nalgebra::SVector, State};
/// let x = SVector::<f64, 2>::new(1.0, 2.0);
/// let y = SVector::<f64, 2>::new(3.0, -1.0);
/// let z = x.axpy(2.0, &y); // x + 2 y
/// assert!((z[0] - 7.0).abs() < 1e-15 && z[1].abs() < 1e-15);
/// assert_eq!(<SVector<f64, 2> as State<f64>>::DIM, 2);
/// ```
pub trait State<T: Scalar>: Copy {
    /// The number of scalar components.
    const DIM: usize;
    /// The zero element.
    fn zero() -> Self;
    /// `a · self`.
    fn scale(&self, a: T) -> Self;
    /// `self + a · x`.
    fn axpy(&self, a: T, x: &Self) -> Self;
    /// `self + other`.
    #[inline(always)]
    fn add(&self, other: &Self) -> Self {
        self.axpy(T::one(), other)
    }
    /// `self − other`.
    #[inline(always)]
    fn sub(&self, other: &Self) -> Self {
        self.axpy(-T::one(), other)
    }
    /// The Euclidean inner product over all components.
    fn dot(&self, other: &Self) -> T;
    /// Whether every component is finite.
    fn is_finite(&self) -> bool;
    /// The largest absolute component (0 for an empty state).
    fn max_abs(&self) -> T;
    /// `Σ_i (err_i / (atol + rtol · max(|y0_i|, |y1_i|)))²` over all components.
    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T;
    /// `max_i |err_i| / (atol + rtol · max(|y0_i|, |y1_i|))` over all components.
    fn scaled_max(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T;
}

#[inline(always)]
fn scaled<T: Scalar>(e: T, a: T, b: T, rtol: T, atol: T) -> T {
    e.abs() / (atol + rtol * a.abs().max(b.abs()))
}

impl<T: Scalar, const R: usize, const C: usize> State<T> for SMatrix<T, R, C> {
    const DIM: usize = R * C;
    #[inline(always)]
    fn zero() -> Self {
        SMatrix::zeros()
    }
    #[inline(always)]
    fn scale(&self, a: T) -> Self {
        self * a
    }
    #[inline(always)]
    fn axpy(&self, a: T, x: &Self) -> Self {
        let mut out = *self;
        // Contiguous slices (not nalgebra's strided iterators) so the loop
        // vectorises.
        for (o, xi) in out.as_mut_slice().iter_mut().zip(x.as_slice()) {
            *o += a * *xi;
        }
        out
    }
    #[inline(always)]
    fn dot(&self, other: &Self) -> T {
        let mut s = T::zero();
        for (a, b) in self.iter().zip(other.iter()) {
            s += *a * *b;
        }
        s
    }
    #[inline(always)]
    fn is_finite(&self) -> bool {
        self.iter().all(|v| v.finite())
    }
    #[inline(always)]
    fn max_abs(&self) -> T {
        self.iter().fold(T::zero(), |m, v| m.max(v.abs()))
    }
    #[inline(always)]
    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T {
        let mut s = T::zero();
        for ((e, a), b) in err.as_slice().iter().zip(y0.as_slice()).zip(y1.as_slice()) {
            let e = scaled(*e, *a, *b, rtol, atol);
            s += e * e;
        }
        s
    }
    #[inline(always)]
    fn scaled_max(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T {
        let mut m = T::zero();
        for i in 0..R * C {
            m = m.max(scaled(err[i], y0[i], y1[i], rtol, atol));
        }
        m
    }
}

macro_rules! impl_tuple {
    ($($name:ident $idx:tt),+) => {
        impl<T: Scalar, $($name: State<T>),+> State<T> for ($($name,)+) {
            const DIM: usize = 0 $(+ $name::DIM)+;
            #[inline(always)]
            fn zero() -> Self {
                ($($name::zero(),)+)
            }
            #[inline(always)]
            fn scale(&self, a: T) -> Self {
                ($(self.$idx.scale(a),)+)
            }
            #[inline(always)]
            fn axpy(&self, a: T, x: &Self) -> Self {
                ($(self.$idx.axpy(a, &x.$idx),)+)
            }
            #[inline(always)]
            fn dot(&self, other: &Self) -> T {
                T::zero() $(+ self.$idx.dot(&other.$idx))+
            }
            #[inline(always)]
            fn is_finite(&self) -> bool {
                true $(&& self.$idx.is_finite())+
            }
            #[inline(always)]
            fn max_abs(&self) -> T {
                T::zero() $(.max(self.$idx.max_abs()))+
            }
            #[inline(always)]
            fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T {
                T::zero() $(+ $name::scaled_sq_sum(&err.$idx, &y0.$idx, &y1.$idx, rtol, atol))+
            }
            #[inline(always)]
            fn scaled_max(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T {
                T::zero() $(.max($name::scaled_max(&err.$idx, &y0.$idx, &y1.$idx, rtol, atol)))+
            }
        }
    };
}
impl_tuple!(A 0, B 1);
impl_tuple!(A 0, B 1, C 2);
impl_tuple!(A 0, B 1, C 2, D 3);
