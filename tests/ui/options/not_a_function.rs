use odegrad::ode_system;

#[ode_system]
struct Decay {
    rate: f64,
}

fn main() {}
