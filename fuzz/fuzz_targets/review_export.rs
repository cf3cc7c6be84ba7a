#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mamoru::fuzz::review_export(data));
