//! The discrete adjoint of one explicit Runge–Kutta step, stage by stage.
//!
//! An explicit step with `S` stages and step size `h` computes
//!
//! ```text
//! Yᵢ = y0 + h Σ_{j<i} a_ij k_j,   kᵢ = f(t0 + cᵢ h, Yᵢ),
//! y1 = y0 + h Σᵢ bᵢ kᵢ,           y(θ) = y0 + h Σᵢ wᵢ(θ) kᵢ,  θ = (t − t0)/h,
//! ```
//!
//! the last line being the continuous extension that produces outputs inside
//! the step, with `wᵢ(θ) = Σⱼ dense[i][j] θ^(j+1)`. Its reverse is reverse-mode
//! differentiation of exactly these formulas (Hairer, Nørsett and Wanner,
//! *Solving ODEs I*, §II.3, for the form; Sandu, "On the properties of
//! Runge–Kutta discrete adjoints", ICCS 2006, for the adjoint recurrence):
//! cotangents of `y1` and of the outputs `y(θ)` become cotangents `k̄ᵢ` of
//! the stage derivatives; then, last stage first, one vector–Jacobian product
//! of the vector field per stage pulls `k̄ᵢ` back to `Yᵢ`, the parameters and
//! the stage time, and `Ȳᵢ` flows on to `y0` and to the earlier stages through
//! `a`. A stage whose cotangent is exactly zero (a first-same-as-last stage
//! that neither `y1` nor any output uses) costs no product.
//!
//! The result is the gradient of the computed step itself, with respect to
//! `y0`, the parameters, `t0` and `h`. Whether `t0` and `h` carry gradient
//! further is the step loop's business: step-size decisions are not
//! differentiated, as in Diffrax.
//!
//! Nothing here allocates: the stages are `[Y; S]` arrays on the stack.

use crate::{Scalar, State, Term, VjpTerm};

/// The coefficients of an explicit Runge–Kutta method with `S` stages and a
/// continuous extension of degree `D`: everything the step and its adjoint
/// read.
///
/// # Examples
///
/// ```
/// use ode_runtime::adjoint::explicit_rk::RkCoefficients;
/// // Heun's method, with the quadratic through y0, f0 and y1 as its
/// // continuous extension: w(θ) = (θ − θ²/2, θ²/2).
/// const HEUN: RkCoefficients<2, 2> = RkCoefficients {
///     a: [[0.0, 0.0], [1.0, 0.0]],
///     b: [0.5, 0.5],
///     c: [0.0, 1.0],
///     dense: [[1.0, -0.5], [0.0, 0.5]],
/// };
/// assert!((HEUN.b.iter().sum::<f64>() - 1.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RkCoefficients<const S: usize, const D: usize> {
    /// The stage matrix, strictly lower triangular.
    pub a: [[f64; S]; S],
    /// The solution weights.
    pub b: [f64; S],
    /// The nodes.
    pub c: [f64; S],
    /// The continuous-extension weights: `wᵢ(θ) = Σⱼ dense[i][j] θ^(j+1)`.
    pub dense: [[f64; D]; S],
}

/// The stage inputs and derivatives of one step, recomputed from its start for
/// the reverse.
#[derive(Clone, Copy, Debug)]
pub struct RkStages<Y, const S: usize> {
    /// `Yᵢ = y0 + h Σ_{j<i} a_ij k_j`.
    pub inputs: [Y; S],
    /// `kᵢ = f(t0 + cᵢ h, Yᵢ)`.
    pub derivatives: [Y; S],
}

