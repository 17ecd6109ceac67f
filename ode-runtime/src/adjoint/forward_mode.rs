//! Which adjoints allow forward mode, decided at compile time.
//!
//! An adjoint is chosen by a marker value: [`Direct`] for
//! [`super::DirectAdjoint`], [`RecursiveCheckpoint`] for
//! [`super::RecursiveCheckpointAdjoint`], [`Implicit`] for
//! [`super::ImplicitAdjoint`] (forward mode through the implicit function
//! theorem at a steady state). The generic entry
//! point [`jvp`] accepts only markers implementing [`ForwardMode`]; asking a
//! reverse-only adjoint for a tangent is a compile error whose message names
//! the adjoints that can. (Diffrax reports the same misuse at run time.)
//!
//! # Examples
//!
//! One entry point, two adjoints: `y' = p0 − p1·y` relaxes to `y* = p0/p1`,
//! so the tangent of `y(t1)` along `ṗ = (1, 0)` tends to `1/p1`. [`Direct`]
//! differentiates the solve to a late `t1`, [`Implicit`] the steady state
//! itself. (With [`RecursiveCheckpoint`] the same call does not compile.)
//!
//! ```
//! use odegrad::adjoint::{jvp, Direct, Implicit, Tangent};
//! use odegrad::event::steady_state_event;
//! use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, OdeTerm, PidController,
//!     Tsit5};
//!
//! #[ode_system]
//! fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
//!     [p[0] - p[1] * y[0]]
//! }
//! let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
//! let pid = PidController::new(1e-10, 1e-10)?;
//! let seed = Tangent { y0: SVector::zeros(), params: SVector::from([1.0, 0.0]), t0: 0.0, t1: 0.0 };
//! let late = jvp(&Direct, &term, &Tsit5, &pid, 0.0, 20.0, None, SVector::zeros(), &seed,
//!     &[], &mut [], &mut [], 10_000)?;
//! let steady = Implicit(steady_state_event(1e-10, 1e-10, RmsNorm));
//! let at_rest = jvp(&steady, &term, &Tsit5, &pid, 0.0, f64::INFINITY, None, SVector::zeros(),
//!     &seed, &[], &mut [], &mut [], 10_000)?;
//! assert!((late.y1_dot[0] - 0.5).abs() < 1e-8);
//! assert!((at_rest.y1_dot[0] - 0.5).abs() < 1e-8);
//! # Ok::<(), odegrad::Error>(())
//! ```

use super::tangent_step::TangentStep;
use super::{DirectAdjoint, ImplicitAdjoint};
use crate::controller::StepSizeController;
use crate::event::Event;
use crate::{Error, InvalidArgument, JacobianTerm, JvpTerm, Scalar, Solver, Stats};
use nalgebra::SVector;

/// A tangent direction of a solve's inputs, the forward-mode mirror of
/// [`super::Gradient`]: `(ẏ0, ṗ, ṫ0, ṫ1)`.
///
/// # Examples
///
/// A seed along the parameter and the initial state at once: the tangent of
/// `y(1) = e^{−p}·y0` is `ẏ(1) = e^{−p}·ẏ0 − e^{−p}·y0·ṗ`.
///
/// ```
/// use odegrad::adjoint::{jvp, Direct, Tangent};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([1.0]));
/// let seed = Tangent { y0: SVector::from([2.0]), params: SVector::from([0.5]), t0: 0.0, t1: 0.0 };
/// let out = jvp(&Direct, &term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.05),
///     SVector::from([3.0]), &seed, &[], &mut [], &mut [], 100)?;
/// let e = (-1.0f64).exp();
/// assert!((out.y1_dot[0] - (e * 2.0 - e * 3.0 * 0.5)).abs() < 1e-9);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Tangent<T, Y, P> {
    /// Of the initial state.
    pub y0: Y,
    /// Of the term's parameters.
    pub params: P,
    /// Of the initial time.
    pub t0: T,
    /// Of the final time.
    pub t1: T,
}

/// The result of a forward-mode solve.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::{jvp, Direct, Tangent};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// // Along ẏ0 = 1: ẏ(1) = e^{−p} = y(1)/y0.
/// let seed = Tangent { y0: SVector::from([1.0]), params: SVector::zeros(), t0: 0.0, t1: 0.0 };
/// let out = jvp(&Direct, &term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.1),
///     SVector::from([4.0]), &seed, &[], &mut [], &mut [], 100)?;
/// assert!((out.y1[0] - 4.0 * (-2.0f64).exp()).abs() < 1e-7);
/// assert!((out.y1_dot[0] - out.y1[0] / 4.0).abs() < 1e-15); // the solve is linear in y0
/// assert_eq!(out.stats.num_accepted_steps, 10);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct JvpOutput<Y> {
    /// The state at `t1`.
    pub y1: Y,
    /// Its tangent.
    pub y1_dot: Y,
    /// The forward solve's counters.
    pub stats: Stats,
}

