//! The mechanism layer: everything that touches the hardware directly.
//!
//! This is where `unsafe` lives; every other module of the kernel is safe code
//! that decides what to do. Each `unsafe` block carries a `// SAFETY:` comment.

pub mod x86_64;
