//! Terminating events: a condition on `(t, y)` that ends the solve.
//!
//! After every accepted step the condition is evaluated at the step's end.
//! A real-valued condition triggers when it changes sign over the step in the
//! requested [`Direction`]; the crossing is then located by root finding on
//! the step's continuous extension ([`Solver::interpolate`]), as in Shampine
//! and Thompson, "Event location for ordinary differential equations",
//! Computers & Mathematics with Applications 39 (2000), and Hairer, Nørsett
//! and Wanner, *Solving ODEs I*, §II.6. The root finder is the Illinois
//! variant of regula falsi (Dowell and Jarratt, BIT 11, 1971): it keeps a
//! bracket, converges superlinearly and takes a bounded number of iterations.
//! A boolean condition triggers at the end of the first accepted step at
//! whose end it is true, as in Diffrax; it is not located inside the step.
//! Only accepted steps are checked, never the initial point: a solve over an
//! empty interval (`t0 == t1`) takes no step, so its event cannot trigger,
//! even if the condition holds at `t0`.
//!
//! The solve then ends at the event time with the interpolated state there;
//! [`crate::Solution::event_triggered`] says whether that happened. A solve
//! with an event may have `t1 = ±∞`: only the event (or the step budget) ends
//! it. [`steady_state_event`] is Diffrax's condition for integrating to a
//! steady state.
//!
//! # Examples
//!
//! A ball dropped from a height of 1 m hits the ground at `t = √(2/g)`
//! with speed `√(2g)`:
//!
//! ```
//! use odegrad::event::{Direction, FloatEvent};
//! use odegrad::integrate::diffeqsolve_with_event;
//! use odegrad::{nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
//! let g = 9.81;
//! let term = FnTerm::new(move |_t: f64, y: &SVector<f64, 2>| SVector::from([y[1], -g]));
//! let ground = FloatEvent::new(|_t: f64, y: &SVector<f64, 2>| y[0]).with_direction(Direction::Down);
//! let pid = PidController::new(1e-8, 1e-8)?;
//! let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, f64::INFINITY, Some(0.01),
//!     SVector::from([1.0, 0.0]), &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &ground)?;
//! assert!(sol.event_triggered);
//! assert!((sol.t - (2.0 / g).sqrt()).abs() < 1e-9);
//! assert!((sol.y[1] + (2.0 * g).sqrt()).abs() < 1e-8);
//! # Ok::<(), odegrad::Error>(())
//! ```

use crate::controller::ErrorNorm;
use crate::integrate::AcceptedStep;
use crate::{Error, Scalar, Solver, State, Term};

/// Which sign changes of a real-valued condition trigger the event.
///
/// # Examples
///
/// ```
/// use odegrad::event::{Direction, FloatEvent};
/// use odegrad::integrate::diffeqsolve_with_event;
/// use odegrad::{nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
/// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t.cos()])); // y = sin t
/// let pid = PidController::new(1e-10, 1e-10)?;
/// // sin t rises through 1/2 at π/6 and falls through it at 5π/6
/// let up = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5).with_direction(Direction::Up);
/// let down = up.with_direction(Direction::Down);
/// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, 3.0, Some(0.1), SVector::from([0.0]),
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &up)?;
/// assert!((sol.t - core::f64::consts::FRAC_PI_6).abs() < 1e-8);
/// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, 3.0, Some(0.1), SVector::from([0.0]),
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &down)?;
/// assert!((sol.t - 5.0 * core::f64::consts::FRAC_PI_6).abs() < 1e-8);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// From negative to non-negative (an upward crossing).
    Up,
    /// From positive to non-positive (a downward crossing).
    Down,
    /// Either.
    #[default]
    Either,
}

