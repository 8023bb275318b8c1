//! Fuzz target `admin_callback`: see `tests::fuzz::admin_callback` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::admin_callback(data));
