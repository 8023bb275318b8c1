//! Fuzz target `catalog_file`: see `tests::fuzz::catalog_file` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::catalog_file(data));
