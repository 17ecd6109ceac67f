//! Online checkpointing: which states of a forward sweep of unknown length to
//! keep in a fixed buffer, and how to replay the sweep backwards from them.
//!
//! A discrete adjoint reverses the steps of a solve one by one, last first, and
//! the reverse of step `k` needs the state `x_k` the step started from. An
//! adaptive solve does not know its step count `n` in advance, and storing
//! every state costs memory proportional to `n`. [`OnlineCheckpointer`] keeps
//! at most `C` states, in a buffer of [`Slot`]s the caller owns, and recomputes
//! the others from the nearest stored one.
//!
//! # Forward sweep: where to store
//!
//! Before step `k` runs, [`OnlineCheckpointer::record`] (or
//! [`OnlineCheckpointer::sweep`], which runs the loop) decides whether `x_k` is
//! kept and which slot it overwrites. The initial state `x_0` always occupies a
//! slot and is never overwritten.
//!
//! - While `k < β(C, 2) − 1`, where `β(C, 2) = (C + 1)(C + 2)/2`, the placement
//!   is Algorithm I of P. Stumm and A. Walther, "New algorithms for optimal
//!   online checkpointing", SIAM J. Sci. Comput. 32(2), 836–854, 2010. It runs
//!   in phases of decreasing width `w = C, C − 1, …, 1`: a phase stores `w`
//!   consecutive states in a window of `w` slots, skips one, and then freezes
//!   the oldest state of its window, so that the distances between frozen
//!   checkpoints become `C + 1, C, …, 3`. For every `n < β(C, 2)` the stored
//!   states are an optimal offline distribution: the reversal recomputes
//!   exactly `max(0, n − C)` steps, the least any schedule can, and no step
//!   more than once.
//! - Beyond, the placement is the dynamic checkpointing of Q. Wang, P. Moin and
//!   G. Iaccarino, "Minimal repetition dynamic checkpointing algorithm for
//!   unsteady adjoint calculation", SIAM J. Sci. Comput. 31(4), 2549–2567,
//!   2009. Every checkpoint has a level (`x_0`'s is infinite, Stumm–Walther's
//!   are zero). A checkpoint is dispensable once a later checkpoint has a
//!   strictly higher level. Each new state is stored: over the latest
//!   dispensable checkpoint at level zero if there is one, otherwise over the
//!   latest checkpoint, one level above it. For their algorithm run from the
//!   start, Wang, Moin and Iaccarino prove that the repetition number stays
//!   minimal at every `n`. Here it starts from Stumm and Walther's
//!   distribution instead, and `tests/checkpoint_schedule.rs` checks the same
//!   property in the form it takes for this reversal: no step is recomputed
//!   more than `r(n, C)` times, the smallest `r` with `n ≤ β(C, r)`
//!   ([`super::binomial::repetition_number`]), hence at most `r(n, C)·n`
//!   steps in total (for every `n ≤ 500` with `C ≤ 8`, and for
//!   `n ∈ {10, …, 10⁴}`, `C ∈ {2, …, 32}`). Beyond `β(C, 2)` the total is not
//!   optimal; in those tests it stays within 1.56 times the offline optimum
//!   [`super::binomial::min_recomputations`], the worst cases just past
//!   `β(C, 2)`.
//!
//! # Reverse sweep: recompute between checkpoints
//!
//! [`OnlineCheckpointer::reverse`] reverses steps `n − 1, …, 0`. For step `k`
//! it restores the latest checkpoint at or before `k` and runs forward to `k`,
//! storing intermediate states in the slots that earlier reverse steps freed,
//! at the positions Griewank and Walther's revolve chooses (A. Griewank and A.
//! Walther, "Algorithm 799: revolve", ACM TOMS 26(1), 19–45, 2000): between
//! two checkpoints the reversal is optimal offline checkpointing, with the
//! binomial recomputation count `t(l, s) = r·l − β(s + 1, r − 1)`. A
//! checkpoint at `k` itself is handed to the reverse step without a copy and
//! its slot freed. Recomputed steps go through the forward callback only; the
//! reverse callback, which does the vector–Jacobian products, runs exactly
//! once per step. With `C ≥ n` every state is stored and nothing is
//! recomputed.
//!
//! Which slot a state goes to only affects the cost, never the result: the
//! reversal restarts from states it stored and replays the same steps, so the
//! reverse callback always sees the exact forward states.
//!
//! # Memory and the choice of `C`
//!
//! The buffer is `C` × `size_of::<Slot<P>>()` bytes, the payload `P` plus two
//! words of bookkeeping; nothing else is stored and nothing is allocated. The
//! payload is whatever restarts a step: for the integrator of
//! [`super::RecursiveCheckpointAdjoint`], its loop state (`t`, `y`, the next
//! step end, the first-same-as-last derivative, the controller's memory and
//! the step counters) and the previous step's end, not the stages or the
//! saved outputs. A slot then takes 168 bytes for a 2-dimensional system with
//! Tsit5 and a PID controller.
//!
//! [`super::binomial::default_checkpoint_count`] gives the default: the
//! smallest `C` with `(C + 1)(C + 2)/2 > max_steps` (about
//! `√(2·max_steps)`: 90 checkpoints for 4096 steps), the rule in Diffrax's
//! code. With it every solve within `max_steps` stays in Stumm and Walther's
//! optimal range, where the reversal recomputes at most one forward sweep, so
//! a gradient costs at most one extra forward solve beside the reverse steps.
//! A logarithmic `C`, as Diffrax's documentation suggests, would save memory
//! that is already small for lean checkpoints and pay for it with steps
//! recomputed several times each.
//!
//! # Examples
//!
//! ```
//! use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
//! use odegrad::Error;
//!
//! // A toy "integrator": x_{k+1} = x_k / 2 + 1, nine steps, three slots.
//! let mut slots = [Slot::<f64>::EMPTY; 3];
//! let mut schedule = OnlineCheckpointer::new(&mut slots)?;
//! let mut step = |_k: usize, x: &f64| -> Result<f64, Error> { Ok(x / 2.0 + 1.0) };
//! let x_end = schedule.sweep(0.0, &mut step, |k, _x| k == 9)?;
//! assert!((x_end - 2.0 * (1.0 - 0.5f64.powi(9))).abs() < 1e-15);
//!
//! // Reverse: d x_9 / d x_0 = 2^-9, one reverse step at a time.
//! let mut cotangent = 1.0;
//! let mut visited = [false; 9];
//! let mut reverse = |k: usize, _x: &f64| -> Result<(), Error> {
//!     visited[k] = true;
//!     cotangent *= 0.5;
//!     Ok(())
//! };
//! let stats = schedule.reverse(&mut step, &mut reverse)?;
//! assert!((cotangent - 0.5f64.powi(9)).abs() < 1e-18);
//! assert!(visited.iter().all(|&v| v));
//! assert_eq!(stats.reverse_steps, 9);
//! // 9 < (3 + 1)(3 + 2)/2: Stumm–Walther's range, where n − C steps are
//! // recomputed, the least any schedule can.
//! assert_eq!(stats.recomputed_steps, 6);
//! # Ok::<(), Error>(())
//! ```

