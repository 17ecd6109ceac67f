//! Rejected input: every unsupported construct is one compile error, at the
//! user's token, saying what is wrong and what is supported. The
//! `forward_mode` category holds misuses of the runtime's types that must not
//! compile: tangents from a reverse-only adjoint or through a solver forward
//! mode cannot differentiate.
//!
//! Each case under `tests/ui/<category>/` has its expected compiler output
//! next to it (`.stderr`). After changing a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test compiletest` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
