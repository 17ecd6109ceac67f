//! `DirectAdjoint`: derivatives of the computed solution by forward mode —
//! tangents, full sensitivity matrices, and reverse gradients assembled from
//! them.
//!
//! The tangent is propagated alongside the primal step by step: the step loop
//! ([`Integrator`]) runs as in an ordinary solve, and each accepted step is
//! differentiated by [`TangentStep`] (explicit stages with one product of the
//! linearised field each, implicit stages by the implicit function theorem),
//! outputs inside a step through its continuous extension. Nothing of the
//! trajectory is stored: the memory is one tangent and the stage tangents of
//! one step. As in the reverse adjoints, the step-size controller's decisions
//! are not differentiated: the tangent is exact for the discrete solution at
//! the forward solve's step sequence, and the step ends move with `t0` (a
//! shift of the grid) or, for the end at `t1`, with `t1`. An output at
//! exactly `t0` is `y0`, and with its save time fixed it moves with `t0` by
//! `−f(t0, y0)`, as the solution at any fixed time does.
//!
//! What is carried decides the cost. One direction `(ẏ0, ṗ, ṫ0, ṫ1)`
//! ([`DirectAdjoint::tangent`]) costs one Jacobian–vector product per stage.
//! All directions ([`DirectAdjoint::sensitivities`]) integrate `(y, S)` with
//! `S = (∂y/∂y0, ∂y/∂p, [∂y/∂t0, ∂y/∂t1])`: per stage one `J_y` and one
//! `J_p` and products of `N × N` by `N × (N + P + 2)` matrices. The gradient
//! of a scalar loss ([`DirectAdjoint::backward`]) is then `Σ_m S(t_m)ᵀ ȳ_m`,
//! accumulated as the sensitivities pass each output — the same
//! [`Gradient`] that [`super::RecursiveCheckpointAdjoint`] returns, equal
//! to it up to round-off since both differentiate one discrete solution.
//!
//! When to use it. A reverse gradient costs one backward sweep per scalar
//! output, whatever the number of parameters; a sensitivity pass costs two
//! primal solves plus a part that grows with `N + P`, and gives every output
//! at once. Measured (BENCHMARKS.md, "DirectAdjoint and forward mode"): for
//! one scalar loss the two are even at about `P ≈ 5` for a Lotka–Volterra
//! sized system and `P ≈ 19` for a 2–16–2 neural ODE (whose generated `J_p`
//! is cheap), and reverse mode wins beyond; for a Jacobian with two or more
//! rows (say the final state of P1 or P4) the sensitivities win or break
//! even. So: one loss and many parameters — [`super::RecursiveCheckpointAdjoint`];
//! few parameters, several outputs, or tangents — this one.
//!
//! Solvers: the explicit Runge–Kutta methods, ImplicitEuler and Kvaerno3/4/5
//! (see [`super::tangent_step`]); implicit steps are replayed once for their stages,
//! so their forward pass costs two primal solves. Rodas5P is refused at
//! compile time.
//!
//! # Examples
//!
//! One pass of sensitivities gives every tangent at once: each column equals
//! the tangent along its unit direction.
//!
//! ```
//! use odegrad::adjoint::{DirectAdjoint, Tangent};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
//! let pid = PidController::new(1e-8, 1e-8)?;
//! let direct = DirectAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
//!     SVector::from([1.0, 1.0]), &[], &mut [], 1000)?;
//! let (_, d_p, _) = direct.sensitivities::<4>(&mut [])?;
//! for j in 0..4 {
//!     let seed = Tangent { y0: SVector::zeros(), params: SVector::ith(j, 1.0), t0: 0.0, t1: 0.0 };
//!     let column = direct.tangent(&seed, &mut [])?.y1_dot;
//!     assert!((column - d_p.column(j)).norm() < 1e-12 * d_p.norm());
//! }
//! # Ok::<(), odegrad::Error>(())
//! ```

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::forward_mode::{JvpOutput, Tangent};
use super::recursive_checkpoint::{direction, next_accepted, validate_ts};
use super::tangent_field::{JvpField, Sensitivity, SensitivityField, TangentField};
use super::tangent_step::{StepGrid, TangentStep};
use super::{AdjointStats, Gradient};
use crate::controller::StepSizeController;
use crate::integrate::{Integrator, LoopStateOf, Stats};
use crate::{Error, JacobianTerm, JvpTerm, ParamJacobianTerm, Scalar, Solver, State, Term};
use nalgebra::{SMatrix, SVector};

