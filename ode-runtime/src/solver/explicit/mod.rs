//! Explicit Runge–Kutta methods: one generic step over a [`ButcherTableau`].
//!
//! Every explicit method of the crate is the same stage loop run over different
//! constant data, so that the discrete adjoint can run the very same tableau
//! backwards. A step returns its stage derivatives `kᵢ` as the dense
//! information ([`RkStages`]): they are what the continuous extension, the
//! adjoint of a step and the adjoint of an interpolated output need.
//!
//! First-same-as-last (FSAL) methods carry `f(t0, y0)` from one step to the
//! next as their solver state; after a rejected step the state is unchanged
//! because `y0` is, and after a jump the loop re-initialises it.
//!
//! Reference: Hairer, Nørsett & Wanner, *Solving Ordinary Differential
//! Equations I*, 2nd ed., Springer 1993, §II.1 (explicit Runge–Kutta methods),
//! §II.4 (embedded pairs), §II.6 (dense output).
//!
//! # Examples
//!
//! A method of order `p` integrates `y' = p tᵖ⁻¹` exactly, whatever the
//! step: its solution `tᵖ` is a polynomial of the method's degree.
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, Error, SaveAt, SaveBuffers};
//! use odegrad::{Bosh3, Dopri5, Dopri8, Euler, Heun, Midpoint, Ralston, Solver, Term, Tsit5};
//! struct Power(i32); // y' = p tᵖ⁻¹
//! impl Term<f64, SVector<f64, 1>> for Power {
//!     fn vf(&self, t: f64, _y: &SVector<f64, 1>) -> SVector<f64, 1> {
//!         SVector::from([f64::from(self.0) * t.powi(self.0 - 1)])
//!     }
//! }
//! fn exact<S: Solver<f64, SVector<f64, 1>, Power>>(solver: &S) -> Result<bool, Error> {
//!     let p = i32::try_from(solver.order()).unwrap_or(i32::MAX);
//!     let sol = diffeqsolve(&Power(p), solver, 0.0, 2.0, Some(0.5), SVector::zeros(),
//!         &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none())?;
//!     Ok((sol.y[0] / 2f64.powi(p) - 1.0).abs() < 1e-13)
//! }
//! assert!(exact(&Euler)? && exact(&Heun)? && exact(&Midpoint)? && exact(&Ralston)?);
//! assert!(exact(&Bosh3)? && exact(&Tsit5)? && exact(&Dopri5)? && exact(&Dopri8)?);
//! # Ok::<(), odegrad::Error>(())
//! ```

mod methods;

pub use methods::{Bosh3, Dopri5, Dopri8, Euler, Heun, Midpoint, Ralston, Tsit5};

use crate::solver::tableau::ButcherTableau;
use crate::solver::{StepOutput, StepStatus, StepWork};
use crate::{Scalar, State, Term};

/// The stage derivatives `kᵢ = f(t0 + cᵢh, Yᵢ)` of one explicit RK step (not
/// multiplied by `h`): the dense information of every explicit method.
///
/// # Examples
///
/// ```
/// use odegrad::{FnTerm, Solver, nalgebra::SVector};
/// use odegrad::solver::explicit::Heun;
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let y0 = SVector::from([1.0]);
/// let state = Solver::init(&Heun, &term, 0.0, 0.1, &y0);
/// let out = Heun.step(&term, 0.0, 0.1, &y0, &state);
/// // k₀ = f(0, y0) = −1, k₁ = f(0.1, y0 + 0.1 k₀) = −0.9
/// assert!((out.dense.k[0][0] + 1.0).abs() < 1e-15);
/// assert!((out.dense.k[1][0] + 0.9).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RkStages<Y, const S: usize> {
    /// `kᵢ` in stage order.
    pub k: [Y; S],
}

/// An explicit Runge–Kutta method given by a constant tableau. Implemented by
/// every explicit solver of the crate; generic code (the discrete adjoint)
/// reads the tableau through it.
///
/// # Examples
///
/// Generic code reads the tableau of any method: here the consistency
/// conditions `Σᵢ bᵢ = 1` and `cᵢ = Σⱼ aᵢⱼ` of every stage.
///
/// ```
/// use odegrad::solver::explicit::ExplicitRungeKutta;
/// use odegrad::{Bosh3, Dopri5, Dopri8, Tsit5};
/// fn consistent<M: ExplicitRungeKutta<S, D>, const S: usize, const D: usize>(_: &M) -> bool {
///     let t = M::TABLEAU;
///     let b_sum: f64 = t.b.iter().sum();
///     let rows = (0..S).all(|i| (t.a[i].iter().sum::<f64>() - t.c[i]).abs() < 1e-12);
///     (b_sum - 1.0).abs() < 1e-14 && rows
/// }
/// assert!(consistent(&Bosh3) && consistent(&Dopri5) && consistent(&Tsit5) && consistent(&Dopri8));
/// ```
pub trait ExplicitRungeKutta<const S: usize, const D: usize> {
    /// The method's coefficients.
    const TABLEAU: &'static ButcherTableau<S, D>;
}

