//! The tangent of one accepted step: forward-mode differentiation of exactly
//! the arithmetic the solver performed.
//!
//! Explicit Runge–Kutta: with `Yᵢ = y0 + h Σ_{j<i} a_ij k_j` and
//! `kᵢ = f(t0 + cᵢh, Yᵢ)`,
//!
//! ```text
//! Ẏᵢ = ẏ0 + h Σ a_ij k̇ⱼ + ḣ Σ a_ij kⱼ,   k̇ᵢ = J_y Ẏᵢ + J_p ṗ + ∂f/∂t (ṫ0 + cᵢ ḣ),
//! ```
//!
//! one product of the linearised field per stage, over the stages the forward
//! solve computed (Hairer, Nørsett and Wanner, *Solving ODEs I*, §II.3: the
//! tangent of an explicit Runge–Kutta step is the same method applied to the
//! variational equation). ESDIRK (Kværnø, BIT 44, 2004): a converged implicit
//! stage `kᵢ = f(tᵢ, baseᵢ + hγ kᵢ)` is differentiated by the implicit function
//! theorem, not by unrolling Newton,
//!
//! ```text
//! (I − hγ J_y(Yᵢ)) k̇ᵢ = J_y (ḃaseᵢ + γ ḣ kᵢ) + J_p ṗ + ∂f/∂t ṫᵢ,
//! ```
//!
//! with the exact Jacobian at the converged stage (not the solver's reused
//! one) and a fresh LU per stage. ImplicitEuler is the two-stage case
//! (`k₀ = f(t0, y0)`, then `k₁ = f(t1, y0 + h k₁)`, γ = 1). Outputs inside a
//! step are differentiated through the step's continuous extension — the
//! explicit methods' dense weights, Kvaerno's cubic Hermite, ImplicitEuler's
//! linear interpolation — with `t0` and `h` moving `θ`.
//!
//! Step sizes are the forward solve's and are not differentiated (as in
//! Diffrax and in the reverse adjoints here); the step's ends move with `t0`
//! or `t1` as described in [`super::recursive_checkpoint`].
//!
//! Rodas5P is not differentiated in forward mode: its stages contain `J_y`,
//! whose directional derivative needs second-order forward products the
//! generated systems do not provide (they give `vjp_jvp`, reverse over
//! forward). It implements no [`TangentStep`], so asking for it is a compile
//! error.
//!
//! # Examples
//!
//! The tangent of an implicit Kvaerno5 step, by the implicit function theorem
//! at its converged stages, against central differences of the computed step
//! in a parameter:
//!
//! ```
//! use odegrad::adjoint::tangent_step::StepGrid;
//! use odegrad::adjoint::{JvpField, TangentStep};
//! use odegrad::integrate::{Advance, Integrator};
//! use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Kvaerno5, OdeTerm, Solver};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let solver = Kvaerno5::new(1e-13, 1e-13)?;
//! let (y0, h) = (SVector::from([1.0, 2.0]), 0.1);
//! let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
//! let p_dot = SVector::from([0.0, 0.0, 1.0, 0.0]);
//! // y1 of one step with parameters p.
//! let step = |p| {
//!     let term = OdeTerm::new(&LotkaVolterra, p);
//!     solver.step(&term, 0.0, h, &y0, &solver.init(&term, 0.0, h, &y0)).y1
//! };
//! let term = OdeTerm::new(&LotkaVolterra, p);
//! let mut it = Integrator::new(&term, &solver, &ConstantStepSize, 0.0, h, Some(h), y0, 10)?;
//! let Advance::Accepted(accepted) = it.advance()? else { panic!("one accepted step") };
//! let field = JvpField { term: &term, p_dot };
//! let grid = StepGrid { start: SVector::zeros(), stop: SVector::zeros() };
//! let v = solver.step_tangent(&field, &accepted, &grid, &SVector::zeros(), None, &[], |_, _| {})?;
//! let fd = (step(p + 1e-6 * p_dot) - step(p - 1e-6 * p_dot)) / 2e-6;
//! assert!((v.y1 - fd).norm() < 1e-6, "{} vs {fd}", v.y1);
//! # Ok::<(), odegrad::Error>(())
//! ```

