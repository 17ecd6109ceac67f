//! The discrete adjoint of one explicit Runge–Kutta step, stage by stage.
//!
//! An explicit step with `S` stages and step size `h` computes
//!
//! ```text
//! Yᵢ = y0 + h Σ_{j<i} a_ij k_j,   kᵢ = f(t0 + cᵢ h, Yᵢ),
//! y1 = y0 + h Σᵢ bᵢ kᵢ,           y(θ) = y0 + h Σᵢ wᵢ(θ) kᵢ,  θ = (t − t0)/h,
//! ```
//!
//! the last line being the continuous extension that produces outputs inside
//! the step, with `wᵢ(θ) = Σⱼ dense[i][j] θ^(j+1)`. Its reverse is reverse-mode
//! differentiation of exactly these formulas (Hairer, Nørsett and Wanner,
//! *Solving ODEs I*, §II.3, for the form; Sandu, "On the properties of
//! Runge–Kutta discrete adjoints", ICCS 2006, for the adjoint recurrence):
//! cotangents of `y1` and of the outputs `y(θ)` become cotangents `k̄ᵢ` of
//! the stage derivatives; then, last stage first, one vector–Jacobian product
//! of the vector field per stage pulls `k̄ᵢ` back to `Yᵢ`, the parameters and
//! the stage time, and `Ȳᵢ` flows on to `y0` and to the earlier stages through
//! `a`. A stage whose cotangent is exactly zero (a first-same-as-last stage
//! that neither `y1` nor any output uses) costs no product.
//!
//! The result is the gradient of the computed step itself, with respect to
//! `y0`, the parameters, `t0` and `h`. Whether `t0` and `h` carry gradient
//! further is the step loop's business: step-size decisions are not
//! differentiated, as in Diffrax.
//!
//! The step itself is the solver's ([`crate::solver::explicit`]): its stage
//! derivatives `kᵢ` come with every accepted step, and the stage inputs `Yᵢ`
//! are rebuilt from them with the solver's own arithmetic, so the reverse
//! evaluates no vector field. Nothing here allocates.
//!
//! # Examples
//!
//! Every Runge–Kutta step is linear in `y0` for a linear system, so for
//! `y' = −p·y` the cotangent of `y0` is `y1/y0`, whatever the tableau; here
//! Dopri8's fourteen-stage step:
//!
//! ```
//! use odegrad::adjoint::{OutputCotangents, SolverVjp};
//! use odegrad::{nalgebra::SVector, ode_system, Dopri8, OdeTerm, Solver};
//!
//! #[ode_system]
//! fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
//!     [-p[0] * y[0]]
//! }
//! let term = OdeTerm::new(&Decay, SVector::from([2.0]));
//! let y0 = SVector::from([3.0]);
//! let state = Dopri8.init(&term, 0.0, 0.5, &y0);
//! let y1 = Dopri8.step(&term, 0.0, 0.5, &y0, &state).y1;
//! let (g, _) = Dopri8.step_vjp(&term, 0.0, 0.5, &y0, &state, &SVector::from([1.0]),
//!     OutputCotangents::none())?;
//! assert!((g.y0[0] - y1[0] / 3.0).abs() < 1e-15);
//! # Ok::<(), odegrad::Error>(())
//! ```

pub use super::solver_vjp::StepVjp;
use super::solver_vjp::{OutputCotangents, SolverVjp, StepVjpResult, StepVjpWork};
use crate::solver::explicit::{
    Bosh3, Dopri5, Dopri8, Euler, ExplicitRungeKutta, Heun, Midpoint, Ralston, RkStages, Tsit5,
    erk_step,
};
use crate::solver::tableau::ButcherTableau;
use crate::{Scalar, State, VjpTerm};

/// A tableau coefficient in the solve's scalar type.
#[inline(always)]
fn real<T: Scalar>(x: f64) -> T {
    T::cast(x)
}

