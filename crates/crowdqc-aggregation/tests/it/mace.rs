//! MACE integration tests.

use crowdqc_aggregation::mace::{Mace, MaceMethod};
use crowdqc_core::estimator::{Estimator, FittedModel};
use crowdqc_testkit::fixtures::CATEGORICAL_WITH_GOLD;

use crate::glad::{dataset, gold_accuracy};

#[test]
#[ignore]
fn explore() {
    for name in CATEGORICAL_WITH_GOLD {
        let Some(m) = dataset(name) else { return };
        for method in [MaceMethod::VariationalBayes, MaceMethod::Em] {
            let t = std::time::Instant::now();
            let model = Mace::params().method(method).fit(&m).unwrap();
            eprintln!(
                "{name} {method:?}: acc {:.6} iters {} conv {} best {} {:?} {:?}",
                gold_accuracy(&m, &model.labels()),
                model.fit_report().iterations,
                model.fit_report().converged,
                model.best_restart(),
                &model.restart_objectives()[..3],
                t.elapsed()
            );
        }
    }
}

#[test]
#[ignore]
fn explore_product() {
    let Some(m) = dataset("zheng2017-product") else {
        return;
    };
    for (restarts, iters, tol) in [(1, 50, 1e-12), (1, 200, 1e-12), (10, 50, 1e-7)] {
        for method in [MaceMethod::VariationalBayes, MaceMethod::Em] {
            let model = Mace::params()
                .method(method)
                .n_restarts(restarts)
                .max_iter(iters)
                .tol(tol)
                .fit(&m)
                .unwrap();
            let labels = model.labels();
            let ones = labels.iter().filter(|&&l| l == 1).count();
            eprintln!(
                "{restarts} {iters} {method:?}: acc {:.6} ones {ones} obj {:?} spam mean {:.3}",
                gold_accuracy(&m, &labels),
                model.fit_report().objective.last(),
                model.spamming().mean().unwrap()
            );
        }
    }
}
