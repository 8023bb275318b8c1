//! Fuzz target `config_file`: see `tests::fuzz::config_file` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::config_file(data));