impl<const S: usize, const D: usize> RkCoefficients<S, D> {
    /// Runs the stages of a step of size `h` from `(t0, y0)`. `k0`, if given,
    /// is `f(t0, y0)` already known (first same as last) and saves one
    /// evaluation; it must be that value.
    pub fn stages<T, Y, Tm>(&self, term: &Tm, t0: T, h: T, y0: &Y, k0: Option<&Y>) -> RkStages<Y, S>
    where
        T: Scalar,
        Y: State<T>,
        Tm: Term<T, Y>,
    {
        let mut inputs = [*y0; S];
        let mut derivatives = [Y::zero(); S];
        for i in 0..S {
            let mut yi = *y0;
            for (&aij, kj) in self.a[i].iter().zip(derivatives.iter()).take(i) {
                if aij != 0.0 {
                    yi = yi.axpy(h * real::<T>(aij), kj);
                }
            }
            inputs[i] = yi;
            derivatives[i] = match (i, k0) {
                (0, Some(k)) => *k,
                _ => term.vf(t0 + real::<T>(self.c[i]) * h, &yi),
            };
        }
        RkStages {
            inputs,
            derivatives,
        }
    }

    /// The end of the step, `y1 = y0 + h Σᵢ bᵢ kᵢ`.
    pub fn end<T: Scalar, Y: State<T>>(&self, h: T, y0: &Y, stages: &RkStages<Y, S>) -> Y {
        let b = core::array::from_fn(|i| real::<T>(self.b[i]));
        combine(h, y0, &b, stages)
    }

    /// The continuous extension `y(θ) = y0 + h Σᵢ wᵢ(θ) kᵢ`.
    pub fn interpolate<T: Scalar, Y: State<T>>(
        &self,
        h: T,
        y0: &Y,
        stages: &RkStages<Y, S>,
        theta: T,
    ) -> Y {
        let w = self.dense_weights(theta);
        combine(h, y0, &w, stages)
    }

    /// `wᵢ(θ)` for every stage.
    fn dense_weights<T: Scalar>(&self, theta: T) -> [T; S] {
        let mut w = [T::zero(); S];
        for (wi, row) in w.iter_mut().zip(self.dense.iter()) {
            // Horner on Σⱼ dense[i][j] θ^(j+1).
            let mut acc = T::zero();
            for &d in row.iter().rev() {
                acc = (acc + real::<T>(d)) * theta;
            }
            *wi = acc;
        }
        w
    }

    /// `wᵢ'(θ)` for every stage.
    fn dense_weight_derivatives<T: Scalar>(&self, theta: T) -> [T; S] {
        let mut w = [T::zero(); S];
        for (wi, row) in w.iter_mut().zip(self.dense.iter()) {
            // Σⱼ (j + 1) dense[i][j] θ^j by Horner.
            let mut acc = T::zero();
            for (j, &d) in row.iter().enumerate().rev() {
                acc = acc * theta + real::<T>(d * (j as f64 + 1.0));
            }
            *wi = acc;
        }
        w
    }
}

/// A tableau coefficient in the solve's scalar type.
#[inline(always)]
fn real<T: Scalar>(x: f64) -> T {
    <T as Scalar>::from_f64(x)
}

/// `y0 + h Σᵢ wᵢ kᵢ`, skipping zero weights.
fn combine<T: Scalar, Y: State<T>, const S: usize>(
    h: T,
    y0: &Y,
    weights: &[T; S],
    stages: &RkStages<Y, S>,
) -> Y {
    let mut y = *y0;
    for (&w, k) in weights.iter().zip(stages.derivatives.iter()) {
        if w != T::zero() {
            y = y.axpy(h * w, k);
        }
    }
    y
}

/// Cotangents flowing back through one step: accumulate those of the step's
/// outputs with [`Self::add_end`] and [`Self::add_output`], then
/// [`Self::pull_back`] through the stages.
#[derive(Clone, Copy, Debug)]
pub struct RkCotangent<T, Y, const S: usize> {
    /// Cotangent of `y0` from the outputs directly (`y1` and `y(θ)` contain
    /// `y0` with weight one).
    y0: Y,
    /// Cotangents of the stage derivatives `kᵢ`.
    k: [Y; S],
    /// Cotangent of `t0` from the outputs (through `θ`).
    t0: T,
    /// Cotangent of `h` from the outputs.
    h: T,
}

/// The cotangents of a step's inputs.
#[derive(Clone, Copy, Debug)]
pub struct StepVjp<T, Y, P> {
    /// Of the state the step starts from.
    pub y0: Y,
    /// Of the term's parameters.
    pub params: P,
    /// Of the time the step starts at.
    pub t0: T,
    /// Of the step size.
    pub h: T,
}

