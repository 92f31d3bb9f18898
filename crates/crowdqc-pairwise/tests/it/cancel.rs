//! Ctrl-C: the iterative fits and the bootstrap poll `Progress` between iterations
//! and replicates, as the aggregation crate's EM loops do.

use std::sync::atomic::{AtomicU64, Ordering};

use crowdqc_core::Error;
use crowdqc_core::progress::Progress;
use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseParams};

/// Counts units; asks to stop once `stop_after` are done.
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

fn stopper(stop_after: u64) -> Stopper {
    Stopper {
        done: AtomicU64::new(0),
        stop_after,
    }
}

fn data() -> Comparisons {
    Comparisons::from_codes((0..60u32).map(|k| {
        let (l, r) = (k % 6, (k + 1 + k / 6) % 6);
        let r = if r == l { (r + 1) % 6 } else { r };
        let o = match k % 5 {
            0 => Outcome::Right,
            4 => Outcome::Tie,
            _ => Outcome::Left,
        };
        (k % 3, l, r, o)
    }))
    .expect("valid")
}

#[test]
fn iterative_fits_stop_when_interrupted() {
    let d = data();
    for m in [Method::Bt, Method::BtTies, Method::CrowdBt, Method::NoisyBt] {
        let p = PairwiseParams::new(m).max_iter(40).tol(0.0);
        let s = stopper(3);
        let r = p.fit_with_progress(&d, &s);
        assert!(matches!(r, Err(Error::Interrupted)), "{m:?}: {r:?}");
        assert_eq!(s.done.load(Ordering::Relaxed), 3, "{m:?}");
        let s = stopper(u64::MAX);
        let fit = p.fit_with_progress(&d, &s).expect("fit");
        assert_eq!(fit.scores(), p.fit(&d).expect("fit").scores(), "{m:?}");
        assert!(s.done.load(Ordering::Relaxed) >= fit.report().iterations as u64);
    }
    // the bootstrap stops between replicates
    let p = PairwiseParams::new(Method::Bt).max_iter(5).bootstrap(50);
    let s = stopper(5 + 10);
    assert!(matches!(
        p.fit_with_progress(&d, &s),
        Err(Error::Interrupted)
    ));
}