use super::binomial::{beta, revolve_advance};
use crate::Error;

/// One slot of a caller-owned checkpoint buffer: a stored state and the step
/// it starts, or nothing.
///
/// The payload type is the caller's; it needs neither `Default` nor a heap.
/// Build a buffer with `[Slot::EMPTY; C]` or [`Slot::array`].
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::checkpoint::Slot;
/// let slots: [Slot<String>; 4] = Slot::array();
/// assert!(slots.iter().all(|s| s.step().is_none()));
/// ```
#[derive(Clone, Debug)]
pub struct Slot<P> {
    state: Option<P>,
    /// The index of the step this state starts.
    step: usize,
    /// Wang–Moin–Iaccarino level; `u32::MAX` for the initial state.
    level: u32,
    /// Whether a later checkpoint has a strictly higher level.
    dispensable: bool,
}

impl<P> Slot<P> {
    /// An empty slot.
    pub const EMPTY: Self = Slot {
        state: None,
        step: 0,
        level: 0,
        dispensable: false,
    };

    /// An array of `C` empty slots, for any payload type.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// // Payloads need neither `Copy` nor `Default`.
    /// struct Payload { x: [f64; 3] }
    /// let mut slots: [Slot<Payload>; 5] = Slot::array();
    /// assert!(slots.iter().all(|s| s.step().is_none()));
    /// assert_eq!(OnlineCheckpointer::new(&mut slots)?.capacity(), 5);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub const fn array<const C: usize>() -> [Self; C] {
        [Self::EMPTY; C]
    }

    /// The step whose starting state this slot holds, if it holds one.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::<f64>::EMPTY; 2];
    /// assert_eq!(slots[0].step(), None);
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// schedule.record(&1.0); // x_0
    /// schedule.record(&0.5); // x_1
    /// let mut steps = [usize::MAX; 2];
    /// for (step, slot) in steps.iter_mut().zip(schedule.slots()) {
    ///     *step = slot.step().expect("a stored state");
    /// }
    /// steps.sort_unstable();
    /// assert_eq!(steps, [0, 1]);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn step(&self) -> Option<usize> {
        self.state.as_ref().map(|_| self.step)
    }

    /// The stored state, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::EMPTY; 2];
    /// assert_eq!(slots[0].state(), None::<&f64>);
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// schedule.record(&2.5);
    /// assert_eq!(schedule.slots()[0].state(), Some(&2.5));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn state(&self) -> Option<&P> {
        self.state.as_ref()
    }

    /// Stores `state` as the start of step `step` at `level`.
    fn put(&mut self, step: usize, level: u32, state: P) {
        self.state = Some(state);
        self.step = step;
        self.level = level;
        self.dispensable = false;
    }
}

