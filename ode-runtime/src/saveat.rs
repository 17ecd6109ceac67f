//! What a solve saves, and the caller-owned buffers it saves into.
//!
//! As Diffrax's `SaveAt`: the initial point, the final point, given times
//! `ts` (values from the step's continuous extension), every step, and dense
//! output (one record per accepted step, from which the solution can be
//! evaluated anywhere afterwards). Outputs go into slices the caller owns —
//! arrays on the stack, statics — so nothing allocates; the solve reports how
//! many entries it wrote, and a buffer that fills up ends the solve with
//! [`Error::SaveBufferTooSmall`].
//!
//! On an empty interval (`t0 == t1`) there are no steps: `t0`, `t1` and every
//! entry of `ts` (which must then all equal `t0`) save `y0`, while `steps`
//! and `dense` save nothing, as in Diffrax.
//!
//! Point outputs are written in time order into one pair of buffers (`ts`,
//! `ys`): `t0`, then within each step the requested `ts` it covers followed by
//! the step's end if `steps` is set, then `t1`.
//!
//! # Examples
//!
//! ```
//! use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
//! let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
//! let pid = PidController::new(1e-8, 1e-8)?;
//! let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
//! let sol = diffeqsolve(&term, &Tsit5, 0.0, 2.0, None, SVector::from([1.0]),
//!     &SaveAt::ts(&[0.5, 1.5]).with_t0().with_t1(), &pid, 100,
//!     &mut SaveBuffers::new(&mut ts, &mut ys))?;
//! assert_eq!(sol.num_saved, 4); // t0, 0.5, 1.5, t1, in that order
//! assert!(ts[..4].windows(2).all(|w| w[0] < w[1]));
//! for (t, y) in ts.iter().zip(&ys).take(sol.num_saved) {
//!     assert!((y[0] - (-t).exp()).abs() < 1e-7);
//! }
//! # Ok::<(), odegrad::Error>(())
//! ```

// Negated comparisons are deliberate: a NaN must fail every range check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use crate::{Error, InvalidArgument, Scalar, Solver, State, Term};

/// Which outputs a solve produces.
///
/// # Examples
///
/// ```
/// use odegrad::SaveAt;
/// let ts = [0.5, 1.0];
/// let s = SaveAt::ts(&ts).with_t0();
/// assert!(s.t0 && !s.t1 && s.ts.len() == 2 && !s.steps && !s.dense);
/// assert!(SaveAt::<f64>::t1().t1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SaveAt<'a, T> {
    /// Save the initial point.
    pub t0: bool,
    /// Save the final point.
    pub t1: bool,
    /// Save at these times (monotone in the direction of integration, inside
    /// `[t0, t1]`), from the continuous extension.
    pub ts: &'a [T],
    /// Save the end of every accepted step.
    pub steps: bool,
    /// Store a [`DenseStep`] per accepted step.
    pub dense: bool,
}

