//! `ImplicitAdjoint`: the gradient of a steady state by the implicit function
//! theorem, without differentiating the steps that reached it.
//!
//! At a steady state `f(y*, p) = 0`. Differentiating that identity gives
//! `J_y dy* + J_p dp = 0`, so the tangent of the steady state along a
//! parameter direction `ṗ` is `ẏ* = −J_y⁻¹ J_p ṗ` (forward mode, [`ImplicitAdjoint::jvp`])
//! and the gradient of a loss `L(y*)` is `λᵀ J_p` with `J_yᵀ λ = −∂L/∂y*`
//! (reverse mode, [`ImplicitAdjoint::backward`]) — the adjoint of the steady-state
//! equation (Griewank and Walther, *Evaluating Derivatives*, 2nd ed., §15.1;
//! Christianson, "Reverse accumulation and attractive fixed points",
//! Optimization Methods and Software 3, 1994). One LU factorisation of the
//! generated `J_y` ([`crate::solver::lu::StaticLu`]) and one product with
//! `J_p` replace the whole backward pass: no checkpoints, no stored steps.
//!
//! As in Diffrax, the steady state does not depend on the initial state (it
//! is whatever state the dynamics settle to), so **the gradient with respect
//! to `y0` is zero**, and so are those with respect to `t0` and `t1`. Only the
//! final state may enter the loss: [`ImplicitAdjoint::forward`] takes no save
//! times at all, so saving anything else cannot be expressed.
//!
//! The result is the derivative of the exact steady state, evaluated at the
//! computed one: it is as accurate as `y*` is (the steady-state event's
//! tolerance), and it is only meaningful if the solve really ended at a
//! steady state — [`ImplicitAdjoint::event_triggered`] says whether the event
//! fired. A singular `J_y` (a steady state that is not isolated) has no such
//! derivative and is reported as [`Error::SingularMatrix`].
//!
//! # Examples
//!
//! The gradient of a steady state by the implicit function theorem and by
//! differentiating the whole solve that reached it agree, at a fraction of
//! the cost:
//!
//! ```
//! use odegrad::adjoint::{checkpoint::Slot, ImplicitAdjoint, RecursiveCheckpointAdjoint};
//! use odegrad::event::steady_state_event;
//! use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//!
//! #[ode_system]
//! fn chain(_t: f64, y: &[f64; 2], p: &[f64; 3]) -> [f64; 2] {
//!     [p[0] - p[1] * y[0], y[0] - p[2] * y[1]]
//! }
//! let term = OdeTerm::new(&Chain, SVector::from([3.0, 2.0, 0.5]));
//! let pid = PidController::new(1e-10, 1e-10)?;
//! let steady = steady_state_event(1e-10, 1e-10, RmsNorm);
//! let y1_bar = SVector::from([0.0, 1.0]);
//! let implicit = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
//!     SVector::zeros(), &steady, 10_000)?;
//! let t_end = implicit.t1();
//! let g_implicit = implicit.backward(&y1_bar)?;
//! // The same solve to the same end time, differentiated step by step.
//! let mut slots = [Slot::EMPTY; 64];
//! let g_discrete = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &pid, 0.0, t_end, None,
//!     SVector::zeros(), &[], &mut [], 10_000, &mut slots)?
//!     .backward(&[], &y1_bar)?;
//! assert!((g_implicit.params - g_discrete.params).norm() < 1e-6 * g_discrete.params.norm());
//! assert_eq!(g_implicit.stats.vjp_evals, 1);
//! # Ok::<(), odegrad::Error>(())
//! ```

use super::recursive_checkpoint::{AdjointStats, Gradient};
use crate::event::Event;
use crate::integrate::diffeqsolve_with_event;
use crate::solver::lu::StaticLu;
use crate::{
    Error, JacobianTerm, JvpTerm, SaveAt, SaveBuffers, Scalar, Solver, State, Stats,
    StepSizeController, VjpTerm,
};
use nalgebra::SVector;

/// The [`Gradient`] [`ImplicitAdjoint::backward`] returns.
pub type SteadyStateGradient<T, Tm, const N: usize> =
    Gradient<T, SVector<T, N>, <Tm as VjpTerm<T, SVector<T, N>>>::Params>;