/// Chooses [`super::DirectAdjoint`]: forward and reverse mode, through any
/// solver with a [`TangentStep`] — the explicit Runge–Kutta methods,
/// ImplicitEuler and Kvaerno3/4/5. Rodas5P is refused at compile time.
///
/// # Examples
///
/// Forward mode through [`super::DirectAdjoint`], checked against a central
/// difference of two solves:
///
/// ```
/// use odegrad::adjoint::{jvp, Direct, Tangent};
/// use odegrad::{diffeqsolve, nalgebra::SVector, ode_system, OdeTerm, PidController, SaveAt,
///     SaveBuffers, Tsit5};
///
/// #[ode_system]
/// fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
///     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
/// }
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let y0 = SVector::from([1.0, 1.0]);
/// let p = SVector::from([1.5, 1.0, 3.0, 1.0]);
/// let dp = SVector::from([1.0, 0.0, 0.0, 0.0]); // along the prey's growth rate
/// let seed = Tangent { y0: SVector::zeros(), params: dp, t0: 0.0, t1: 0.0 };
/// let out = jvp(&Direct, &OdeTerm::new(&LotkaVolterra, p), &Tsit5, &pid, 0.0, 1.0, None, y0,
///     &seed, &[], &mut [], &mut [], 1000)?;
/// let solve = |p| diffeqsolve(&OdeTerm::new(&LotkaVolterra, p), &Tsit5, 0.0, 1.0, None, y0,
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none()).map(|s| s.y);
/// let eps = 1e-5;
/// let fd = (solve(p + eps * dp)? - solve(p - eps * dp)?) / (2.0 * eps);
/// assert!((out.y1_dot - fd).norm() < 1e-5);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Direct;

/// Chooses [`super::RecursiveCheckpointAdjoint`]: reverse mode only.
///
/// # Examples
///
/// A marker for reverse mode only: asking it for a tangent does not compile
/// (the trait bound `ForwardMode` is unmet).
///
/// ```compile_fail,E0277
/// use odegrad::adjoint::{jvp, RecursiveCheckpoint, Tangent};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let seed = Tangent { y0: SVector::from([1.0]), params: SVector::zeros(), t0: 0.0, t1: 0.0 };
/// let _ = jvp(&RecursiveCheckpoint, &term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.1),
///     SVector::from([1.0]), &seed, &[], &mut [], &mut [], 100);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct RecursiveCheckpoint;

/// Chooses [`super::ImplicitAdjoint`] with the event that ends the solve at
/// its steady state (usually [`crate::event::steady_state_event`]): forward
/// and reverse mode. Only the final state is saved, so `ts` must be empty;
/// the tangent does not depend on `y0`, `t0` or `t1` (a steady state forgets
/// them), only on the parameters: `ẏ* = −J_y⁻¹ J_p ṗ`.
///
/// # Examples
///
/// `y' = p0 − p1·y` settles at `y* = p0/p1`, so along `ṗ = (1, 0)` the steady
/// state moves by `1/p1`; save times other than the end are refused:
///
/// ```
/// use odegrad::adjoint::{jvp, Implicit, Tangent};
/// use odegrad::event::steady_state_event;
/// use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, Error, InvalidArgument,
///     OdeTerm, PidController, Tsit5};
///
/// #[ode_system]
/// fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [p[0] - p[1] * y[0]]
/// }
/// let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let steady = Implicit(steady_state_event(1e-8, 1e-8, RmsNorm));
/// let seed = Tangent { y0: SVector::zeros(), params: SVector::from([1.0, 0.0]), t0: 0.0, t1: 0.0 };
/// let out = jvp(&steady, &term, &Tsit5, &pid, 0.0, f64::INFINITY, None, SVector::zeros(),
///     &seed, &[], &mut [], &mut [], 10_000)?;
/// assert!((out.y1[0] - 1.5).abs() < 1e-7);
/// assert!((out.y1_dot[0] - 0.5).abs() < 1e-7);
/// let (ts, mut ys, mut ys_dot) = ([1.0], [SVector::zeros()], [SVector::zeros()]);
/// let refused = jvp(&steady, &term, &Tsit5, &pid, 0.0, f64::INFINITY, None, SVector::zeros(),
///     &seed, &ts, &mut ys, &mut ys_dot, 10_000);
/// assert!(matches!(refused, Err(Error::InvalidArgument(InvalidArgument::SaveAtNotFinal))));
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Implicit<E>(pub E);