/// `wᵢ'(θ)`, the derivatives of the continuous-extension weights.
pub(crate) fn dense_weight_derivatives<T: Scalar, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    theta: T,
) -> [T; S] {
    let mut w = [T::zero(); S];
    for (wi, row) in w.iter_mut().zip(tableau.dense.iter()) {
        // Σⱼ (j + 1) dense[i][j] θ^j by Horner.
        let mut acc = T::zero();
        for (j, &d) in row.iter().enumerate().rev() {
            acc = acc * theta + real::<T>(d * (j as f64 + 1.0));
        }
        *wi = acc;
    }
    w
}

/// Cotangents flowing back through one step: accumulate those of the step's
/// outputs with [`Self::add_end`] and [`Self::add_output`], then
/// [`Self::pull_back`] through the stages.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::explicit_rk::RkCotangent;
/// use odegrad::solver::explicit::{erk_step, ExplicitRungeKutta, Heun};
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Term};
///
/// // y' = −p y with p = 2, one Heun step of size h = 0.1 from y0 = 1:
/// // y1 = (1 − ph + (ph)²/2) y0, so dy1/dy0 = 0.82 and dy1/dp = (−h + p h²) y0 = −0.08.
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let tableau = <Heun as ExplicitRungeKutta<2, 2>>::TABLEAU;
/// let y0 = SVector::from([1.0]);
/// let out = erk_step(tableau, &term, 0.0, 0.1, &y0, &term.vf(0.0, &y0));
/// let mut cot = RkCotangent::new();
/// cot.add_end(tableau, 0.1, &SVector::from([1.0]));
/// let (g, vjps) = cot.pull_back(tableau, &term, 0.0, 0.1, &y0, &out.dense);
/// assert!((g.y0[0] - 0.82).abs() < 1e-14);
/// assert!((g.params[0] + 0.08).abs() < 1e-14);
/// assert_eq!(vjps, 2);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RkCotangent<T, Y, const S: usize> {
    /// Cotangent of `y0` from the outputs directly (`y1` and `y(θ)` contain
    /// `y0` with weight one).
    y0: Y,
    /// Cotangents of the stage derivatives `kᵢ`.
    k: [Y; S],
    /// Cotangent of `t0` from the outputs (through `θ`).
    t0: T,
    /// Cotangent of `h` from the outputs.
    h: T,
}

impl<T: Scalar, Y: State<T>, const S: usize> Default for RkCotangent<T, Y, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar, Y: State<T>, const S: usize> RkCotangent<T, Y, S> {
    /// No cotangent yet.
    ///
    /// # Examples
    ///
    /// Nothing to pull back costs nothing: no cotangent, no product.
    ///
    /// ```
    /// use odegrad::adjoint::explicit_rk::RkCotangent;
    /// use odegrad::solver::explicit::{erk_step, ExplicitRungeKutta, Tsit5};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Term};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let tableau = <Tsit5 as ExplicitRungeKutta<7, 4>>::TABLEAU;
    /// let y0 = SVector::from([1.0]);
    /// let stages = erk_step(tableau, &term, 0.0, 0.1, &y0, &term.vf(0.0, &y0)).dense;
    /// let (g, products) = RkCotangent::new().pull_back(tableau, &term, 0.0, 0.1, &y0, &stages);
    /// assert_eq!(products, 0);
    /// assert!(g.y0[0].abs() < 1e-300 && g.params[0].abs() < 1e-300);
    /// ```
    pub fn new() -> Self {
        Self {
            y0: Y::zero(),
            k: [Y::zero(); S],
            t0: T::zero(),
            h: T::zero(),
        }
    }

