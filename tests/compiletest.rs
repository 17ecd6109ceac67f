//! Rejected input: every unsupported construct is one compile error, at the
//! user's token, saying what is wrong and what is supported.
//!
//! Each case under `tests/ui/<category>/` has its expected compiler output
//! next to it (`.stderr`). After changing a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test compiletest` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
