//! Cross-crate integration tests live in `tests/tests/`; this library is empty
//! so that the folder can be a workspace member with its own test binaries.
#![forbid(unsafe_code)]