/// The value of an event condition at one point.
///
/// # Examples
///
/// ```
/// use odegrad::event::{BoolEvent, ConditionValue, Event, FloatEvent};
/// use odegrad::{nalgebra::SVector, FnTerm};
/// let term = FnTerm::<f64, SVector<f64, 1>, _>::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let y = SVector::from([0.75]);
/// let real = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5);
/// let boolean = BoolEvent::new(|t: f64, _y: &SVector<f64, 1>| t >= 1.0);
/// assert_eq!(real.condition(&term, 0.0, &y), ConditionValue::Float(0.25));
/// assert_eq!(boolean.condition(&term, 0.0, &y), ConditionValue::Bool(false));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConditionValue<T> {
    /// A boolean condition: the event triggers when it is true at a step end.
    Bool(bool),
    /// A real condition: the event triggers when it changes sign.
    Float(T),
}

/// A terminating event of a solve of the term `Tm`.
///
/// # Examples
///
/// A hand-written event that ends the solve when `y` falls to one half:
///
/// ```
/// use odegrad::event::{ConditionValue, Direction, Event};
/// use odegrad::{FnTerm, nalgebra::SVector};
/// struct Half;
/// impl<Tm> Event<f64, SVector<f64, 1>, Tm> for Half {
///     fn condition(&self, _term: &Tm, _t: f64, y: &SVector<f64, 1>) -> ConditionValue<f64> {
///         ConditionValue::Float(y[0] - 0.5)
///     }
///     fn direction(&self) -> Direction { Direction::Down }
/// }
/// let term = FnTerm::<f64, SVector<f64, 1>, _>::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let v = Half.condition(&term, 0.0, &SVector::from([1.0]));
/// assert_eq!(v, ConditionValue::Float(0.5));
/// ```
pub trait Event<T: Scalar, Y, Tm> {
    /// The condition at `(t, y)`; `term` is the vector field being solved.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{steady_state_event, ConditionValue, Event};
    /// use odegrad::{controller::MaxNorm, nalgebra::SVector, FnTerm};
    /// // a condition may read the vector field: here ‖f‖ small against ‖y‖
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| SVector::from([1.0 - y[0]]));
    /// let steady = steady_state_event(1e-3, 0.0, MaxNorm);
    /// assert_eq!(steady.condition(&term, 0.0, &SVector::from([0.9999])), ConditionValue::Bool(true));
    /// assert_eq!(steady.condition(&term, 0.0, &SVector::from([0.99])), ConditionValue::Bool(false));
    /// ```
    fn condition(&self, term: &Tm, t: T, y: &Y) -> ConditionValue<T>;
    /// Which sign changes of a real condition count (ignored for booleans).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{BoolEvent, Direction, Event, FloatEvent};
    /// use odegrad::{nalgebra::SVector, FnTerm};
    /// type Tm = FnTerm<f64, SVector<f64, 1>, fn(f64, &SVector<f64, 1>) -> SVector<f64, 1>>;
    /// let g = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0]);
    /// assert_eq!(Event::<f64, _, Tm>::direction(&g), Direction::Either); // the default
    /// let g = g.with_direction(Direction::Up);
    /// assert_eq!(Event::<f64, _, Tm>::direction(&g), Direction::Up);
    /// ```
    fn direction(&self) -> Direction {
        Direction::Either
    }
}

