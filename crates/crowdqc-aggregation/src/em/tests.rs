//! Tests of the EM engine: kernels, table layouts and the on-demand E-step agree.

use super::*;
use crate::common::ActiveClasses;
use crate::em::posterior::EStep;
use crowdqc_core::{IngestOptions, JudgmentMatrix};
use crowdqc_testkit::synth::{BatchOptions, Redundancy, SynthConfig, SynthCrowd};

/// A seeded synthetic matrix of `n` judgments: `workers` workers, `k` classes,
/// `per_item` judgments per item, `gold` of the items with gold.
fn synth(seed: u64, workers: usize, k: usize, per_item: u32, gold: f64, n: u64) -> JudgmentMatrix {
    let cfg = SynthConfig {
        seed,
        n_workers: workers,
        n_classes: k,
        redundancy: Redundancy::Fixed(per_item),
        gold_fraction: gold,
        ..SynthConfig::default()
    }
    .with_judgments(n);
    SynthCrowd::new(cfg)
        .expect("config")
        .to_matrix(&BatchOptions::default(), IngestOptions::default())
        .expect("matrix")
}

/// The engine's settings in these tests: a full M-step without smoothing, estimated
/// priors, the majority-vote start.
fn config(max_iter: usize, tol: f64, stop: StopRule, keep: bool) -> EmConfig<'static> {
    EmConfig {
        method: "test",
        max_iter,
        tol,
        m_step: MStep::Full { smoothing: 0.0 },
        priors: Priors::Estimated,
        initial: None,
        start: None,
        stop,
        progress: &crowdqc_core::progress::NoProgress,
        keep,
    }
}

/// The bit patterns of `v`, to compare results exactly.
fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Two fits with the same bits: posteriors, confusion, priors, objective trace and
/// log-likelihood.
fn assert_same_bits(a: &EmResult, b: &EmResult, what: &str) {
    let (qa, qb) = (a.q.as_deref(), b.q.as_deref());
    assert_eq!(bits(qa.expect("q")), bits(qb.expect("q")), "{what}");
    assert_eq!(bits(&a.conf), bits(&b.conf), "{what}: confusion");
    assert_eq!(bits(&a.priors), bits(&b.priors), "{what}: priors");
    let (oa, ob) = (&a.report.objective, &b.report.objective);
    assert_eq!(bits(oa), bits(ob), "{what}: objective");
    let (la, lb) = (&a.log_likelihood, &b.log_likelihood);
    assert_eq!(bits(la), bits(lb), "{what}: log-likelihood");
}

/// `dynamic`: the run-time-k kernel; `indices`: keep precomputed group indices;
/// `interleaved`: chunk tables with the `log2` rows (else sums only). Returns the
/// result and its posteriors (from the last pass's parameters).
fn fit_with(
    m: &JudgmentMatrix,
    dynamic: bool,
    indices: bool,
    interleaved: bool,
    stop: StopRule,
) -> (EmResult, Vec<f64>) {
    let active = ActiveClasses::new(m, None, "test").expect("classes");
    let mut d = EmData::new(m, &active, false);
    d.force_dynamic = dynamic;
    d.interleaved = d.interleaved && interleaved;
    if !indices {
        d.group_of = None;
    }
    let cfg = config(10, 1e-9, stop, false);
    let mut r = run(&d, &cfg).expect("fit");
    let (l, p) = r.last_pass.take().expect("no posteriors kept");
    let mut e = EStep::new(m, &active, false, l, p);
    e.force_dynamic = dynamic;
    let mut q = vec![0.0; m.n_items() * m.n_classes()];
    e.rows_into(m, 0..m.n_items(), &mut q);
    (r, q)
}

fn fit(m: &JudgmentMatrix, dynamic: bool, indices: bool, stop: StopRule) -> (EmResult, Vec<f64>) {
    fit_with(m, dynamic, indices, true, stop)
}

