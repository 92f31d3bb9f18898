//! Fuzz target `ipc_stream`: see ../README.md.
#![no_main]

libfuzzer_sys::fuzz_target!(init: crowdqc_fuzz::entries::init(), |data: &[u8]| {
    crowdqc_fuzz::entries::ipc_stream(data);
});
