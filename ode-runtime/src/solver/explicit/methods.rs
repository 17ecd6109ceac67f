//! The explicit solvers by their Diffrax names, each a unit struct over its
//! tableau in [`crate::solver::tableau`].

use super::{ExplicitRungeKutta, RkStages, erk_init, erk_interpolate, erk_step};
use crate::solver::tableau::{
    BOSH3, ButcherTableau, DOPRI5, DOPRI8, EULER, HEUN, MIDPOINT, RALSTON, TSIT5,
};
use crate::solver::{StepOutput, StepWork};
use crate::{Scalar, Solver, State, Term};

macro_rules! explicit_rk {
    ($(#[$doc:meta])* $name:ident, $tableau:ident, $s:literal, $d:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl ExplicitRungeKutta<$s, $d> for $name {
            const TABLEAU: &'static ButcherTableau<$s, $d> = &$tableau;
        }

        impl<T: Scalar, Y: State<T>, Tm: Term<T, Y>> Solver<T, Y, Tm> for $name {
            type SolverState = Y;
            type DenseInfo = RkStages<Y, $s>;

            #[inline(always)]
            fn order(&self) -> u32 {
                $tableau.order
            }
            #[inline(always)]
            fn error_order(&self) -> Option<u32> {
                $tableau.error_order
            }
            #[inline(always)]
            fn init(&self, term: &Tm, t0: T, _t1: T, y0: &Y) -> Y {
                erk_init(&$tableau, term, t0, y0)
            }
            #[inline(always)]
            fn init_work(&self) -> StepWork {
                StepWork {
                    vf_evals: u32::from($tableau.fsal),
                    ..StepWork::default()
                }
            }
            #[inline(always)]
            fn step(
                &self,
                term: &Tm,
                t0: T,
                t1: T,
                y0: &Y,
                state: &Y,
            ) -> StepOutput<Y, Y, RkStages<Y, $s>> {
                erk_step(&$tableau, term, t0, t1, y0, state)
            }
            #[inline(always)]
            fn interpolate(
                &self,
                t0: T,
                t1: T,
                y0: &Y,
                y1: &Y,
                dense: &RkStages<Y, $s>,
                t: T,
            ) -> Y {
                erk_interpolate(&$tableau, t0, t1, y0, y1, dense, t)
            }
        }
    };
}

explicit_rk!(
    /// Euler's method: first order, one stage, no error estimate (constant
    /// steps or `StepTo` only), linear interpolation.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Euler};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let y0 = SVector::from([1.0]);
    /// let s = Solver::init(&Euler, &term, 0.0, 0.5, &y0);
    /// let out = Euler.step(&term, 0.0, 0.5, &y0, &s);
    /// assert!((out.y1[0] - 0.5).abs() < 1e-15 && out.y_error.is_none());
    /// ```
    Euler, EULER, 1, 1
);
explicit_rk!(
    /// Heun's method: second order, two stages, embedded Euler estimate,
    /// quadratic interpolation through `y0, f0, y1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Heun};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Heun, &term, 0.0, 1.0, &y0);
    /// // The trapezoidal rule integrates t exactly.
    /// assert!((Heun.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 0.5).abs() < 1e-15);
    /// ```
    Heun, HEUN, 2, 2
);
explicit_rk!(
    /// The explicit midpoint method: second order, two stages, embedded Euler
    /// estimate, quadratic interpolation.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Midpoint};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Midpoint, &term, 0.0, 1.0, &y0);
    /// assert!((Midpoint.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 0.5).abs() < 1e-15);
    /// ```
    Midpoint, MIDPOINT, 2, 2
);
explicit_rk!(
    /// Ralston's method (`c₂ = 2/3`, minimal truncation error among two-stage
    /// second-order methods): embedded Euler estimate, quadratic interpolation.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Ralston};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Ralston, &term, 0.0, 1.0, &y0);
    /// assert!((Ralston.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 0.5).abs() < 1e-15);
    /// ```
    Ralston, RALSTON, 2, 2
);
explicit_rk!(
    /// Bogacki–Shampine 3(2): third order, four stages with FSAL, cubic
    /// Hermite interpolation.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Bosh3};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t * t]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Bosh3, &term, 0.0, 1.0, &y0);
    /// assert!((Bosh3.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 1.0 / 3.0).abs() < 1e-15);
    /// ```
    Bosh3, BOSH3, 4, 3
);
explicit_rk!(
    /// Dormand–Prince 5(4): fifth order, seven stages with FSAL, quartic
    /// interpolation.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Dopri5};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t.powi(4)]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Dopri5, &term, 0.0, 1.0, &y0);
    /// assert!((Dopri5.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 0.2).abs() < 1e-14);
    /// ```
    Dopri5, DOPRI5, 7, 4
);
explicit_rk!(
    /// Tsitouras 5(4): fifth order, seven stages with FSAL, its own quartic
    /// interpolant. The default choice for non-stiff problems.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Tsit5};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t.powi(4)]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Tsit5, &term, 0.0, 1.0, &y0);
    /// assert!((Tsit5.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 0.2).abs() < 1e-14);
    /// ```
    Tsit5, TSIT5, 7, 4
);
explicit_rk!(
    /// Dormand–Prince 8(7): eighth order, fourteen stages with FSAL, the
    /// interpolant of Bogacki & Shampine. For tight tolerances.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{FnTerm, Solver, nalgebra::SVector, solver::explicit::Dopri8};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t.powi(7)]));
    /// let y0 = SVector::from([0.0]);
    /// let s = Solver::init(&Dopri8, &term, 0.0, 1.0, &y0);
    /// assert!((Dopri8.step(&term, 0.0, 1.0, &y0, &s).y1[0] - 0.125).abs() < 1e-12);
    /// ```
    Dopri8, DOPRI8, 14, 6
);