/// An event whose time can be differentiated: the adjoints need the
/// gradient of a real condition to move the event time with the parameters.
///
/// # Examples
///
/// The event time of `y' = −y` reaching 1/2, and its derivative with respect
/// to `y0` from the condition's gradient:
///
/// ```
/// use odegrad::event::{DifferentiableEvent, FloatEvent};
/// use odegrad::integrate::diffeqsolve_with_event;
/// use odegrad::{nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Term, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let half = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5)
///     .with_gradient(|_t: f64, _y: &SVector<f64, 1>| (0.0, SVector::from([1.0])));
/// let (y0, pid) = (2.0, PidController::new(1e-10, 1e-10)?);
/// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, f64::INFINITY, Some(0.1), SVector::from([y0]),
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &half)?;
/// // t* = ln(2 y0); by the implicit function theorem
/// // dt*/dy0 = −(∂g/∂y · ∂y(t*)/∂y0) / (∂g/∂t + ∂g/∂y · f(y*)), with ∂y(t*)/∂y0 = e^{−t*}
/// let (g_t, g_y) = half.condition_gradient(&term, sol.t, &sol.y).expect("a real condition");
/// let dt_dy0 = -(g_y[0] * (-sol.t).exp()) / (g_t + g_y.dot(&term.vf(sol.t, &sol.y)));
/// assert!((dt_dy0 - 1.0 / y0).abs() < 1e-8);
/// # Ok::<(), odegrad::Error>(())
/// ```
pub trait DifferentiableEvent<T: Scalar, Y, Tm>: Event<T, Y, Tm> {
    /// `(∂g/∂t, ∂g/∂y)` at `(t, y)` for a real condition `g`; `None` for an
    /// event that ends the solve at a step end (a boolean condition), whose
    /// time moves with the step grid and needs no correction.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{BoolEvent, DifferentiableEvent, FloatEvent};
    /// use odegrad::{nalgebra::SVector, FnTerm};
    /// let term = FnTerm::<f64, SVector<f64, 2>, _>::new(|_t: f64, y: &SVector<f64, 2>| -y);
    /// // g = y0² + t: ∂g/∂t = 1, ∂g/∂y = (2 y0, 0)
    /// let g = FloatEvent::new(|t: f64, y: &SVector<f64, 2>| y[0] * y[0] + t)
    ///     .with_gradient(|_t: f64, y: &SVector<f64, 2>| (1.0, SVector::from([2.0 * y[0], 0.0])));
    /// let (g_t, g_y) = g.condition_gradient(&term, 0.0, &SVector::from([3.0, 1.0])).expect("given");
    /// assert!((g_t - 1.0).abs() < 1e-15 && (g_y - SVector::from([6.0, 0.0])).norm() < 1e-15);
    /// let b = BoolEvent::new(|t: f64, _y: &SVector<f64, 2>| t > 1.0);
    /// assert!(b.condition_gradient(&term, 0.0, &SVector::zeros()).is_none());
    /// ```
    fn condition_gradient(&self, term: &Tm, t: T, y: &Y) -> Option<(T, Y)>;
}

/// The absence of an event (what [`crate::diffeqsolve`] uses).
///
/// # Examples
///
/// ```
/// use odegrad::event::NoEvent;
/// use odegrad::integrate::diffeqsolve_with_event;
/// use odegrad::{diffeqsolve, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let with = diffeqsolve_with_event(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
///     &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none(), &NoEvent)?;
/// let without = diffeqsolve(&term, &Tsit5, 0.0, 1.0, None, SVector::from([1.0]),
///     &SaveAt::nothing(), &pid, 100, &mut SaveBuffers::none())?;
/// assert!(!with.event_triggered && (with.t - 1.0).abs() < 1e-15);
/// assert_eq!(with, without);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvent;

impl<T: Scalar, Y, Tm> Event<T, Y, Tm> for NoEvent {
    fn condition(&self, _term: &Tm, _t: T, _y: &Y) -> ConditionValue<T> {
        ConditionValue::Bool(false)
    }
}

impl<T: Scalar, Y, Tm> DifferentiableEvent<T, Y, Tm> for NoEvent {
    fn condition_gradient(&self, _term: &Tm, _t: T, _y: &Y) -> Option<(T, Y)> {
        None
    }
}

/// A real-valued condition `g(t, y)` whose sign change ends the solve, with
/// an optional gradient `(∂g/∂t, ∂g/∂y)` for differentiating the event time.
///
/// # Examples
///
/// ```
/// use odegrad::event::{Direction, FloatEvent};
/// use odegrad::nalgebra::SVector;
/// // Height y[0] reaching zero from above; the gradient is (0, e₀).
/// let impact = FloatEvent::new(|_t: f64, y: &SVector<f64, 2>| y[0])
///     .with_direction(Direction::Down)
///     .with_gradient(|_t: f64, _y: &SVector<f64, 2>| (0.0, SVector::from([1.0, 0.0])));
/// assert_eq!(impact.direction, Direction::Down);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FloatEvent<F, G = ()> {
    /// The condition `g(t, y)`.
    pub condition: F,
    /// Which crossings count.
    pub direction: Direction,
    /// `(∂g/∂t, ∂g/∂y)`, or `()` if not given.
    pub gradient: G,
}