fn max_gap(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The fixed-`K` kernel (registers, polynomial `2^x`, prefetching), with and
/// without precomputed group indices, and the run-time-`k` kernel compute the same
/// EM, with small (interleaved) and large (sums-only, prefetched) tables.
#[test]
fn fixed_and_run_time_kernels_agree() {
    for (k, workers, n) in [
        (2, 30, 20_000),
        (5, 40, 20_000),
        (5, 2_000, 60_000),
        (8, 3_000, 40_000),
        (5, 30_000, 60_000),
    ] {
        let m = synth(7, workers, k, 5, 0.05, n);
        for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
            let (a, qa) = fit(&m, false, true, stop);
            for ((b, qb), how) in [
                (fit(&m, false, false, stop), "fixed kernel without indices"),
                (fit(&m, true, false, stop), "run-time kernel"),
            ] {
                let what = format!("k {k}, {workers} workers, {stop:?}, {how}");
                assert_eq!(a.report.iterations, b.report.iterations, "{what}");
                assert!(max_gap(&qa, &qb) < 1e-12, "{what}: posteriors");
                assert!(max_gap(&a.conf, &b.conf) < 1e-12, "{what}: confusion");
                assert!(max_gap(&a.priors, &b.priors) < 1e-12, "{what}: priors");
                let (oa, ob) = (&a.report.objective, &b.report.objective);
                assert!(max_gap(oa, ob) < 1e-12, "{what}: objective");
                let (la, lb) = (&a.log_likelihood, &b.log_likelihood);
                assert!(
                    max_gap(la, lb) < 1e-9 * la[0].abs(),
                    "{what}: log-likelihood"
                );
            }
        }
    }
}

/// Chunk tables with the sums only (large tables: the gathers read the shared
/// `log2` confusion) give the same bits as interleaved ones: the same chunks, the
/// same order of additions. Run-time-`k` kernel included (9 classes).
#[test]
fn sums_only_tables_give_the_same_bits() {
    for (k, workers) in [(3, 50), (5, 400), (9, 300)] {
        let m = synth(11, workers, k, 4, 0.05, 40_000);
        for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
            let (a, qa) = fit_with(&m, false, true, true, stop);
            let (b, qb) = fit_with(&m, false, false, false, stop);
            let what = format!("k {k}, {stop:?}");
            assert_eq!(qa, qb, "{what}: posteriors");
            assert_eq!(a.conf, b.conf, "{what}: confusion");
            assert_eq!(a.priors, b.priors, "{what}: priors");
            assert_eq!(a.report.objective, b.report.objective, "{what}: objective");
            assert_eq!(a.log_likelihood, b.log_likelihood, "{what}: loglik");
        }
    }
}

/// Kept posteriors are the bits of the on-demand E-step of the same parameters, for the
/// fixed-`K` and run-time kernels, with gold clamped: written by the last pass when
/// the run reaches its iteration limit (0, 1 or 6 iterations), computed at the end from
/// the pass's slot-order table and group indices when it stops before (tolerance
/// 1e-3 within 50 iterations).
#[test]
fn kept_posteriors_are_the_on_demand_bits() {
    for (k, workers, dynamic) in [
        (3, 50, false),
        (5, 4_000, false),
        (5, 400, true),
        (9, 60, false),
    ] {
        let m = synth(5, workers, k, 3, 0.1, 30_000);
        let active = ActiveClasses::new(&m, None, "test").expect("classes");
        let runs = [(0, 1e-9), (1, 1e-9), (6, 1e-9), (50, 1e-3)];
        for (stop, (max_iter, tol)) in [StopRule::CrowdKit, StopRule::LogLikelihood]
            .into_iter()
            .flat_map(|s| runs.map(|r| (s, r)))
        {
            let run_keep = |keep: bool| {
                let mut d = EmData::new(&m, &active, true);
                d.force_dynamic = dynamic;
                run(&d, &config(max_iter, tol, stop, keep)).expect("fit")
            };
            let fit = run_keep(true);
            let it = fit.report.iterations;
            assert_eq!(
                it < max_iter,
                max_iter == 50,
                "{k}, {stop:?}: {it} iterations"
            );
            let kept = fit.q.expect("kept posteriors");
            let (l, p) = run_keep(false).last_pass.expect("parameters");
            let mut e = EStep::new(&m, &active, true, l, p);
            e.force_dynamic = dynamic;
            let mut q = vec![0.0; m.n_items() * m.n_classes()];
            e.rows_into(&m, 0..m.n_items(), &mut q);
            let what = format!("k {k}, {workers} workers, {stop:?}, {max_iter} iterations");
            assert_eq!(bits(&kept), bits(&q), "{what}");
        }
    }
}

