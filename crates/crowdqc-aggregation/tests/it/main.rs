//! Integration tests of crowdqc-aggregation (one binary).

mod ebcc;
mod glad;
mod kos;
mod mace;
mod mmsr;

mod auto;
mod minimax;
mod tiny_mmsr;
mod tiny_workers;

mod accuracy;
mod bad_input;
mod limits;
mod parity;
mod progress;
mod props;
mod reference;
mod support;
mod votes;

mod distributed;
mod distributed_stream;
mod state;
mod streamed;