impl<P> Default for Slot<P> {
    fn default() -> Self {
        Self::EMPTY
    }
}

/// Advances a checkpointed state by one step: the primal step of the loop
/// being reversed.
///
/// Called with the index `k` of the step and the state `x_k` it starts from;
/// returns `x_{k+1}`. It must be deterministic — recomputation replays it and
/// expects the states of the first sweep. Closures
/// `FnMut(usize, &P) -> Result<P, Error>` implement it.
///
/// # Examples
///
/// A step as a type of its own, counting its calls: the forward callback runs
/// once per step of the sweep and once per recomputed step.
///
/// ```
/// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot, StepForward};
/// use odegrad::Error;
///
/// struct Halve { calls: usize }
/// impl StepForward<f64> for Halve {
///     fn step_forward(&mut self, _k: usize, x: &f64) -> Result<f64, Error> {
///         self.calls += 1;
///         Ok(x / 2.0)
///     }
/// }
/// let mut step = Halve { calls: 0 };
/// let mut slots = [Slot::EMPTY; 3];
/// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
/// let x_n = schedule.sweep(1.0, &mut step, |k, _| k == 8)?;
/// assert!((x_n - 0.5f64.powi(8)).abs() < 1e-18);
/// let stats = schedule.reverse(&mut step, &mut |_k: usize, _x: &f64| Ok(()))?;
/// assert_eq!(step.calls, 8 + stats.recomputed_steps);
/// # Ok::<(), Error>(())
/// ```
pub trait StepForward<P> {
    /// `x_{k+1}` from `x_k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::StepForward;
    /// // Any `FnMut(usize, &P) -> Result<P, Error>` is a step.
    /// let mut step = |k: usize, x: &f64| Ok::<_, odegrad::Error>(x + k as f64);
    /// assert!((step.step_forward(3, &1.0)? - 4.0).abs() < 1e-15);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    fn step_forward(&mut self, k: usize, state: &P) -> Result<P, Error>;
}

impl<P, F> StepForward<P> for F
where
    F: FnMut(usize, &P) -> Result<P, Error>,
{
    fn step_forward(&mut self, k: usize, state: &P) -> Result<P, Error> {
        self(k, state)
    }
}

