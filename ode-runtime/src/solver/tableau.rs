//! Butcher tableaus of the explicit Runge–Kutta methods, as `f64` constant data.
//!
//! A tableau is the whole method: the stage matrix `a`, the nodes `c`, the
//! solution weights `b`, the embedded error weights `b_error = b − b̂` and the
//! weights of the continuous extension. Solvers, and the discrete adjoint that
//! runs a step backwards, read the same data, so both differentiate one method.
//!
//! The continuous extension of every method is written in one form,
//!
//! ```text
//! y(t0 + θh) = y0 + h Σᵢ wᵢ(θ) kᵢ,   wᵢ(θ) = Σⱼ dense[i][j] θ^(j+1),
//! ```
//!
//! where `kᵢ` are the stage derivatives. Tsit5 and Dopri8 come with their own
//! interpolants; Dopri5's is the quartic through `y0`, `y1`, `y(1/2)`, `f0`,
//! `f1` (Shampine 1986); Bosh3 (first same as last) uses the cubic Hermite
//! interpolant of `y0, y1, f0, f1`; the two-stage methods have no `f1` and use
//! the quadratic through `y0, f0, y1`, whose `O(h³)` error matches their order
//! without an extra evaluation. The weights of the derived interpolants are
//! computed here by `const fn`s from `b`, so they cannot drift from the tableau.
//!
//! Coefficients as in Diffrax (and the papers it cites):
//! Tsitouras, *Runge–Kutta pairs of order 5(4) satisfying only the first column
//! simplifying assumption*, Comput. Math. Appl. 62 (2011);
//! Dormand & Prince, *A family of embedded Runge–Kutta formulae*, JCAM 6 (1980)
//! with Shampine, *Some practical Runge–Kutta formulas*, Math. Comp. 46 (1986);
//! Prince & Dormand, *High order embedded Runge–Kutta formulae*, JCAM 7 (1981)
//! with the interpolant of Bogacki & Shampine, Comput. Math. Appl. 20 (1990);
//! Bogacki & Shampine, *A 3(2) pair of Runge–Kutta formulas*, Appl. Math. Lett.
//! 2 (1989); Hairer, Nørsett & Wanner, *Solving ODEs I*, §II.1 for the rest.
//!
//! # Examples
//!
//! The continuous extension ends where the step does: at `θ = 1` its
//! weights are the solution weights, `Σⱼ dense[i][j] = bᵢ`.
//!
//! ```
//! use odegrad::solver::tableau::{ButcherTableau, BOSH3, DOPRI5, DOPRI8, HEUN, TSIT5};
//! fn ends_at_y1<const S: usize, const D: usize>(t: &ButcherTableau<S, D>) -> bool {
//!     (0..S).all(|i| (t.dense[i].iter().sum::<f64>() - t.b[i]).abs() < 1e-12)
//! }
//! assert!(ends_at_y1(&HEUN) && ends_at_y1(&BOSH3) && ends_at_y1(&DOPRI5));
//! assert!(ends_at_y1(&TSIT5) && ends_at_y1(&DOPRI8));
//! ```

// Coefficients are kept with the digits they were published with.
#![allow(clippy::excessive_precision)]

/// An explicit Runge–Kutta method with `S` stages and a continuous extension
/// of degree `D` in `θ`.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::TSIT5;
/// // Consistency: the weights sum to one and the nodes are the row sums of `a`.
/// let sum: f64 = TSIT5.b.iter().sum();
/// assert!((sum - 1.0).abs() < 1e-14);
/// for i in 0..7 {
///     let row: f64 = TSIT5.a[i].iter().sum();
///     assert!((row - TSIT5.c[i]).abs() < 1e-14);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ButcherTableau<const S: usize, const D: usize> {
    /// The stage matrix, strictly lower triangular.
    pub a: [[f64; S]; S],
    /// The solution weights.
    pub b: [f64; S],
    /// `b − b̂`, the weights of the embedded error estimate, if there is one.
    pub b_error: Option<[f64; S]>,
    /// The nodes (`c[0] = 0`).
    pub c: [f64; S],
    /// First same as last: the last stage is `f(t1, y1)` (its row of `a` is
    /// `b`), so it is the next step's first stage.
    pub fsal: bool,
    /// The order of the method.
    pub order: u32,
    /// The order Diffrax's controller uses for the error estimate (the order
    /// of the method, i.e. one more than that of the embedded method).
    pub error_order: Option<u32>,
    /// Continuous-extension weights: `wᵢ(θ) = Σⱼ dense[i][j] θ^(j+1)`.
    pub dense: [[f64; D]; S],
}

