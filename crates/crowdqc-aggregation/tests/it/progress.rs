//! Progress reporting, interruption and stop reasons of every iterative method.

use std::sync::Mutex;
use std::sync::atomic::Ordering;

use crowdqc_aggregation::registry::{self, RunOptions};
use crowdqc_core::estimator::StopReason;
use crowdqc_core::progress::{InterruptFlag, NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix};

use crate::glad::synthetic;

/// Every method that iterates (KOS needs two classes: the data are binary).
const ITERATIVE: [&str; 7] = ["ds", "one-coin-ds", "glad", "mace", "kos", "mmsr", "zbs"];

fn data() -> JudgmentMatrix {
    synthetic(5, 300, 20, 5, 2).0
}

/// What a [`Recorder`] saw: the `start` calls, the units advanced, the `finish` calls.
type Log = (Vec<(String, Option<u64>)>, u64, usize);

/// Records what a fit reports; interrupts after `stop_after` units when set.
#[derive(Default)]
struct Recorder {
    log: Mutex<Log>,
    stop_after: Option<u64>,
}

impl Recorder {
    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .expect("no test thread panicked holding the log")
    }
}

impl Progress for Recorder {
    fn start(&self, what: &str, total: Option<u64>) {
        self.log().0.push((what.to_string(), total));
    }
    fn advance(&self, n: u64) {
        self.log().1 += n;
    }
    fn finish(&self) {
        self.log().2 += 1;
    }
    fn interrupted(&self) -> bool {
        self.stop_after.is_some_and(|s| self.log().1 >= s)
    }
}

#[test]
fn a_set_interrupt_flag_stops_every_iterative_method() {
    let m = data();
    let flag = InterruptFlag::new();
    flag.handle().store(true, Ordering::Relaxed);
    for name in ITERATIVE {
        match registry::fit_with_progress(name, &m, &RunOptions::default(), &flag) {
            Err(Error::Interrupted) => {}
            Err(e) => panic!("{name}: {e}"),
            Ok(_) => panic!("{name}: not interrupted"),
        }
    }
    // closed-form methods have no iteration boundary and finish
    assert!(registry::fit_with_progress("mv", &m, &RunOptions::default(), &flag).is_ok());
}

#[test]
fn an_interruption_mid_fit_stops_at_the_next_iteration() {
    let m = data();
    for name in ITERATIVE {
        let rec = Recorder {
            stop_after: Some(2),
            ..Recorder::default()
        };
        let r = registry::fit_with_progress(name, &m, &RunOptions::default(), &rec);
        assert!(matches!(r, Err(Error::Interrupted)), "{name}");
        let log = rec.log();
        // stopped right after the second unit, and told the caller it finished
        assert_eq!(log.1, 2, "{name}");
        assert_eq!(log.2, 1, "{name}: finish");
    }
}

#[test]
fn progress_changes_nothing_and_counts_iterations() {
    let m = data();
    for name in ITERATIVE {
        let opts = RunOptions::default();
        let plain = registry::fit(name, &m, &opts).unwrap();
        let rec = Recorder::default();
        let watched = registry::fit_with_progress(name, &m, &opts, &rec).unwrap();
        let quiet = registry::fit_with_progress(name, &m, &opts, &NoProgress).unwrap();
        for other in [&watched, &quiet] {
            // bit-identical
            assert_eq!(plain.posteriors(), other.posteriors(), "{name}");
            assert_eq!(plain.fit_report(), other.fit_report(), "{name}");
            let (a, b) = (plain.worker_accuracy(), other.worker_accuracy());
            assert!(
                a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{name}"
            );
        }
        let log = rec.log();
        assert_eq!(log.0.len(), 1, "{name}: one start");
        assert_eq!(log.2, 1, "{name}: one finish");
        let total = log.0[0].1.expect("iterative methods announce a total");
        let iterations = plain.fit_report().iterations as u64;
        if name == "mace" {
            // every restart's iterations count (10 restarts × 500)
            assert_eq!(total, 5000);
            assert_eq!(log.1, total, "{name}");
        } else {
            assert_eq!(log.1, iterations, "{name}");
            assert!(iterations <= total, "{name}");
        }
    }
}

#[test]
fn stop_reasons_of_the_other_methods() {
    let m = data();
    let fit = |name: &str, max_iter: Option<usize>| {
        let opts = RunOptions {
            max_iter,
            ..RunOptions::default()
        };
        registry::fit(name, &m, &opts).unwrap()
    };
    for name in ["mv", "wawa", "gold-mv"] {
        let model = registry::fit(
            name,
            &m,
            &RunOptions {
                use_gold: true,
                ..RunOptions::default()
            },
        );
        if let Ok(model) = model {
            let r = model.fit_report();
            assert_eq!(r.stop_reason, StopReason::ClosedForm, "{name}");
            assert!(r.converged);
        }
    }
    // objective-based methods stop when it rose by less than tol (default tolerances)
    for (name, tol) in [("glad", 1e-5), ("mace", 1e-7), ("ds", 1e-5)] {
        let r = fit(name, None).fit_report().clone();
        let o = &r.objective;
        let (a, b) = (o[o.len() - 2], o[o.len() - 1]);
        let want = if b < a {
            StopReason::ObjectiveDecreased
        } else {
            StopReason::Converged
        };
        assert!(b - a < tol, "{name}: {a} -> {b}");
        assert_eq!(r.stop_reason, want, "{name}");
        assert_eq!(r.converged, want == StopReason::Converged, "{name}");
        let one = fit(name, Some(1)).fit_report().clone();
        assert_eq!(
            (one.stop_reason, one.converged, one.iterations),
            (StopReason::MaxIterations, false, 1),
            "{name}"
        );
    }
    // M-MSR stops when the rank-one iterate moves by less than tol
    let r = fit("mmsr", None).fit_report().clone();
    assert_eq!(r.stop_reason, StopReason::Converged);
    assert!(*r.objective.last().unwrap() < 1e-5);
    // zero-based skill runs its n_iter steps without a stopping rule
    let r = fit("zbs", Some(7)).fit_report().clone();
    assert_eq!(
        (r.stop_reason, r.iterations),
        (StopReason::MaxIterations, 7)
    );
    assert!(!r.converged);
}