/// A forward solve whose derivatives forward mode computes: build it with
/// [`Self::forward`], read the outputs, then ask for tangents
/// ([`Self::tangent`]), sensitivities ([`Self::sensitivities`]) or the
/// gradient of a loss ([`Self::backward`]).
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::{DirectAdjoint, Tangent};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// // y' = −p y: y(1) = e^{−p} y0.
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let direct = DirectAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
///     Some(0.05), SVector::from([1.0]), &[], &mut [], 1000)?;
/// let y1 = direct.y1()[0];
/// // Along ṗ = 1: dy(1)/dp = −e^{−p}.
/// let seed = Tangent { y0: SVector::zeros(), params: SVector::from([1.0]), t0: 0.0, t1: 0.0 };
/// let dy = direct.tangent(&seed, &mut [])?;
/// assert!((dy.y1_dot[0] + y1).abs() < 1e-9);
/// // The whole sensitivity, and a gradient from it.
/// let s = direct.sensitivities::<1>(&mut [])?;
/// assert!((s.1[(0, 0)] - dy.y1_dot[0]).abs() < 1e-15);
/// let g = direct.backward::<1>(&[], &SVector::from([1.0]))?;
/// assert!((g.y0[0] - y1).abs() < 1e-12);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub struct DirectAdjoint<'a, T, const N: usize, Tm, S, C>
where
    T: Scalar,
    Tm: Term<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
    C: StepSizeController<T, SVector<T, N>>,
{
    term: &'a Tm,
    solver: &'a S,
    controller: &'a C,
    t0: T,
    t1: T,
    dt0: Option<T>,
    y0: SVector<T, N>,
    ts: &'a [T],
    max_steps: usize,
    end: LoopStateOf<T, SVector<T, N>, Tm, S, C>,
}

