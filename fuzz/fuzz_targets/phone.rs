//! Fuzz target `phone`: see `tests::fuzz::phone` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::phone(data));