/// Reverses one step: called once per step, last step first, with the index
/// `k` of the step and the exact state `x_k` it started from (an adjoint
/// recomputes the step's internals from it and pulls its cotangent back).
/// Closures `FnMut(usize, &P) -> Result<(), Error>` implement it.
///
/// # Examples
///
/// The reverse of `x_{k+1} = (k + 1)·x_k` accumulates the cotangent
/// `∂x_n/∂x_0 = n!`:
///
/// ```
/// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot, StepReverse};
/// use odegrad::Error;
///
/// struct Cotangent { bar: f64 }
/// impl StepReverse<f64> for Cotangent {
///     fn step_reverse(&mut self, k: usize, _x: &f64) -> Result<(), Error> {
///         self.bar *= (k + 1) as f64; // ∂x_{k+1}/∂x_k
///         Ok(())
///     }
/// }
/// let mut step = |k: usize, x: &f64| Ok((k + 1) as f64 * x);
/// let mut slots = [Slot::EMPTY; 2];
/// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
/// schedule.sweep(1.0, &mut step, |k, _| k == 6)?;
/// let mut adjoint = Cotangent { bar: 1.0 };
/// schedule.reverse(&mut step, &mut adjoint)?;
/// assert!((adjoint.bar - 720.0).abs() < 1e-12); // 6!
/// # Ok::<(), Error>(())
/// ```
pub trait StepReverse<P> {
    /// Pulls the cotangent back through step `k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::StepReverse;
    /// // Any `FnMut(usize, &P) -> Result<(), Error>` reverses a step.
    /// let mut seen = None;
    /// let mut reverse = |k: usize, x: &f64| { seen = Some((k, *x)); Ok::<_, odegrad::Error>(()) };
    /// reverse.step_reverse(4, &0.25)?;
    /// assert_eq!(seen, Some((4, 0.25)));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    fn step_reverse(&mut self, k: usize, state: &P) -> Result<(), Error>;
}

impl<P, F> StepReverse<P> for F
where
    F: FnMut(usize, &P) -> Result<(), Error>,
{
    fn step_reverse(&mut self, k: usize, state: &P) -> Result<(), Error> {
        self(k, state)
    }
}

/// What a checkpointed forward and reverse sweep cost.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
/// let mut slots = [Slot::EMPTY; 4];
/// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
/// let mut step = |_k: usize, x: &f64| Ok::<_, odegrad::Error>(0.9 * x);
/// schedule.sweep(1.0, &mut step, |k, _| k == 12)?;
/// let stats = schedule.reverse(&mut step, &mut |_k: usize, _x: &f64| Ok(()))?;
/// assert_eq!((stats.forward_steps, stats.reverse_steps, stats.capacity), (12, 12, 4));
/// assert_eq!(stats.recomputed_steps, 12 - 4); // n − C below β(4, 2) = 15
/// assert!(stats.checkpoints_used <= stats.capacity);
/// # Ok::<(), odegrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointStats {
    /// Steps of the forward sweep (`n`).
    pub forward_steps: usize,
    /// Forward steps run again during the reverse sweep.
    pub recomputed_steps: usize,
    /// Steps reversed (`n` after a complete reverse sweep).
    pub reverse_steps: usize,
    /// The most slots that held a state at once.
    pub checkpoints_used: usize,
    /// The number of slots (`C`).
    pub capacity: usize,
}

/// The online checkpointing schedule over a caller-owned buffer of slots.
///
/// Record the state before every forward step ([`Self::record`], or let
/// [`Self::sweep`] run the loop), then call [`Self::reverse`] once. See the
/// [module documentation](self) for the algorithms and their costs.
///
/// # Examples
///
/// A hundred steps reversed with five slots: every step is reversed once, in
/// order, from its exact state, and no step is recomputed more often than the
/// repetition number allows:
///
/// ```
/// use odegrad::adjoint::binomial::repetition_number;
/// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
/// use odegrad::Error;
///
/// let mut slots = [Slot::<u64>::EMPTY; 5];
/// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
/// let mut step = |_k: usize, x: &u64| Ok::<_, Error>(x + 1); // x_k = k
/// schedule.sweep(0, &mut step, |k, _| k == 100)?;
/// let mut next = 100;
/// let stats = schedule.reverse(&mut step, &mut |k: usize, x: &u64| {
///     assert_eq!((k + 1, *x), (next, k as u64));
///     next = k;
///     Ok(())
/// })?;
/// assert_eq!((next, stats.reverse_steps), (0, 100));
/// let r = repetition_number(100, 5).expect("five slots suffice"); // 3: β(5, 3) = 56 < 100 ≤ 126
/// assert!(stats.recomputed_steps <= r * 100);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
pub struct OnlineCheckpointer<'a, P> {
    slots: &'a mut [Slot<P>],
    /// States recorded, which is the number of forward steps (`n`).
    recorded: usize,
    /// Slots holding a state.
    used: usize,
    /// High-water mark of `used`.
    high_water: usize,
    /// States `0..sw_end` are placed by Stumm–Walther, later ones by
    /// Wang–Moin–Iaccarino: `β(C, 2) − 1`.
    sw_end: usize,
    /// Width of the current Stumm–Walther phase.
    window: usize,
    /// The slot the next Stumm–Walther store goes to.
    cursor: usize,
    /// Stores left in the current Stumm–Walther phase before its skip.
    remaining: usize,
}