/// The unit vector `e_i` of length `S`.
const fn unit<const S: usize>(i: usize) -> [f64; S] {
    let mut e = [0.0; S];
    e[i] = 1.0;
    e
}

/// Quadratic through `y0`, `f0`, `y1`: `y0 + θ h f0 + θ² (Δ − h f0)`.
const fn quadratic_dense<const S: usize>(b: [f64; S]) -> [[f64; 2]; S] {
    let e0 = unit::<S>(0);
    let mut w = [[0.0; 2]; S];
    let mut i = 0;
    while i < S {
        w[i] = [e0[i], b[i] - e0[i]];
        i += 1;
    }
    w
}

/// Cubic Hermite through `y0, f0, y1, f1` with `f1` the last (FSAL) stage.
const fn cubic_hermite_dense<const S: usize>(b: [f64; S]) -> [[f64; 3]; S] {
    let e0 = unit::<S>(0);
    let el = unit::<S>(S - 1);
    let mut w = [[0.0; 3]; S];
    let mut i = 0;
    while i < S {
        let u = b[i] - e0[i];
        let v = el[i] - e0[i];
        w[i] = [e0[i], 3.0 * u - v, v - 2.0 * u];
        i += 1;
    }
    w
}

/// Quartic through `y0, f0, y1, f1` and `y(1/2) = y0 + h Σ c_mid_i k_i`,
/// with `f1` the last (FSAL) stage.
const fn quartic_dense<const S: usize>(b: [f64; S], c_mid: [f64; S]) -> [[f64; 4]; S] {
    let e0 = unit::<S>(0);
    let el = unit::<S>(S - 1);
    let mut w = [[0.0; 4]; S];
    let mut i = 0;
    while i < S {
        // p(θ) = θ d + θ² c2 + θ³ c3 + θ⁴ c4 with p(1) = u + d, p'(1) = v + d,
        // p(1/2) = w + d/2, solved for (c2, c3, c4).
        let u = b[i] - e0[i];
        let v = el[i] - e0[i];
        let m = c_mid[i] - 0.5 * e0[i];
        w[i] = [
            e0[i],
            -5.0 * u + v + 16.0 * m,
            14.0 * u - 3.0 * v - 32.0 * m,
            -8.0 * u + 2.0 * v + 16.0 * m,
        ];
        i += 1;
    }
    w
}

/// Product of two polynomials in θ (coefficients of θ⁰..θ⁴, truncated at θ⁴).
const fn poly_mul(p: [f64; 5], q: [f64; 5]) -> [f64; 5] {
    let mut r = [0.0; 5];
    let mut i = 0;
    while i < 5 {
        let mut j = 0;
        while i + j < 5 {
            r[i + j] += p[i] * q[j];
            j += 1;
        }
        i += 1;
    }
    r
}

const fn poly_scale(p: [f64; 5], s: f64) -> [f64; 5] {
    [p[0] * s, p[1] * s, p[2] * s, p[3] * s, p[4] * s]
}

/// `θ − r`.
const fn lin(r: f64) -> [f64; 5] {
    [-r, 1.0, 0.0, 0.0, 0.0]
}

/// θ² as a polynomial.
const THETA2: [f64; 5] = [0.0, 0.0, 1.0, 0.0, 0.0];