use super::esdirk::Extension;
use super::explicit_rk::dense_weight_derivatives;
use super::tangent_field::TangentField;
use crate::integrate::AcceptedStepOf;
use crate::solver::explicit::{ExplicitRungeKutta, RkStages, erk_dense_weights};
use crate::solver::implicit::EsdirkTableau;
use crate::solver::lu::StaticLu;
use crate::solver::tableau::ButcherTableau;
use crate::{Error, Scalar, Solver, State, Term};
use nalgebra::{SMatrix, SVector};

/// How the two ends of a step move: the tangents of its start and end times.
///
/// # Examples
///
/// One Euler step `y1 = y0 + h·f(y0)` of an autonomous system: growing the step
/// (its end moves) gives `ẏ1 = f(y0)`; shifting it whole changes nothing.
///
/// ```
/// use odegrad::adjoint::tangent_step::StepGrid;
/// use odegrad::adjoint::{JvpField, TangentStep};
/// use odegrad::integrate::{Advance, Integrator};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Euler, OdeTerm, Term};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
/// }
/// let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
/// let y0 = SVector::from([1.0, 2.0]);
/// let mut it = Integrator::new(&term, &Euler, &ConstantStepSize, 0.0, 0.1, Some(0.1), y0, 10)?;
/// let Advance::Accepted(step) = it.advance()? else { panic!("one accepted step") };
/// let field = JvpField { term: &term, p_dot: SVector::zeros() };
/// let (zero, one) = (SVector::from([0.0]), SVector::from([1.0]));
/// let grow = StepGrid { start: zero, stop: one };
/// let shift = StepGrid { start: one, stop: one };
/// let dy_grow = Euler.step_tangent(&field, &step, &grow, &SVector::zeros(), None, &[], |_, _| {})?;
/// let dy_shift = Euler.step_tangent(&field, &step, &shift, &SVector::zeros(), None, &[], |_, _| {})?;
/// assert!((dy_grow.y1 - term.vf(0.0, &y0)).norm() < 1e-15);
/// assert!(dy_shift.y1.norm() < 1e-15);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StepGrid<Tt> {
    /// Tangent of the step's start.
    pub start: Tt,
    /// Tangent of the step's end.
    pub stop: Tt,
}

/// The tangent of a step's results.
///
/// # Examples
///
/// Tsit5's last stage is `f(t1, y1)`, so the tangent `f1` it hands the next
/// step is the linearised field at the step's end along `ẏ1`; computing the
/// first stage too takes seven products:
///
/// ```
/// use odegrad::adjoint::tangent_step::StepGrid;
/// use odegrad::adjoint::{JvpField, TangentField, TangentStep};
/// use odegrad::integrate::{Advance, Integrator};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
/// }
/// let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
/// let mut it = Integrator::new(&term, &Tsit5, &ConstantStepSize, 0.0, 0.1, Some(0.1),
///     SVector::from([1.0, 2.0]), 10)?;
/// let Advance::Accepted(step) = it.advance()? else { panic!("one accepted step") };
/// let field = JvpField { term: &term, p_dot: SVector::from([0.0, 1.0, 0.0, 0.0]) };
/// let fixed = StepGrid { start: SVector::zeros(), stop: SVector::zeros() };
/// let v0 = SVector::from([1.0, -1.0]);
/// let out = Tsit5.step_tangent(&field, &step, &fixed, &v0, None, &[], |_, _| {})?;
/// assert_eq!(out.evals, 7);
/// let f1 = field.push_forward(step.t1, &step.y1, &out.y1, &SVector::zeros());
/// assert!((out.f1 - f1).norm() < 1e-12);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StepTangent<V> {
    /// Of the state at the step's end.
    pub y1: V,
    /// Of the last stage derivative, which the next step reuses as its first
    /// (first same as last).
    pub f1: V,
    /// Products of the linearised field taken.
    pub evals: u32,
}

