//! Ctrl-C: the iterative fits poll `Progress` between iterations, as the aggregation
//! crate's EM loops do.

use std::sync::atomic::{AtomicU64, Ordering};

use crowdqc_core::progress::Progress;
use crowdqc_core::{Error, IdRef};
use crowdqc_ratings::{Method, RatingParams, RatingsBuilder, RatingsOptions};

/// Counts iterations; asks to stop once `stop_after` are done.
struct Stopper {
    done: AtomicU64,
    stop_after: u64,
}

impl Progress for Stopper {
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn interrupted(&self) -> bool {
        self.done.load(Ordering::Relaxed) >= self.stop_after
    }
}

fn matrix() -> crowdqc_ratings::RatingMatrix {
    let mut b = RatingsBuilder::new(RatingsOptions::default()).expect("builder");
    for i in 0..20u32 {
        for w in 0..5u32 {
            let x = f64::from(i % 7) + f64::from((i * 7 + w * 3) % 5) - 2.0 + f64::from(w);
            b.push_row(IdRef::Int(i.into()), IdRef::Int(w.into()), x)
                .expect("row");
        }
    }
    b.finish().expect("matrix")
}

#[test]
fn iterative_fits_stop_when_interrupted_and_report_iterations() {
    let m = matrix();
    for method in [Method::Catd, Method::Crh, Method::Lfc] {
        let p = RatingParams::new(method).max_iter(50).tol(0.0);
        // never interrupted: one unit per iteration, the same fit as `fit`
        let s = Stopper {
            done: AtomicU64::new(0),
            stop_after: u64::MAX,
        };
        let fit = p.fit_with_progress(&m, &s).expect("fit");
        let iterations = fit.iterations() as u64;
        assert_eq!(s.done.load(Ordering::Relaxed), iterations);
        assert_eq!(fit.scores(), p.fit(&m).expect("fit").scores());
        // asked to stop before the last iteration: it stops there
        let stop = iterations.min(3) - 1;
        let s = Stopper {
            done: AtomicU64::new(0),
            stop_after: stop,
        };
        let r = p.fit_with_progress(&m, &s);
        assert!(matches!(r, Err(Error::Interrupted)), "{method:?}: {r:?}");
        assert_eq!(s.done.load(Ordering::Relaxed), stop, "{method:?}");
    }
}