impl<F> FloatEvent<F, ()> {
    /// A condition triggering on any sign change.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{Direction, FloatEvent};
    /// use odegrad::integrate::diffeqsolve_with_event;
    /// use odegrad::{nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t.cos()])); // y = sin t
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// // with no direction the first crossing of 1/2, upwards at π/6, ends the solve
    /// let half = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5);
    /// assert_eq!(half.direction, Direction::Either);
    /// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, 3.0, Some(0.1), SVector::from([0.0]),
    ///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &half)?;
    /// assert!(sol.event_triggered && (sol.t - core::f64::consts::FRAC_PI_6).abs() < 1e-8);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(condition: F) -> Self {
        Self {
            condition,
            direction: Direction::Either,
            gradient: (),
        }
    }
}

impl<F, G> FloatEvent<F, G> {
    /// Only sign changes in `direction` trigger.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{Direction, FloatEvent};
    /// use odegrad::integrate::diffeqsolve_with_event;
    /// use odegrad::{nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|t: f64, _y: &SVector<f64, 1>| SVector::from([t.cos()])); // y = sin t
    /// let pid = PidController::new(1e-10, 1e-10)?;
    /// // sin t falls through 1/2 at 5π/6; the upward crossing at π/6 is ignored
    /// let falling = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5)
    ///     .with_direction(Direction::Down);
    /// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, 3.0, Some(0.1), SVector::from([0.0]),
    ///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &falling)?;
    /// assert!((sol.t - 5.0 * core::f64::consts::FRAC_PI_6).abs() < 1e-8);
    /// assert!((sol.y[0] - 0.5).abs() < 1e-9);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// The gradient `(∂g/∂t, ∂g/∂y)` of the condition, which makes the event
    /// time differentiable.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{DifferentiableEvent, FloatEvent};
    /// use odegrad::{nalgebra::SVector, FnTerm};
    /// let term = FnTerm::<f64, SVector<f64, 1>, _>::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let g = FloatEvent::new(|t: f64, y: &SVector<f64, 1>| y[0] - t);
    /// let g = g.with_gradient(|_t: f64, _y: &SVector<f64, 1>| (-1.0, SVector::from([1.0])));
    /// let (g_t, g_y) = g.condition_gradient(&term, 0.3, &SVector::from([2.0])).expect("given");
    /// assert!((g_t + 1.0).abs() < 1e-15 && (g_y[0] - 1.0).abs() < 1e-15);
    /// ```
    pub fn with_gradient<H>(self, gradient: H) -> FloatEvent<F, H> {
        FloatEvent {
            condition: self.condition,
            direction: self.direction,
            gradient,
        }
    }
}

impl<T: Scalar, Y, Tm, F: Fn(T, &Y) -> T, G> Event<T, Y, Tm> for FloatEvent<F, G> {
    fn condition(&self, _term: &Tm, t: T, y: &Y) -> ConditionValue<T> {
        ConditionValue::Float((self.condition)(t, y))
    }
    fn direction(&self) -> Direction {
        self.direction
    }
}

impl<T: Scalar, Y, Tm, F: Fn(T, &Y) -> T, G: Fn(T, &Y) -> (T, Y)> DifferentiableEvent<T, Y, Tm>
    for FloatEvent<F, G>
{
    fn condition_gradient(&self, _term: &Tm, t: T, y: &Y) -> Option<(T, Y)> {
        Some((self.gradient)(t, y))
    }
}

