//! Rodas5P: Steinebach's 8-stage Rosenbrock method of order 5 with an
//! embedded method of order 4 and a dense output of order 4; stiffly
//! accurate and L-stable, constructed for robustness on stiff problems and
//! differential-algebraic equations (it is OrdinaryDiffEq's recommended stiff
//! solver at medium tolerances).
//!
//! Coefficients: the transformed form published with the method and used by
//! OrdinaryDiffEq (`Rodas5PTableau`) and Diffrax (`Rodas5p`); the tests check
//! them against the Rosenbrock order conditions up to order 5 (embedded 4).
//! The solution includes the last stage, whose increment is the error
//! estimate, as in OrdinaryDiffEq.
//!
//! Reference: G. Steinebach, *Construction of Rosenbrock–Wanner method Rodas5P
//! and numerical benchmarks within the Julia Differential Equations package*,
//! BIT Numerical Mathematics 63 (2023) 27, doi:10.1007/s10543-023-00967-x.

use super::{RosenbrockDense, RosenbrockTableau, rosenbrock_step};
use crate::{JacobianTerm, Scalar, Solver, StepOutput};
use nalgebra::SVector;

const A6: [f64; 5] = [
    -7.502846399306121,
    2.561846144803919,
    -11.627539656261098,
    -0.18268767659942256,
    0.030198172008377946,
];

/// The Rodas5P tableau.
///
/// # Examples
///
/// ```
/// use odegrad::solver::rosenbrock::RODAS5P;
/// // d_i = Σⱼ γ_ij: the first stage's is the diagonal γ itself
/// assert!((RODAS5P.d[0] - RODAS5P.gamma).abs() < 1e-15);
/// // the first stage is at t0 and the last three at t1
/// assert!(RODAS5P.alpha[0].abs() < 1e-15);
/// assert!(RODAS5P.alpha[5..].iter().all(|a| (a - 1.0).abs() < 1e-15));
/// ```
pub const RODAS5P: RosenbrockTableau<8, 3> = RosenbrockTableau {
    gamma: 0.21193756319429014,
    a: [
        [0.0; 8],
        [3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            2.849394379747939,
            0.45842242204463923,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            -6.954028509809101,
            2.489845061869568,
            -10.358996098473584,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            2.8029986275628964,
            0.5072464736228206,
            -0.3988312541770524,
            -0.04721187230404641,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [A6[0], A6[1], A6[2], A6[3], A6[4], 0.0, 0.0, 0.0],
        [A6[0], A6[1], A6[2], A6[3], A6[4], 1.0, 0.0, 0.0],
        [A6[0], A6[1], A6[2], A6[3], A6[4], 1.0, 1.0, 0.0],
    ],
    c: [
        [0.0; 8],
        [-14.155112264123755, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [
            -17.97296035885952,
            -2.859693295451294,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            147.12150275711716,
            -1.41221402718213,
            71.68940251302358,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            165.43517024871676,
            -0.4592823456491126,
            42.90938336958603,
            -5.961986721573306,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        [
            24.854864614690072,
            -3.0009227002832186,
            47.4931110020768,
            5.5814197821558125,
            -0.6610691825249471,
            0.0,
            0.0,
            0.0,
        ],
        [
            30.91273214028599,
            -3.1208243349937974,
            77.79954646070892,
            34.28646028294783,
            -19.097331116725623,
            -28.087943162872662,
            0.0,
            0.0,
        ],
        [
            37.80277123390563,
            -3.2571969029072276,
            112.26918849496327,
            66.9347231244047,
            -40.06618937091002,
            -54.66780262877968,
            -9.48861652309627,
            0.0,
        ],
    ],
    alpha: [
        0.0,
        0.6358126895828704,
        0.4095798393397535,
        0.9769306725060716,
        0.4288403609558664,
        1.0,
        1.0,
        1.0,
    ],
    d: [
        0.21193756319429014,
        -0.42387512638858027,
        -0.3384627126235924,
        1.8046452872882734,
        2.325825639765069,
        0.0,
        0.0,
        0.0,
    ],
    m: [A6[0], A6[1], A6[2], A6[3], A6[4], 1.0, 1.0, 1.0],
    m_error: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    dense: [
        [
            25.948786856663858,
            -2.5579724845846235,
            10.433815404888879,
            -2.3679251022685204,
            0.524948541321073,
            1.1241088310450404,
            0.4272876194431874,
            -0.17202221070155493,
        ],
        [
            -9.91568850695171,
            -0.9689944594115154,
            3.0438037242978453,
            -24.495224566215796,
            20.176138334709044,
            15.98066361424651,
            -6.789040303419874,
            -6.710236069923372,
        ],
        [
            11.419903575922262,
            2.8879645146136994,
            72.92137995996029,
            80.12511834622643,
            -52.072871366152654,
            -59.78993625266729,
            -0.15582684282751913,
            4.883087185713722,
        ],
    ],
};

/// Steinebach's Rodas5P: an 8-stage Rosenbrock method of order 5 (embedded
/// order 4, dense output of order 4) on the exact Jacobian and `∂f/∂t`. One
/// Jacobian, one LU factorisation and 8 function evaluations per step, no
/// Newton iteration and no tolerances of its own.
///
/// # Examples
///
/// ```
/// use odegrad::solver::rosenbrock::Rodas5P;
/// use odegrad::{JacobianTerm, Solver, StepStatus, Term};
/// use odegrad::nalgebra::{SMatrix, SVector};
/// struct Decay;
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// impl JacobianTerm<f64, 1> for Decay {
///     fn jac(&self, _t: f64, _y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> { SMatrix::from([[-1.0]]) }
///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::zeros() }
/// }
/// let y0 = SVector::from([1.0]);
/// let out = Rodas5P.step(&Decay, 0.0, 0.1, &y0, &());
/// assert_eq!(out.status, StepStatus::Computed);
/// assert!((out.y1[0] - (-0.1f64).exp()).abs() < 1e-9);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rodas5P;

impl Rodas5P {
    /// One step like [`Solver::step`], also returning the stage increments
    /// `u_i` (stage values are `y0 + Σ_j a_ij u_j`), for the discrete adjoint.
    #[doc(hidden)]
    #[allow(clippy::type_complexity)]
    pub fn step_with_stages<T: Scalar, const N: usize, Tm: JacobianTerm<T, N>>(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
    ) -> (
        StepOutput<SVector<T, N>, (), RosenbrockDense<T, N, 3>>,
        [SVector<T, N>; 8],
    ) {
        let s = rosenbrock_step(&RODAS5P, term, t0, t1, y0);
        (s.out, s.u)
    }
}

impl<T, const N: usize, Tm> Solver<T, SVector<T, N>, Tm> for Rodas5P
where
    T: Scalar,
    Tm: JacobianTerm<T, N>,
{
    type SolverState = ();
    type DenseInfo = RosenbrockDense<T, N, 3>;

    fn order(&self) -> u32 {
        5
    }
    fn error_order(&self) -> Option<u32> {
        Some(5)
    }
    fn init(&self, _term: &Tm, _t0: T, _t1: T, _y0: &SVector<T, N>) {}
    fn step(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        _state: &(),
    ) -> StepOutput<SVector<T, N>, (), Self::DenseInfo> {
        rosenbrock_step(&RODAS5P, term, t0, t1, y0).out
    }
    fn interpolate(
        &self,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        y1: &SVector<T, N>,
        dense: &Self::DenseInfo,
        t: T,
    ) -> SVector<T, N> {
        dense.evaluate(t0, t1, y0, y1, t)
    }
}
