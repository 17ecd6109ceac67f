//! Binomial counting for checkpointed reversal: how many steps a number of
//! checkpoints can reverse, what the reversal costs, and where revolve places
//! its next checkpoint.
//!
//! Everything here follows from Griewank's binomial theorem of checkpointing
//! (A. Griewank, "Achieving logarithmic growth of temporal and spatial
//! complexity in reverse automatic differentiation", Optim. Methods Softw. 1,
//! 1992; A. Griewank and A. Walther, "Algorithm 799: revolve", ACM TOMS 26(1),
//! 2000): with `c` checkpoints and every step evaluated at most `r` times
//! before its reverse, at most `β(c, r) = C(c + r, c)` steps can be reversed,
//! and reversing `l` steps takes at least
//! `t(l, c) = r·l − β(c + 1, r − 1)` forward steps, `r` being the smallest
//! integer with `l ≤ β(c, r)`.
//!
//! All arithmetic saturates at `usize::MAX` instead of overflowing: the values
//! are compared with step counts, and a binomial larger than any step count is
//! as good as infinite.
//!
//! # Examples
//!
//! The fewest recomputations for `n` steps with `c` slots is Griewank's
//! `t(n + 1, c) − n`, with `t(l, c) = r·l − β(c + 1, r − 1)` and `r` the
//! repetition number of `l` steps:
//!
//! ```
//! use odegrad::adjoint::binomial::{beta, min_recomputations, repetition_number};
//! let (n, c) = (40, 3);
//! let l = n + 1;
//! let r = repetition_number(l, c).expect("c > 0");
//! assert_eq!(r, 5); // β(3, 4) = 35 < 41 ≤ β(3, 5) = 56
//! assert!(beta(c, r - 1) < l && l <= beta(c, r));
//! let t = r * l - beta(c + 1, r - 1); // 5·41 − 70
//! assert_eq!(min_recomputations(n, c), Some(t - n));
//! assert_eq!(t - n, 95);
//! ```

/// `β(c, r) = C(c + r, c)`, saturating at `usize::MAX`.
///
/// The number of steps `c` checkpoints can reverse when every step may be
/// evaluated at most `r` times before its reverse (Griewank 1992).
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::binomial::beta;
/// assert_eq!(beta(3, 2), 10);
/// assert_eq!(beta(0, 5), 1);
/// assert_eq!(beta(4, 0), 1);
/// assert_eq!(beta(1000, 1000), usize::MAX); // saturates
/// ```
pub fn beta(c: usize, r: usize) -> usize {
    beta_capped(c, r, usize::MAX)
}

/// `min(β(c, r), cap)`, computed without overflow and stopping early once the
/// cap is reached.
fn beta_capped(c: usize, r: usize, cap: usize) -> usize {
    // Build C(c + k, k) for k = 0..=r; each partial product is exact:
    // C(c + k, k) = C(c + k − 1, k − 1) · (c + k) / k.
    let cap = cap as u128;
    let mut b: u128 = 1;
    let mut k: u128 = 1;
    while k <= r as u128 {
        if b >= cap {
            return cap as usize;
        }
        // b < cap ≤ 2^64 and c + k < 2^65, so the product fits in u128.
        b = b * (c as u128 + k) / k;
        k += 1;
    }
    b.min(cap) as usize
}

/// The smallest `r` with `l ≤ β(s, r)`, and `β(s, r − 2)` beside it (zero
/// when `r < 2`), for `s ≥ 1`.
fn repetition_and_beta_below(l: usize, s: usize) -> (usize, usize) {
    let mut r = 0usize;
    let mut b = 1usize; // β(s, r)
    let mut below1 = 0usize; // β(s, r − 1)
    let mut below2 = 0usize; // β(s, r − 2)
    while b < l {
        r += 1;
        below2 = below1;
        below1 = b;
        b = beta_capped(s, r, usize::MAX);
    }
    (r, below2)
}