    /// Adds the cotangent `y1_bar` of the step's end `y1 = y0 + h Σᵢ bᵢ kᵢ`.
    ///
    /// # Examples
    ///
    /// For Euler, `y1 = y0 + h·f(y0)`, the end's cotangent `w` pulls back to
    /// `w + h·J_yᵀw` and `h·J_pᵀw`, checked against the Jacobians `#[ode_system]`
    /// generates:
    ///
    /// ```
    /// use odegrad::adjoint::explicit_rk::RkCotangent;
    /// use odegrad::solver::explicit::{erk_step, Euler, ExplicitRungeKutta};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeSystem, OdeTerm, Term};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
    /// let term = OdeTerm::new(&LotkaVolterra, p);
    /// let tableau = <Euler as ExplicitRungeKutta<1, 1>>::TABLEAU;
    /// let (y0, h, w) = (SVector::from([1.0, 2.0]), 0.1, SVector::from([0.3, -1.2]));
    /// let stages = erk_step(tableau, &term, 0.0, h, &y0, &term.vf(0.0, &y0)).dense;
    /// let mut cot = RkCotangent::new();
    /// cot.add_end(tableau, h, &w);
    /// let (g, _) = cot.pull_back(tableau, &term, 0.0, h, &y0, &stages);
    /// let (j_y, j_p) = (LotkaVolterra.jac_y(0.0, &y0, &p), LotkaVolterra.jac_p(0.0, &y0, &p));
    /// assert!((g.y0 - (w + h * j_y.transpose() * w)).norm() < 1e-15);
    /// assert!((g.params - h * j_p.transpose() * w).norm() < 1e-15);
    /// ```
    pub fn add_end<const D: usize>(&mut self, tableau: &ButcherTableau<S, D>, h: T, y1_bar: &Y) {
        self.y0 = self.y0.add(y1_bar);
        for (k_bar, &bi) in self.k.iter_mut().zip(tableau.b.iter()) {
            if bi != 0.0 {
                *k_bar = k_bar.axpy(h * real::<T>(bi), y1_bar);
            }
        }
    }

    /// Adds the cotangent `y_bar` of the continuous extension `y(θ)` at
    /// `θ = (t − t0)/h`, for a fixed output time `t` inside the step: the
    /// output time is not differentiated, `t0` and `h` are, through `θ`.
    ///
    /// # Examples
    ///
    /// The cotangent of Heun's continuous extension at a fixed time inside the
    /// step, against a central difference of the interpolated value in `y0`:
    ///
    /// ```
    /// use odegrad::adjoint::explicit_rk::RkCotangent;
    /// use odegrad::solver::explicit::{erk_step, ExplicitRungeKutta, Heun};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Solver, Term};
    ///
    /// #[ode_system]
    /// fn logistic(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [p[0] * y[0] * (1.0 - y[0])]
    /// }
    /// type V1 = SVector<f64, 1>;
    /// type Logistic1 = OdeTerm<'static, Logistic, f64, 1, 1>;
    /// let term = OdeTerm::new(&Logistic, SVector::from([3.0]));
    /// let tableau = <Heun as ExplicitRungeKutta<2, 2>>::TABLEAU;
    /// let (h, t) = (0.2, 0.13);
    /// // y(t) from a step of size h starting at y0.
    /// let y_at = |y0: f64| {
    ///     let y0 = V1::from([y0]);
    ///     let out = erk_step(tableau, &term, 0.0, h, &y0, &term.vf(0.0, &y0));
    ///     <Heun as Solver<_, _, Logistic1>>::interpolate(&Heun, 0.0, h, &y0, &out.y1, &out.dense, t)[0]
    /// };
    /// let y0 = V1::from([0.2]);
    /// let stages = erk_step(tableau, &term, 0.0, h, &y0, &term.vf(0.0, &y0)).dense;
    /// let mut cot = RkCotangent::new();
    /// cot.add_output(tableau, h, &stages, t / h, &V1::from([1.0]));
    /// let (g, _) = cot.pull_back(tableau, &term, 0.0, h, &y0, &stages);
    /// let fd = (y_at(0.2 + 1e-6) - y_at(0.2 - 1e-6)) / 2e-6;
    /// assert!((g.y0[0] - fd).abs() < 1e-8);
    /// ```
    pub fn add_output<const D: usize>(
        &mut self,
        tableau: &ButcherTableau<S, D>,
        h: T,
        stages: &RkStages<Y, S>,
        theta: T,
        y_bar: &Y,
    ) {
        let w = crate::solver::explicit::erk_dense_weights(tableau, theta);
        let dw = dense_weight_derivatives(tableau, theta);
        self.y0 = self.y0.add(y_bar);
        // dy/dθ = h Σᵢ wᵢ'(θ) kᵢ, and θ = (t − t0)/h.
        let mut dy_dtheta = T::zero();
        for (((k_bar, k), &wi), &dwi) in self
            .k
            .iter_mut()
            .zip(stages.k.iter())
            .zip(w.iter())
            .zip(dw.iter())
        {
            if wi != T::zero() {
                *k_bar = k_bar.axpy(h * wi, y_bar);
            }
            if dwi != T::zero() {
                dy_dtheta += dwi * y_bar.dot(k);
            }
        }
        let theta_bar = h * dy_dtheta;
        // ∂θ/∂t0 = −1/h, ∂θ/∂h = −θ/h.
        self.t0 -= theta_bar / h;
        self.h -= theta_bar * theta / h;
    }

