//! Kværnø's ESDIRK pairs 3/2, 4/3 and 5/4: A- and L-stable, stiffly accurate,
//! explicit first stage, the embedded method's solution being the
//! penultimate stage. Coefficients as in Diffrax (which gives Kvaerno3 and
//! Kvaerno4 as formulae in `γ`, kept as formulae here so that the order
//! conditions hold to round-off for the stated `γ`), with Diffrax's
//! predictors; dense output is cubic Hermite, as in Diffrax.
//!
//! Reference: A. Kværnø, *Singly diagonally implicit Runge–Kutta methods with
//! an explicit first stage*, BIT Numerical Mathematics 44 (2004) 489–502.

use super::esdirk::{EsdirkTableau, esdirk_solver};
use super::newton::NewtonConfig;

/// `Σ_k c_k x^(n−1−k)`, Horner's scheme (Diffrax's `np.polyval`).
const fn polyval(c: &[f64], x: f64) -> f64 {
    let mut r = 0.0;
    let mut i = 0;
    while i < c.len() {
        r = r * x + c[i];
        i += 1;
    }
    r
}

mod k3 {
    pub const G: f64 = 0.43586652150;
    pub const A31: f64 = (-4.0 * G * G + 6.0 * G - 1.0) / (4.0 * G);
    pub const A32: f64 = (-2.0 * G + 1.0) / (4.0 * G);
    pub const A41: f64 = (6.0 * G - 1.0) / (12.0 * G);
    pub const A42: f64 = -1.0 / ((24.0 * G - 12.0) * G);
    pub const A43: f64 = (-6.0 * G * G + 6.0 * G - 1.0) / (6.0 * G - 3.0);
    /// Linear extrapolation of `f` from `c = 0, 2γ` to `c = 1`.
    pub const THETA: f64 = 1.0 / (2.0 * G);
}

/// The Kvaerno3 tableau (4 stages, order 3, embedded order 2).
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::KVAERNO3;
/// // stiffly accurate, so the weights b are the last row of a; the
/// // quadrature conditions of order 3: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=3
/// let b = KVAERNO3.a[3];
/// for k in 1..=3 {
///     let q: f64 = b.iter().zip(&KVAERNO3.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-9);
/// }
/// ```
pub const KVAERNO3: EsdirkTableau<4> = {
    use k3::*;
    EsdirkTableau {
        gamma: G,
        a: [
            [0.0, 0.0, 0.0, 0.0],
            [G, G, 0.0, 0.0],
            [A31, A32, G, 0.0],
            [A41, A42, A43, G],
        ],
        c: [0.0, 2.0 * G, 1.0, 1.0],
        b_error: [A41 - A31, A42 - A32, A43 - G, G],
        predictor: [
            [0.0; 4],
            [1.0, 0.0, 0.0, 0.0],
            [1.0 - THETA, THETA, 0.0, 0.0],
            [A31, A32, G, 0.0],
        ],
    }
};

mod k4 {
    use super::polyval;
    pub const G: f64 = 0.5728160625;
    const fn p(c: &[f64]) -> f64 {
        polyval(c, G)
    }
    const Q: f64 = p(&[12.0, -6.0, 1.0]);
    const R: f64 = p(&[12.0, -9.0, 2.0]);
    const S: f64 = p(&[3.0, -1.0]);
    pub const A31: f64 = p(&[144.0, -180.0, 81.0, -15.0, 1.0]) * G / (Q * Q);
    pub const A32: f64 = p(&[-36.0, 39.0, -15.0, 2.0]) * G / (Q * Q);
    pub const A41: f64 = p(&[-144.0, 396.0, -330.0, 117.0, -18.0, 1.0]) / (12.0 * G * G * R);
    pub const A42: f64 = p(&[72.0, -126.0, 69.0, -15.0, 1.0]) / (12.0 * G * G * S);
    pub const A43: f64 = (p(&[-6.0, 6.0, -1.0]) * Q * Q) / (12.0 * G * G * R * S);
    pub const A51: f64 = p(&[288.0, -312.0, 120.0, -18.0, 1.0]) / (48.0 * G * G * R);
    pub const A52: f64 = p(&[24.0, -12.0, 1.0]) / (48.0 * G * G * S);
    pub const A53: f64 = -(Q * Q * Q) / (48.0 * G * G * S * R * p(&[6.0, -6.0, 1.0]));
    pub const A54: f64 = p(&[-24.0, 36.0, -12.0, 1.0]) / p(&[24.0, -24.0, 4.0]);
    pub const C2: f64 = 2.0 * G;
    pub const C3: f64 = G + A31 + A32;
    pub const THETA1: f64 = C3 / C2;
    pub const THETA2: f64 = (1.0 - C2) / (C3 - C2);
}