impl<T: Scalar, Y: State<T>, const S: usize> Default for RkCotangent<T, Y, S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar, Y: State<T>, const S: usize> RkCotangent<T, Y, S> {
    /// No cotangent yet.
    pub fn new() -> Self {
        Self {
            y0: Y::zero(),
            k: [Y::zero(); S],
            t0: T::zero(),
            h: T::zero(),
        }
    }

    /// Adds the cotangent `y1_bar` of the step's end `y1`.
    pub fn add_end<const D: usize>(
        &mut self,
        method: &RkCoefficients<S, D>,
        h: T,
        stages: &RkStages<Y, S>,
        y1_bar: &Y,
    ) {
        self.y0 = self.y0.add(y1_bar);
        for i in 0..S {
            let bi = method.b[i];
            if bi != 0.0 {
                let bi = real::<T>(bi);
                self.k[i] = self.k[i].axpy(h * bi, y1_bar);
                self.h += bi * y1_bar.dot(&stages.derivatives[i]);
            }
        }
    }

    /// Adds the cotangent `y_bar` of the continuous extension `y(θ)` at
    /// `θ = (t − t0)/h`, for a fixed output time `t` inside the step (the
    /// output time itself is not differentiated; `t0` and `h` are, through
    /// `θ`).
    pub fn add_output<const D: usize>(
        &mut self,
        method: &RkCoefficients<S, D>,
        h: T,
        stages: &RkStages<Y, S>,
        theta: T,
        y_bar: &Y,
    ) {
        let w = method.dense_weights(theta);
        let dw = method.dense_weight_derivatives(theta);
        self.y0 = self.y0.add(y_bar);
        // dy/dθ = h Σᵢ wᵢ'(θ) kᵢ, and θ = (t − t0)/h.
        let mut dy_dtheta = T::zero();
        for i in 0..S {
            let kdot = y_bar.dot(&stages.derivatives[i]);
            if w[i] != T::zero() {
                self.k[i] = self.k[i].axpy(h * w[i], y_bar);
                self.h += w[i] * kdot;
            }
            dy_dtheta += dw[i] * kdot;
        }
        let theta_bar = h * dy_dtheta;
        // ∂θ/∂t0 = −1/h, ∂θ/∂h = −θ/h.
        self.t0 -= theta_bar / h;
        self.h -= theta_bar * theta / h;
    }

    /// Pulls the accumulated cotangents back through the stages, last first:
    /// one vector–Jacobian product of the term per stage with a nonzero
    /// cotangent. Returns the cotangents of `y0`, the parameters, `t0` and
    /// `h`, and the number of products taken.
    pub fn pull_back<Tm, const D: usize>(
        mut self,
        method: &RkCoefficients<S, D>,
        term: &Tm,
        t0: T,
        h: T,
        stages: &RkStages<Y, S>,
    ) -> (StepVjp<T, Y, Tm::Params>, u32)
    where
        Tm: VjpTerm<T, Y>,
    {
        let mut params = <Tm::Params as State<T>>::zero();
        let mut vjps = 0;
        for i in (0..S).rev() {
            let k_bar = self.k[i];
            if k_bar.max_abs() == T::zero() {
                continue;
            }
            let ci = real::<T>(method.c[i]);
            let (y_bar, p_bar, t_bar) = term.vjp(t0 + ci * h, &stages.inputs[i], &k_bar);
            vjps += 1;
            params = params.add(&p_bar);
            self.t0 += t_bar;
            self.h += ci * t_bar;
            self.y0 = self.y0.add(&y_bar);
            for j in 0..i {
                let aij = method.a[i][j];
                if aij != 0.0 {
                    let aij = real::<T>(aij);
                    self.k[j] = self.k[j].axpy(h * aij, &y_bar);
                    self.h += aij * y_bar.dot(&stages.derivatives[j]);
                }
            }
        }
        (
            StepVjp {
                y0: self.y0,
                params,
                t0: self.t0,
                h: self.h,
            },
            vjps,
        )
    }
}
