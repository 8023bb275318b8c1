//! Fuzz target `client_callback`: see `tests::fuzz::client_callback` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::client_callback(data));