/// The Kvaerno4 tableau (5 stages, order 4, embedded order 3).
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::KVAERNO4;
/// // stiffly accurate, so the weights b are the last row of a; the
/// // quadrature conditions of order 4: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=4
/// let b = KVAERNO4.a[4];
/// for k in 1..=4 {
///     let q: f64 = b.iter().zip(&KVAERNO4.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-9);
/// }
/// ```
pub const KVAERNO4: EsdirkTableau<5> = {
    use k4::*;
    EsdirkTableau {
        gamma: G,
        a: [
            [0.0; 5],
            [G, G, 0.0, 0.0, 0.0],
            [A31, A32, G, 0.0, 0.0],
            [A41, A42, A43, G, 0.0],
            [A51, A52, A53, A54, G],
        ],
        c: [0.0, C2, C3, 1.0, 1.0],
        b_error: [A51 - A41, A52 - A42, A53 - A43, A54 - G, G],
        predictor: [
            [0.0; 5],
            [1.0, 0.0, 0.0, 0.0, 0.0],
            [1.0 - THETA1, THETA1, 0.0, 0.0, 0.0],
            [0.0, 1.0 - THETA2, THETA2, 0.0, 0.0],
            [A41, A42, A43, G, 0.0],
        ],
    }
};

// The published digits are kept as published.
#[allow(clippy::excessive_precision)]
mod k5 {
    pub const G: f64 = 0.26;
    pub const A: [[f64; 7]; 7] = [
        [0.0; 7],
        [G, G, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.13, 0.84033320996790809, G, 0.0, 0.0, 0.0, 0.0],
        [
            0.22371961478320505,
            0.47675532319799699,
            -0.06470895363112615,
            G,
            0.0,
            0.0,
            0.0,
        ],
        [
            0.16648564323248321,
            0.10450018841591720,
            0.03631482272098715,
            -0.13090704451073998,
            G,
            0.0,
            0.0,
        ],
        [
            0.13855640231268224,
            0.0,
            -0.04245337201752043,
            0.02446657898003141,
            0.61943039072480676,
            G,
            0.0,
        ],
        [
            0.13659751177640291,
            0.0,
            -0.05496908796538376,
            -0.04118626728321046,
            0.62993304899016403,
            0.06962479448202728,
            G,
        ],
    ];
    const fn row_sum(i: usize) -> f64 {
        let mut s = 0.0;
        let mut j = 0;
        while j < 7 {
            s += A[i][j];
            j += 1;
        }
        s
    }
    pub const C: [f64; 7] = [
        0.0,
        row_sum(1),
        row_sum(2),
        row_sum(3),
        row_sum(4),
        row_sum(5),
        row_sum(6),
    ];
    const fn error_weights() -> [f64; 7] {
        let mut e = [0.0; 7];
        let mut j = 0;
        while j < 7 {
            e[j] = A[6][j] - A[5][j];
            j += 1;
        }
        e
    }
    pub const E: [f64; 7] = error_weights();
    /// Diffrax's predictors (from OrdinaryDiffEq, with `α21 = 1`).
    pub const P: [[f64; 7]; 7] = [
        [0.0; 7],
        [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            -1.366025403784441,
            2.3660254037844357,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            -0.19650552613122207,
            0.8113579546496623,
            0.38514757148155954,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            0.10375304369958693,
            0.937994698066431,
            -0.04174774176601781,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            -0.17281112873898072,
            0.6235784481025847,
            0.5492326806363959,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        A[5],
    ];
}

/// The Kvaerno5 tableau (7 stages, order 5, embedded order 4).
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::KVAERNO5;
/// // stiffly accurate, so the weights b are the last row of a; the
/// // quadrature conditions of order 5: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=5
/// let b = KVAERNO5.a[6];
/// for k in 1..=5 {
///     let q: f64 = b.iter().zip(&KVAERNO5.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-9);
/// }
/// ```
pub const KVAERNO5: EsdirkTableau<7> = EsdirkTableau {
    gamma: k5::G,
    a: k5::A,
    c: k5::C,
    b_error: k5::E,
    predictor: k5::P,
};

/// Kværnø's 3/2 ESDIRK method: order 3, embedded order 2, 4 stages (3
/// implicit), A- and L-stable, stiffly accurate.
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::Kvaerno3;
/// use odegrad::{JacobianTerm, Solver, StepStatus, Term};
/// use odegrad::nalgebra::{SMatrix, SVector};
/// // y' = -50 y, a hand-written term with its Jacobian.
/// struct Decay;
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { y * -50.0 }
/// }
/// impl JacobianTerm<f64, 1> for Decay {
///     fn jac(&self, _t: f64, _y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> { SMatrix::from([[-50.0]]) }
///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::zeros() }
/// }
/// let solver = Kvaerno3::new(1e-8, 1e-8)?;
/// let y0 = SVector::from([1.0]);
/// let s0 = solver.init(&Decay, 0.0, 0.01, &y0);
/// let out = solver.step(&Decay, 0.0, 0.01, &y0, &s0);
/// assert_eq!(out.status, StepStatus::Computed);
/// assert!((out.y1[0] - (-0.5f64).exp()).abs() < 1e-2);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kvaerno3<T> {
    newton: NewtonConfig<T>,
}
esdirk_solver!(Kvaerno3, KVAERNO3, 4, 3);

