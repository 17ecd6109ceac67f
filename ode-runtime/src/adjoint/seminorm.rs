//! The adjoint seminorm of Kidger, Chen and Lyons, "“Hey, that's not an
//! ODE”: Faster ODE Adjoints via Seminorms" (ICML 2021).
//!
//! The backward system of the continuous adjoint integrates `(y, a, a_p)`.
//! The parameter cotangent `a_p` is a plain integral: no other component
//! depends on it, so an error in it never feeds back into the solution and
//! only has to be small at the end, not controlled step by step. Leaving it
//! out of the error norm lets the controller take the steps `(y, a)` allow,
//! which the paper reports saves a median 40% of the backward evaluations.
//! Diffrax calls this norm `adjoint_rms_seminorm`.
//!
//! # Examples
//!
//! The backward pass of a Lotka–Volterra gradient with and without the
//! seminorm: the same gradient to the tolerance, in no more steps.
//!
//! ```
//! use odegrad::adjoint::{AdjointRmsSeminorm, BacksolveAdjoint, BacksolveConfig};
//! use odegrad::{nalgebra::SVector, ode_system, OdeTerm, PidController, Tsit5};
//!
//! #[ode_system]
//! fn lotka_volterra(_t: f64, y: &[f64; 2], p: &[f64; 4]) -> [f64; 2] {
//!     [p[0] * y[0] - p[1] * y[0] * y[1], -p[2] * y[1] + p[3] * y[0] * y[1]]
//! }
//! let term = OdeTerm::new(&LotkaVolterra, SVector::from([1.5, 1.0, 3.0, 1.0]));
//! let pid = PidController::new(1e-8, 1e-8)?;
//! let semi = pid.with_norm(AdjointRmsSeminorm);
//! let (y0, y1_bar) = (SVector::from([1.0, 1.0]), SVector::from([1.0, 1.0]));
//! let solve = || BacksolveAdjoint::forward(&term, &Tsit5, &pid, 0.0, 5.0, None, y0, &[],
//!     &mut [], 10_000, &mut []);
//! let full = solve()?.backward_with(
//!     &BacksolveConfig { solver: &Tsit5, controller: &pid, dt0: None, max_steps: 10_000 },
//!     &[], &y1_bar)?;
//! let seminorm = solve()?.backward_with(
//!     &BacksolveConfig { solver: &Tsit5, controller: &semi, dt0: None, max_steps: 10_000 },
//!     &[], &y1_bar)?;
//! assert!((full.params - seminorm.params).norm() < 1e-5 * full.params.norm());
//! assert!(seminorm.stats.backward.num_steps <= full.stats.backward.num_steps);
//! # Ok::<(), odegrad::Error>(())
//! ```

use crate::controller::ErrorNorm;
use crate::{Scalar, State};

/// The root-mean-square norm over `(y, a)` of an augmented adjoint state
/// `(y, a, a_p)`, leaving out `a_p` (Diffrax's `adjoint_rms_seminorm`). Use
/// it as the norm of the backward pass's [`crate::PidController`].
///
/// # Examples
///
/// ```
/// use odegrad::adjoint::AdjointRmsSeminorm;
/// use odegrad::controller::{ErrorNorm, RmsNorm};
/// use odegrad::nalgebra::SVector;
/// type V1 = SVector<f64, 1>;
/// let err = (V1::from([3.0]), V1::from([4.0]), SVector::<f64, 3>::from([1e9; 3]));
/// let z = (V1::zeros(), V1::zeros(), SVector::<f64, 3>::zeros());
/// // sqrt((9 + 16) / 2): the huge a_p error is not seen.
/// let n = AdjointRmsSeminorm.scaled_norm(&err, &z, &z, 0.0, 1.0);
/// assert!((n - 12.5f64.sqrt()).abs() < 1e-12);
/// assert!(RmsNorm.scaled_norm(&err, &z, &z, 0.0, 1.0) > 1e8);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdjointRmsSeminorm;

impl<T: Scalar, Y: State<T>, A: State<T>, P: State<T>> ErrorNorm<T, (Y, A, P)>
    for AdjointRmsSeminorm
{
    #[inline(always)]
    fn scaled_norm(&self, err: &(Y, A, P), y0: &(Y, A, P), y1: &(Y, A, P), rtol: T, atol: T) -> T {
        let dim = Y::DIM + A::DIM;
        if dim == 0 {
            return T::zero();
        }
        let sum = Y::scaled_sq_sum(&err.0, &y0.0, &y1.0, rtol, atol)
            + A::scaled_sq_sum(&err.1, &y0.1, &y1.1, rtol, atol);
        (sum / T::cast(dim as f64)).sqrt()
    }
}
