//! Builds the runtime and a generated `f32` system under `#![no_std]`.
#![no_std]