/// Drops the constant term (it is zero) and keeps θ¹..θ⁴.
const fn no_constant(p: [f64; 5]) -> [f64; 4] {
    [p[1], p[2], p[3], p[4]]
}

/// Tsitouras' interpolation weights, from their factored form.
const fn tsit5_dense() -> [[f64; 4]; 7] {
    let theta: [f64; 5] = [0.0, 1.0, 0.0, 0.0, 0.0];
    let b1 = poly_scale(
        poly_mul(
            poly_mul(theta, lin(1.3299890189751412)),
            [0.7139816917074209, -1.4364028541716351, 1.0, 0.0, 0.0],
        ),
        -1.0530884977290216,
    );
    let b2 = poly_scale(
        poly_mul(
            THETA2,
            [1.2949852507374631, -2.1966568338249754, 1.0, 0.0, 0.0],
        ),
        0.1017,
    );
    let b3 = poly_scale(
        poly_mul(
            THETA2,
            [1.57803468208092486, -2.38535645472061657, 1.0, 0.0, 0.0],
        ),
        2.490627285651252793,
    );
    let b4 = poly_scale(
        poly_mul(
            poly_mul(lin(1.21712927295533244), lin(0.61620406037800089)),
            THETA2,
        ),
        -16.54810288924490272,
    );
    let b5 = poly_scale(
        poly_mul(
            poly_mul(lin(1.203071208372362603), lin(0.658047292653547382)),
            THETA2,
        ),
        47.37952196281928122,
    );
    let b6 = poly_scale(
        poly_mul(poly_mul(lin(1.2), lin(0.666666666666666667)), THETA2),
        -34.87065786149660974,
    );
    let b7 = poly_scale(poly_mul(poly_mul(lin(1.0), lin(0.6)), THETA2), 2.5);
    [
        no_constant(b1),
        no_constant(b2),
        no_constant(b3),
        no_constant(b4),
        no_constant(b5),
        no_constant(b6),
        no_constant(b7),
    ]
}

/// Reverses Diffrax's `polyval` rows (highest power first, times θ) into
/// ascending powers θ¹..θ⁶.
const fn ascending6<const S: usize>(rows: [[f64; 6]; S]) -> [[f64; 6]; S] {
    let mut w = [[0.0; 6]; S];
    let mut i = 0;
    while i < S {
        let mut j = 0;
        while j < 6 {
            w[i][j] = rows[i][5 - j];
            j += 1;
        }
        i += 1;
    }
    w
}

/// Euler's method: first order, no error estimate, linear interpolation.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::EULER;
/// // the quadrature conditions of order 1: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=1
/// for k in 1..=1 {
///     let q: f64 = EULER.b.iter().zip(&EULER.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(EULER.order, 1);
/// ```
pub const EULER: ButcherTableau<1, 1> = ButcherTableau {
    a: [[0.0]],
    b: [1.0],
    b_error: None,
    c: [0.0],
    fsal: false,
    order: 1,
    error_order: None,
    dense: [[1.0]],
};

const HEUN_B: [f64; 2] = [0.5, 0.5];
/// Heun's method: second order, embedded Euler.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::HEUN;
/// // the quadrature conditions of order 2: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=2
/// for k in 1..=2 {
///     let q: f64 = HEUN.b.iter().zip(&HEUN.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(HEUN.order, 2);
/// ```
pub const HEUN: ButcherTableau<2, 2> = ButcherTableau {
    a: [[0.0, 0.0], [1.0, 0.0]],
    b: HEUN_B,
    b_error: Some([0.5, -0.5]),
    c: [0.0, 1.0],
    fsal: false,
    order: 2,
    error_order: Some(2),
    dense: quadratic_dense(HEUN_B),
};

