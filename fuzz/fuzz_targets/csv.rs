//! Fuzz target `csv`: see ../README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    crowdqc_fuzz::entries::csv(data);
});