impl<'a, T> SaveAt<'a, T> {
    /// Only the final point (Diffrax's default), written into the save
    /// buffers, which must hold one output. For the final state alone with no
    /// buffers, use [`SaveAt::nothing`] and read [`Solution::y`](crate::Solution).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::t1(), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 1);
    /// assert!((ts[0] - 1.0).abs() < 1e-15 && (ys[0][0] - (-1.0f64).exp()).abs() < 1e-6);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn t1() -> Self {
        Self {
            t0: false,
            t1: true,
            ts: &[],
            steps: false,
            dense: false,
        }
    }
    /// Nothing but the final state, which the solution carries anyway.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 0);
    /// assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-6);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn nothing() -> Self {
        Self {
            t0: false,
            t1: false,
            ts: &[],
            steps: false,
            dense: false,
        }
    }
    /// The given times.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::ts(&[0.1, 0.6]), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 2);
    /// // between step ends, from the continuous extension
    /// assert!((ts[1] - 0.6).abs() < 1e-15 && (ys[1][0] - (-0.6f64).exp()).abs() < 1e-6);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn ts(ts: &'a [T]) -> Self {
        Self {
            t0: false,
            t1: false,
            ts,
            steps: false,
            dense: false,
        }
    }
    /// The end of every step.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::steps(), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 4);
    /// assert!((0..4).all(|i| (ts[i] - 0.25 * (i + 1) as f64).abs() < 1e-15));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn steps() -> Self {
        Self {
            t0: false,
            t1: false,
            ts: &[],
            steps: true,
            dense: false,
        }
    }
    /// Dense output only.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, DenseStep, FnTerm, Tsit5};
    /// use odegrad::{solver::explicit::RkStages, SaveAt, SaveBuffers};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let zero = SVector::zeros();
    /// let empty = DenseStep { t0: 0.0, t1: 0.0, y0: zero, y1: zero, dense: RkStages { k: [zero; 7] } };
    /// let mut records = [empty; 8];
    /// let mut buffers = SaveBuffers::none().with_dense(&mut records);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::dense(), &ConstantStepSize, 100, &mut buffers)?;
    /// // one record per step, enough to evaluate the solution anywhere in [0, 1]
    /// assert_eq!((sol.num_saved, sol.num_dense), (0, 4));
    /// let y = odegrad::evaluate_dense(&Tsit5, &term, &records[..sol.num_dense], 0.6)?;
    /// assert!((y[0] - (-0.6f64).exp()).abs() < 1e-6);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn dense() -> Self {
        Self {
            t0: false,
            t1: false,
            ts: &[],
            steps: false,
            dense: true,
        }
    }
    /// Also the initial point.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::t1().with_t0(), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 2);
    /// assert!(ts[0].abs() < 1e-15 && (ys[0][0] - 1.0).abs() < 1e-15 && (ts[1] - 1.0).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn with_t0(mut self) -> Self {
        self.t0 = true;
        self
    }
    /// Also the final point.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::ts(&[0.5]).with_t1(), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 2);
    /// assert!((ts[0] - 0.5).abs() < 1e-15 && (ts[1] - 1.0).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn with_t1(mut self) -> Self {
        self.t1 = true;
        self
    }
    /// Also every step.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let (mut ts, mut ys) = ([0.0; 8], [SVector::zeros(); 8]);
    /// // four steps of 0.25 on [0, 1]
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::ts(&[0.3]).with_steps(), &ConstantStepSize, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// // in time order: a requested time inside a step comes before the step's end
    /// assert_eq!(sol.num_saved, 5);
    /// let expected = [0.25, 0.3, 0.5, 0.75, 1.0];
    /// assert!(expected.iter().zip(&ts).all(|(e, t)| (e - t).abs() < 1e-15));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn with_steps(mut self) -> Self {
        self.steps = true;
        self
    }
    /// Also dense output.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, DenseStep, FnTerm, Tsit5};
    /// use odegrad::{solver::explicit::RkStages, SaveAt, SaveBuffers};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let zero = SVector::zeros();
    /// let empty = DenseStep { t0: 0.0, t1: 0.0, y0: zero, y1: zero, dense: RkStages { k: [zero; 7] } };
    /// let mut records = [empty; 8];
    /// let (mut ts, mut ys) = ([0.0; 2], [zero; 2]);
    /// let mut buffers = SaveBuffers::new(&mut ts, &mut ys).with_dense(&mut records);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::t1().with_dense(), &ConstantStepSize, 100, &mut buffers)?;
    /// assert_eq!((sol.num_saved, sol.num_dense), (1, 4));
    /// assert!((ts[0] - 1.0).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn with_dense(mut self) -> Self {
        self.dense = true;
        self
    }
}

/// One accepted step with its continuous extension: a record of dense output.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, DenseStep, FnTerm, Tsit5};
/// use odegrad::{solver::explicit::RkStages, SaveAt, SaveBuffers};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
/// let zero = SVector::zeros();
/// let empty = DenseStep { t0: 0.0, t1: 0.0, y0: zero, y1: zero, dense: RkStages { k: [zero; 7] } };
/// let mut records = [empty; 8];
/// let mut buffers = SaveBuffers::none().with_dense(&mut records);
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
///     &SaveAt::dense(), &ConstantStepSize, 100, &mut buffers)?;
/// // the records tile [0, 1] step by step
/// let steps = &records[..sol.num_dense];
/// assert!(steps[0].t0.abs() < 1e-15 && (steps[3].t1 - 1.0).abs() < 1e-15);
/// assert!(steps.windows(2).all(|w| (w[0].t1 - w[1].t0).abs() < 1e-15));
/// assert!((steps[1].y1[0] - (-0.5f64).exp()).abs() < 1e-6);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DenseStep<T, Y, D> {
    /// Start of the step.
    pub t0: T,
    /// End of the step.
    pub t1: T,
    /// State at `t0`.
    pub y0: Y,
    /// State at `t1`.
    pub y1: Y,
    /// The solver's dense information for the step.
    pub dense: D,
}