/// A solver whose accepted steps forward mode can differentiate.
///
/// Implemented by the explicit Runge–Kutta methods, ImplicitEuler and
/// Kvaerno3/4/5.
///
/// # Examples
///
/// Code generic over the solver takes any method with a tangent step. For
/// `y' = −p·y` one step is linear in `y0`, so the tangent along `ẏ0 = 1` is
/// `y1/y0`, explicit or implicit:
///
/// ```
/// use odegrad::adjoint::tangent_step::StepGrid;
/// use odegrad::adjoint::{JvpField, TangentStep};
/// use odegrad::integrate::{Advance, Integrator};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, Error, Kvaerno5, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// type DecayTerm = OdeTerm<'static, Decay, f64, 1, 1>;
///
/// /// `(y1, ∂y1/∂y0)` of the first step of size 0.1 from y0 = 3.
/// fn first_step<S: TangentStep<f64, 1, DecayTerm>>(solver: &S) -> Result<(f64, f64), Error> {
///     let term = OdeTerm::new(&Decay, SVector::from([2.0]));
///     let mut it = Integrator::new(&term, solver, &ConstantStepSize, 0.0, 1.0, Some(0.1),
///         SVector::from([3.0]), 10)?;
///     let Advance::Accepted(step) = it.advance()? else { panic!("an accepted step") };
///     let field = JvpField { term: &term, p_dot: SVector::zeros() };
///     let grid = StepGrid { start: SVector::zeros(), stop: SVector::zeros() };
///     let v = solver.step_tangent(&field, &step, &grid, &SVector::from([1.0]), None, &[], |_, _| {})?;
///     Ok((step.y1[0], v.y1[0]))
/// }
/// let (y1, dy1) = first_step(&Tsit5)?;
/// assert!((dy1 - y1 / 3.0).abs() < 1e-15);
/// let (y1, dy1) = first_step(&Kvaerno5::new(1e-12, 1e-12)?)?;
/// assert!((dy1 - y1 / 3.0).abs() < 1e-10);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "forward mode cannot differentiate the steps of `{Self}`",
    label = "no tangent step for this solver",
    note = "DirectAdjoint differentiates the explicit Runge–Kutta methods, ImplicitEuler and Kvaerno3/4/5; Rosenbrock stages need a derivative of J·v the generated code does not provide"
)]
pub trait TangentStep<T: Scalar, const N: usize, Tm: Term<T, SVector<T, N>>>:
    Solver<T, SVector<T, N>, Tm> + Sized
{
    /// Pushes the tangent `v0` of the step's start state through the
    /// accepted `step`; `k0` is the tangent of the first stage derivative
    /// when it was carried over from the previous step (`None` to compute
    /// it). Calls `emit(m, v)` with the tangent of the continuous extension
    /// at each `outputs[m]` (all inside `(t0, t1]` of the step).
    ///
    /// # Errors
    ///
    /// [`Error::SingularMatrix`] if an implicit stage's `I − hγJ` is singular
    /// at the converged stage; [`Error::NonFiniteState`] if replaying the
    /// step does not reproduce it (a non-deterministic term).
    ///
    /// # Examples
    ///
    /// The tangent of one Tsit5 step of Lotka–Volterra along a direction of `y0`,
    /// and of an output inside it, against central differences:
    ///
    /// ```
    /// use odegrad::adjoint::tangent_step::StepGrid;
    /// use odegrad::adjoint::{JvpField, TangentStep};
    /// use odegrad::integrate::{Advance, Integrator};
    /// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Solver, Tsit5};
    ///
    /// #[ode_system]
    /// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
    ///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
    /// }
    /// type V2 = SVector<f64, 2>;
    /// type Lv = OdeTerm<'static, LotkaVolterra, f64, 2, 4>;
    /// let term: Lv = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
    /// let (y0, d, h, t) = (V2::from([1.0, 2.0]), V2::from([0.5, -1.0]), 0.2, 0.15);
    /// // (y1, y(t)) of one step from y0.
    /// let step_from = |y0: V2| {
    ///     let out = Tsit5.step(&term, 0.0, h, &y0, &Tsit5.init(&term, 0.0, h, &y0));
    ///     (out.y1, <Tsit5 as Solver<f64, V2, Lv>>::interpolate(&Tsit5, 0.0, h, &y0, &out.y1, &out.dense, t))
    /// };
    /// let mut it = Integrator::new(&term, &Tsit5, &ConstantStepSize, 0.0, h, Some(h), y0, 10)?;
    /// let Advance::Accepted(step) = it.advance()? else { panic!("one accepted step") };
    /// let field = JvpField { term: &term, p_dot: SVector::zeros() };
    /// let grid = StepGrid { start: SVector::zeros(), stop: SVector::zeros() };
    /// let mut inside = V2::zeros();
    /// let v = Tsit5.step_tangent(&field, &step, &grid, &d, None, &[t], |_, v| inside = *v)?;
    /// let eps = 1e-6;
    /// let ((plus1, plus_t), (minus1, minus_t)) = (step_from(y0 + eps * d), step_from(y0 - eps * d));
    /// assert!((v.y1 - (plus1 - minus1) / (2.0 * eps)).norm() < 1e-8);
    /// assert!((inside - (plus_t - minus_t) / (2.0 * eps)).norm() < 1e-8);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    fn step_tangent<F, E>(
        &self,
        field: &F,
        step: &AcceptedStepOf<T, SVector<T, N>, Tm, Self>,
        grid: &StepGrid<F::Time>,
        v0: &F::Tangent,
        k0: Option<&F::Tangent>,
        outputs: &[T],
        emit: E,
    ) -> Result<StepTangent<F::Tangent>, Error>
    where
        F: TangentField<T, N, Term = Tm>,
        E: FnMut(usize, &F::Tangent);
}