const MIDPOINT_B: [f64; 2] = [0.0, 1.0];
/// The explicit midpoint method: second order, embedded Euler.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::MIDPOINT;
/// // the quadrature conditions of order 2: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=2
/// for k in 1..=2 {
///     let q: f64 = MIDPOINT.b.iter().zip(&MIDPOINT.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(MIDPOINT.order, 2);
/// ```
pub const MIDPOINT: ButcherTableau<2, 2> = ButcherTableau {
    a: [[0.0, 0.0], [0.5, 0.0]],
    b: MIDPOINT_B,
    b_error: Some([1.0, -1.0]),
    c: [0.0, 0.5],
    fsal: false,
    order: 2,
    error_order: Some(2),
    dense: quadratic_dense(MIDPOINT_B),
};

const RALSTON_B: [f64; 2] = [0.25, 0.75];
/// Ralston's method (the 2/3 method): second order, embedded Euler.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::RALSTON;
/// // the quadrature conditions of order 2: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=2
/// for k in 1..=2 {
///     let q: f64 = RALSTON.b.iter().zip(&RALSTON.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(RALSTON.order, 2);
/// ```
pub const RALSTON: ButcherTableau<2, 2> = ButcherTableau {
    a: [[0.0, 0.0], [2.0 / 3.0, 0.0]],
    b: RALSTON_B,
    b_error: Some([0.75, -0.75]),
    c: [0.0, 2.0 / 3.0],
    fsal: false,
    order: 2,
    error_order: Some(2),
    dense: quadratic_dense(RALSTON_B),
};

const BOSH3_B: [f64; 4] = [2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 0.0];
/// Bogacki–Shampine 3(2): third order, FSAL, cubic Hermite interpolation.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::BOSH3;
/// // the quadrature conditions of order 3: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=3
/// for k in 1..=3 {
///     let q: f64 = BOSH3.b.iter().zip(&BOSH3.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(BOSH3.order, 3);
/// ```
pub const BOSH3: ButcherTableau<4, 3> = ButcherTableau {
    a: [
        [0.0, 0.0, 0.0, 0.0],
        [0.5, 0.0, 0.0, 0.0],
        [0.0, 0.75, 0.0, 0.0],
        BOSH3_B,
    ],
    b: BOSH3_B,
    b_error: Some([
        2.0 / 9.0 - 7.0 / 24.0,
        1.0 / 3.0 - 1.0 / 4.0,
        4.0 / 9.0 - 1.0 / 3.0,
        -1.0 / 8.0,
    ]),
    c: [0.0, 0.5, 0.75, 1.0],
    fsal: true,
    order: 3,
    error_order: Some(3),
    dense: cubic_hermite_dense(BOSH3_B),
};

const DOPRI5_B: [f64; 7] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
    0.0,
];
const DOPRI5_C_MID: [f64; 7] = [
    6025192743.0 / 30085553152.0 / 2.0,
    0.0,
    51252292925.0 / 65400821598.0 / 2.0,
    -2691868925.0 / 45128329728.0 / 2.0,
    187940372067.0 / 1594534317056.0 / 2.0,
    -1776094331.0 / 19743644256.0 / 2.0,
    11237099.0 / 235043384.0 / 2.0,
];
/// Dormand–Prince 5(4) (Shampine's coefficients): fifth order, FSAL, quartic
/// interpolation.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::DOPRI5;
/// // the quadrature conditions of order 5: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=5
/// for k in 1..=5 {
///     let q: f64 = DOPRI5.b.iter().zip(&DOPRI5.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(DOPRI5.order, 5);
/// ```
pub const DOPRI5: ButcherTableau<7, 4> = ButcherTableau {
    a: [
        [0.0; 7],
        [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0, 0.0],
        [
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
            0.0,
            0.0,
        ],
        DOPRI5_B,
    ],
    b: DOPRI5_B,
    b_error: Some([
        35.0 / 384.0 - 1951.0 / 21600.0,
        0.0,
        500.0 / 1113.0 - 22642.0 / 50085.0,
        125.0 / 192.0 - 451.0 / 720.0,
        -2187.0 / 6784.0 + 12231.0 / 42400.0,
        11.0 / 84.0 - 649.0 / 6300.0,
        -1.0 / 60.0,
    ]),
    c: [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0],
    fsal: true,
    order: 5,
    error_order: Some(5),
    dense: quartic_dense(DOPRI5_B, DOPRI5_C_MID),
};