/// The fixed-`K` pass gives the same bits with AVX2 and baseline (SSE2) vectors, for 2
/// to 8 classes, both stop rules, gold clamped, small and large (prefetched) tables,
/// posteriors written by the last pass: the same IEEE operations in the same order on
/// both paths, whole fits compared. (On a CPU without AVX2 both runs take the baseline
/// path.)
#[test]
fn vector_widths_give_the_same_bits() {
    for (k, workers) in [
        (2, 40),
        (3, 700),
        (4, 60),
        (5, 9_000),
        (6, 50),
        (7, 80),
        (8, 90),
    ] {
        let m = synth(13, workers, k, 4, 0.05, 24_002);
        let active = ActiveClasses::new(&m, None, "test").expect("classes");
        for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
            let run_bits = |bits: u16| {
                let mut d = EmData::new(&m, &active, true);
                d.vector_bits = bits;
                let cfg = config(8, 1e-12, stop, true);
                run(&d, &cfg).expect("fit")
            };
            let (a, b) = (run_bits(256), run_bits(128));
            let what = format!("k {k}, {workers} workers, {stop:?}");
            assert_same_bits(&a, &b, &what);
        }
    }
}

/// The narrow (`u16`) group index holds the same groups as the wide one and whole fits
/// give the same bits with either (2, 5 and 8 classes, both stop rules, gold clamped,
/// small and large prefetched tables, fixed-`K` and run-time kernels); more than
/// 65,536 groups take the wide index.
#[test]
fn index_widths_give_the_same_bits() {
    use super::groups::GroupIndex;
    for (k, workers, dynamic) in [
        (2, 40, false),
        (5, 9_000, false),
        (8, 900, false),
        (5, 300, true),
    ] {
        let m = synth(17, workers, k, 4, 0.05, 24_002);
        let active = ActiveClasses::new(&m, None, "test").expect("classes");
        for stop in [StopRule::CrowdKit, StopRule::LogLikelihood] {
            let run_with = |wide: bool| {
                let mut d = EmData::new(&m, &active, true);
                d.force_dynamic = dynamic;
                let Some(GroupIndex::Narrow(g)) = &d.group_of else {
                    panic!("{workers} workers x {k} classes: a narrow index");
                };
                if wide {
                    let w: Vec<u32> = g.iter().map(|&v| u32::from(v)).collect();
                    assert!((0..m.n_judgments()).all(|p| w[p] as usize == d.group_at(p)));
                    d.group_of = Some(GroupIndex::Wide(w));
                }
                run(&d, &config(8, 1e-12, stop, true)).expect("fit")
            };
            let (a, b) = (run_with(false), run_with(true));
            let what = format!("k {k}, {workers} workers, {stop:?}");
            assert_same_bits(&a, &b, &what);
        }
    }
    let m = synth(17, 16_000, 5, 2, 0.0, 300_000);
    let active = ActiveClasses::new(&m, None, "test").expect("classes");
    let d = EmData::new(&m, &active, false);
    assert!(m.n_workers() * 5 > 1 << 16, "{} workers", m.n_workers());
    assert!(matches!(d.group_of, Some(GroupIndex::Wide(_))));
    assert!((0..m.n_judgments()).all(|p| d.group_at(p) < m.n_workers() * 5));
}