#[inline(always)]
fn real<T: Scalar>(x: f64) -> T {
    T::cast(x)
}

/// The stage time as the explicit solver computes it (exactly `t1` for
/// `c = 1`).
#[inline(always)]
fn stage_time<T: Scalar>(t0: T, t1: T, h: T, c: f64) -> T {
    if c == 1.0 {
        t1
    } else if c == 0.0 {
        t0
    } else {
        t0 + h * real::<T>(c)
    }
}

/// The tangent of one explicit Runge–Kutta step with stage derivatives
/// `stages`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn erk_step_tangent<T, const N: usize, F, E, const S: usize, const D: usize>(
    tableau: &ButcherTableau<S, D>,
    field: &F,
    t0: T,
    t1: T,
    y0: &SVector<T, N>,
    stages: &RkStages<SVector<T, N>, S>,
    grid: &StepGrid<F::Time>,
    v0: &F::Tangent,
    k0: Option<&F::Tangent>,
    outputs: &[T],
    mut emit: E,
) -> StepTangent<F::Tangent>
where
    T: Scalar,
    F: TangentField<T, N>,
    E: FnMut(usize, &F::Tangent),
{
    let h = t1 - t0;
    let h_dot = grid.stop.sub(&grid.start);
    let mut evals = 0;
    let mut kd = [F::Tangent::zero(); S];
    kd[0] = match (tableau.fsal, k0) {
        (true, Some(k)) => *k,
        _ => {
            evals += 1;
            field.push_forward(t0, y0, v0, &grid.start)
        }
    };
    for i in 1..S {
        let row = &tableau.a[i];
        let mut input = *y0;
        let mut slope = SVector::<T, N>::zeros();
        let mut vin = *v0;
        for j in 0..i {
            let aij = row[j];
            if aij != 0.0 {
                input = input.axpy(h * real::<T>(aij), &stages.k[j]);
                slope = slope.axpy(real::<T>(aij), &stages.k[j]);
                vin = vin.axpy(h * real::<T>(aij), &kd[j]);
            }
        }
        vin = vin.add(&F::outer(&slope, &h_dot));
        let c = tableau.c[i];
        let t_dot = grid.start.axpy(real::<T>(c), &h_dot);
        kd[i] = field.push_forward(stage_time(t0, t1, h, c), &input, &vin, &t_dot);
        evals += 1;
    }
    let mut slope = SVector::<T, N>::zeros();
    let mut y1 = *v0;
    for ((k, kdi), &bi) in stages.k.iter().zip(kd.iter()).zip(tableau.b.iter()) {
        if bi != 0.0 {
            slope = slope.axpy(real::<T>(bi), k);
            y1 = y1.axpy(h * real::<T>(bi), kdi);
        }
    }
    y1 = y1.add(&F::outer(&slope, &h_dot));
    for (m, &t) in outputs.iter().enumerate() {
        // y(θ) = y0 + h Σ wᵢ(θ) kᵢ with θ = (t − t0)/h and t fixed:
        // h θ̇ = −(ṫ0 + θ ḣ).
        let theta = (t - t0) / h;
        let w = erk_dense_weights(tableau, theta);
        let dw = dense_weight_derivatives(tableau, theta);
        let h_theta_dot = grid.start.axpy(theta, &h_dot).scale(-T::one());
        let mut v = *v0;
        for i in 0..S {
            if w[i] != T::zero() {
                v = v.axpy(h * w[i], &kd[i]);
            }
            let s = h_dot.scale(w[i]).axpy(dw[i], &h_theta_dot);
            v = v.add(&F::outer(&stages.k[i], &s));
        }
        emit(m, &v);
    }
    StepTangent {
        y1,
        f1: kd[S - 1],
        evals,
    }
}