impl<T: Scalar, Y: State<T>, D> DenseStep<T, Y, D> {
    /// Evaluates the step's continuous extension at `t` (within the step).
    /// The term is not evaluated; it only selects the solver's implementation.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, DenseStep, FnTerm, Tsit5};
    /// use odegrad::{solver::explicit::RkStages, SaveAt, SaveBuffers};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y); // y(t) = e⁻ᵗ
    /// let zero = SVector::zeros();
    /// let empty = DenseStep { t0: 0.0, t1: 0.0, y0: zero, y1: zero, dense: RkStages { k: [zero; 7] } };
    /// let mut records = [empty; 8];
    /// let mut buffers = SaveBuffers::none().with_dense(&mut records);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::dense(), &ConstantStepSize, 100, &mut buffers)?;
    /// let step = &records[1]; // [0.25, 0.5]
    /// assert!((step.evaluate(&Tsit5, &term, 0.3)[0] - (-0.3f64).exp()).abs() < 1e-6);
    /// assert!((step.evaluate(&Tsit5, &term, 0.5) - step.y1).norm() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn evaluate<Tm, S>(&self, solver: &S, _term: &Tm, t: T) -> Y
    where
        Tm: Term<T, Y>,
        S: Solver<T, Y, Tm, DenseInfo = D>,
    {
        solver.interpolate(self.t0, self.t1, &self.y0, &self.y1, &self.dense, t)
    }
}

/// Evaluates dense output at `t`: finds the step covering `t` (binary search)
/// and evaluates its continuous extension.
///
/// Fails with [`InvalidArgument::TsOutsideSpan`] if no step covers `t`. The
/// term is not evaluated; it only selects the solver's implementation.
///
/// # Examples
///
/// ```
/// use odegrad::{diffeqsolve, evaluate_dense, DenseStep, FnTerm, SaveAt, SaveBuffers,
///     nalgebra::SVector, solver::explicit::{RkStages, Tsit5}, controller::PidController};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-9, 1e-9)?;
/// let empty = DenseStep { t0: 0.0, t1: 0.0, y0: SVector::zeros(), y1: SVector::zeros(),
///     dense: RkStages { k: [SVector::zeros(); 7] } };
/// let mut dense = [empty; 64];
/// let sol = diffeqsolve(&term, &Tsit5, 0.0, 2.0, None, SVector::from([1.0]),
///     &SaveAt::dense(), &pid, 1000, &mut SaveBuffers::none().with_dense(&mut dense))?;
/// let y = evaluate_dense(&Tsit5, &term, &dense[..sol.num_dense], 1.234)?;
/// assert!((y[0] - (-1.234f64).exp()).abs() < 1e-7);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub fn evaluate_dense<T, Y, Tm, S, D>(
    solver: &S,
    term: &Tm,
    steps: &[DenseStep<T, Y, D>],
    t: T,
) -> Result<Y, Error>
where
    T: Scalar,
    Y: State<T>,
    Tm: Term<T, Y>,
    S: Solver<T, Y, Tm, DenseInfo = D>,
{
    let outside = Error::InvalidArgument(InvalidArgument::TsOutsideSpan);
    let (Some(first), Some(last)) = (steps.first(), steps.last()) else {
        return Err(outside);
    };
    let dir = if last.t1 >= first.t0 {
        T::one()
    } else {
        -T::one()
    };
    if !((t - first.t0) * dir >= T::zero() && (last.t1 - t) * dir >= T::zero()) {
        return Err(outside);
    }
    // The first step whose end is at or beyond t.
    let i = steps.partition_point(|s| (s.t1 - t) * dir < T::zero());
    let step = steps.get(i).ok_or(outside)?;
    Ok(step.evaluate(solver, term, t))
}

/// The caller's output buffers: `ts[i]`, `ys[i]` for point outputs and
/// `dense` for dense records. Capacity of the point outputs is the shorter of
/// `ts` and `ys`.
///
/// # Examples
///
/// ```
/// use odegrad::{SaveBuffers, nalgebra::SVector};
/// let mut ts = [0.0f64; 4];
/// let mut ys = [SVector::<f64, 2>::zeros(); 3];
/// let buffers: SaveBuffers<'_, f64, _, ()> = SaveBuffers::new(&mut ts, &mut ys);
/// assert_eq!(buffers.capacity(), 3);
/// ```
pub struct SaveBuffers<'b, T, Y, D> {
    /// Times of the point outputs.
    pub ts: &'b mut [T],
    /// States of the point outputs.
    pub ys: &'b mut [Y],
    /// Dense records.
    pub dense: &'b mut [DenseStep<T, Y, D>],
}