/// A boolean condition `c(t, y)`: the solve ends at the end of the first
/// accepted step at whose end it is true.
///
/// # Examples
///
/// ```
/// use odegrad::event::{BoolEvent, ConditionValue, Event};
/// use odegrad::{FnTerm, nalgebra::SVector};
/// let past_two = BoolEvent::new(|t: f64, _y: &SVector<f64, 1>| t > 2.0);
/// let term = FnTerm::<f64, SVector<f64, 1>, _>::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// assert_eq!(past_two.condition(&term, 3.0, &SVector::zeros()), ConditionValue::Bool(true));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BoolEvent<F> {
    /// The condition.
    pub condition: F,
}

impl<F> BoolEvent<F> {
    /// Wraps a condition.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::BoolEvent;
    /// use odegrad::integrate::diffeqsolve_with_event;
    /// use odegrad::{nalgebra::SVector, ConstantStepSize, FnTerm, SaveAt, SaveBuffers, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let late = BoolEvent::new(|t: f64, _y: &SVector<f64, 1>| t > 0.55);
    /// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, 2.0, Some(0.25), SVector::from([1.0]),
    ///     &SaveAt::nothing(), &ConstantStepSize, 100, &mut SaveBuffers::none(), &late)?;
    /// // not located inside the step: the solve ends at the first step end past 0.55
    /// assert!(sol.event_triggered && (sol.t - 0.75).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new(condition: F) -> Self {
        Self { condition }
    }
}

impl<T: Scalar, Y, Tm, F: Fn(T, &Y) -> bool> Event<T, Y, Tm> for BoolEvent<F> {
    fn condition(&self, _term: &Tm, t: T, y: &Y) -> ConditionValue<T> {
        ConditionValue::Bool((self.condition)(t, y))
    }
}

impl<T: Scalar, Y, Tm, F: Fn(T, &Y) -> bool> DifferentiableEvent<T, Y, Tm> for BoolEvent<F> {
    fn condition_gradient(&self, _term: &Tm, _t: T, _y: &Y) -> Option<(T, Y)> {
        None
    }
}

/// Diffrax's steady-state condition `‖f(t, y)‖ < atol + rtol·‖y‖`; build it
/// with [`steady_state_event`].
///
/// # Examples
///
/// ```
/// use odegrad::event::steady_state_event;
/// use odegrad::integrate::diffeqsolve_with_event;
/// use odegrad::{controller::RmsNorm, nalgebra::SVector, FnTerm, PidController, SaveAt, SaveBuffers, Tsit5};
/// // y' = 1 − y relaxes to 1; integrate until it is there, however long that takes
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| SVector::from([1.0 - y[0]]));
/// let steady = steady_state_event(1e-6, 1e-6, RmsNorm);
/// let pid = PidController::new(1e-8, 1e-8)?;
/// let sol = diffeqsolve_with_event(&term, &Tsit5, 0.0, f64::INFINITY, None, SVector::from([0.0]),
///     &SaveAt::nothing(), &pid, 1000, &mut SaveBuffers::none(), &steady)?;
/// // the condition |1 − y| < 10⁻⁶ + 10⁻⁶·|y| ≈ 2·10⁻⁶ holds once e⁻ᵗ < 2·10⁻⁶, t > 13.1
/// assert!(sol.event_triggered && (sol.y[0] - 1.0).abs() < 2.1e-6);
/// assert!(sol.t > 13.0);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SteadyStateEvent<T, Nm> {
    /// Relative tolerance.
    pub rtol: T,
    /// Absolute tolerance.
    pub atol: T,
    /// The norm ([`crate::controller::RmsNorm`] in Diffrax).
    pub norm: Nm,
}