    /// Pulls the accumulated cotangents back through the stages of the step
    /// from `(t0, y0)` with size `h`, last stage first: one vector–Jacobian
    /// product of the term per stage with a nonzero cotangent. Returns the
    /// cotangents of `y0`, the parameters, `t0` and `h`, and the number of
    /// products taken.
    ///
    /// # Examples
    ///
    /// The same cotangents as the solver's own step reverse, one product per stage
    /// with a nonzero cotangent: Tsit5's seventh stage, `f(t1, y1)`, has weight
    /// zero in `y1`, so reversing the end takes six.
    ///
    /// ```
    /// use odegrad::adjoint::explicit_rk::RkCotangent;
    /// use odegrad::adjoint::{OutputCotangents, SolverVjp};
    /// use odegrad::solver::explicit::{erk_step, ExplicitRungeKutta, Tsit5};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Solver};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let tableau = <Tsit5 as ExplicitRungeKutta<7, 4>>::TABLEAU;
    /// let (y0, w) = (SVector::from([1.0]), SVector::from([1.0]));
    /// let f0 = Tsit5.init(&term, 0.0, 0.1, &y0);
    /// let stages = erk_step(tableau, &term, 0.0, 0.1, &y0, &f0).dense;
    /// let mut cot = RkCotangent::new();
    /// cot.add_end(tableau, 0.1, &w);
    /// let (g, products) = cot.pull_back(tableau, &term, 0.0, 0.1, &y0, &stages);
    /// assert_eq!(products, 6);
    /// let (step, _) = Tsit5.step_vjp(&term, 0.0, 0.1, &y0, &f0, &w, OutputCotangents::none())?;
    /// assert!((g.y0[0] - step.y0[0]).abs() < 1e-15 && (g.h - step.h).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn pull_back<Tm, const D: usize>(
        mut self,
        tableau: &ButcherTableau<S, D>,
        term: &Tm,
        t0: T,
        h: T,
        y0: &Y,
        stages: &RkStages<Y, S>,
    ) -> (StepVjp<T, Y, Tm::Params>, u32)
    where
        Tm: VjpTerm<T, Y>,
    {
        let mut params = <Tm::Params as State<T>>::zero();
        let mut vjps = 0;
        for (i, (row, (&c, k))) in tableau
            .a
            .iter()
            .zip(tableau.c.iter().zip(stages.k.iter()))
            .enumerate()
            .rev()
        {
            let k_bar = self.k[i];
            if k_bar.max_abs() == T::zero() {
                continue;
            }
            // Every kⱼ enters the step multiplied by h (in y1, the outputs
            // and the stage inputs), so once all later stages have added to
            // k̄ⱼ, those terms give ∂L/∂h its k̄ⱼ·kⱼ/h: one product per stage
            // instead of one per tableau entry.
            self.h += k_bar.dot(k) / h;
            // The stage input, with the solver's arithmetic.
            let mut input = *y0;
            for (&aij, kj) in row.iter().zip(stages.k.iter()).take(i) {
                if aij != 0.0 {
                    input = input.axpy(h * real::<T>(aij), kj);
                }
            }
            let ci = real::<T>(c);
            let (y_bar, p_bar, t_bar) = term.vjp(t0 + ci * h, &input, &k_bar);
            vjps += 1;
            params = params.add(&p_bar);
            self.t0 += t_bar;
            self.h += ci * t_bar;
            self.y0 = self.y0.add(&y_bar);
            for (k_bar_j, &aij) in self.k.iter_mut().zip(row.iter()).take(i) {
                if aij != 0.0 {
                    *k_bar_j = k_bar_j.axpy(h * real::<T>(aij), &y_bar);
                }
            }
        }
        (
            StepVjp {
                y0: self.y0,
                params,
                t0: self.t0,
                h: self.h,
            },
            vjps,
        )
    }
}