impl<'b, T, Y, D> SaveBuffers<'b, T, Y, D> {
    /// Point-output buffers, no dense buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, Error, FnTerm, PidController};
    /// use odegrad::{SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let (mut ts, mut ys) = ([0.0; 3], [SVector::zeros(); 3]);
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
    ///     &SaveAt::ts(&[0.0, 0.5, 1.0]), &pid, 100, &mut SaveBuffers::new(&mut ts, &mut ys))?;
    /// assert_eq!(sol.num_saved, 3);
    /// assert!((ys[1][0] - (-0.5f64).exp()).abs() < 1e-7);
    /// // four requested times do not fit in three slots: refused before any step
    /// let (mut ts, mut ys) = ([0.0; 3], [SVector::zeros(); 3]);
    /// let result = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
    ///     &SaveAt::ts(&[0.0, 0.25, 0.5, 1.0]), &pid, 100, &mut SaveBuffers::new(&mut ts, &mut ys));
    /// assert!(matches!(result, Err(Error::SaveBufferTooSmall { capacity: 3, .. })));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(ts: &'b mut [T], ys: &'b mut [Y]) -> Self {
        Self {
            ts,
            ys,
            dense: &mut [],
        }
    }
    /// No buffers at all (for `SaveAt::nothing()`; the final state is in the
    /// solution).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, Error, FnTerm, PidController};
    /// use odegrad::{SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let pid = PidController::new(1e-8, 1e-8)?;
    /// let sol = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
    ///     &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none())?;
    /// assert!((sol.y[0] - (-1.0f64).exp()).abs() < 1e-7);
    /// // but the final point, once requested, needs a slot
    /// let result = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
    ///     &SaveAt::t1(), &pid, 100, &mut SaveBuffers::none());
    /// assert_eq!(result.unwrap_err(), Error::SaveBufferTooSmall { needed: 1, capacity: 0 });
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn none() -> Self {
        Self {
            ts: &mut [],
            ys: &mut [],
            dense: &mut [],
        }
    }
    /// Adds a dense buffer.
    ///
    /// # Examples
    ///
    /// Four steps need four records; a buffer of three ends the solve with an
    /// error that says so.
    ///
    /// ```
    /// use odegrad::{diffeqsolve, nalgebra::SVector, ConstantStepSize, DenseStep, Error, FnTerm};
    /// use odegrad::{solver::explicit::RkStages, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let zero = SVector::zeros();
    /// let empty = DenseStep { t0: 0.0, t1: 0.0, y0: zero, y1: zero, dense: RkStages { k: [zero; 7] } };
    /// let mut records = [empty; 3];
    /// let result = diffeqsolve(&term, &Tsit5, 0.0, 1.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::dense(), &ConstantStepSize, 100, &mut SaveBuffers::none().with_dense(&mut records));
    /// assert_eq!(result.unwrap_err(), Error::SaveBufferTooSmall { needed: 4, capacity: 3 });
    /// ```
    pub fn with_dense(mut self, dense: &'b mut [DenseStep<T, Y, D>]) -> Self {
        self.dense = dense;
        self
    }
    /// Capacity for point outputs.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::{nalgebra::SVector, SaveBuffers};
    /// let (mut ts, mut ys) = ([0.0f64; 5], [SVector::<f64, 2>::zeros(); 8]);
    /// let buffers: SaveBuffers<'_, f64, _, ()> = SaveBuffers::new(&mut ts, &mut ys);
    /// assert_eq!(buffers.capacity(), 5); // the shorter of the two
    /// assert_eq!(SaveBuffers::<f64, SVector<f64, 2>, ()>::none().capacity(), 0);
    /// ```
    pub fn capacity(&self) -> usize {
        self.ts.len().min(self.ys.len())
    }
}

/// Writes outputs into [`SaveBuffers`] in order.
pub(crate) struct Saver<'s, 'b, T, Y, D> {
    buf: &'s mut SaveBuffers<'b, T, Y, D>,
    pub(crate) n: usize,
    pub(crate) n_dense: usize,
}

impl<'s, 'b, T: Copy, Y: Copy, D: Copy> Saver<'s, 'b, T, Y, D> {
    pub(crate) fn new(buf: &'s mut SaveBuffers<'b, T, Y, D>) -> Self {
        Self {
            buf,
            n: 0,
            n_dense: 0,
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, t: T, y: Y) -> Result<(), Error> {
        let capacity = self.buf.capacity();
        match (self.buf.ts.get_mut(self.n), self.buf.ys.get_mut(self.n)) {
            (Some(ts), Some(ys)) => {
                *ts = t;
                *ys = y;
                self.n += 1;
                Ok(())
            }
            _ => Err(Error::SaveBufferTooSmall {
                needed: self.n + 1,
                capacity,
            }),
        }
    }

    #[inline(always)]
    pub(crate) fn push_dense(&mut self, step: DenseStep<T, Y, D>) -> Result<(), Error> {
        let capacity = self.buf.dense.len();
        match self.buf.dense.get_mut(self.n_dense) {
            Some(slot) => {
                *slot = step;
                self.n_dense += 1;
                Ok(())
            }
            None => Err(Error::SaveBufferTooSmall {
                needed: self.n_dense + 1,
                capacity,
            }),
        }
    }
}
