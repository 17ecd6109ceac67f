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
//!
//! # Examples
//!
//! A pair of vectors is a state like any other: the same generic code (here
//! one explicit Euler step) runs on a plain vector and on a tuple of them.
//!
//! ```
//! use odegrad::{nalgebra::SVector, State};
//! fn euler_step<Y: State<f64>>(y: &Y, f: &Y, h: f64) -> Y {
//!     y.axpy(h, f)
//! }
//! let y = (SVector::from([1.0, 2.0]), SVector::from([0.5]));
//! let f = (SVector::from([-1.0, 0.0]), SVector::from([4.0]));
//! let y1 = euler_step(&y, &f, 0.25);
//! assert!((y1.0[0] - 0.75).abs() < 1e-15 && (y1.1[0] - 1.5).abs() < 1e-15);
//! assert_eq!(<(SVector<f64, 2>, SVector<f64, 1>) as State<f64>>::DIM, 3);
//! ```

use crate::Scalar;
use nalgebra::SMatrix;

/// A finite-dimensional real vector space of fixed size, stored by value.
///
/// All operations are pure and allocation-free. Implemented for
/// `SMatrix<T, R, C>` (and so `SVector<T, N>`) and for tuples of two to four
/// states.
///
/// # Examples
///
/// ```
/// use odegrad::{nalgebra::SVector, State};
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
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let y = (SVector::from([1.0, -2.0]), SVector::from([0.5]));
    /// let zero = <(SVector<f64, 2>, SVector<f64, 1>)>::zero();
    /// assert_eq!(y.add(&zero), y); // the additive identity
    /// ```
    fn zero() -> Self;
    /// `a · self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let y: (SVector<f64, 2>, SVector<f64, 1>) = (SVector::from([1.0, -2.0]), SVector::from([0.5]));
    /// let s = y.scale(-2.0);
    /// assert!((s.0[1] - 4.0).abs() < 1e-15 && (s.1[0] + 1.0).abs() < 1e-15);
    /// ```
    fn scale(&self, a: T) -> Self;
    /// `self + a · x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let y: (SVector<f64, 1>, SVector<f64, 1>) = (SVector::from([1.0]), SVector::from([2.0]));
    /// let x = (SVector::from([3.0]), SVector::from([-1.0]));
    /// let z = y.axpy(0.5, &x);
    /// assert!((z.0[0] - 2.5).abs() < 1e-15 && (z.1[0] - 1.5).abs() < 1e-15);
    /// ```
    fn axpy(&self, a: T, x: &Self) -> Self;
    /// `self + other`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let a: (SVector<f64, 1>, SVector<f64, 1>) = (SVector::from([1.0]), SVector::from([2.0]));
    /// let b = (SVector::from([0.5]), SVector::from([-3.0]));
    /// let c = a.add(&b);
    /// assert!((c.0[0] - 1.5).abs() < 1e-15 && (c.1[0] + 1.0).abs() < 1e-15);
    /// ```
    #[inline(always)]
    fn add(&self, other: &Self) -> Self {
        self.axpy(T::one(), other)
    }
    /// `self − other`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let a: (SVector<f64, 1>, SVector<f64, 1>) = (SVector::from([1.0]), SVector::from([2.0]));
    /// let b = (SVector::from([0.5]), SVector::from([-3.0]));
    /// let c = a.sub(&b);
    /// assert!((c.0[0] - 0.5).abs() < 1e-15 && (c.1[0] - 5.0).abs() < 1e-15);
    /// ```
    #[inline(always)]
    fn sub(&self, other: &Self) -> Self {
        self.axpy(-T::one(), other)
    }
    /// The Euclidean inner product over all components.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let a: (SVector<f64, 2>, SVector<f64, 1>) = (SVector::from([1.0, 2.0]), SVector::from([3.0]));
    /// let b = (SVector::from([4.0, -1.0]), SVector::from([2.0]));
    /// assert!((a.dot(&b) - 8.0).abs() < 1e-15); // 4 − 2 + 6
    /// ```
    fn dot(&self, other: &Self) -> T;
    /// Whether every component is finite.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let y = (SVector::from([1.0, 2.0]), SVector::from([f64::NAN]));
    /// assert!(!y.is_finite());
    /// assert!(State::<f64>::is_finite(&y.0));
    /// ```
    fn is_finite(&self) -> bool;
    /// The largest absolute component (0 for an empty state).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let y: (SVector<f64, 2>, SVector<f64, 1>) = (SVector::from([1.0, -3.0]), SVector::from([2.0]));
    /// assert!((y.max_abs() - 3.0).abs() < 1e-15);
    /// ```
    fn max_abs(&self) -> T;
    /// `Σ_i (err_i / (atol + rtol · max(|y0_i|, |y1_i|)))²` over all components.
    ///
    /// # Examples
    ///
    /// With `atol = 1`, `rtol = 0.5` and `max(|y0_i|, |y1_i|) = 2` every
    /// component is scaled by 2:
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let (y0, y1) = (SVector::from([2.0f64, 0.0]), SVector::from([1.0, -2.0]));
    /// let err = SVector::from([2.0, 1.0]);
    /// let s = State::scaled_sq_sum(&err, &y0, &y1, 0.5, 1.0);
    /// assert!((s - 1.25).abs() < 1e-15); // 1² + 0.5²
    /// ```
    fn scaled_sq_sum(err: &Self, y0: &Self, y1: &Self, rtol: T, atol: T) -> T;
    /// `max_i |err_i| / (atol + rtol · max(|y0_i|, |y1_i|))` over all components.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, State};
    /// let (y0, y1) = (SVector::from([2.0f64, 0.0]), SVector::from([1.0, -2.0]));
    /// let err = SVector::from([2.0, -1.0]);
    /// let m = State::scaled_max(&err, &y0, &y1, 0.5, 1.0);
    /// assert!((m - 1.0).abs() < 1e-15); // max(2/2, 1/2)
    /// ```
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
