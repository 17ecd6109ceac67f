use odegrad::ode_system;

// An integer where a float is expected. (Written as a function argument:
// `x * 2` gives the same error from the macro, but rustc's own error for it
// lists every `Mul` impl of the dependency graph, which makes a brittle
// snapshot.)
#[ode_system]
fn decay(_t: f64, y: &[f64; 1], p: &[f64; 1]) -> [f64; 1] {
    [-p[0] * y[0].powf(2)]
}

fn main() {}