const TSIT5_B: [f64; 7] = [
    0.09646076681806523,
    0.01,
    0.4798896504144996,
    1.379008574103742,
    -3.290069515436081,
    2.324710524099774,
    0.0,
];
/// Tsitouras 5(4): fifth order, FSAL, its own quartic interpolant.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::TSIT5;
/// // the quadrature conditions of order 5: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=5
/// for k in 1..=5 {
///     let q: f64 = TSIT5.b.iter().zip(&TSIT5.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(TSIT5.order, 5);
/// ```
pub const TSIT5: ButcherTableau<7, 4> = ButcherTableau {
    a: [
        [0.0; 7],
        [0.161, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            -0.008480655492356989,
            0.335480655492357,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            2.8971530571054935,
            -6.359448489975075,
            4.3622954328695815,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            5.325864828439257,
            -11.748883564062828,
            7.4955393428898365,
            -0.09249506636175525,
            0.0,
            0.0,
            0.0,
        ],
        [
            5.86145544294642,
            -12.92096931784711,
            8.159367898576159,
            -0.071584973281401,
            -0.028269050394068383,
            0.0,
            0.0,
        ],
        TSIT5_B,
    ],
    b: TSIT5_B,
    b_error: Some([
        0.09646076681806523 - 0.09468075576583945,
        0.01 - 0.009183565540343254,
        0.4798896504144996 - 0.4877705284247616,
        1.379008574103742 - 1.234297566930479,
        -3.290069515436081 + 2.7077123499835256,
        2.324710524099774 - 1.866628418170587,
        -1.0 / 66.0,
    ]),
    c: [0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0],
    fsal: true,
    order: 5,
    error_order: Some(5),
    dense: tsit5_dense(),
};