#[inline(always)]
fn coef<T: Scalar>(x: f64) -> T {
    T::cast(x)
}

/// The time of stage `i`: exactly `t1` where `cᵢ = 1`, so that the FSAL stage
/// is `f(t1, y1)` to the bit.
#[inline(always)]
fn stage_time<T: Scalar>(t0: T, t1: T, h: T, c: f64) -> T {
    if c == 1.0 {
        t1
    } else if c == 0.0 {
        t0
    } else {
        t0 + h * coef::<T>(c)
    }
}

/// The solver state an explicit method starts from: `f(t0, y0)` for FSAL
/// methods (one evaluation), zero otherwise.
#[doc(hidden)]
#[inline(always)]
pub fn erk_init<T, Y, Tm, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    term: &Tm,
    t0: T,
    y0: &Y,
) -> Y
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
{
    if tableau.fsal {
        term.vf(t0, y0)
    } else {
        Y::zero()
    }
}

/// One explicit Runge–Kutta step from `(t0, y0)` to `t1` (either direction).
///
/// `f0` is `f(t0, y0)` for FSAL tableaus and ignored otherwise. Public (but
/// hidden) so that adjoints can replay a step of any tableau.
#[doc(hidden)]
#[inline(always)]
pub fn erk_step<T, Y, Tm, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    term: &Tm,
    t0: T,
    t1: T,
    y0: &Y,
    f0: &Y,
) -> StepOutput<Y, Y, RkStages<Y, S>>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
{
    let h = t1 - t0;
    let mut k = [Y::zero(); S];
    let mut evals = 0u32;
    k[0] = if tableau.fsal {
        *f0
    } else {
        evals += 1;
        term.vf(t0, y0)
    };
    let mut last_stage_state = *y0;
    // Plain index loops over constant bounds: once inlined with a constant
    // tableau they unroll completely and the zero coefficients fold away
    // (iterator chains with `take(i)` did not unroll).
    #[allow(clippy::needless_range_loop)]
    for i in 1..S {
        let mut yi = *y0;
        for j in 0..i {
            let aij = tableau.a[i][j];
            if aij != 0.0 {
                yi = yi.axpy(h * coef::<T>(aij), &k[j]);
            }
        }
        k[i] = term.vf(stage_time(t0, t1, h, tableau.c[i]), &yi);
        evals += 1;
        last_stage_state = yi;
    }
    let y1 = if tableau.fsal {
        // The last stage is evaluated at y1 itself.
        last_stage_state
    } else {
        let mut y1 = *y0;
        for (ki, &bi) in k.iter().zip(tableau.b.iter()) {
            if bi != 0.0 {
                y1 = y1.axpy(h * coef::<T>(bi), ki);
            }
        }
        y1
    };
    let y_error = tableau.b_error.map(|e| {
        let mut err = Y::zero();
        for (ki, &ei) in k.iter().zip(e.iter()) {
            if ei != 0.0 {
                err = err.axpy(h * coef::<T>(ei), ki);
            }
        }
        err
    });
    let state = if tableau.fsal { k[S - 1] } else { Y::zero() };
    StepOutput {
        y1,
        y_error,
        dense: RkStages { k },
        state,
        status: StepStatus::Computed,
        work: StepWork {
            vf_evals: evals,
            ..StepWork::default()
        },
    }
}

/// The interpolation weights `wᵢ(θ)` of a tableau's continuous extension.
#[doc(hidden)]
#[inline(always)]
pub fn erk_dense_weights<T: Scalar, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    theta: T,
) -> [T; S] {
    let mut w = [T::zero(); S];
    for (wi, row) in w.iter_mut().zip(tableau.dense.iter()) {
        // Horner in θ, then one more factor θ (no constant term).
        let mut acc = T::zero();
        for &d in row.iter().rev() {
            acc = acc * theta + coef::<T>(d);
        }
        *wi = acc * theta;
    }
    w
}

/// Evaluates the continuous extension of a step at `t`.
#[doc(hidden)]
#[inline(always)]
pub fn erk_interpolate<T, Y, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    t0: T,
    t1: T,
    y0: &Y,
    y1: &Y,
    stages: &RkStages<Y, S>,
    t: T,
) -> Y
where
    T: Scalar,
    Y: State<T>,
{
    let h = t1 - t0;
    if t == t1 {
        return *y1;
    }
    if t == t0 || h == T::zero() {
        return *y0;
    }
    let theta = (t - t0) / h;
    let w = erk_dense_weights(tableau, theta);
    let mut y = *y0;
    for (ki, wi) in stages.k.iter().zip(w.iter()) {
        y = y.axpy(h * *wi, ki);
    }
    y
}
