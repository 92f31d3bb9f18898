//! Saved model state: exact round trip, warm starts, and the errors for files that do
//! not fit the data.

use crowdqc_aggregation::registry::RunOptions;
use crowdqc_aggregation::state::{self, FORMAT_VERSION, MAGIC, ModelState};
use crowdqc_core::estimator::FittedModel;
use crowdqc_core::progress::NoProgress;
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

fn crowd(seed: u64, n: u64) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed,
        n_workers: 200,
        n_classes: 4,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(n);
    SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

fn fit(
    method: &str,
    m: &JudgmentMatrix,
    warm: Option<&ModelState>,
) -> crowdqc_aggregation::DawidSkeneModel {
    state::fit(method, m, &RunOptions::default(), warm, &NoProgress)
        .expect("fit")
        .0
}

fn bytes(s: &ModelState) -> Vec<u8> {
    let mut b = Vec::new();
    s.write_to(&mut b).expect("write");
    b
}

#[test]
fn save_and_load_round_trip_exactly() {
    let m = crowd(3, 20_000);
    for method in ["ds", "one-coin-ds"] {
        let model = fit(method, &m, None);
        let s = ModelState::from_model(method, &m, &model);
        let b = bytes(&s);
        assert_eq!(&b[..8], MAGIC);
        assert_eq!(
            u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            FORMAT_VERSION
        );
        let back = ModelState::from_bytes(&b).expect("read");
        assert_eq!(back, s);
        // the parameters are the model's, bit for bit
        let conf: Vec<u64> = model.confusion().iter().map(|v| v.to_bits()).collect();
        let saved: Vec<u64> = back
            .params()
            .confusion()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(conf, saved);
        assert_eq!(back.fit_report(), model.fit_report());
        assert_eq!(back.workers().len(), m.n_workers());
        assert_eq!(
            back.fitted_on(),
            (m.n_judgments() as u64, m.n_items() as u64)
        );
    }
}

/// Starting from the fitted model of the same data, EM has nothing left to do: it
/// stops within two iterations with the same labels (a cold fit takes more).
#[test]
fn warm_start_from_the_full_fit_converges_at_once_to_the_same_labels() {
    let m = crowd(5, 30_000);
    for method in ["ds", "one-coin-ds"] {
        let cold = fit(method, &m, None);
        let s = ModelState::from_bytes(&bytes(&ModelState::from_model(method, &m, &cold)))
            .expect("read");
        let (warm, report) =
            state::fit(method, &m, &RunOptions::default(), Some(&s), &NoProgress).expect("warm");
        let report = report.expect("warm start report");
        assert_eq!(
            (report.matched_workers, report.new_workers),
            (m.n_workers(), 0)
        );
        assert!(
            warm.fit_report().iterations <= 2,
            "{method}: {} iterations (cold: {})",
            warm.fit_report().iterations,
            cold.fit_report().iterations
        );
        assert!(cold.fit_report().iterations > warm.fit_report().iterations);
        // the same labels, except where the cold fit was at a near tie (the extra EM
        // step moves the posteriors by less than the tolerance)
        let (lw, lc) = (warm.labels(), cold.labels());
        let post = cold.posteriors();
        let mut differ = 0;
        for i in 0..lc.len() {
            if lw[i] != lc[i] {
                differ += 1;
                let gap = (post[[i, lc[i] as usize]] - post[[i, lw[i] as usize]]).abs();
                assert!(
                    gap < 1e-2,
                    "{method}: item {i} changed label at a gap of {gap}"
                );
            }
        }
        assert!(
            differ * 1000 <= lc.len(),
            "{method}: {differ} labels changed"
        );
    }
}

/// New workers start from the cell-wise mean of the saved confusion matrices; known
/// workers from their own, whatever their code in the new data.
#[test]
fn new_workers_start_from_the_mean_confusion() {
    let m = crowd(7, 10_000);
    let model = fit("ds", &m, None);
    let s = ModelState::from_model("ds", &m, &model);
    // the new data: the same rows with worker ids renamed for every other worker
    let rows: Vec<(String, String, String)> = (0..m.n_items() as u32)
        .flat_map(|i| m.item_range(i).map(move |p| (i, p)).collect::<Vec<_>>())
        .map(|(i, p)| {
            let w = m.judgment_workers()[p];
            let wid = m.workers().get(w).to_string();
            let wid = if w.is_multiple_of(2) {
                wid
            } else {
                format!("new-{wid}")
            };
            (
                m.items().get(i).to_string(),
                wid,
                m.classes().label(m.judgment_classes()[p]).to_string(),
            )
        })
        .collect();
    let m2 = {
        let mut b = crowdqc_core::JudgmentMatrixBuilder::new(IngestOptions::default()).expect("b");
        for (i, w, l) in &rows {
            let l: i64 = l.parse().expect("int label");
            b.push_row(
                crowdqc_core::IdRef::Str(i),
                crowdqc_core::IdRef::Str(w),
                crowdqc_core::IdRef::Int(l),
            )
            .expect("row");
        }
        b.finish().expect("matrix")
    };
    let (p, w) = s.warm_params(&m2).expect("same classes");
    let k = m.n_classes();
    let kk = k * k;
    let saved = s.params().confusion();
    let n = m.n_workers();
    let mean: Vec<f64> = (0..kk)
        .map(|c| (0..n).map(|w| saved[w * kk + c]).sum::<f64>() / n as f64)
        .collect();
    let mut new = 0;
    for (w2, id) in m2.workers().iter().enumerate() {
        let got = &p.confusion()[w2 * kk..(w2 + 1) * kk];
        match m.workers().lookup(id) {
            Some(w1) => assert_eq!(got, &saved[w1 as usize * kk..(w1 as usize + 1) * kk]),
            None => {
                new += 1;
                assert_eq!(got, &mean[..]);
            }
        }
    }
    assert_eq!(w.new_workers, new);
    assert!(new > 0 && w.matched_workers > 0);
    assert_eq!(p.priors(), s.params().priors());
}