const DOPRI8_B: [f64; 14] = [
    14005451.0 / 335480064.0,
    0.0,
    0.0,
    0.0,
    0.0,
    -59238493.0 / 1068277825.0,
    181606767.0 / 758867731.0,
    561292985.0 / 797845732.0,
    -1041891430.0 / 1371343529.0,
    760417239.0 / 1151165299.0,
    118820643.0 / 751138087.0,
    -528747749.0 / 2220607170.0,
    1.0 / 4.0,
    0.0,
];
/// Dormand–Prince 8(7) (Prince & Dormand 1981): eighth order, fourteen stages
/// with FSAL, the sixth-degree interpolant of Bogacki & Shampine.
///
/// # Examples
///
/// ```
/// use odegrad::solver::tableau::DOPRI8;
/// // the quadrature conditions of order 8: Σᵢ bᵢ cᵢᵏ⁻¹ = 1/k for k = 1..=8
/// for k in 1..=8 {
///     let q: f64 = DOPRI8.b.iter().zip(&DOPRI8.c).map(|(b, c)| b * c.powi(k - 1)).sum();
///     assert!((q - 1.0 / f64::from(k)).abs() < 1e-12);
/// }
/// assert_eq!(DOPRI8.order, 8);
/// ```
pub const DOPRI8: ButcherTableau<14, 6> = ButcherTableau {
    a: [
        [0.0; 14],
        [
            1.0 / 18.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            1.0 / 48.0,
            1.0 / 16.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            1.0 / 32.0,
            0.0,
            3.0 / 32.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            5.0 / 16.0,
            0.0,
            -75.0 / 64.0,
            75.0 / 64.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            3.0 / 80.0,
            0.0,
            0.0,
            3.0 / 16.0,
            3.0 / 20.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            29443841.0 / 614563906.0,
            0.0,
            0.0,
            77736538.0 / 692538347.0,
            -28693883.0 / 1125000000.0,
            23124283.0 / 1800000000.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            16016141.0 / 946692911.0,
            0.0,
            0.0,
            61564180.0 / 158732637.0,
            22789713.0 / 633445777.0,
            545815736.0 / 2771057229.0,
            -180193667.0 / 1043307555.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            39632708.0 / 573591083.0,
            0.0,
            0.0,
            -433636366.0 / 683701615.0,
            -421739975.0 / 2616292301.0,
            100302831.0 / 723423059.0,
            790204164.0 / 839813087.0,
            800635310.0 / 3783071287.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            246121993.0 / 1340847787.0,
            0.0,
            0.0,
            -37695042795.0 / 15268766246.0,
            -309121744.0 / 1061227803.0,
            -12992083.0 / 490766935.0,
            6005943493.0 / 2108947869.0,
            393006217.0 / 1396673457.0,
            123872331.0 / 1001029789.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            -1028468189.0 / 846180014.0,
            0.0,
            0.0,
            8478235783.0 / 508512852.0,
            1311729495.0 / 1432422823.0,
            -10304129995.0 / 1701304382.0,
            -48777925059.0 / 3047939560.0,
            15336726248.0 / 1032824649.0,
            -45442868181.0 / 3398467696.0,
            3065993473.0 / 597172653.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            185892177.0 / 718116043.0,
            0.0,
            0.0,
            -3185094517.0 / 667107341.0,
            -477755414.0 / 1098053517.0,
            -703635378.0 / 230739211.0,
            5731566787.0 / 1027545527.0,
            5232866602.0 / 850066563.0,
            -4093664535.0 / 808688257.0,
            3962137247.0 / 1805957418.0,
            65686358.0 / 487910083.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            403863854.0 / 491063109.0,
            0.0,
            0.0,
            -5068492393.0 / 434740067.0,
            -411421997.0 / 543043805.0,
            652783627.0 / 914296604.0,
            11173962825.0 / 925320556.0,
            -13158990841.0 / 6184727034.0,
            3936647629.0 / 1978049680.0,
            -160528059.0 / 685178525.0,
            248638103.0 / 1413531060.0,
            0.0,
            0.0,
            0.0,
        ],
        DOPRI8_B,
    ],
    b: DOPRI8_B,
    b_error: Some([
        14005451.0 / 335480064.0 - 13451932.0 / 455176623.0,
        0.0,
        0.0,
        0.0,
        0.0,
        -59238493.0 / 1068277825.0 + 808719846.0 / 976000145.0,
        181606767.0 / 758867731.0 - 1757004468.0 / 5645159321.0,
        561292985.0 / 797845732.0 - 656045339.0 / 265891186.0,
        -1041891430.0 / 1371343529.0 + 3867574721.0 / 1518517206.0,
        760417239.0 / 1151165299.0 - 465885868.0 / 322736535.0,
        118820643.0 / 751138087.0 - 53011238.0 / 667516719.0,
        -528747749.0 / 2220607170.0 - 2.0 / 45.0,
        1.0 / 4.0,
        0.0,
    ]),
    c: [
        0.0,
        1.0 / 18.0,
        1.0 / 12.0,
        1.0 / 8.0,
        5.0 / 16.0,
        3.0 / 8.0,
        59.0 / 400.0,
        93.0 / 200.0,
        5490023248.0 / 9719169821.0,
        13.0 / 20.0,
        1201146811.0 / 1299019798.0,
        1.0,
        1.0,
        1.0,
    ],
    fsal: true,
    order: 8,
    error_order: Some(8),
    dense: ascending6([
        [
            -6.3448349392860401388,
            22.1396504998094068976,
            -30.0610568289666450593,
            19.9990069333683970610,
            -6.6910181737837595697,
            1.0,
        ],
        [0.0; 6],
        [0.0; 6],
        [0.0; 6],
        [0.0; 6],
        [
            -39.6107919852202505218,
            116.4422149550342161651,
            -121.4999627731334642623,
            52.2273532792945524050,
            -7.6142658045872677172,
            0.0,
        ],
        [
            20.3761213808791436958,
            -67.1451318825957197185,
            83.1721004639847717481,
            -46.8919164181093621583,
            10.7281392630428866124,
            0.0,
        ],
        [
            7.3347098826795362023,
            -16.5672243527496524646,
            9.5724507555993664382,
            -0.1890893225010595467,
            0.5526637063753648783,
            0.0,
        ],
        [
            32.8801774352459155182,
            -89.9916014847245016028,
            87.8406057677205645007,
            -35.7075975946222072821,
            4.2186562625665153803,
            0.0,
        ],
        [
            -10.1588990526426760954,
            22.6237489648532849093,
            -17.4152107770762969005,
            6.2736448083240352160,
            -0.6627209125361597559,
            0.0,
        ],
        [
            -12.5401268098782561200,
            32.2362340167355370113,
            -28.5903289514790976966,
            10.3160881272450748458,
            -1.2636789001135462218,
            0.0,
        ],
        [
            29.5553001484516038033,
            -82.1020315488359848644,
            81.6630950584341412934,
            -34.7650769866611817349,
            5.4106037898590422230,
            0.0,
        ],
        [
            -41.7923486424390588923,
            116.2662185791119533462,
            -114.9375291377009418170,
            47.7457971078225540396,
            -7.0321379067945741781,
            0.0,
        ],
        [
            20.3006925822100825485,
            -53.9020777466385396792,
            50.2558364226176017553,
            -19.0082099341608028453,
            2.3537586759714983486,
            0.0,
        ],
    ]),
};