/// An event that ends the solve at the first step end where
/// `‖f(t, y)‖ < atol + rtol·‖y‖` (Diffrax's `steady_state_event`; use
/// [`crate::controller::RmsNorm`] for its default norm). A steady state that
/// is never reached ends in [`Error::MaxStepsReached`].
///
/// # Examples
///
/// ```
/// use odegrad::event::{steady_state_event, ConditionValue, Event};
/// use odegrad::{controller::RmsNorm, FnTerm, nalgebra::SVector};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| SVector::from([1.0 - y[0]]));
/// let ev = steady_state_event(1e-8, 1e-8, RmsNorm);
/// assert_eq!(ev.condition(&term, 0.0, &SVector::from([1.0])), ConditionValue::Bool(true));
/// assert_eq!(ev.condition(&term, 0.0, &SVector::from([0.5])), ConditionValue::Bool(false));
/// ```
pub fn steady_state_event<T: Scalar, Nm>(rtol: T, atol: T, norm: Nm) -> SteadyStateEvent<T, Nm> {
    SteadyStateEvent { rtol, atol, norm }
}

impl<T: Scalar, Nm> SteadyStateEvent<T, Nm> {
    /// The plain norm of `v` through the error norm (unit scale).
    fn plain_norm<Y: State<T>>(&self, v: &Y) -> T
    where
        Nm: ErrorNorm<T, Y>,
    {
        let zero = Y::zero();
        self.norm.scaled_norm(v, &zero, &zero, T::zero(), T::one())
    }
}

impl<T: Scalar, Y: State<T>, Tm: Term<T, Y>, Nm: ErrorNorm<T, Y>> Event<T, Y, Tm>
    for SteadyStateEvent<T, Nm>
{
    fn condition(&self, term: &Tm, t: T, y: &Y) -> ConditionValue<T> {
        let f = term.vf(t, y);
        ConditionValue::Bool(self.plain_norm(&f) < self.atol + self.rtol * self.plain_norm(y))
    }
}

impl<T: Scalar, Y: State<T>, Tm: Term<T, Y>, Nm: ErrorNorm<T, Y>> DifferentiableEvent<T, Y, Tm>
    for SteadyStateEvent<T, Nm>
{
    fn condition_gradient(&self, _term: &Tm, _t: T, _y: &Y) -> Option<(T, Y)> {
        None
    }
}

/// Where an event ended a solve.
///
/// # Examples
///
/// ```
/// use odegrad::event::{EventLocator, FloatEvent};
/// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let half = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5);
/// let (pid, y0) = (PidController::new(1e-10, 1e-10)?, SVector::from([1.0]));
/// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 2.0, Some(0.1), y0, 1000)?;
/// let mut locator = EventLocator::new(&half, &term, 0.0, &y0);
/// let hit = loop {
///     match integrator.advance()? {
///         Advance::Accepted(step) => {
///             if let Some(hit) = locator.check(&term, &Tsit5, &step)? {
///                 break Some(hit);
///             }
///         }
///         Advance::Rejected { .. } => {}
///         Advance::Finished => break None,
///     }
/// };
/// let hit = hit.expect("y reaches 1/2 at ln 2 < 2");
/// assert!(hit.located); // a real condition: found by root finding inside the step
/// assert!((hit.t - 2f64.ln()).abs() < 1e-9 && (hit.y[0] - 0.5).abs() < 1e-10);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventHit<T, Y> {
    /// The event time.
    pub t: T,
    /// The state there.
    pub y: Y,
    /// Whether the time was located inside the step by root finding (a real
    /// condition) rather than taken as the step's end (a boolean one).
    pub located: bool,
}

/// Iterations of the root finder: each Illinois step at least halves the
/// bracket's "bad" side within two iterations, so 100 is far beyond the
/// ~60 bisections that exhaust `f64` precision on any bracket.
const MAX_ROOT_ITERATIONS: u32 = 100;