macro_rules! explicit_tangent_step {
    ($($name:ident, $s:literal, $d:literal;)*) => {$(
        impl<T, const N: usize, Tm> TangentStep<T, N, Tm> for crate::solver::explicit::$name
        where
            T: Scalar,
            Tm: Term<T, SVector<T, N>>,
        {
            fn step_tangent<F, E>(
                &self,
                field: &F,
                step: &AcceptedStepOf<T, SVector<T, N>, Tm, Self>,
                grid: &StepGrid<F::Time>,
                v0: &F::Tangent,
                k0: Option<&F::Tangent>,
                outputs: &[T],
                emit: E,
            ) -> Result<StepTangent<F::Tangent>, Error>
            where
                F: TangentField<T, N, Term = Tm>,
                E: FnMut(usize, &F::Tangent),
            {
                Ok(erk_step_tangent(
                    <Self as ExplicitRungeKutta<$s, $d>>::TABLEAU,
                    field, step.t0, step.t1, &step.y0, &step.dense, grid, v0, k0, outputs, emit,
                ))
            }
        }
    )*};
}

explicit_tangent_step! {
    Euler, 1, 1;
    Heun, 2, 2;
    Midpoint, 2, 2;
    Ralston, 2, 2;
    Bosh3, 4, 3;
    Dopri5, 7, 4;
    Tsit5, 7, 4;
    Dopri8, 14, 6;
}

/// The tangent of one ESDIRK step with converged stage derivatives `k`, its
/// outputs inside the step through the solver's continuous `extension`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn esdirk_step_tangent<T, const N: usize, F, E, const S: usize>(
    tab: &EsdirkTableau<S>,
    extension: Extension,
    field: &F,
    t0: T,
    t1: T,
    y0: &SVector<T, N>,
    y1: &SVector<T, N>,
    k: &[SVector<T, N>; S],
    grid: &StepGrid<F::Time>,
    v0: &F::Tangent,
    k0: Option<&F::Tangent>,
    outputs: &[T],
    mut emit: E,
) -> Result<StepTangent<F::Tangent>, Error>
where
    T: Scalar,
    F: TangentField<T, N>,
    E: FnMut(usize, &F::Tangent),
{
    use crate::JacobianTerm;
    let h = t1 - t0;
    let gamma = real::<T>(tab.gamma);
    let hg = h * gamma;
    let h_dot = grid.stop.sub(&grid.start);
    let mut evals = 0;
    let mut kd = [F::Tangent::zero(); S];
    // The first stage's tangent is needed only if a later stage or the
    // Hermite extension reads it: ImplicitEuler's linear extension and
    // implicit stage (a₁₀ = 0) do not, which saves a product per step.
    let first_stage_read =
        extension == Extension::Hermite || tab.a.iter().skip(1).any(|row| row[0] != 0.0);
    kd[0] = match k0 {
        Some(k) => *k,
        None if first_stage_read => {
            evals += 1;
            field.push_forward(t0, y0, v0, &grid.start)
        }
        None => F::Tangent::zero(),
    };
    let mut v1 = *v0;
    for i in 1..S {
        let mut base = *y0;
        let mut slope = k[i] * gamma;
        let mut vin = *v0;
        for j in 0..i {
            let aij = tab.a[i][j];
            base += k[j] * (h * real::<T>(aij));
            slope = slope.axpy(real::<T>(aij), &k[j]);
            vin = vin.axpy(h * real::<T>(aij), &kd[j]);
        }
        vin = vin.add(&F::outer(&slope, &h_dot));
        let yi = base + k[i] * hg;
        let c = tab.c[i];
        let ti = t0 + h * real::<T>(c);
        let t_dot = grid.start.axpy(real::<T>(c), &h_dot);
        let m = SMatrix::<T, N, N>::identity() - field.term().jac(ti, &yi) * hg;
        let lu = StaticLu::new(&m).ok_or(Error::SingularMatrix { t: ti.to_f64() })?;
        kd[i] = F::solve(&lu, &field.push_forward(ti, &yi, &vin, &t_dot));
        evals += 1;
        // Stiffly accurate: y1 is the last stage.
        v1 = vin.axpy(hg, &kd[i]);
    }
    let ends = StepEnds {
        t0,
        h,
        y0,
        y1,
        f0: &k[0],
        f1: &k[S - 1],
    };
    let tangents = StepEnds {
        t0: grid.start,
        h: h_dot,
        y0: v0,
        y1: &v1,
        f0: &kd[0],
        f1: &kd[S - 1],
    };
    for (m, &t) in outputs.iter().enumerate() {
        let v = match extension {
            Extension::Hermite => hermite_output_tangent::<T, N, F>(&ends, &tangents, t),
            Extension::Linear => linear_output_tangent::<T, N, F>(&ends, &tangents, t),
        };
        emit(m, &v);
    }
    Ok(StepTangent {
        y1: v1,
        f1: kd[S - 1],
        evals,
    })
}