/// The repetition number: the smallest `r` with `n ≤ β(c, r)`, or `None`
/// when `c = 0` and `n > 1` (no number of repetitions suffices).
///
/// With `c` checkpoints, no reversal of `n` steps evaluates every step at most
/// `r − 1` times before its reverse (counting the first sweep). Wang, Moin and
/// Iaccarino's dynamic checkpointing keeps every step's recomputation count at
/// or below this number while `n` grows.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::binomial::repetition_number;
/// assert_eq!(repetition_number(10, 3), Some(2)); // β(3, 2) = 10
/// assert_eq!(repetition_number(11, 3), Some(3));
/// assert_eq!(repetition_number(5, 0), None);
/// ```
pub fn repetition_number(n: usize, c: usize) -> Option<usize> {
    if n <= 1 {
        return Some(0);
    }
    if c == 0 {
        return None;
    }
    Some(repetition_and_beta_below(n, c).0)
}

/// The fewest recomputed steps with which any schedule — online or offline —
/// can reverse `n` steps after a forward sweep of those `n` steps, holding at
/// most `c` states at a time, the initial state among them; `None` when
/// `c = 0` and `n ≥ 1`.
///
/// This is the count the online schedule of [`super::checkpoint`] is measured
/// against. A forward sweep of `n` steps followed by a reversal is revolve's
/// problem for `n + 1` steps whose last step is free, so the minimum is
/// `t(n + 1, c) − n = ρ·(n + 1) − β(c + 1, ρ) + 1` with `ρ` the smallest
/// integer with `n + 1 ≤ β(c, ρ + 1)`. It is zero for `n ≤ c`, `n − c` for
/// `c < n < β(c, 2)` and `n(n − 1)/2` for `c = 1`.
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::binomial::min_recomputations;
/// assert_eq!(min_recomputations(8, 8), Some(0));
/// assert_eq!(min_recomputations(9, 3), Some(6)); // n − c below β(3, 2) = 10
/// assert_eq!(min_recomputations(10, 3), Some(8));
/// assert_eq!(min_recomputations(6, 1), Some(15));
/// assert_eq!(min_recomputations(1, 0), None);
/// ```
pub fn min_recomputations(n: usize, c: usize) -> Option<usize> {
    if n == 0 {
        return Some(0);
    }
    if c == 0 {
        return None;
    }
    let states = n.saturating_add(1);
    let (r, _) = repetition_and_beta_below(states, c);
    // ρ = r − 1 ≥ 0 because states ≥ 2 > β(c, 0) = 1.
    let rho = r - 1;
    let total = (rho as u128) * (states as u128) + 1;
    let saved = beta(c + 1, rho) as u128;
    Some(total.saturating_sub(saved).min(usize::MAX as u128) as usize)
}

/// How far revolve advances from a checkpoint before it stores the next one,
/// when `len ≥ 2` steps starting at that checkpoint are still to be reversed
/// and `snaps ≥ 2` checkpoint slots are available, the one holding the start
/// included.
///
/// Returns `m` with `1 ≤ m ≤ len − 1` such that reversing the last `len − m`
/// steps with `snaps − 1` slots and then the first `m` with `snaps` slots costs
/// exactly `t(len, snaps)`: any `m` whose left part needs `r − 1` repetitions
/// with `snaps` slots and whose right part needs `r` with `snaps − 1` does;
/// `max(β(s, r − 2), l − β(s − 1, r))` is the smallest such `m`.
pub(crate) fn revolve_advance(len: usize, snaps: usize) -> usize {
    if len < 2 || snaps < 2 {
        return len.saturating_sub(1).max(1);
    }
    let (r, beta_r_minus_2) = repetition_and_beta_below(len, snaps);
    if r <= 1 {
        // Enough slots for every remaining state: store the next one.
        return 1;
    }
    let right = beta_capped(snaps - 1, r, len);
    let m = beta_r_minus_2.max(len - right);
    m.clamp(1, len - 1)
}