/// Watches the accepted steps of a solve for an event: create it at `(t0,
/// y0)` with [`Self::new`], then pass every accepted step to [`Self::check`].
///
/// # Examples
///
/// An event watched over a step loop driven by hand (what
/// `diffeqsolve_with_event` does):
///
/// ```
/// use odegrad::event::{EventLocator, FloatEvent};
/// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
/// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
/// let half = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5);
/// let (pid, y0) = (PidController::new(1e-10, 1e-10)?, SVector::from([1.0]));
/// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 2.0, Some(0.1), y0, 1000)?;
/// let mut locator = EventLocator::new(&half, &term, 0.0, &y0);
/// let hit = loop {
///     match integrator.advance()? {
///         Advance::Accepted(step) => {
///             if let Some(hit) = locator.check(&term, &Tsit5, &step)? {
///                 break Some(hit);
///             }
///         }
///         Advance::Rejected { .. } => {}
///         Advance::Finished => break None,
///     }
/// };
/// assert!(hit.is_some_and(|h| (h.t - 2f64.ln()).abs() < 1e-9));
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct EventLocator<'e, T, E> {
    event: &'e E,
    previous: ConditionValue<T>,
}

impl<'e, T: Scalar, E> EventLocator<'e, T, E> {
    /// Evaluates the condition at the initial point.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{Direction, EventLocator, FloatEvent};
    /// use odegrad::{nalgebra::SVector, Advance, FnTerm, Integrator, PidController, Tsit5};
    /// // the sign at t0 is the reference: a condition that starts positive and
    /// // only grows never crosses upwards
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| *y);
    /// let up = FloatEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] - 0.5).with_direction(Direction::Up);
    /// let (pid, y0) = (PidController::new(1e-8, 1e-8)?, SVector::from([1.0]));
    /// let mut integrator = Integrator::new(&term, &Tsit5, &pid, 0.0, 1.0, None, y0, 1000)?;
    /// let mut locator = EventLocator::new(&up, &term, 0.0, &y0);
    /// let mut hits = 0;
    /// loop {
    ///     match integrator.advance()? {
    ///         Advance::Accepted(step) => {
    ///             hits += usize::from(locator.check(&term, &Tsit5, &step)?.is_some());
    ///         }
    ///         Advance::Rejected { .. } => {}
    ///         Advance::Finished => break,
    ///     }
    /// }
    /// assert_eq!(hits, 0);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn new<Y, Tm>(event: &'e E, term: &Tm, t0: T, y0: &Y) -> Self
    where
        E: Event<T, Y, Tm>,
    {
        Self {
            event,
            previous: event.condition(term, t0, y0),
        }
    }

    /// Whether the event triggers in the accepted step, and if so where.
    ///
    /// # Errors
    ///
    /// [`Error::NonFiniteState`] if the condition is not finite at a point
    /// the root finder needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::event::{BoolEvent, EventLocator};
    /// use odegrad::{nalgebra::SVector, Advance, ConstantStepSize, FnTerm, Integrator, Tsit5};
    /// let term = FnTerm::new(|_t: f64, y: &SVector<f64, 1>| -y);
    /// let small = BoolEvent::new(|_t: f64, y: &SVector<f64, 1>| y[0] < 0.5);
    /// let y0 = SVector::from([1.0]);
    /// let mut integrator = Integrator::new(&term, &Tsit5, &ConstantStepSize, 0.0, 2.0, Some(0.5), y0, 100)?;
    /// let mut locator = EventLocator::new(&small, &term, 0.0, &y0);
    /// let mut first = None;
    /// while let Advance::Accepted(step) = integrator.advance()? {
    ///     if let Some(hit) = locator.check(&term, &Tsit5, &step)? {
    ///         first = first.or(Some(hit));
    ///     }
    /// }
    /// // e^{−0.5} > 1/2 > e^{−1}: the step ending at t = 1 is the first with y < 1/2
    /// let hit = first.expect("y < 1/2 before t = 2");
    /// assert!(!hit.located && (hit.t - 1.0).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn check<Y, Tm, S>(
        &mut self,
        term: &Tm,
        solver: &S,
        step: &AcceptedStep<T, Y, S::SolverState, S::DenseInfo>,
    ) -> Result<Option<EventHit<T, Y>>, Error>
    where
        Y: State<T>,
        Tm: Term<T, Y>,
        S: Solver<T, Y, Tm>,
        E: Event<T, Y, Tm>,
    {
        let now = self.event.condition(term, step.t1, &step.y1);
        let before = core::mem::replace(&mut self.previous, now);
        match (before, now) {
            (_, ConditionValue::Bool(true)) => Ok(Some(EventHit {
                t: step.t1,
                y: step.y1,
                located: false,
            })),
            (ConditionValue::Float(g0), ConditionValue::Float(g1))
                if crosses(g0, g1, self.event.direction()) =>
            {
                let g = |t: T| {
                    let y =
                        solver.interpolate(step.t0, step.t1, &step.y0, &step.y1, &step.dense, t);
                    match self.event.condition(term, t, &y) {
                        ConditionValue::Float(v) => (v, y),
                        // A condition that changes kind has no root to find.
                        ConditionValue::Bool(_) => (T::zero(), y),
                    }
                };
                let (t, y) = illinois(g, step.t0, g0, step.t1, g1, step.y1)?;
                Ok(Some(EventHit {
                    t,
                    y,
                    located: true,
                }))
            }
            _ => Ok(None),
        }
    }
}