/// Kværnø's 4/3 ESDIRK method: order 4, embedded order 3, 5 stages (4
/// implicit), A- and L-stable, stiffly accurate. Its second stage is
/// evaluated past `t1` (`c = 2γ ≈ 1.15`), as in Diffrax.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm};
/// use odegrad::{Kvaerno4, SaveAt, SaveBuffers};
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([1.0]));
/// let solver = Kvaerno4::new(1e-12, 1e-12)?;
/// let error = |h: f64| -> Result<f64, odegrad::Error> {
///     let sol = diffeqsolve(&term, &solver, 0.0, 1.0, Some(h), SVector::from([1.0]),
///         &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
///     Ok((sol.y[0] - (-1.0f64).exp()).abs())
/// };
/// // order 4: halving the step divides the error by about 2^4
/// assert!(((error(0.2)? / error(0.1)?).log2() - 4.0).abs() < 0.3);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kvaerno4<T> {
    newton: NewtonConfig<T>,
}
esdirk_solver!(Kvaerno4, KVAERNO4, 5, 4);

/// Kværnø's 5/4 ESDIRK method: order 5, embedded order 4, 7 stages (6
/// implicit), A- and L-stable, stiffly accurate; Diffrax's default stiff
/// solver. Its third stage is evaluated past `t1` (`c ≈ 1.23`), as in
/// Diffrax.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm};
/// use odegrad::{Kvaerno5, SaveAt, SaveBuffers};
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([1.0]));
/// let solver = Kvaerno5::new(1e-12, 1e-12)?;
/// let error = |h: f64| -> Result<f64, odegrad::Error> {
///     let sol = diffeqsolve(&term, &solver, 0.0, 1.0, Some(h), SVector::from([1.0]),
///         &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
///     Ok((sol.y[0] - (-1.0f64).exp()).abs())
/// };
/// // order 5: halving the step divides the error by about 2^5
/// assert!(((error(0.25)? / error(0.125)?).log2() - 5.0).abs() < 0.3);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Kvaerno5<T> {
    newton: NewtonConfig<T>,
}
esdirk_solver!(Kvaerno5, KVAERNO5, 7, 5);
