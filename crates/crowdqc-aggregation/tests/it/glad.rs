//! GLAD integration tests. Also holds the helpers shared by the GLAD / MACE / KOS /
//! MMSR test modules (`pub(crate)`).

use crowdqc_aggregation::glad::Glad;
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::fixtures::{CATEGORICAL_WITH_GOLD, dataset_dir, load_dataset};

/// Loads a real dataset with its gold, or `None` when the data folder is absent.
pub(crate) fn dataset(name: &str) -> Option<JudgmentMatrix> {
    let dir = dataset_dir(name)?;
    Some(load_dataset(&dir, IngestOptions::default(), true))
}

/// Accuracy of `labels` on the gold items of `m` (items with judgments).
pub(crate) fn gold_accuracy(m: &JudgmentMatrix, labels: &[u32]) -> f64 {
    let items = m.gold().items();
    let hits = items
        .iter()
        .filter(|&&i| m.gold().label(i) == Some(labels[i as usize]))
        .count();
    hits as f64 / items.len() as f64
}

#[test]
#[ignore]
fn explore() {
    for name in CATEGORICAL_WITH_GOLD {
        let Some(m) = dataset(name) else { return };
        let t = std::time::Instant::now();
        let model = Glad::params().fit(&m).unwrap();
        eprintln!(
            "{name}: acc {:.6} iters {} conv {} {:?}",
            gold_accuracy(&m, &model.labels()),
            model.fit_report().iterations,
            model.fit_report().converged,
            t.elapsed()
        );
    }
}