/// The data an implicit step's continuous extension interpolates — its start
/// time and size, end states and end derivatives — or their tangents.
struct StepEnds<'a, Tt, V> {
    t0: Tt,
    h: Tt,
    y0: &'a V,
    y1: &'a V,
    f0: &'a V,
    f1: &'a V,
}

/// The tangent at `t` of the cubic Hermite extension (Kvaerno)
/// `y = h00 y0 + h h10 f0 + h01 y1 + h h11 f1`, `s = (t − t0)/h`, with `t`
/// fixed while the step's ends move: `h ṡ = −(ṫ0 + s ḣ)`.
fn hermite_output_tangent<T, const N: usize, F>(
    ends: &StepEnds<'_, T, SVector<T, N>>,
    dot: &StepEnds<'_, F::Time, F::Tangent>,
    t: T,
) -> F::Tangent
where
    T: Scalar,
    F: TangentField<T, N>,
{
    let (h, y0, y1, f0, f1) = (ends.h, ends.y0, ends.y1, ends.f0, ends.f1);
    let two = real::<T>(2.0);
    let three = real::<T>(3.0);
    let six = real::<T>(6.0);
    let s = (t - ends.t0) / h;
    let s2 = s * s;
    let s3 = s2 * s;
    let h00 = two * s3 - three * s2 + T::one();
    let h10 = s3 - two * s2 + s;
    let h01 = -two * s3 + three * s2;
    let h11 = s3 - s2;
    let d00 = six * s2 - six * s;
    let d10 = three * s2 - real::<T>(4.0) * s + T::one();
    let d11 = three * s2 - two * s;
    // dy/ds / h.
    let dyds = (y0 * d00 + f0 * (d10 * h) - y1 * d00 + f1 * (d11 * h)) / h;
    let h_s_dot = dot.t0.axpy(s, &dot.h).scale(-T::one());
    dot.y0
        .scale(h00)
        .axpy(h01, dot.y1)
        .axpy(h * h10, dot.f0)
        .axpy(h * h11, dot.f1)
        .add(&F::outer(f0, &dot.h.scale(h10)))
        .add(&F::outer(f1, &dot.h.scale(h11)))
        .add(&F::outer(&dyds, &h_s_dot))
}

/// The tangent at `t` of the linear extension (ImplicitEuler)
/// `y = y0 + s (y1 − y0)`, `s = (t − t0)/h`: `ẏ = (1 − s) ẏ0 + s ẏ1 +
/// (y1 − y0) ṡ` with `h ṡ = −(ṫ0 + s ḣ)`.
fn linear_output_tangent<T, const N: usize, F>(
    ends: &StepEnds<'_, T, SVector<T, N>>,
    dot: &StepEnds<'_, F::Time, F::Tangent>,
    t: T,
) -> F::Tangent
where
    T: Scalar,
    F: TangentField<T, N>,
{
    let s = (t - ends.t0) / ends.h;
    let slope = (ends.y1 - ends.y0) / ends.h;
    let h_s_dot = dot.t0.axpy(s, &dot.h).scale(-T::one());
    dot.y0
        .scale(T::one() - s)
        .axpy(s, dot.y1)
        .add(&F::outer(&slope, &h_s_dot))
}

