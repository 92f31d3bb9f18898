//! Properties: invariance to row order, id relabelling and left/right swapping;
//! bit-identical results for any thread count.

use crowdqc_core::IdRef;
use crowdqc_pairwise::{Comparisons, Method, Outcome, PairwiseFit, PairwiseParams};
use proptest::prelude::*;

type Row = (u32, u32, u32, Outcome);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec((0u32..4, 0u32..7, 1u32..7, 0u8..3), 2..40).prop_map(|v| {
        v.into_iter()
            .map(|(w, l, d, o)| {
                let r = (l + d) % 7;
                let o = match o {
                    0 => Outcome::Left,
                    1 => Outcome::Right,
                    _ => Outcome::Tie,
                };
                (w, l, r, o)
            })
            .collect()
    })
}

/// Methods whose scores must not depend on row order (all but Elo); fixed iterations so
/// both fits stop at the same step.
fn fits(rows: &[Row], map: impl Fn(u32) -> u32) -> Vec<(Method, PairwiseFit, Comparisons)> {
    let c = Comparisons::from_codes(rows.iter().map(|&(w, l, r, o)| (w, map(l), map(r), o)))
        .expect("valid");
    [
        Method::Bt,
        Method::BtTies,
        Method::CrowdBt,
        Method::NoisyBt,
        Method::WinRate,
    ]
    .into_iter()
    .filter_map(|m| {
        // crowd-bt / noisy-bt need a comparison with a winner
        let f = PairwiseParams::new(m)
            .max_iter(30)
            .tol(0.0)
            .prior(0.5)
            .fit(&c)
            .ok()?;
        Some((m, f, c.clone()))
    })
    .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs())) || (a.is_nan() && b.is_nan())
}

fn same_scores(
    a: &[(Method, PairwiseFit, Comparisons)],
    b: &[(Method, PairwiseFit, Comparisons)],
    map: impl Fn(i64) -> i64,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.len(), b.len());
    for ((m, fa, _), (_, fb, _)) in a.iter().zip(b) {
        for (code, id) in fa.items().iter().enumerate() {
            let IdRef::Int(v) = id else { unreachable!() };
            let x = fa.scores()[code];
            let y = fb.score_of(IdRef::Int(map(v))).expect("same items");
            prop_assert!(close(x, y), "{} item {}: {} vs {}", m, v, x, y);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn invariant_to_row_order((rows, seed) in (rows(), any::<u64>())) {
        let mut shuffled = rows.clone();
        // a deterministic permutation from the seed
        let n = shuffled.len();
        let mut s = seed | 1;
        for i in (1..n).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        same_scores(&fits(&rows, |x| x), &fits(&shuffled, |x| x), |x| x)?;
    }

    #[test]
    fn invariant_to_id_relabelling(rows in rows(), k in 1u32..7) {
        // item i is renamed (i * 3 + k) % 7 + 100: a bijection of 0..7
        let relabel = |i: u32| (i * 3 + k) % 7 + 100;
        same_scores(&fits(&rows, |x| x), &fits(&rows, relabel), |v| i64::from(relabel(v as u32)))?;
    }

    #[test]
    fn swapping_sides_with_flipped_outcome_changes_nothing(rows in rows()) {
        let swapped: Vec<Row> = rows.iter().map(|&(w, l, r, o)| (w, r, l, o.flipped())).collect();
        same_scores(&fits(&rows, |x| x), &fits(&swapped, |x| x), |x| x)?;
        // Elo too (each update is symmetric in the two sides)
        let elo = |rows: &[Row]| {
            let c = Comparisons::from_codes(rows.iter().copied()).expect("valid");
            let f = PairwiseParams::new(Method::Elo).fit(&c).expect("fit");
            (0..7).map(|i| f.score_of(IdRef::Int(i))).collect::<Vec<_>>()
        };
        let (a, b) = (elo(&rows), elo(&swapped));
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(x.zip(*y).is_none_or(|(x, y)| close(x, y)));
        }
    }
}

/// A large seeded data set (more items than one parallel chunk, more comparisons than
/// one comparison chunk).
fn large() -> Comparisons {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let n_items = 9_000u64;
    let rows: Vec<Row> = (0..200_000)
        .map(|_| {
            let l = next() % n_items;
            let r = (l + 1 + next() % (n_items - 1)) % n_items;
            let o = if next() % 3 == 0 {
                Outcome::Right
            } else {
                Outcome::Left
            };
            ((next() % 500) as u32, l as u32, r as u32, o)
        })
        .collect();
    Comparisons::from_codes(rows).expect("valid")
}

#[test]
fn bit_identical_for_any_thread_count() {
    let c = large();
    let run = |threads: usize, m: Method| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let f = PairwiseParams::new(m).max_iter(15).fit(&c).expect("fit");
            let mut bits: Vec<u64> = f.scores().iter().map(|x| x.to_bits()).collect();
            bits.extend(f.stderr().iter().map(|x| x.to_bits()));
            bits.extend(f.reliability().unwrap_or(&[]).iter().map(|x| x.to_bits()));
            bits
        })
    };
    for m in [Method::Bt, Method::BtTies, Method::CrowdBt, Method::NoisyBt] {
        assert_eq!(run(1, m), run(3, m), "{m}");
    }
    let boot = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let small = Comparisons::from_codes(
            (0..300u32).map(|k| (k % 5, k % 11, (k % 11 + 1 + k % 3) % 11, Outcome::Left)),
        )
        .expect("valid");
        pool.install(|| {
            PairwiseParams::new(Method::Bt)
                .prior(0.5)
                .bootstrap(20)
                .seed(7)
                .fit(&small)
                .expect("fit")
                .stderr()
                .to_vec()
        })
    };
    let (a, b) = (boot(1), boot(3));
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert!(a.iter().all(|x| x.is_finite() && *x > 0.0));
}
