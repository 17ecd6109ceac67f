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
//! ```compile_fail
//! use ode_runtime::adjoint::{jvp, RecursiveCheckpoint, Tangent};
//! # use ode_runtime::{ConstantStepSize, OdeTerm, Tsit5, nalgebra::SVector};
//! # fn f<Tm: ode_runtime::JvpTerm<f64, SVector<f64, 2>, Params = SVector<f64, 2>> + ode_runtime::JacobianTerm<f64, 2>>(term: &Tm) {
//! let seed = Tangent { y0: SVector::zeros(), params: SVector::zeros(), t0: 0.0, t1: 0.0 };
//! // error: `RecursiveCheckpoint` does not support forward-mode differentiation
//! let _ = jvp(&RecursiveCheckpoint, term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.1),
//!     SVector::zeros(), &seed, &[], &mut [], &mut [], 100);
//! # }
//! ```

use super::tangent_step::TangentStep;
use super::{DirectAdjoint, ImplicitAdjoint};
use crate::controller::StepSizeController;
use crate::event::Event;
use crate::{Error, InvalidArgument, JacobianTerm, JvpTerm, Scalar, Solver, Stats};
use nalgebra::SVector;

/// A tangent direction of a solve's inputs, the forward-mode mirror of
/// [`super::Gradient`]: `(ẏ0, ṗ, ṫ0, ṫ1)`.
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
#[derive(Clone, Copy, Debug)]
pub struct JvpOutput<Y> {
    /// The state at `t1`.
    pub y1: Y,
    /// Its tangent.
    pub y1_dot: Y,
    /// The forward solve's counters.
    pub stats: Stats,
}

/// Chooses [`super::DirectAdjoint`]: forward and reverse mode.
#[derive(Clone, Copy, Debug, Default)]
pub struct Direct;

/// Chooses [`super::RecursiveCheckpointAdjoint`]: reverse mode only.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecursiveCheckpoint;

/// Chooses [`super::ImplicitAdjoint`] with the event that ends the solve at
/// its steady state (usually [`crate::event::steady_state_event`]): forward
/// and reverse mode. Only the final state is saved, so `ts` must be empty;
/// the tangent does not depend on `y0`, `t0` or `t1` (a steady state forgets
/// them), only on the parameters: `ẏ* = −J_y⁻¹ J_p ṗ`.
#[derive(Clone, Copy, Debug)]
pub struct Implicit<E>(pub E);

/// Adjoints that compute tangents (forward mode) of a solve with term `Tm`,
/// solver `S` and controller `C`.
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