/// Whether `g0 → g1` is a sign change in `direction`.
fn crosses<T: Scalar>(g0: T, g1: T, direction: Direction) -> bool {
    let up = g0 < T::zero() && g1 >= T::zero();
    let down = g0 > T::zero() && g1 <= T::zero();
    match direction {
        Direction::Up => up,
        Direction::Down => down,
        Direction::Either => up || down,
    }
}

/// The root of `g` on `[a, b]` with `g(a) = ga`, `g(b) = gb` of opposite signs
/// (or `gb = 0`), by the Illinois method; returns the time and the state the
/// condition was evaluated at. `yb` is the state at `b`.
fn illinois<T: Scalar, Y: State<T>>(
    mut g: impl FnMut(T) -> (T, Y),
    mut a: T,
    mut ga: T,
    mut b: T,
    mut gb: T,
    mut yb: Y,
) -> Result<(T, Y), Error> {
    let two = T::one() + T::one();
    for _ in 0..MAX_ROOT_ITERATIONS {
        if gb == T::zero() {
            break;
        }
        let width = (b - a).abs();
        let tol = T::EPSILON * two * (a.abs().max(b.abs()).max(T::one()));
        if width <= tol {
            break;
        }
        // The secant through the bracket; if rounding puts it on (or outside)
        // an end, bisect, so the bracket always shrinks.
        let mut c = b - gb * (b - a) / (gb - ga);
        let lo = a.min(b);
        let hi = a.max(b);
        if !(c > lo && c < hi) {
            c = (a + b) / two;
        }
        let (gc, yc) = g(c);
        if !gc.finite() {
            return Err(Error::NonFiniteState { t: c.to_f64() });
        }
        if (gc > T::zero()) != (gb > T::zero()) || gc == T::zero() {
            // The root is between b and c: b becomes the other end.
            a = b;
            ga = gb;
        } else {
            // Same side twice: halve the stale end's value (Illinois).
            ga /= two;
        }
        b = c;
        gb = gc;
        yb = yc;
    }
    Ok((b, yb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::SVector;

    #[test]
    fn illinois_finds_a_cubic_root() {
        let g = |t: f64| (t * t * t - 2.0, SVector::<f64, 1>::from([t]));
        let (t, y) = illinois(g, 0.0, -2.0, 2.0, 6.0, SVector::from([2.0])).unwrap();
        assert!((t - 2f64.cbrt()).abs() < 1e-14, "{t}");
        assert!((y[0] - t).abs() < 1e-15);
    }

    #[test]
    fn directions() {
        assert!(crosses(-1.0, 1.0, Direction::Up));
        assert!(!crosses(-1.0, 1.0, Direction::Down));
        assert!(crosses(1.0, 0.0, Direction::Down));
        assert!(crosses(1.0, -1.0, Direction::Either));
        assert!(!crosses(1.0, 2.0, Direction::Either));
        assert!(!crosses(f64::NAN, 1.0, Direction::Either));
    }
}