/// Adjoints that compute tangents (forward mode) of a solve with term `Tm`,
/// solver `S` and controller `C`.
///
/// # Examples
///
/// Code generic over the adjoint accepts exactly the forward-mode ones:
///
/// ```
/// use odegrad::adjoint::{Direct, ForwardMode, Implicit, Tangent};
/// use odegrad::event::steady_state_event;
/// use odegrad::{controller::RmsNorm, nalgebra::SVector, ode_system, Error, OdeTerm,
///     PidController, Tsit5};
///
/// #[ode_system]
/// fn relax(_t: f64, y: &[f64; 1], p: &[f64; 2]) -> [f64; 1] {
///     [p[0] - p[1] * y[0]]
/// }
/// type Relaxation = OdeTerm<'static, Relax, f64, 1, 2>;
///
/// /// ∂y(t1)/∂p0 by any adjoint with forward mode.
/// fn d_dp0<A>(adjoint: &A, t1: f64) -> Result<f64, Error>
/// where
///     A: ForwardMode<f64, 1, Relaxation, Tsit5, PidController<'static, f64>>,
/// {
///     let term = OdeTerm::new(&Relax, SVector::from([3.0, 2.0]));
///     let pid = PidController::new(1e-10, 1e-10)?;
///     let seed = Tangent { y0: SVector::zeros(), params: SVector::from([1.0, 0.0]), t0: 0.0, t1: 0.0 };
///     let out = adjoint.jvp(&term, &Tsit5, &pid, 0.0, t1, None, SVector::zeros(), &seed, &[],
///         &mut [], &mut [], 10_000)?;
///     Ok(out.y1_dot[0])
/// }
/// // y(t) = (p0/p1)(1 − e^{−p1·t}): ∂y(5)/∂p0 = (1 − e^{−10})/2, and 1/2 at the steady state.
/// assert!((d_dp0(&Direct, 5.0)? - (1.0 - (-10.0f64).exp()) / 2.0).abs() < 1e-8);
/// let steady = Implicit(steady_state_event(1e-10, 1e-10, RmsNorm));
/// assert!((d_dp0(&steady, f64::INFINITY)? - 0.5).abs() < 1e-8);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not support forward-mode differentiation",
    label = "this adjoint computes reverse-mode gradients only",
    note = "for tangents use `adjoint::Direct` (DirectAdjoint) or `adjoint::Implicit` (ImplicitAdjoint)"
)]
pub trait ForwardMode<T: Scalar, const N: usize, Tm: JvpTerm<T, SVector<T, N>>, S, C> {
    /// Solves from `(t0, y0)` to `t1`, writes `y(ts[m])` into `ys[m]` and its
    /// tangent along `seed` into `ys_dot[m]`, and returns the state and its
    /// tangent at `t1`.
    ///
    /// # Errors
    ///
    /// Those of the solve and of the tangent computation.
    ///
    /// # Examples
    ///
    /// Called as a method on the marker; the tangents of the outputs at `ts` are
    /// written beside the outputs:
    ///
    /// ```
    /// use odegrad::adjoint::{Direct, ForwardMode, Tangent};
    /// use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
    ///
    /// #[ode_system]
    /// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    ///     [-p[0] * y[0]]
    /// }
    /// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// // Along ṗ = 1: ẏ(t) = −t·e^{−p·t}·y0.
    /// let seed = Tangent { y0: SVector::zeros(), params: SVector::from([1.0]), t0: 0.0, t1: 0.0 };
    /// let ts = [0.25, 0.5];
    /// let (mut ys, mut ys_dot) = ([SVector::zeros(); 2], [SVector::zeros(); 2]);
    /// Direct.jvp(&term, &Tsit5, &pid, 0.0, 1.0, None, SVector::from([1.0]), &seed, &ts,
    ///     &mut ys, &mut ys_dot, 1000)?;
    /// for ((t, y), y_dot) in ts.iter().zip(&ys).zip(&ys_dot) {
    ///     assert!((y[0] - (-2.0 * t).exp()).abs() < 1e-9);
    ///     assert!((y_dot[0] + t * (-2.0 * t).exp()).abs() < 1e-9);
    /// }
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    fn jvp(
        &self,
        term: &Tm,
        solver: &S,
        controller: &C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: SVector<T, N>,
        seed: &Tangent<T, SVector<T, N>, Tm::Params>,
        ts: &[T],
        ys: &mut [SVector<T, N>],
        ys_dot: &mut [SVector<T, N>],
        max_steps: usize,
    ) -> Result<JvpOutput<SVector<T, N>>, Error>;
}

