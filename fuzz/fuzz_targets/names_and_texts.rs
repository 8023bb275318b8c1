//! Fuzz target `names_and_texts`: see `tests::fuzz::names_and_texts` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tests::fuzz::names_and_texts(data));
