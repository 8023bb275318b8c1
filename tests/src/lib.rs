//! Cross-crate integration tests live in `tests/tests/`. The library holds
//! the fuzz harnesses ([`fuzz`]): one function per target, called both by
//! the libFuzzer targets in `fuzz/` and by `tests/tests/fuzz_corpus.rs`,
//! which replays every stored corpus input under plain `cargo test`.
#![forbid(unsafe_code)]

pub mod fuzz;