impl<T, const N: usize, Tm, S, C> ForwardMode<T, N, Tm, S, C> for Direct
where
    T: Scalar,
    Tm: JvpTerm<T, SVector<T, N>> + JacobianTerm<T, N>,
    S: TangentStep<T, N, Tm>,
    C: StepSizeController<T, SVector<T, N>>,
{
    fn jvp(
        &self,
        term: &Tm,
        solver: &S,
        controller: &C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: SVector<T, N>,
        seed: &Tangent<T, SVector<T, N>, Tm::Params>,
        ts: &[T],
        ys: &mut [SVector<T, N>],
        ys_dot: &mut [SVector<T, N>],
        max_steps: usize,
    ) -> Result<JvpOutput<SVector<T, N>>, Error> {
        DirectAdjoint::forward(term, solver, controller, t0, t1, dt0, y0, ts, ys, max_steps)?
            .tangent(seed, ys_dot)
    }
}

/// The forward-mode solve with the adjoint `adjoint` (a marker such as
/// [`Direct`]): see [`ForwardMode::jvp`]. Only adjoints that support forward
/// mode are accepted.
///
/// # Errors
///
/// Those of [`ForwardMode::jvp`].
///
/// # Examples
///
/// The tangent along the initial time: for an autonomous system, moving `t0`
/// forward shortens the solve, `ẏ(t1) = −f(y(t1))`:
///
/// ```
/// use odegrad::adjoint::{jvp, Direct, Tangent};
/// use odegrad::{nalgebra::SVector, ode_system, ConstantStepSize, OdeTerm, Tsit5};
///
/// #[ode_system]
/// fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
///     [-p[0] * y[0]]
/// }
/// let term = OdeTerm::new(&Decay, SVector::from([2.0]));
/// let seed = Tangent { y0: SVector::zeros(), params: SVector::zeros(), t0: 1.0, t1: 0.0 };
/// let out = jvp(&Direct, &term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.05),
///     SVector::from([1.0]), &seed, &[], &mut [], &mut [], 100)?;
/// assert!((out.y1_dot[0] - 2.0 * out.y1[0]).abs() < 1e-6);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn jvp<A, T, const N: usize, Tm, S, C>(
    adjoint: &A,
    term: &Tm,
    solver: &S,
    controller: &C,
    t0: T,
    t1: T,
    dt0: Option<T>,
    y0: SVector<T, N>,
    seed: &Tangent<T, SVector<T, N>, Tm::Params>,
    ts: &[T],
    ys: &mut [SVector<T, N>],
    ys_dot: &mut [SVector<T, N>],
    max_steps: usize,
) -> Result<JvpOutput<SVector<T, N>>, Error>
where
    T: Scalar,
    Tm: JvpTerm<T, SVector<T, N>>,
    A: ForwardMode<T, N, Tm, S, C>,
{
    adjoint.jvp(
        term, solver, controller, t0, t1, dt0, y0, seed, ts, ys, ys_dot, max_steps,
    )
}

impl<T, const N: usize, Tm, S, C, E> ForwardMode<T, N, Tm, S, C> for Implicit<E>
where
    T: Scalar,
    Tm: JvpTerm<T, SVector<T, N>> + JacobianTerm<T, N>,
    S: Solver<T, SVector<T, N>, Tm>,
    C: StepSizeController<T, SVector<T, N>>,
    E: Event<T, SVector<T, N>, Tm>,
{
    #[allow(clippy::too_many_arguments)]
    fn jvp(
        &self,
        term: &Tm,
        solver: &S,
        controller: &C,
        t0: T,
        t1: T,
        dt0: Option<T>,
        y0: SVector<T, N>,
        seed: &Tangent<T, SVector<T, N>, Tm::Params>,
        ts: &[T],
        _ys: &mut [SVector<T, N>],
        _ys_dot: &mut [SVector<T, N>],
        max_steps: usize,
    ) -> Result<JvpOutput<SVector<T, N>>, Error> {
        if !ts.is_empty() {
            return Err(InvalidArgument::SaveAtNotFinal.into());
        }
        let adjoint = ImplicitAdjoint::forward(
            term, solver, controller, t0, t1, dt0, y0, &self.0, max_steps,
        )?;
        Ok(JvpOutput {
            y1: *adjoint.y1(),
            y1_dot: adjoint.jvp(&seed.params)?,
            stats: adjoint.stats(),
        })
    }
}