impl<'a, P> OnlineCheckpointer<'a, P> {
    /// A schedule over `slots`. Their contents are ignored and overwritten.
    ///
    /// # Errors
    ///
    /// [`Error::CheckpointBufferTooSmall`] if `slots` is empty: the initial
    /// state needs one.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// use odegrad::Error;
    /// let mut none: [Slot<f64>; 0] = [];
    /// assert!(matches!(OnlineCheckpointer::new(&mut none),
    ///     Err(Error::CheckpointBufferTooSmall { needed: 1, capacity: 0 })));
    /// let mut one = [Slot::<f64>::EMPTY];
    /// assert!(OnlineCheckpointer::new(&mut one).is_ok());
    /// ```
    pub fn new(slots: &'a mut [Slot<P>]) -> Result<Self, Error> {
        if slots.is_empty() {
            return Err(Error::CheckpointBufferTooSmall {
                needed: 1,
                capacity: 0,
            });
        }
        // Nothing is cleared: the schedule fills slots[..used] in order and
        // treats the rest as free, whatever a previous solve left there, so
        // starting costs nothing however large the buffer.
        let capacity = slots.len();
        Ok(Self {
            slots,
            recorded: 0,
            used: 0,
            high_water: 0,
            sw_end: beta(capacity, 2).saturating_sub(1),
            window: capacity,
            cursor: 0,
            remaining: 0,
        })
    }

