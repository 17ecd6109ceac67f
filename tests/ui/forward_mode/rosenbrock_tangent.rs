// Forward mode through Rodas5P, whose stages it does not differentiate.
use odegrad::adjoint::{jvp, Direct, Tangent};
use odegrad::nalgebra::SVector;
use odegrad::{ode_system, ConstantStepSize, OdeTerm, Rodas5P};

#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0]]
}

fn main() {
    let term = OdeTerm::new(&Decay, SVector::from([2.0]));
    let seed = Tangent { y0: SVector::from([1.0]), params: SVector::zeros(), t0: 0.0, t1: 0.0 };
    let _ = jvp(
        &Direct, &term, &Rodas5P, &ConstantStepSize, 0.0, 1.0, Some(0.1),
        SVector::from([1.0]), &seed, &[], &mut [], &mut [], 100,
    );
}