/// The reverse of one step of an explicit method given by its tableau: the
/// replay, the outputs' cotangents and the pull-back through the stages.
/// What [`SolverVjp::step_vjp`] does for every explicit solver of the crate;
/// public so that a method defined outside the crate can implement
/// [`SolverVjp`] with it.
///
/// # Examples
///
/// Every two-stage method of order two computes `y1 = (1 − hp + (hp)²/2)·y0`
/// for `y' = −p·y`; the reverse of Ralston's and of the midpoint method's
/// tableau gives that polynomial's derivatives:
///
/// ```
/// use odegrad::adjoint::{explicit_rk::erk_step_vjp, OutputCotangents};
/// use odegrad::solver::explicit::{ExplicitRungeKutta, Midpoint, Ralston};
/// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, Term};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let (p, h) = (2.0, 0.1);
/// let term = OdeTerm::new(&Decay, SVector::from([p]));
/// let (y0, w) = (SVector::from([1.0]), SVector::from([1.0]));
/// let f0 = term.vf(0.0, &y0);
/// for tableau in [<Ralston as ExplicitRungeKutta<2, 2>>::TABLEAU,
///     <Midpoint as ExplicitRungeKutta<2, 2>>::TABLEAU]
/// {
///     let (g, work) = erk_step_vjp(tableau, &term, 0.0, h, &y0, &f0, &w, OutputCotangents::none());
///     assert!((g.y0[0] - (1.0 - h * p + (h * p).powi(2) / 2.0)).abs() < 1e-15);
///     assert!((g.params[0] - (-h + p * h * h)).abs() < 1e-15); // ∂y1/∂p
///     assert_eq!(work.vjp_evals, 2);
/// }
/// ```
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn erk_step_vjp<T, Y, Tm, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    term: &Tm,
    t0: T,
    t1: T,
    y0: &Y,
    f0: &Y,
    y1_bar: &Y,
    outputs: OutputCotangents<'_, T, Y>,
) -> (StepVjp<T, Y, Tm::Params>, StepVjpWork)
where
    T: Scalar,
    Y: State<T>,
    Tm: VjpTerm<T, Y>,
{
    let stages = erk_step(tableau, term, t0, t1, y0, f0).dense;
    let h = t1 - t0;
    let mut cot = RkCotangent::new();
    cot.add_end(tableau, h, y1_bar);
    // Latest output first, as the reverse sweep meets them.
    for (&t, y_bar) in outputs.ts.iter().zip(outputs.ys_bar.iter()).rev() {
        cot.add_output(tableau, h, &stages, (t - t0) / h, y_bar);
    }
    let (g, vjps) = cot.pull_back(tableau, term, t0, h, y0, &stages);
    (
        g,
        StepVjpWork {
            vjp_evals: vjps,
            ..StepVjpWork::default()
        },
    )
}

macro_rules! explicit_step_vjp {
    ($($name:ident),*) => {$(
        impl<T: Scalar, Y: State<T>, Tm: VjpTerm<T, Y>> SolverVjp<T, Y, Tm> for $name {
            #[inline(always)]
            fn step_vjp(
                &self,
                term: &Tm,
                t0: T,
                t1: T,
                y0: &Y,
                state: &Y,
                y1_bar: &Y,
                outputs: OutputCotangents<'_, T, Y>,
            ) -> StepVjpResult<T, Y, Tm::Params> {
                Ok(erk_step_vjp(
                    <$name as ExplicitRungeKutta<_, _>>::TABLEAU,
                    term,
                    t0,
                    t1,
                    y0,
                    state,
                    y1_bar,
                    outputs,
                ))
            }
        }
    )*};
}

explicit_step_vjp!(Euler, Heun, Midpoint, Ralston, Bosh3, Tsit5, Dopri5, Dopri8);
