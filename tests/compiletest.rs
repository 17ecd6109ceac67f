//! Rejected input: every unsupported construct is one compile error, at the
//! user's token, saying what is wrong and what is supported. The
//! `forward_mode` and `solver` categories hold misuses of the runtime's types
//! that must not compile, each with a message saying what to use instead:
//! tangents from a reverse-only adjoint or through a solver forward mode
//! cannot differentiate, an implicit solver given a term without a Jacobian,
//! BacksolveAdjoint asked to run an implicit solver on its augmented state.
//!
//! Each case under `tests/ui/<category>/` has its expected compiler output
//! next to it (`.stderr`). After changing a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test compiletest` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