macro_rules! esdirk_tangent_step {
    ($($(#[$doc:meta])* $name:ident, $tab:ident, $extension:expr_2021;)*) => {$(
        $(#[$doc])*
        impl<T, const N: usize, Tm> TangentStep<T, N, Tm> for crate::solver::implicit::$name<T>
        where
            T: Scalar,
            Tm: crate::JacobianTerm<T, N>,
        {
            fn step_tangent<F, E>(
                &self,
                field: &F,
                step: &AcceptedStepOf<T, SVector<T, N>, Tm, Self>,
                grid: &StepGrid<F::Time>,
                v0: &F::Tangent,
                k0: Option<&F::Tangent>,
                outputs: &[T],
                emit: E,
            ) -> Result<StepTangent<F::Tangent>, Error>
            where
                F: TangentField<T, N, Term = Tm>,
                E: FnMut(usize, &F::Tangent),
            {
                // The accepted step keeps only the interpolation data: replay it
                // (deterministically, from the state it started from) for the
                // converged stages.
                let (out, k) = self.step_with_stages(
                    field.term(), step.t0, step.t1, &step.y0, &step.solver_state,
                );
                if out.y1 != step.y1 {
                    return Err(Error::NonFiniteState { t: step.t1.to_f64() });
                }
                // The first stage derivative is the previous step's last one
                // exactly when the solver carried it over.
                let k0 = if step.solver_state.f0.is_some() { k0 } else { None };
                esdirk_step_tangent(
                    &crate::solver::implicit::$tab,
                    $extension,
                    field, step.t0, step.t1, &step.y0, &step.y1, &k, grid, v0, k0, outputs, emit,
                )
            }
        }
    )*};
}

esdirk_tangent_step! {
    /// ImplicitEuler's step is the ESDIRK pair of stages `k₀ = f(t0, y0)`,
    /// `k₁ = f(t1, y0 + h k₁)`; its outputs inside a step follow its linear
    /// interpolation `y0 + s (y1 − y0)`, `s = (t − t0)/h`, `s` moving with the
    /// step's ends.
    ///
    /// # Examples
    ///
    /// For `y' = −p·y` at a constant step `h`, `y_n = y0 / (1 + p h)ⁿ`, so
    /// `∂y_n/∂p = −n h y0 / (1 + p h)ⁿ⁺¹` exactly, and an output inside a step
    /// interpolates the two ends' tangents:
    ///
    /// ```
    /// use odegrad::adjoint::{jvp, Direct, Tangent};
    /// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, ImplicitEuler, OdeTerm};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let (p, h, y0) = (2.0, 0.25, 3.0);
    /// let term = OdeTerm::new(&Decay, SVector::from([p]));
    /// let solver = ImplicitEuler::new(1e-12, 1e-12)?;
    /// let seed = Tangent { y0: SVector::zeros(), params: SVector::from([1.0]), t0: 0.0, t1: 0.0 };
    /// let (mut ys, mut ys_dot) = ([SVector::zeros()], [SVector::zeros()]);
    /// let out = jvp(&Direct, &term, &solver, &ConstantStepSize, 0.0, 1.0, Some(h),
    ///     SVector::from([y0]), &seed, &[0.6], &mut ys, &mut ys_dot, 100)?;
    /// let dy = |n: i32| -f64::from(n) * h * y0 / (1.0 + p * h).powi(n + 1);
    /// assert!((out.y1_dot[0] - dy(4)).abs() < 1e-12, "{} vs {}", out.y1_dot[0], dy(4));
    /// // t = 0.6 lies 40% of the way through the third step.
    /// let inside = dy(2) + 0.4 * (dy(3) - dy(2));
    /// assert!((ys_dot[0][0] - inside).abs() < 1e-12, "{} vs {inside}", ys_dot[0][0]);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    ImplicitEuler, IMPLICIT_EULER, Extension::Linear;
    Kvaerno3, KVAERNO3, Extension::Hermite;
    Kvaerno4, KVAERNO4, Extension::Hermite;
    Kvaerno5, KVAERNO5, Extension::Hermite;
}
