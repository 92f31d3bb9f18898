//! Bootstraps under a `Progress`: one start, every replicate advanced, one finish,
//! results bit-identical to the silent functions, and a clean stop when interrupted.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crowdqc_agreement::{
    BootstrapOptions, CountsCoefficient, ItemCounts, Level, PairwiseCoefficient, ReportOptions,
    WeightMatrix, bootstrap_conger, bootstrap_conger_with_progress, bootstrap_counts,
    bootstrap_counts_with_progress, bootstrap_items, bootstrap_items_with_progress,
    bootstrap_pairwise, bootstrap_pairwise_with_progress, hayes_krippendorff_bootstrap,
    hayes_krippendorff_bootstrap_with_progress, report, report_with_progress,
};
use crowdqc_core::Error;
use crowdqc_core::progress::{InterruptFlag, Progress};

use crate::common::{example, load_long, load_table};

/// Records what an operation reports; asks to stop once `stop_after` units are done.
#[derive(Default)]
struct Recorder {
    starts: Mutex<Vec<(String, Option<u64>)>>,
    done: AtomicU64,
    finished: AtomicU64,
    stop_after: Option<u64>,
}

impl Progress for Recorder {
    fn start(&self, what: &str, total: Option<u64>) {
        self.starts.lock().expect("lock").push((what.into(), total));
    }
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::Relaxed);
    }
    fn interrupted(&self) -> bool {
        self.stop_after
            .is_some_and(|k| self.done.load(Ordering::Relaxed) >= k)
    }
}

impl Recorder {
    fn check_one_operation(&self, total: u64) {
        assert_eq!(
            *self.starts.lock().expect("lock"),
            [("bootstrap".to_string(), Some(total))]
        );
        assert_eq!(self.done.load(Ordering::Relaxed), total);
        assert_eq!(self.finished.load(Ordering::Relaxed), 1);
    }
}

fn opts(replicates: usize) -> BootstrapOptions {
    BootstrapOptions {
        replicates,
        seed: 3,
        level: 0.9,
    }
}

#[test]
fn every_bootstrap_reports_and_is_unchanged() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(d.n_categories());
    let o = opts(300);
    let alpha = CountsCoefficient::KrippendorffAlpha(Level::Nominal);
    let rec = Recorder::default();
    assert_eq!(
        bootstrap_counts_with_progress(&d, alpha, &w, &o, &[0.8], &rec).expect("with"),
        bootstrap_counts(&d, alpha, &w, &o, &[0.8]).expect("without")
    );
    rec.check_one_operation(300);
    let rec = Recorder::default();
    assert_eq!(
        bootstrap_conger_with_progress(&m, &w, &o, &rec).expect("with"),
        bootstrap_conger(&m, &w, &o).expect("without")
    );
    rec.check_one_operation(300);
    let rec = Recorder::default();
    assert_eq!(
        hayes_krippendorff_bootstrap_with_progress(&d, Level::Nominal, &o, &[0.8], &rec)
            .expect("with"),
        hayes_krippendorff_bootstrap(&d, Level::Nominal, &o, &[0.8]).expect("without")
    );
    rec.check_one_operation(300);
    // The generic bootstrap: the mean multiplicity of item 0.
    let stat = |mult: &[u32], (): &mut ()| Some(f64::from(mult[0]));
    let rec = Recorder::default();
    assert_eq!(
        bootstrap_items_with_progress(40, &o, &[], || (), stat, &rec).expect("with"),
        bootstrap_items(40, &o, &[], || (), stat).expect("without")
    );
    rec.check_one_operation(300);
    let Some(p) = example("sas_cohen_kappa_3x3.csv") else {
        return;
    };
    let t = load_table(&p);
    let w = WeightMatrix::identity(t.n_categories());
    let rec = Recorder::default();
    let k = PairwiseCoefficient::ScottPi;
    assert_eq!(
        bootstrap_pairwise_with_progress(&t, k, &w, &o, &rec).expect("with"),
        bootstrap_pairwise(&t, k, &w, &o).expect("without")
    );
    rec.check_one_operation(300);
}

#[test]
fn a_report_is_one_operation() {
    let Some(p) = example("gwet_raw_ben_gerry.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let opts = ReportOptions::default().bootstrap(150).seed(9);
    let rec = Recorder::default();
    let with = report_with_progress(&m, &opts, &rec).expect("with");
    assert_eq!(with, report(&m, &opts).expect("without"));
    // Two raters: percent, alpha, Fleiss, Conger, BP, AC1, Cohen, Scott bootstrapped,
    // plus Hayes-Krippendorff: 9 x 150 replicates.
    assert_eq!(with.coefficients.len(), 8);
    rec.check_one_operation(9 * 150);
    // Without Hayes-Krippendorff: 8 x 150, and no such interval.
    let rec = Recorder::default();
    let no_hk = opts.clone().hayes_krippendorff(false);
    let r = report_with_progress(&m, &no_hk, &rec).expect("report");
    rec.check_one_operation(8 * 150);
    let alpha = r
        .get(crowdqc_agreement::CoefficientName::KrippendorffAlpha)
        .expect("alpha");
    assert!(alpha.hayes_krippendorff.is_none() && alpha.intervals.len() == 2);
    // Without a bootstrap nothing is long: no progress at all.
    let rec = Recorder::default();
    report_with_progress(&m, &ReportOptions::default(), &rec).expect("report");
    assert!(rec.starts.lock().expect("lock").is_empty());
}

#[test]
fn interrupted_bootstraps_stop_between_blocks() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let m = load_long(&p, None);
    let d = ItemCounts::from_matrix(&m);
    let w = WeightMatrix::identity(d.n_categories());
    let flag = InterruptFlag::new();
    flag.handle().store(true, Ordering::Relaxed);
    let e = bootstrap_conger_with_progress(&m, &w, &opts(1000), &flag).expect_err("stop");
    assert!(matches!(e, Error::Interrupted), "{e}");
    let rec = Recorder {
        stop_after: Some(1),
        ..Recorder::default()
    };
    let e =
        bootstrap_counts_with_progress(&d, CountsCoefficient::GwetAc, &w, &opts(5000), &[], &rec)
            .expect_err("stop");
    assert!(matches!(e, Error::Interrupted), "{e}");
    let done = rec.done.load(Ordering::Relaxed);
    assert!(done > 0 && done < 5000, "{done}");
    assert_eq!(rec.finished.load(Ordering::Relaxed), 1);
    let rec = Recorder {
        stop_after: Some(1),
        ..Recorder::default()
    };
    let e = report_with_progress(&m, &ReportOptions::default().bootstrap(1000), &rec)
        .expect_err("stop");
    assert!(matches!(e, Error::Interrupted), "{e}");
}