impl<'a, T, const N: usize, Tm, S, C> DirectAdjoint<'a, T, N, Tm, S, C>
where
    T: Scalar,
    Tm: Term<T, SVector<T, N>>,
    S: Solver<T, SVector<T, N>, Tm>,
    C: StepSizeController<T, SVector<T, N>>,
{
    /// Solves from `(t0, y0)` to `t1`, writing `y(ts[m])` into `ys[m]`.
    ///
    /// `t0 == t1` is an empty interval, as in [`crate::diffeqsolve`]: no
    /// step is taken, and the state and every output (all `ts` must equal
    /// `t0`) are `y0`.
    ///
    /// # Errors
    ///
    /// Everything [`crate::diffeqsolve`] reports; [`Error::SaveBufferTooSmall`]
    /// if `ys` is shorter than `ts`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::DirectAdjoint;
    /// use odegrad::{nalgebra::SVector, ode_system, Error, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let ts = [0.25, 0.5];
    /// let mut ys = [SVector::zeros(); 2];
    /// DirectAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None, SVector::from([1.0]),
    ///     &ts, &mut ys, 1000)?;
    /// assert!((ys[1][0] - (-1.0f64).exp()).abs() < 1e-9); // y(t) = e^{−p·t}·y0
    /// let mut short = [SVector::zeros(); 1];
    /// let result = DirectAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([1.0]), &ts, &mut short, 1000);
    /// assert!(matches!(result, Err(Error::SaveBufferTooSmall { needed: 2, capacity: 1 })));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        term: &'a Tm,
        solver: &'a S,
        controller: &'a C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: SVector<T, N>,
        ts: &'a [T],
        ys: &mut [SVector<T, N>],
        max_steps: usize,
    ) -> Result<Self, Error> {
        let mut it = Integrator::new(term, solver, controller, t0, t1, dt0, y0, max_steps)?;
        validate_ts(ts, t0, t1)?;
        let capacity = ys.len();
        let ys = ys.get_mut(..ts.len()).ok_or(Error::SaveBufferTooSmall {
            needed: ts.len(),
            capacity,
        })?;
        let dir = direction(t0, t1);
        let mut outputs = ts.iter().zip(ys.iter_mut()).peekable();
        while let Some((_, y)) = outputs.next_if(|&(&t, _)| !((t - t0) * dir > T::zero())) {
            *y = y0;
        }
        while !it.is_done() {
            let step = next_accepted(&mut it)?;
            while let Some((&t, y)) = outputs.next_if(|&(&t, _)| !((t - step.t1) * dir > T::zero()))
            {
                *y = solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
            }
        }
        let end = *it.state();
        Ok(Self {
            term,
            solver,
            controller,
            t0,
            t1,
            dt0,
            y0,
            ts,
            max_steps,
            end,
        })
    }

    /// The state at `t1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::DirectAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]): y(1) = e^{−p}·y0.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let direct = DirectAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([3.0]), &[], &mut [], 100)?;
    /// assert!((direct.y1()[0] - 3.0 * (-2.0f64).exp()).abs() < 1e-9);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn y1(&self) -> &SVector<T, N> {
        &self.end.y
    }

    /// The forward solve's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// # use odegrad::adjoint::DirectAdjoint;
    /// # use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    /// # #[ode_system]
    /// # fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] { [-p[0] * y[0]] }
    /// // y' = −p·y (`Decay`, from #[ode_system]) over [0, 1] in steps of 0.05.
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let direct = DirectAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([1.0]), &[], &mut [], 100)?;
    /// assert_eq!(direct.stats().num_accepted_steps, 20);
    /// assert_eq!(direct.stats().num_rejected_steps, 0);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.end.stats
    }

    /// Runs the solve again with the tangent `v0` of `y0` and the time
    /// tangents `t0_dot`, `t1_dot` of the interval's ends carried along by
    /// `field`; calls `emit(m, v)` with the tangent of the output at `ts[m]`
    /// and returns the tangent at `t1` and the number of products of the
    /// linearised field taken. The building block of the other methods, for
    /// a [`TangentField`] of one's own.
    ///
    /// The tangent of an output at exactly `t0` is `v0 − f(t0, y0) ⊗ t0_dot`
    /// (one vector-field evaluation if there is such an output and `t0_dot`
    /// is not zero): it is `y0`, and with its save time fixed it moves with
    /// `t0` as the solution at a fixed time does.
    ///
    /// On an empty interval (`t0 == t1`) no product is taken: the tangent at
    /// `t1` is `v0 + f(t1, y0) ⊗ (t1_dot − t0_dot)` (one vector-field
    /// evaluation, skipped if the time tangents are equal), so the
    /// sensitivities are `∂y/∂y0 = I`, `∂y/∂p = 0`, `∂y/∂t1 = −∂y/∂t0 = f`.
    /// The outputs, all at `t0`, have `∂y/∂t0 = −f` and `∂y/∂t1 = 0`: the
    /// save times stay fixed as `t1` moves.
    ///
    /// # Errors
    ///
    /// What the forward solve reported (it does not, being the same solve),
    /// and the errors of [`TangentStep::step_tangent`].
    ///
    /// # Examples
    ///
    /// The tangent along `ẏ0 = 1` (no parameter or time direction) carried by a
    /// [`JvpField`]: `∂y(t)/∂y0 = e^{−p·t}` at every output and at `t1`:
    ///
    /// ```
    /// use odegrad::adjoint::{DirectAdjoint, JvpField};
    /// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let ts = [0.3, 0.6];
    /// let mut ys = [SVector::zeros(); 2];
    /// let direct = DirectAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([1.0]), &ts, &mut ys, 100)?;
    /// let field = JvpField { term: &term, p_dot: SVector::zeros() };
    /// let mut outputs = [0.0; 2];
    /// let (v1, _products) = direct.propagate(&field, SVector::from([1.0]), SVector::zeros(),
    ///     SVector::zeros(), |m, v| outputs[m] = v[0])?;
    /// assert!((v1[0] - (-2.0f64).exp()).abs() < 1e-9);
    /// for (t, v) in ts.iter().zip(outputs) {
    ///     assert!((v - (-2.0 * t).exp()).abs() < 1e-9);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn propagate<F, E>(
        &self,
        field: &F,
        v0: F::Tangent,
        t0_dot: F::Time,
        t1_dot: F::Time,
        mut emit: E,
    ) -> Result<(F::Tangent, usize), Error>
    where
        F: TangentField<T, N, Term = Tm>,
        S: TangentStep<T, N, Tm>,
        E: FnMut(usize, &F::Tangent),
    {
        let (ts, t0, t1) = (self.ts, self.t0, self.t1);
        let mut it = Integrator::new(
            self.term,
            self.solver,
            self.controller,
            t0,
            t1,
            self.dt0,
            self.y0,
            self.max_steps,
        )?;
        let dir = direction(t0, t1);
        let mut m = 0;
        // Outputs at t0 itself are y0: with their save times fixed they are
        // Φ(ts_m; t0, y0) at ts_m = t0, which moves with t0 by −f(t0, y0).
        let mut at_t0: Option<F::Tangent> = None;
        while let Some(&t) = ts.get(m) {
            if (t - t0) * dir > T::zero() {
                break;
            }
            let v = at_t0.get_or_insert_with(|| {
                if t0_dot.max_abs() != T::zero() {
                    v0.sub(&F::outer(&self.term.vf(t0, &self.y0), &t0_dot))
                } else {
                    v0
                }
            });
            emit(m, v);
            m += 1;
        }
        let node_dot = |node: T| if node == t1 { t1_dot } else { t0_dot };
        let mut v = v0;
        let mut carried: Option<F::Tangent> = None;
        let mut evals = 0usize;
        while !it.is_done() {
            let step = next_accepted(&mut it)?;
            let first = m;
            while let Some(&t) = ts.get(m) {
                if (t - step.t1) * dir > T::zero() {
                    break;
                }
                m += 1;
            }
            let grid = StepGrid {
                start: node_dot(step.t0),
                stop: node_dot(step.t1),
            };
            let outputs = ts.get(first..m).unwrap_or(&[]);
            let out = self.solver.step_tangent(
                field,
                &step,
                &grid,
                &v,
                carried.as_ref(),
                outputs,
                |i, vt| emit(first + i, vt),
            )?;
            evals += out.evals as usize;
            v = out.y1;
            // After a discontinuity the solver starts afresh, and so do we.
            carried = if step.made_jump { None } else { Some(out.f1) };
        }
        if t0 == t1 {
            // No step: y(t1) = y0, which moves with t1 by f(t1, y0) and with
            // t0 by −f(t0, y0) (the two ends coincide, and so do the fields).
            let t_dot = t1_dot.sub(&t0_dot);
            if t_dot.max_abs() != T::zero() {
                let f = self.term.vf(t1, &self.y0);
                v = v.add(&F::outer(&f, &t_dot));
            }
        }
        Ok((v, evals))
    }

    /// The tangent of every output along one direction `seed = (ẏ0, ṗ, ṫ0,
    /// ṫ1)`: writes the tangent of `y(ts[m])` into `ys_dot[m]` and returns
    /// the state and its tangent at `t1`. One Jacobian–vector product per
    /// stage.
    ///
    /// # Errors
    ///
    /// [`Error::SaveBufferTooSmall`] if `ys_dot` is shorter than `ts`; those
    /// of [`Self::propagate`].
    ///
    /// # Examples
    ///
    /// Moving `t1` alone: `ẏ(t1) = f(y(t1)) = −p·y(t1)`, while an output inside
    /// the interval stays where it is:
    ///
    /// ```
    /// use odegrad::adjoint::{DirectAdjoint, Tangent};
    /// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let (ts, mut ys, mut ys_dot) = ([0.5], [SVector::zeros()], [SVector::zeros()]);
    /// let direct = DirectAdjoint::forward(&term, &Tsit5, &ConstantStepSize, 0.0, 1.0,
    ///     Some(0.05), SVector::from([1.0]), &ts, &mut ys, 100)?;
    /// let seed = Tangent { y0: SVector::zeros(), params: SVector::zeros(), t0: 0.0, t1: 1.0 };
    /// let out = direct.tangent(&seed, &mut ys_dot)?;
    /// assert!((out.y1_dot[0] + 2.0 * out.y1[0]).abs() < 1e-6);
    /// assert!(ys_dot[0][0].abs() < 1e-12);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn tangent(
        &self,
        seed: &Tangent<T, SVector<T, N>, <Tm as JvpTerm<T, SVector<T, N>>>::Params>,
        ys_dot: &mut [SVector<T, N>],
    ) -> Result<JvpOutput<SVector<T, N>>, Error>
    where
        Tm: JvpTerm<T, SVector<T, N>> + JacobianTerm<T, N>,
        S: TangentStep<T, N, Tm>,
    {
        let ys_dot = self.outputs(ys_dot)?;
        let field = JvpField {
            term: self.term,
            p_dot: seed.params,
        };
        let (y1_dot, _) = self.propagate(
            &field,
            seed.y0,
            SVector::from([seed.t0]),
            SVector::from([seed.t1]),
            |m, v| {
                if let Some(out) = ys_dot.get_mut(m) {
                    *out = *v;
                }
            },
        )?;
        Ok(JvpOutput {
            y1: self.end.y,
            y1_dot,
            stats: self.end.stats,
        })
    }

    /// The full sensitivity `(∂y/∂y0, ∂y/∂p, [∂y/∂t0, ∂y/∂t1])` of every
    /// output, written into `ys_sens[m]`, and of `y(t1)` (returned): one
    /// integration of `(y, S)`. Column `j` of it equals [`Self::tangent`]
    /// along the `j`-th unit direction.
    ///
    /// # Errors
    ///
    /// As [`Self::tangent`].
    ///
    /// # Examples
    ///
    /// `y' = p0 − p1·y` from `y0`: `y(t) = y* + (y0 − y*)·e^{−p1·t}` with
    /// `y* = p0/p1`. All columns of `(∂y/∂y0, ∂y/∂p, [∂y/∂t0, ∂y/∂t1])` in one pass:
    ///
    /// ```
    /// use odegrad::adjoint::DirectAdjoint;
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
    ///     [p[0] - p[1] * y[0]]
    /// }
    /// let (p0, p1, y0) = (3.0, 2.0, 0.5);
    /// let term = OdeTerm::new(&Relax, SVector::from([p0, p1]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// let direct = DirectAdjoint::forward(&term, &Tsit5, &pid, 0.0, 1.0, None,
    ///     SVector::from([y0]), &[], &mut [], 1000)?;
    /// let (d_y0, d_p, d_t) = direct.sensitivities::<2>(&mut [])?;
    /// let e = (-p1).exp(); // e^{−p1·t} at t = 1
    /// assert!((d_y0[(0, 0)] - e).abs() < 1e-8);
    /// assert!((d_p[(0, 0)] - (1.0 - e) / p1).abs() < 1e-8);
    /// assert!((d_p[(0, 1)] - (-p0 / (p1 * p1) * (1.0 - e) - (y0 - p0 / p1) * e)).abs() < 1e-8);
    /// assert!((d_t[(0, 1)] - (p0 - p1 * direct.y1()[0])).abs() < 1e-6); // ∂y(t1)/∂t1 = f
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn sensitivities<const P: usize>(
        &self,
        ys_sens: &mut [Sensitivity<T, N, P>],
    ) -> Result<Sensitivity<T, N, P>, Error>
    where
        Tm: ParamJacobianTerm<T, N, P>,
        S: TangentStep<T, N, Tm>,
    {
        let ys_sens = self.outputs(ys_sens)?;
        let (s1, _) = self.sensitivity_pass::<P, _>(|m, s| {
            if let Some(out) = ys_sens.get_mut(m) {
                *out = *s;
            }
        })?;
        Ok(s1)
    }

    /// The gradient of a loss `L(y(ts), y(t1))` given its cotangents
    /// `ys_bar[m] = ∂L/∂y(ts[m])` and `y1_bar = ∂L/∂y(t1)`: `Sᵀ ȳ` summed
    /// over the outputs as the sensitivities pass them.
    ///
    /// # Errors
    ///
    /// [`Error::SaveBufferTooSmall`] if `ys_bar` is shorter than `ts`; those
    /// of [`Self::propagate`].
    ///
    /// # Examples
    ///
    /// The same gradient as [`super::RecursiveCheckpointAdjoint`], which
    /// differentiates the same discrete solution in reverse mode:
    ///
    /// ```
    /// use odegrad::adjoint::{checkpoint::Slot, DirectAdjoint, RecursiveCheckpointAdjoint};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    /// let pid = PidController::new(1e-6, 1e-6)?;
    /// let y0 = SVector::from([1.0, 1.0]);
    /// let (ts, mut ys) = ([0.5, 1.0], [SVector::zeros(); 2]);
    /// let ys_bar = [SVector::from([1.0, 0.0]), SVector::from([0.0, 1.0])]; // L = x(0.5) + z(1)
    /// let forward = DirectAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0, &ts,
    ///     &mut ys, 1000)?
    ///     .backward::<4>(&ys_bar, &SVector::zeros())?;
    /// let mut slots = [Slot::EMPTY; 32];
    /// let reverse = RecursiveCheckpointAdjoint::forward(&term, &Tsit5, &pid, 0.0, 2.0, None, y0,
    ///     &ts, &mut ys, 1000, &mut slots)?
    ///     .backward(&ys_bar, &SVector::zeros())?;
    /// assert!((forward.params - reverse.params).norm() < 1e-12 * reverse.params.norm());
    /// assert!((forward.y0 - reverse.y0).norm() < 1e-12 * reverse.y0.norm());
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn backward<const P: usize>(
        self,
        ys_bar: &[SVector<T, N>],
        y1_bar: &SVector<T, N>,
    ) -> Result<Gradient<T, SVector<T, N>, SVector<T, P>>, Error>
    where
        Tm: ParamJacobianTerm<T, N, P>,
        S: TangentStep<T, N, Tm>,
    {
        let ys_bar = ys_bar
            .get(..self.ts.len())
            .ok_or(Error::SaveBufferTooSmall {
                needed: self.ts.len(),
                capacity: ys_bar.len(),
            })?;
        let mut y0 = SVector::<T, N>::zeros();
        let mut params = SVector::<T, P>::zeros();
        let mut times = SVector::<T, 2>::zeros();
        let mut pull = |s: &Sensitivity<T, N, P>, w: &SVector<T, N>| {
            y0 += s.0.tr_mul(w);
            params += s.1.tr_mul(w);
            times += s.2.tr_mul(w);
        };
        let (s1, evals) = self.sensitivity_pass::<P, _>(|m, s| {
            if let Some(w) = ys_bar.get(m) {
                pull(s, w);
            }
        })?;
        pull(&s1, y1_bar);
        Ok(Gradient {
            y0,
            params,
            t0: times[0],
            t1: times[1],
            stats: AdjointStats {
                forward: self.end.stats,
                tangent_evals: evals,
                ..AdjointStats::default()
            },
        })
    }

    /// The `(y, S)` integration from `S(t0) = (I, 0, 0)` with `t0`, `t1`
    /// moving along the two time columns.
    fn sensitivity_pass<const P: usize, E>(
        &self,
        emit: E,
    ) -> Result<(Sensitivity<T, N, P>, usize), Error>
    where
        Tm: ParamJacobianTerm<T, N, P>,
        S: TangentStep<T, N, Tm>,
        E: FnMut(usize, &Sensitivity<T, N, P>),
    {
        let field = SensitivityField::<Tm, P> { term: self.term };
        let s0 = (
            SMatrix::<T, N, N>::identity(),
            SMatrix::<T, N, P>::zeros(),
            SMatrix::<T, N, 2>::zeros(),
        );
        let t0_dot = SMatrix::<T, 1, 2>::new(T::one(), T::zero());
        let t1_dot = SMatrix::<T, 1, 2>::new(T::zero(), T::one());
        self.propagate(&field, s0, t0_dot, t1_dot, emit)
    }

    /// `buf[..ts.len()]`, or the error saying it is too short.
    fn outputs<'b, V>(&self, buf: &'b mut [V]) -> Result<&'b mut [V], Error> {
        let capacity = buf.len();
        buf.get_mut(..self.ts.len())
            .ok_or(Error::SaveBufferTooSmall {
                needed: self.ts.len(),
                capacity,
            })
    }
}