    /// The number of slots (`C`).
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::<f64>::EMPTY; 7];
    /// assert_eq!(OnlineCheckpointer::new(&mut slots[..4])?.capacity(), 4);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Forward steps recorded so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::<f64>::EMPTY; 2];
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// for k in 0..7 {
    ///     schedule.record(&(k as f64));
    /// }
    /// assert_eq!(schedule.forward_steps(), 7); // more than the slots: not all are kept
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn forward_steps(&self) -> usize {
        self.recorded
    }

    /// The slots holding states, in no particular order during the forward
    /// sweep.
    ///
    /// # Examples
    ///
    /// Nine states in three slots: Stumm and Walther's phases leave checkpoints at
    /// distances `C + 1 = 4` and `C = 3`, with the initial state kept:
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::<usize>::EMPTY; 3];
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// for k in 0..9 {
    ///     schedule.record(&k);
    /// }
    /// let mut steps = [usize::MAX; 3];
    /// for (step, slot) in steps.iter_mut().zip(schedule.slots()) {
    ///     *step = slot.step().expect("a stored state");
    /// }
    /// steps.sort_unstable();
    /// assert_eq!(steps, [0, 4, 7]);
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn slots(&self) -> &[Slot<P>] {
        self.slots.get(..self.used).unwrap_or_default()
    }

    /// The counters so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::<f64>::EMPTY; 3];
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// for k in 0..9 {
    ///     schedule.record(&(k as f64));
    /// }
    /// let stats = schedule.stats();
    /// assert_eq!((stats.forward_steps, stats.capacity, stats.checkpoints_used), (9, 3, 3));
    /// assert_eq!((stats.recomputed_steps, stats.reverse_steps), (0, 0)); // nothing reversed yet
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn stats(&self) -> CheckpointStats {
        CheckpointStats {
            forward_steps: self.recorded,
            recomputed_steps: 0,
            reverse_steps: 0,
            checkpoints_used: self.high_water,
            capacity: self.slots.len(),
        }
    }

    /// Records `x_k`, the state the next forward step `k` starts from,
    /// cloning it if the schedule keeps it.
    ///
    /// Call it once before every step of the forward sweep, `x_0` first; the
    /// number of calls is the number of steps [`Self::reverse`] reverses.
    ///
    /// # Examples
    ///
    /// Recording from a loop of one's own (here the forward sweep of
    /// `x_{k+1} = x_k²`), then reversing it:
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// use odegrad::Error;
    /// let mut slots = [Slot::EMPTY; 4];
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// let mut x = 1.01f64;
    /// for _ in 0..8 {
    ///     schedule.record(&x);
    ///     x *= x;
    /// }
    /// // ∂x_8/∂x_0 = Π 2·x_k.
    /// let mut bar = 1.0;
    /// let mut step = |_k: usize, x: &f64| Ok::<_, Error>(x * x);
    /// let stats = schedule.reverse(&mut step, &mut |_k: usize, x: &f64| { bar *= 2.0 * x; Ok(()) })?;
    /// let exact = 256.0 * 1.01f64.powi(255); // x_8 = x_0^256
    /// assert!((bar - exact).abs() < 1e-12 * exact);
    /// assert_eq!(stats.recomputed_steps, 8 - 4); // n − C below β(4, 2) = 15
    /// # Ok::<(), Error>(())
    /// ```
    pub fn record(&mut self, state: &P)
    where
        P: Clone,
    {
        if let Some((index, level)) = self.place() {
            self.store(index, level, state.clone());
        }
    }

    /// Runs the forward sweep from `init` until `done(k, x_k)` is true,
    /// recording every state, and returns the final state `x_n`.
    ///
    /// States are moved into their slots, never copied.
    ///
    /// # Errors
    ///
    /// The first error of `forward`.
    ///
    /// # Examples
    ///
    /// A sweep whose length is decided by the states: double from 1 until the
    /// state exceeds 1000, which takes ten steps:
    ///
    /// ```
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// let mut slots = [Slot::EMPTY; 3];
    /// let mut schedule = OnlineCheckpointer::new(&mut slots)?;
    /// let mut double = |_k: usize, x: &u32| Ok::<_, odegrad::Error>(2 * x);
    /// let last = schedule.sweep(1, &mut double, |_k, x| *x > 1000)?;
    /// assert_eq!((last, schedule.forward_steps()), (1024, 10));
    /// # Ok::<(), odegrad::Error>(())
    /// ```
    pub fn sweep<F, D>(&mut self, init: P, forward: &mut F, mut done: D) -> Result<P, Error>
    where
        F: StepForward<P>,
        D: FnMut(usize, &P) -> bool,
    {
        let mut state = init;
        while !done(self.recorded, &state) {
            let next = forward.step_forward(self.recorded, &state)?;
            if let Some((index, level)) = self.place() {
                self.store(index, level, state);
            }
            state = next;
        }
        Ok(state)
    }

    /// Decides where `x_k`, `k = self.recorded`, goes: `Some((slot, level))`
    /// or `None` to drop it. Advances the step counter.
    fn place(&mut self) -> Option<(usize, u32)> {
        let k = self.recorded;
        self.recorded = k.saturating_add(1);
        if k < self.sw_end {
            self.place_stumm_walther(k)
        } else {
            self.place_wang_moin_iaccarino()
        }
    }

    /// Stumm and Walther's Algorithm I for state `k < β(C, 2) − 1`.
    fn place_stumm_walther(&mut self, k: usize) -> Option<(usize, u32)> {
        if k == 0 {
            // The first phase stores x_0 … x_{C−1} in slots 0 … C−1.
            self.window = self.capacity();
            self.remaining = self.window - 1;
            self.cursor = 1;
            return Some((0, u32::MAX));
        }
        if self.remaining == 0 {
            // End of a phase: skip this state. The oldest state of the
            // window (in the slot numbered like the window width) is frozen,
            // and the next, narrower phase overwrites the newest first.
            self.window = self.window.saturating_sub(1);
            self.remaining = self.window;
            self.cursor = self.window;
            return None;
        }
        let index = self.cursor;
        self.remaining -= 1;
        self.cursor = if self.cursor >= self.window {
            1
        } else {
            self.cursor + 1
        };
        Some((index, 0))
    }

    /// Wang, Moin and Iaccarino's dynamic allocation for later states.
    fn place_wang_moin_iaccarino(&mut self) -> Option<(usize, u32)> {
        if self.used < self.capacity() {
            return Some((self.used, 0));
        }
        // The latest dispensable checkpoint gives way to a level-0 one.
        let mut latest_dispensable: Option<(usize, usize)> = None;
        let mut latest: Option<(usize, usize, u32)> = None;
        for (i, slot) in self.slots().iter().enumerate() {
            if slot.dispensable && latest_dispensable.is_none_or(|(_, s)| slot.step > s) {
                latest_dispensable = Some((i, slot.step));
            }
            if latest.is_none_or(|(_, s, _)| slot.step > s) {
                latest = Some((i, slot.step, slot.level));
            }
        }
        if let Some((index, _)) = latest_dispensable {
            return Some((index, 0));
        }
        // None is dispensable: the latest checkpoint moves up to the new state
        // one level higher, which makes every other checkpoint at its level or
        // below dispensable. x_0 (step 0) is never replaced.
        let (index, step, level) = latest?;
        if step == 0 {
            return None;
        }
        let used = self.used;
        for (i, slot) in self.slots.iter_mut().take(used).enumerate() {
            if i != index && slot.step != 0 && slot.level <= level {
                slot.dispensable = true;
            }
        }
        Some((index, level.saturating_add(1)))
    }

    /// Puts `state` (of step `self.recorded − 1`) into slot `index`, which
    /// is either a used slot or the first free one.
    fn store(&mut self, index: usize, level: u32, state: P) {
        let step = self.recorded.saturating_sub(1);
        if index > self.used {
            return;
        }
        if let Some(slot) = self.slots.get_mut(index) {
            if index == self.used {
                self.used += 1;
                self.high_water = self.high_water.max(self.used);
            }
            slot.put(step, level, state);
        }
    }

    /// Reverses the recorded steps, last first: `reverse` is called once for
    /// each step `k = n − 1, …, 0` with `x_k`; `forward` recomputes the states
    /// that were not kept.
    ///
    /// # Errors
    ///
    /// The first error of `forward` or `reverse`, after which the reversal
    /// stops. [`Error::CheckpointBufferTooSmall`] if no stored state precedes a
    /// step, which the schedule never produces.
    ///
    /// # Examples
    ///
    /// With a slot per step nothing is recomputed; with one slot everything is,
    /// `n(n − 1)/2` steps ([`super::binomial::min_recomputations`]):
    ///
    /// ```
    /// use odegrad::adjoint::binomial::min_recomputations;
    /// use odegrad::adjoint::checkpoint::{OnlineCheckpointer, Slot};
    /// use odegrad::Error;
    /// let mut step = |_k: usize, x: &u32| Ok::<_, Error>(x + 1);
    /// for capacity in [6, 1] {
    ///     let mut slots = [Slot::EMPTY; 6];
    ///     let mut schedule = OnlineCheckpointer::new(&mut slots[..capacity])?;
    ///     schedule.sweep(0, &mut step, |k, _| k == 6)?;
    ///     let stats = schedule.reverse(&mut step, &mut |k: usize, x: &u32| {
    ///         assert_eq!(*x as usize, k); // the exact state x_k
    ///         Ok(())
    ///     })?;
    ///     assert_eq!(Some(stats.recomputed_steps), min_recomputations(6, capacity));
    /// }
    /// assert_eq!(min_recomputations(6, 1), Some(15));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn reverse<F, B>(self, forward: &mut F, reverse: &mut B) -> Result<CheckpointStats, Error>
    where
        P: Clone,
        F: StepForward<P>,
        B: StepReverse<P>,
    {
        let capacity = self.slots.len();
        let missing = Error::CheckpointBufferTooSmall {
            needed: capacity.saturating_add(1),
            capacity,
        };
        let slots = self.slots;
        // Stored states first, by step: the buffer becomes a stack whose top
        // is the latest checkpoint, and the free slots follow it.
        let mut used = self.used;
        if let Some(stored) = slots.get_mut(..used) {
            stored.sort_unstable_by_key(|s| s.step);
        }
        let mut stats = CheckpointStats {
            forward_steps: self.recorded,
            recomputed_steps: 0,
            reverse_steps: 0,
            checkpoints_used: self.high_water,
            capacity,
        };

        let mut end = self.recorded;
        while let Some(target) = end.checked_sub(1) {
            let top = used.checked_sub(1).ok_or(missing)?;
            let slot = slots.get_mut(top).ok_or(missing)?;
            if slot.step > target {
                return Err(missing);
            }
            if slot.step == target {
                // The state is stored: hand it over and free the slot.
                let state = slot.state.take().ok_or(missing)?;
                used = top;
                reverse.step_reverse(target, &state)?;
            } else {
                let mut pos = slot.step;
                let mut state = slot.state.clone().ok_or(missing)?;
                while pos < target {
                    let len = end - pos;
                    let snaps = capacity - used + 1;
                    let advance = if snaps >= 2 && len >= 3 {
                        revolve_advance(len, snaps)
                    } else {
                        len - 1
                    };
                    for _ in 0..advance {
                        state = forward.step_forward(pos, &state)?;
                        pos += 1;
                    }
                    stats.recomputed_steps += advance;
                    if pos < target {
                        // snaps ≥ 2 here, so slot `used` is free.
                        let free = slots.get_mut(used).ok_or(missing)?;
                        match &mut free.state {
                            Some(stored) => stored.clone_from(&state),
                            None => free.state = Some(state.clone()),
                        }
                        free.step = pos;
                        used += 1;
                        stats.checkpoints_used = stats.checkpoints_used.max(used);
                    }
                }
                reverse.step_reverse(target, &state)?;
            }
            stats.reverse_steps += 1;
            end = target;
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjoint::binomial::repetition_number;

    /// Griewank's t(l, s) by its closed form.
    fn t(l: usize, s: usize) -> usize {
        let r = repetition_number(l, s).unwrap_or(usize::MAX);
        if r == 0 {
            return 0;
        }
        r * l - beta(s + 1, r - 1)
    }

    /// The reversal is optimal for the distribution the forward sweep left:
    /// its recomputation count is the sum of revolve's t(l_j, s_j) over the
    /// segments between checkpoints, segment j having C − j slots.
    #[test]
    fn reversal_is_revolve_between_checkpoints() {
        for capacity in 1..9usize {
            for n in 0..400usize {
                let mut slots = [Slot::<usize>::EMPTY; 8];
                let slots = &mut slots[..capacity];
                let mut schedule = OnlineCheckpointer::new(slots).unwrap();
                let mut forward = |_k: usize, x: &usize| -> Result<usize, Error> { Ok(x + 1) };
                let end = schedule.sweep(0, &mut forward, |k, _| k == n).unwrap();
                assert_eq!(end, n);
                let mut positions = [0usize; 8];
                let mut m = 0;
                for s in schedule.slots() {
                    if let Some(step) = s.step() {
                        positions[m] = step;
                        m += 1;
                    }
                }
                let positions = &mut positions[..m];
                positions.sort_unstable();
                let mut expected = 0;
                for j in 0..m {
                    let next = if j + 1 < m { positions[j + 1] } else { n };
                    expected += t(next - positions[j], capacity - j);
                }
                let mut reverse = |k: usize, x: &usize| -> Result<(), Error> {
                    assert_eq!(*x, k);
                    Ok(())
                };
                let stats = schedule.reverse(&mut forward, &mut reverse).unwrap();
                assert_eq!(stats.recomputed_steps, expected, "n = {n}, C = {capacity}");
                assert_eq!(stats.reverse_steps, n);
            }
        }
    }

    #[test]
    fn initial_state_is_never_overwritten() {
        let mut slots = [Slot::<usize>::EMPTY; 4];
        let mut schedule = OnlineCheckpointer::new(&mut slots).unwrap();
        for k in 0..2000 {
            schedule.record(&k);
            assert!(schedule.slots().iter().any(|s| s.step() == Some(0)));
        }
    }
}
