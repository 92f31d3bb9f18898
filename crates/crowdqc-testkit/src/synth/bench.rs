//! The seeded matrices of the aggregation speed targets, shared by the criterion
//! benches, the profiling example and the tests that use the same data.

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};

use super::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

/// `n_judgments` from the seeded generator (seed 42): `k` classes, redundancy 5 and
/// `n_judgments / 1000` workers (between 50 and 20,000) — the data of the aggregation
/// benches (`minimax_vs_ds_1e6`, `ds_kernel_1e7_k5`, ...).
///
/// # Panics
/// If the generator rejects the configuration (`k < 2`).
#[must_use]
pub fn speed_matrix(n_judgments: u64, k: usize) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed: 42,
        n_workers: (n_judgments / 1000).clamp(50, 20_000) as usize,
        n_classes: k,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(n_judgments);
    SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

/// Many tiny workers (issue 12, F9): items of redundancy 10, two classes, seeded
/// 70%-accurate answers, from `n_workers` workers in turn, or (`None`) every judgment
/// from its own worker.
///
/// # Panics
/// Never for `n_workers != Some(0)`.
#[must_use]
pub fn tiny_workers_matrix(n_judgments: u64, n_workers: Option<u64>) -> JudgmentMatrix {
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("options");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for j in 0..n_judgments {
        let item = (j / 10) as i64;
        let worker = n_workers.map_or(j, |w| j % w) as i64;
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let truth = item % 2;
        let label = if state % 10 < 7 { truth } else { 1 - truth };
        b.push_row(IdRef::Int(item), IdRef::Int(worker), IdRef::Int(label))
            .expect("row");
    }
    b.finish().expect("matrix")
}