#[cfg(test)]
mod tests {
    use super::*;

    fn check<const S: usize, const D: usize>(t: &ButcherTableau<S, D>) {
        let sb: f64 = t.b.iter().sum();
        assert!((sb - 1.0).abs() < 1e-13, "Σb = {sb}");
        for i in 0..S {
            let row: f64 = t.a[i].iter().sum();
            assert!((row - t.c[i]).abs() < 1e-12, "row {i}: {row} vs {}", t.c[i]);
            for j in i..S {
                assert!(t.a[i][j].abs() < 1e-300, "a not strictly lower");
            }
        }
        if let Some(e) = t.b_error {
            let se: f64 = e.iter().sum();
            assert!(se.abs() < 1e-12, "Σ b_error = {se}");
        }
        // The interpolant reproduces y1 at θ = 1 and has w'(0) = e_0.
        for i in 0..S {
            let w1: f64 = t.dense[i].iter().sum();
            assert!(
                (w1 - t.b[i]).abs() < 1e-12,
                "w_{i}(1) = {w1}, b = {}",
                t.b[i]
            );
            let d0 = if i == 0 { 1.0 } else { 0.0 };
            assert!((t.dense[i][0] - d0).abs() < 1e-12);
        }
        if t.fsal {
            assert_eq!(t.a[S - 1], t.b);
            assert!((t.c[S - 1] - 1.0).abs() < 1e-300);
        }
    }

    #[test]
    fn tableaus_are_consistent() {
        check(&EULER);
        check(&HEUN);
        check(&MIDPOINT);
        check(&RALSTON);
        check(&BOSH3);
        check(&DOPRI5);
        check(&TSIT5);
        check(&DOPRI8);
    }

    /// The interpolants of the FSAL methods end with slope f1: Σⱼ (j+1) wᵢⱼ = δ_{i,S−1}.
    #[test]
    fn fsal_interpolants_end_with_f1() {
        fn slope<const S: usize, const D: usize>(t: &ButcherTableau<S, D>, tol: f64) {
            for i in 0..S {
                let d1: f64 = (0..D).map(|j| (j + 1) as f64 * t.dense[i][j]).sum();
                let want = if i == S - 1 { 1.0 } else { 0.0 };
                assert!((d1 - want).abs() < tol, "stage {i}: {d1}");
            }
        }
        slope(&BOSH3, 1e-12);
        slope(&DOPRI5, 1e-12);
        slope(&TSIT5, 1e-6);
        slope(&DOPRI8, 1e-6);
    }
}