/// A solve run to a steady state, ready to be differentiated by the implicit
/// function theorem: build it with [`Self::forward`], then ask for the
/// gradient ([`Self::backward`]) or a tangent ([`Self::jvp`]).
///
/// # Examples
///
/// `y' = p0 − p1 y` settles at `y* = p0 / p1`:
///
/// ```
/// use odegrad::adjoint::ImplicitAdjoint;
/// use odegrad::event::steady_state_event;
/// use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
///
/// #[ode_system]
/// fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [p[0] - p[1] * y[0]]
/// }
/// type V1 = SVector<f64, 1>;
/// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
/// let pid = PidController::new(1e-10, 1e-10)?;
/// let event = steady_state_event(1e-10, 1e-10, RmsNorm);
/// let adjoint = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY,
///     Some(0.01), V1::zeros(), &event, 10_000)?;
/// assert!(adjoint.event_triggered());
/// assert!((adjoint.y1()[0] - 1.5).abs() < 1e-9);
/// // Loss y*: dy*/dp0 = 1/p1, dy*/dp1 = −p0/p1²; nothing depends on y0.
/// let g = adjoint.backward(&V1::from([1.0]))?;
/// assert!((g.params[0] - 0.5).abs() < 1e-9 && (g.params[1] + 0.75).abs() < 1e-9);
/// assert!(g.y0[0].abs() < 1e-300);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ImplicitAdjoint<'a, T: Scalar, Tm, const N: usize> {
    term: &'a Tm,
    t: T,
    y: SVector<T, N>,
    stats: Stats,
    event_triggered: bool,
}

