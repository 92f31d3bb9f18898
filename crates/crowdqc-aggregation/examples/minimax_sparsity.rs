//! How sparse minimax's posteriors are (issue 11, session 9): the weights `μ_i(k)` of
//! the (judgment, true class) rows of every pass, after outer iterations 1, 2, 3 (bench
//! data) or 1, 2, 50 (every categorical fixture with gold).
//!
//! `cargo run --release -p crowdqc-aggregation --example minimax_sparsity [synth]`
//! (`CROWDQC_DATA` names the fixtures). Prints, per dataset and iteration, the share
//! of posterior cells in each absolute range, the share of cells below `1e-12` of
//! their item's largest posterior, and the share of (judgment, class) rows whose
//! weight is that small.
#![allow(missing_docs)]

use crowdqc_aggregation::minimax::Minimax;
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::fixtures::{CATEGORICAL_WITH_GOLD, dataset_dir, load_dataset};
use crowdqc_testkit::synth::speed_matrix;

/// Upper edges of the absolute ranges (the last bin: exactly 1).
const EDGES: [f64; 9] = [1e-12, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1.0];

fn report(name: &str, m: &JudgmentMatrix, it: usize) {
    let model = Minimax::params()
        .max_iter(it)
        .tol(1e-300)
        .fit(m)
        .expect("fit");
    let p = model.posteriors();
    let mut bins = [0usize; 11];
    let (mut rel_small, mut rows_small, mut rows) = (0usize, 0usize, 0usize);
    for (i, row) in p.rows().into_iter().enumerate() {
        let mx = row.iter().copied().fold(0.0, f64::max);
        let nj = m.item_count(i as u32);
        for &v in row.iter() {
            let b = if v == 0.0 {
                0
            } else {
                1 + EDGES.iter().position(|&e| v < e).unwrap_or(EDGES.len())
            };
            bins[b] += 1;
            rows += nj;
            if v < 1e-12 * mx {
                rel_small += 1;
                rows_small += nj;
            }
        }
    }
    let cells = p.len() as f64;
    let pct: Vec<String> = bins
        .iter()
        .map(|&c| format!("{:.1}", 100.0 * c as f64 / cells))
        .collect();
    println!(
        "{name} it={it} K={} items={} | % cells =0 <1e-12 <1e-8 <1e-7 <1e-6 <1e-5 <1e-4 \
         <1e-3 <1e-2 <1 =1: {} | below 1e-12 x max: {:.1}% of cells, {:.1}% of \
         (judgment, class) rows",
        p.ncols(),
        p.nrows(),
        pct.join(" "),
        100.0 * rel_small as f64 / cells,
        100.0 * rows_small as f64 / rows.max(1) as f64
    );
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("synth") {
        for k in [2, 5] {
            let m = speed_matrix(1_000_000, k);
            for it in [1, 2, 3] {
                report("synth 1e6", &m, it);
            }
        }
        return;
    }
    for name in CATEGORICAL_WITH_GOLD {
        let Some(dir) = dataset_dir(name) else {
            continue;
        };
        let m = load_dataset(&dir, IngestOptions::default(), false);
        for it in [1, 2, 50] {
            report(name, &m, it);
        }
    }
}
