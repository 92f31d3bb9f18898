//! MMSR integration tests.

use crowdqc_aggregation::mmsr::Mmsr;
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::fixtures::CATEGORICAL_WITH_GOLD;

use crate::glad::{dataset, gold_accuracy};

#[test]
#[ignore]
fn explore() {
    for name in CATEGORICAL_WITH_GOLD {
        let Some(m) = dataset(name) else { return };
        match Mmsr::params().fit(&m) {
            Ok(model) => eprintln!(
                "{name}: acc {:.6} conv {} iters {} {:?}",
                gold_accuracy(&m, &model.labels()),
                model.fit_report().converged,
                model.fit_report().iterations,
                model.fit_report().objective.last()
            ),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
}