impl<'a, T: Scalar, Tm, const N: usize> ImplicitAdjoint<'a, T, Tm, N> {
    /// Solves from `(t0, y0)` until `event` ends the solve (typically
    /// [`crate::event::steady_state_event`], with `t1 = ∞`), keeping only the
    /// final state.
    ///
    /// A finite `t1 == t0` is accepted as by [`diffeqsolve_with_event`]: no
    /// step, the final state is `y0` and the event has not triggered
    /// ([`Self::event_triggered`] is false), so the gradient of
    /// [`Self::backward`] — which assumes a steady state — is meaningful only
    /// if `y0` is one.
    ///
    /// # Errors
    ///
    /// Everything [`diffeqsolve_with_event`] reports, notably
    /// [`Error::MaxStepsReached`] for a steady state that is never reached.
    ///
    /// # Examples
    ///
    /// `y' = p0 − p1·y` settles at `y* = p0/p1`; a step budget too small to reach
    /// it is an error, not a steady state:
    ///
    /// ```
    /// use odegrad::adjoint::ImplicitAdjoint;
    /// use odegrad::event::steady_state_event;
    /// use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, Error, OdeTerm,
    ///     PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [p[0] - p[1] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let steady = steady_state_event(1e-10, 1e-10, RmsNorm);
    /// let solve = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///     SVector::zeros(), &steady, 10_000)?;
    /// assert!((solve.y1()[0] - 1.5).abs() < 1e-9);
    /// let short = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///     SVector::zeros(), &steady, 5);
    /// assert!(matches!(short, Err(Error::MaxStepsReached { .. })));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn forward<S, C, E>(
        term: &'a Tm,
        solver: &S,
        controller: &C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: SVector<T, N>,
        event: &E,
        max_steps: usize,
    ) -> Result<Self, Error>
    where
        Tm: crate::Term<T, SVector<T, N>>,
        S: Solver<T, SVector<T, N>, Tm>,
        C: StepSizeController<T, SVector<T, N>>,
        E: Event<T, SVector<T, N>, Tm>,
    {
        let sol = diffeqsolve_with_event(
            term,
            solver,
            t0,
            t1,
            dt0,
            y0,
            &SaveAt::nothing(),
            controller,
            max_steps,
            &mut SaveBuffers::none(),
            event,
        )?;
        Ok(Self {
            term,
            t: sol.t,
            y: sol.y,
            stats: sol.stats,
            event_triggered: sol.event_triggered,
        })
    }

    /// The final (steady) state `y*`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::ImplicitAdjoint;
    /// # use odegrad::event::steady_state_event;
    /// # use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] { [p[0] - p[1] * y[0]] }
    /// // y' = p0 − p1·y (`Relax`, from #[ode_system]) settles at p0/p1 from any y0.
    /// let term = OdeTerm::new(&Relax, SVector::from([1.0, 4.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let steady = steady_state_event(1e-10, 1e-10, RmsNorm);
    /// for y0 in [-3.0, 0.0, 3.0] {
    ///     let solve = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///         SVector::from([y0]), &steady, 10_000)?;
    ///     assert!((solve.y1()[0] - 0.25).abs() < 1e-9);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn y1(&self) -> &SVector<T, N> {
        &self.y
    }

    /// The time the solve ended.
    ///
    /// # Examples
    ///
    /// The end time is where the event fired; the state there follows the closed
    /// form `y(t) = y*·(1 − e^{−p1·t})` from `y0 = 0`:
    ///
    /// ```
    /// # use odegrad::adjoint::ImplicitAdjoint;
    /// # use odegrad::event::steady_state_event;
    /// # use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] { [p[0] - p[1] * y[0]] }
    /// // y' = p0 − p1·y (`Relax`, from #[ode_system]).
    /// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let steady = steady_state_event(1e-6, 1e-6, RmsNorm);
    /// let solve = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///     SVector::zeros(), &steady, 10_000)?;
    /// let t = solve.t1();
    /// assert!(t.is_finite() && t > 0.0);
    /// assert!((solve.y1()[0] - 1.5 * (1.0 - (-2.0 * t).exp())).abs() < 1e-9);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn t1(&self) -> T {
        self.t
    }

    /// Whether the event ended the solve (rather than reaching `t1`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::ImplicitAdjoint;
    /// # use odegrad::event::steady_state_event;
    /// # use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    /// # #[ode_system]
    /// # fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] { [p[0] - p[1] * y[0]] }
    /// // y' = p0 − p1·y (`Relax`, from #[ode_system]) is far from y* = 1.5 at t1 = 0.1.
    /// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let steady = steady_state_event(1e-8, 1e-8, RmsNorm);
    /// for (t1, reached) in [(0.1, false), (f64::INFINITY, true)] {
    ///     let solve = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, t1, None,
    ///         SVector::zeros(), &steady, 10_000)?;
    ///     assert_eq!(solve.event_triggered(), reached);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn event_triggered(&self) -> bool {
        self.event_triggered
    }

    /// The forward solve's counters.
    ///
    /// # Examples
    ///
    /// With a constant step size the step count is the end time over the step:
    ///
    /// ```
    /// # use odegrad::adjoint::ImplicitAdjoint;
    /// # use odegrad::event::steady_state_event;
    /// # use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] { [p[0] - p[1] * y[0]] }
    /// // y' = p0 − p1·y (`Relax`, from #[ode_system]) in steps of 0.125.
    /// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
    /// let steady = steady_state_event(1e-6, 1e-6, RmsNorm);
    /// let solve = ImplicitAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, f64::INFINITY,
    ///     Some(0.125), SVector::zeros(), &steady, 10_000)?;
    /// let steps = solve.stats().num_accepted_steps;
    /// assert!(steps > 0);
    /// assert!((steps as f64 * 0.125 - solve.t1()).abs() < 1e-12);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// `J_y` at the steady state, factorised.
    fn factorised_jacobian(&self) -> Result<StaticLu<T, N>, Error>
    where
        Tm: JacobianTerm<T, N>,
    {
        StaticLu::new(&self.term.jac(self.t, &self.y))
            .ok_or(Error::SingularMatrix { t: self.t.to_f64() })
    }

    /// The gradient of a loss `L(y*)` given `y1_bar = ∂L/∂y*`: solves
    /// `J_yᵀ λ = −y1_bar` and returns `λᵀ J_p` as the parameter gradient.
    /// The gradients with respect to `y0`, `t0` and `t1` are zero.
    ///
    /// # Errors
    ///
    /// [`Error::SingularMatrix`] if `J_y` at `y*` is singular (or the solve
    /// gives a non-finite `λ`).
    ///
    /// # Examples
    ///
    /// The gradient of a loss of a two-state steady state against central
    /// differences of the solve: `u' = p0 − p1·u`, `v' = u − p2·v` settles at
    /// `(p0/p1, p0/(p1·p2))`.
    ///
    /// ```
    /// use odegrad::adjoint::ImplicitAdjoint;
    /// use odegrad::event::steady_state_event;
    /// use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, Error, OdeTerm,
    ///     PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn chain(_t: f64, y: &[f64; 2], p: &[f64; 3]) -> [f64; 2] {
    ///     [p[0] - p[1] * y[0], y[0] - p[2] * y[1]]
    /// }
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let steady = steady_state_event(1e-10, 1e-10, RmsNorm);
    /// let solve = |p: SVector<f64, 3>| -> Result<SVector<f64, 2>, Error> {
    ///     let term = OdeTerm::new(&Chain, p);
    ///     let s = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///         SVector::zeros(), &steady, 10_000)?;
    ///     Ok(*s.y1())
    /// };
    /// let p = SVector::from([3.0, 2.0, 0.5]);
    /// let term = OdeTerm::new(&Chain, p);
    /// let adjoint = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///     SVector::zeros(), &steady, 10_000)?;
    /// let w = SVector::from([1.0, 2.0]); // L = u* + 2·v*
    /// let g = adjoint.backward(&w)?;
    /// for j in 0..3 {
    ///     let e = 1e-5 * SVector::<f64, 3>::ith(j, 1.0);
    ///     let fd = w.dot(&(solve(p + e)? - solve(p - e)?)) / 2e-5;
    ///     assert!((g.params[j] - fd).abs() < 1e-5, "{j}: {} vs {fd}", g.params[j]);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward(&self, y1_bar: &SVector<T, N>) -> Result<SteadyStateGradient<T, Tm, N>, Error>
    where
        Tm: JacobianTerm<T, N> + VjpTerm<T, SVector<T, N>>,
    {
        let lu = self.factorised_jacobian()?;
        let lambda = lu.solve_transpose(&(-y1_bar));
        if !lambda.is_finite() {
            return Err(Error::SingularMatrix { t: self.t.to_f64() });
        }
        let (_, params, _) = self.term.vjp(self.t, &self.y, &lambda);
        Ok(Gradient {
            y0: SVector::zeros(),
            params,
            t0: T::zero(),
            t1: T::zero(),
            stats: AdjointStats {
                forward: self.stats,
                vjp_evals: 1,
                ..AdjointStats::default()
            },
        })
    }

    /// The tangent of the steady state along the parameter direction
    /// `params_dot`: `ẏ* = −J_y⁻¹ J_p ṗ` (forward mode).
    ///
    /// # Errors
    ///
    /// [`Error::SingularMatrix`] as for [`Self::backward`].
    ///
    /// # Examples
    ///
    /// Forward mode at the steady state `y* = p0/p1` of `y' = p0 − p1·y`:
    /// `ẏ* = ṗ0/p1 − p0·ṗ1/p1²`, and the same numbers as the reverse gradient:
    ///
    /// ```
    /// use odegrad::adjoint::ImplicitAdjoint;
    /// use odegrad::event::steady_state_event;
    /// use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [p[0] - p[1] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let steady = steady_state_event(1e-10, 1e-10, RmsNorm);
    /// let solve = ImplicitAdjoint::forward(&term, &Tsit5, &pid, 0.0, f64::INFINITY, None,
    ///     SVector::zeros(), &steady, 10_000)?;
    /// let p_dot = SVector::from([1.0, 1.0]);
    /// let y_dot = solve.jvp(&p_dot)?;
    /// assert!((y_dot[0] - (1.0 / 2.0 - 3.0 / 4.0)).abs() < 1e-9);
    /// let g = solve.backward(&SVector::from([1.0]))?;
    /// assert!((y_dot[0] - g.params.dot(&p_dot)).abs() < 1e-12); // ⟨ȳ, J ṗ⟩ = ⟨Jᵀȳ, ṗ⟩
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn jvp(
        &self,
        params_dot: &<Tm as JvpTerm<T, SVector<T, N>>>::Params,
    ) -> Result<SVector<T, N>, Error>
    where
        Tm: JacobianTerm<T, N> + JvpTerm<T, SVector<T, N>>,
    {
        let lu = self.factorised_jacobian()?;
        let rhs = self
            .term
            .jvp(self.t, &self.y, &SVector::zeros(), params_dot);
        let y_dot = lu.solve(&(-rhs));
        if !y_dot.is_finite() {
            return Err(Error::SingularMatrix { t: self.t.to_f64() });
        }
        Ok(y_dot)
    }
}
