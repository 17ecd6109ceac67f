// A tangent from an adjoint that computes reverse-mode gradients only.
use odegrad::adjoint::{jvp, RecursiveCheckpoint, Tangent};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, ConstantStepSize, OdeTerm, Tsit5};

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

fn main() {
    let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    let seed = Tangent { y0: SVector::from([1.0]), params: SVector::zeros(), t0: 0.0, t1: 0.0 };
    let _ = jvp(
        &RecursiveCheckpoint, &term, &Tsit5, &ConstantStepSize, 0.0, 1.0, Some(0.1),
        SVector::from([1.0]), &seed, &[], &mut [], &mut [], 100,
    );
}
