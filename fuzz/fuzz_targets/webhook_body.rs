//! Fuzz target `webhook_body`: see `tests::fuzz::webhook_body` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::webhook_body(data));