#[test]
fn files_that_do_not_fit_are_refused_with_what_differs() {
    let m = crowd(9, 5_000);
    let s = ModelState::from_model("ds", &m, &fit("ds", &m, None));
    let b = bytes(&s);
    // another format version
    let mut v2 = b.clone();
    v2[8..12].copy_from_slice(&2u32.to_le_bytes());
    let e = ModelState::from_bytes(&v2)
        .expect_err("version")
        .to_string();
    assert!(e.contains("version 2") && e.contains("version 1"), "{e}");
    // not a model file; truncated; trailing bytes
    let e = ModelState::from_bytes(b"item,worker,label\n")
        .expect_err("magic")
        .to_string();
    assert!(e.contains("CQCMODEL"), "{e}");
    for cut in [10, 30, b.len() / 2, b.len() - 1] {
        let e = ModelState::from_bytes(&b[..cut])
            .expect_err("truncated")
            .to_string();
        assert!(
            e.contains("truncated") || e.contains("invalid"),
            "{cut}: {e}"
        );
    }
    let mut long = b.clone();
    long.push(0);
    assert!(ModelState::from_bytes(&long).is_err());
    // data with other classes: a class more
    let other = crowd_k(5);
    let e = s.warm_params(&other).expect_err("classes").to_string();
    assert!(e.contains("only in the data: `4`"), "{e}");
    // other methods cannot save state
    let e = state::fit("glad", &m, &RunOptions::default(), None, &NoProgress).expect_err("glad");
    assert!(e.to_string().contains("ds and one-coin-ds"), "{e}");
}

fn crowd_k(k: usize) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed: 1,
        n_workers: 50,
        n_classes: k,
        redundancy: Redundancy::Fixed(5),
        ..SynthConfig::default()
    }
    .with_judgments(5_000);
    SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

/// The streamed items table (no posterior table held, rows computed chunk by chunk) is
/// the dense model's items table, bit for bit, for ds and one-coin-ds, cold and warm;
/// the label counts and kept labels are the dense model's labels.
#[test]
fn streamed_items_equal_the_dense_table() {
    use crowdqc_aggregation::report::{item_batches, items_table};
    use crowdqc_aggregation::state::ItemStream;
    let m = crowd(21, 30_000);
    let saved = ModelState::from_model("ds", &m, &fit("ds", &m, None));
    for (method, warm) in [("ds", None), ("one-coin-ds", None), ("ds", Some(&saved))] {
        let dense = fit(method, &m, warm);
        let (streamed, _) =
            state::fit_streamed(method, &m, &RunOptions::default(), warm, &NoProgress)
                .expect("streamed fit");
        assert!(dense.has_dense_posteriors() && !streamed.has_dense_posteriors());
        assert_eq!(dense.confusion(), streamed.confusion(), "{method}");
        // chunks of 777 rows: each batch is that range of the dense items table
        let mut s = ItemStream::new(&m, &streamed).batch_rows(777).keep_labels();
        let got: Vec<_> = (&mut s).map(|b| b.expect("batch")).collect();
        let n = m.n_items() as u32;
        assert_eq!(got.len(), m.n_items().div_ceil(777));
        for (j, b) in got.iter().enumerate() {
            let lo = j as u32 * 777;
            let want = items_table(&m, &dense, lo..n.min(lo + 777)).expect("table");
            assert_eq!(b, &want, "{method}, batch {j}");
        }
        let labels = dense.labels();
        assert_eq!(s.take_labels().as_deref(), Some(&labels[..]));
        let mut counts = vec![0u64; m.n_classes()];
        for &l in &labels {
            counts[l as usize] += 1;
        }
        assert_eq!(s.label_counts(), &counts[..]);
        // the default batch size gives the same table as item_batches
        let a: Vec<_> = ItemStream::new(&m, &streamed)
            .map(|b| b.expect("b"))
            .collect();
        let b: Vec<_> = item_batches(&m, &dense).map(|b| b.expect("b")).collect();
        assert_eq!(a, b);
    }
}
