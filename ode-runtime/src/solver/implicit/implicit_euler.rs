//! The implicit (backward) Euler method, `y1 = y0 + h f(t1, y1)`: order 1,
//! A-, B- and L-stable.
//!
//! Written as a two-stage ESDIRK tableau (explicit first stage `k0 = f(t0,
//! y0)`, then one implicit stage with `γ = 1`) so that it shares the Newton
//! machinery. As in Diffrax, the error estimate is the trapezoidal rule's
//! difference `h (k1 − k0) / 2` (error order 2) and dense output is linear:
//! cubic Hermite interpolation oscillates at this low order.
//!
//! Reference: Hairer and Wanner, *Solving Ordinary Differential Equations
//! II*, §IV.3.

use super::esdirk::{EsdirkTableau, esdirk_step};
use super::newton::{ImplicitState, NewtonConfig};
use crate::{Error, JacobianTerm, Scalar, Solver, StepOutput};
use nalgebra::SVector;

/// Implicit Euler as an ESDIRK tableau.
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::IMPLICIT_EULER;
/// // an explicit first stage at t0, then y1 = y0 + h f(t1, y1): γ = 1, c = (0, 1)
/// assert!((IMPLICIT_EULER.gamma - 1.0).abs() < 1e-15);
/// assert!(IMPLICIT_EULER.c[0].abs() < 1e-15 && (IMPLICIT_EULER.c[1] - 1.0).abs() < 1e-15);
/// assert!(IMPLICIT_EULER.a[1][0].abs() < 1e-15 && (IMPLICIT_EULER.a[1][1] - 1.0).abs() < 1e-15);
/// ```
pub const IMPLICIT_EULER: EsdirkTableau<2> = EsdirkTableau {
    gamma: 1.0,
    a: [[0.0, 0.0], [0.0, 1.0]],
    c: [0.0, 1.0],
    b_error: [-0.5, 0.5],
    predictor: [[0.0, 0.0], [1.0, 0.0]],
};

/// The implicit Euler method with simplified Newton on the exact Jacobian.
///
/// # Examples
///
/// ```
/// use odegrad::solver::implicit::ImplicitEuler;
/// use odegrad::{JacobianTerm, Solver, Term};
/// use odegrad::nalgebra::{SMatrix, SVector};
/// struct Decay;
/// impl Term<f64, SVector<f64, 1>> for Decay {
///     fn vf(&self, _t: f64, y: &SVector<f64, 1>) -> SVector<f64, 1> { -y }
/// }
/// impl JacobianTerm<f64, 1> for Decay {
///     fn jac(&self, _t: f64, _y: &SVector<f64, 1>) -> SMatrix<f64, 1, 1> { SMatrix::from([[-1.0]]) }
///     fn dfdt(&self, _t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> { SVector::zeros() }
/// }
/// let solver = ImplicitEuler::new(1e-10, 1e-10)?;
/// let y0 = SVector::from([1.0]);
/// let out = solver.step(&Decay, 0.0, 1.0, &y0, &solver.init(&Decay, 0.0, 1.0, &y0));
/// assert!((out.y1[0] - 0.5).abs() < 1e-9); // 1 / (1 + h)
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImplicitEuler<T> {
    newton: NewtonConfig<T>,
}

impl<T: Scalar> ImplicitEuler<T> {
    /// The solver with default Newton settings and the given tolerances (use
    /// the step-size controller's `rtol`, `atol`).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{ImplicitEuler, InvalidArgument};
    /// let solver = ImplicitEuler::new(1e-6f64, 1e-9)?;
    /// assert!((solver.newton().rtol - 1e-6).abs() < 1e-20);
    /// assert_eq!(ImplicitEuler::new(-1.0, 1e-9).unwrap_err(), InvalidArgument::NegativeRtol.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(rtol: T, atol: T) -> Result<Self, Error> {
        Ok(Self {
            newton: NewtonConfig::new(rtol, atol)?,
        })
    }

    /// The solver with the given Newton settings (validated).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{ImplicitEuler, InvalidArgument, NewtonConfig};
    /// let mut newton = NewtonConfig::new(1e-6f64, 1e-9)?;
    /// newton.max_iters = 4;
    /// assert_eq!(ImplicitEuler::with_newton(newton)?.newton().max_iters, 4);
    /// newton.lu_reuse_band = 1.0; // must be below 1
    /// assert_eq!(ImplicitEuler::with_newton(newton).unwrap_err(), InvalidArgument::InvalidNewtonConfig.into());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_newton(newton: NewtonConfig<T>) -> Result<Self, Error> {
        newton.validate()?;
        Ok(Self { newton })
    }

    /// The Newton settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::ImplicitEuler;
    /// let solver = ImplicitEuler::new(1e-6f64, 1e-9)?;
    /// assert!((solver.newton().kappa - 0.01).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn newton(&self) -> &NewtonConfig<T> {
        &self.newton
    }

    /// One step like [`Solver::step`], also returning the stage derivatives
    /// `[f(t0, y0), k1]` with `y1 = y0 + h k1`, for the discrete adjoint.
    #[doc(hidden)]
    #[allow(clippy::type_complexity)]
    pub fn step_with_stages<const N: usize, Tm: JacobianTerm<T, N>>(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        state: &ImplicitState<T, N>,
    ) -> (
        StepOutput<SVector<T, N>, ImplicitState<T, N>, ()>,
        [SVector<T, N>; 2],
    ) {
        let s = esdirk_step(&IMPLICIT_EULER, &self.newton, term, t0, t1, y0, state);
        let o = s.out;
        (
            StepOutput {
                y1: o.y1,
                y_error: o.y_error,
                dense: (),
                state: o.state,
                status: o.status,
                work: o.work,
            },
            s.k,
        )
    }
}

impl<T, const N: usize, Tm> Solver<T, SVector<T, N>, Tm> for ImplicitEuler<T>
where
    T: Scalar,
    Tm: JacobianTerm<T, N>,
{
    type SolverState = ImplicitState<T, N>;
    type DenseInfo = ();

    fn order(&self) -> u32 {
        1
    }
    fn error_order(&self) -> Option<u32> {
        Some(2)
    }
    fn init(&self, _term: &Tm, _t0: T, _t1: T, _y0: &SVector<T, N>) -> Self::SolverState {
        ImplicitState::empty()
    }
    fn step(
        &self,
        term: &Tm,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        state: &Self::SolverState,
    ) -> StepOutput<SVector<T, N>, Self::SolverState, ()> {
        self.step_with_stages(term, t0, t1, y0, state).0
    }
    fn interpolate(
        &self,
        t0: T,
        t1: T,
        y0: &SVector<T, N>,
        y1: &SVector<T, N>,
        _dense: &(),
        t: T,
    ) -> SVector<T, N> {
        let h = t1 - t0;
        if h == T::zero() {
            return *y0;
        }
        let s = (t - t0) / h;
        y0 + (y1 - y0) * s
    }
}