/// The default checkpoint count for a solve of at most `max_steps` steps: the
/// smallest `c ≥ 1` with `(c + 1)(c + 2)/2 > max_steps`, about
/// `√(2·max_steps)`.
///
/// With this many checkpoints every solve that stays within `max_steps` is in
/// the range where Stumm and Walther's online schedule is optimal, so no step
/// is recomputed more than once and the reversal recomputes `n − c` steps. It
/// is also what Diffrax's code uses (its documentation says `log(max_steps)`,
/// which would make steps recompute many times).
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::binomial::default_checkpoint_count;
/// assert_eq!(default_checkpoint_count(4096), 90);
/// assert_eq!(default_checkpoint_count(1), 1);
/// assert_eq!(default_checkpoint_count(0), 1);
///
/// // A `const fn`: it sizes a checkpoint buffer at compile time.
/// use odegrad::adjoint::checkpoint::Slot;
/// # type P = ();
/// let slots: [Slot<P>; default_checkpoint_count(4096)] = [Slot::EMPTY; default_checkpoint_count(4096)];
/// assert_eq!(slots.len(), 90);
/// ```
pub const fn default_checkpoint_count(max_steps: usize) -> usize {
    // β(c, 2) = (c + 1)(c + 2)/2 in u128, which cannot overflow for c near
    // √(2·usize::MAX). Start at ⌊√(2·max_steps)⌋, within two of the answer,
    // and correct by walking. A `const fn`, so a buffer can be sized by it:
    // `[Slot::EMPTY; default_checkpoint_count(4096)]`.
    const fn beta2(c: u128) -> u128 {
        (c + 1) * (c + 2) / 2
    }
    let m = max_steps as u128;
    let mut c = isqrt(2 * m);
    if c < 1 {
        c = 1;
    }
    while c > 1 && beta2(c - 1) > m {
        c -= 1;
    }
    while beta2(c) <= m {
        c += 1;
    }
    c as usize
}

/// ⌊√x⌋ by Newton's iteration on integers.
const fn isqrt(x: u128) -> u128 {
    if x < 2 {
        return x;
    }
    let mut r = x;
    let mut next = (r + x / r) / 2;
    while next < r {
        r = next;
        next = (r + x / r) / 2;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// t(l, s) by Griewank's closed form, for l ≥ 1, s ≥ 1.
    fn t(l: usize, s: usize) -> usize {
        let r = repetition_number(l, s).unwrap_or(usize::MAX);
        if r == 0 {
            return 0;
        }
        r * l - beta(s + 1, r - 1)
    }

    #[test]
    fn beta_matches_pascal_triangle() {
        for c in 0..20 {
            for r in 1..20 {
                let pascal = beta(c, r - 1) + if c > 0 { beta(c - 1, r) } else { 0 };
                assert_eq!(beta(c, r), pascal, "c = {c}, r = {r}");
            }
        }
    }

    #[test]
    fn revolve_advance_splits_optimally() {
        // The advance must make the recursion cost exactly t(l, s).
        for s in 2..12 {
            for l in 2..300 {
                let m = revolve_advance(l, s);
                assert!((1..l).contains(&m), "l = {l}, s = {s}, m = {m}");
                let cost = m + t(l - m, s - 1) + t(m, s);
                assert_eq!(cost, t(l, s), "l = {l}, s = {s}, m = {m}");
            }
        }
    }

    #[test]
    fn min_recomputations_is_revolve_with_one_free_step() {
        for c in 1..10 {
            for n in 1..200 {
                let expected = t(n + 1, c) - n;
                assert_eq!(min_recomputations(n, c), Some(expected), "n = {n}, c = {c}");
            }
        }
    }

    #[test]
    fn default_count_is_the_smallest_with_beta_two_above_max_steps() {
        for max_steps in 0..5000 {
            let c = default_checkpoint_count(max_steps);
            assert!(beta(c, 2) > max_steps);
            assert!(
                c == 1 || beta(c - 1, 2) <= max_steps,
                "max_steps = {max_steps}"
            );
        }
        assert!(beta(default_checkpoint_count(1 << 40), 2) > 1 << 40);
        let c = default_checkpoint_count(usize::MAX) as u128;
        assert!((c + 1) * (c + 2) / 2 > usize::MAX as u128);
        assert!(c * (c + 1) / 2 <= usize::MAX as u128);
    }
}
