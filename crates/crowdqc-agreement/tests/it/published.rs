//! Every value of `agreement-examples/SOURCE.md`, at its published precision.

use crowdqc_agreement::{
    CategoryScale, Coefficient, ItemCounts, Level, WeightMatrix, Weights, brennan_prediger,
    cohen_kappa, conger_kappa, fleiss_kappa, gwet_ac, krippendorff_alpha, scott_pi,
};
use crowdqc_core::JudgmentMatrix;

use crate::common::{assert_published, example, load_counts, load_long, load_table};

fn id(data: &ItemCounts) -> WeightMatrix {
    WeightMatrix::identity(data.n_categories())
}

fn observed(c: &Coefficient) -> Option<f64> {
    c.estimate().map(|e| e.observed)
}

fn expected(c: &Coefficient) -> Option<f64> {
    c.estimate().map(|e| e.expected)
}

#[test]
fn fleiss_1971_diagnoses() {
    let Some(p) = example("fleiss1971_diagnoses_counts.csv") else {
        return;
    };
    let data = load_counts(&p);
    let k = fleiss_kappa(&data, &id(&data)).expect("kappa");
    assert_published(k.value(), "0.430");
    assert_published(k.value(), "0.4302445");
    assert_published(observed(&k), "0.5556");
    assert_published(expected(&k), "0.2199");
    // The raw layout (slotN are not raters, but Fleiss / alpha only need counts).
    let m = load_long(&example("fleiss1971_diagnoses_raw.csv").expect("raw"), None);
    let raw = ItemCounts::from_matrix(&m);
    assert_published(
        fleiss_kappa(&raw, &id(&raw)).expect("kappa").value(),
        "0.4302445",
    );
}

#[test]
fn wikipedia_fleiss_example() {
    let Some(p) = example("wikipedia_fleiss_example_counts.csv") else {
        return;
    };
    let data = load_counts(&p);
    let k = fleiss_kappa(&data, &id(&data)).expect("kappa");
    assert_published(k.value(), "0.210");
    assert_published(k.value(), "0.20993");
    assert_published(observed(&k), "0.378");
    assert_published(expected(&k), "0.213");
}

#[test]
fn krippendorff_2011_four_levels() {
    let Some(p) = example("krippendorff2011_4coders_12units.csv") else {
        return;
    };
    let data = ItemCounts::from_matrix(&load_long(&p, None));
    for (level, published, computed) in [
        (Level::Nominal, "0.743", "0.743421"),
        (Level::Ordinal, "0.815", "0.815388"),
        (Level::Interval, "0.849", "0.849107"),
        (Level::Ratio, "0.797", "0.797403"),
    ] {
        let a = krippendorff_alpha(&data, level).expect("alpha");
        assert_published(a.value(), published);
        assert_published(a.value(), computed);
    }
}

#[test]
fn fast_krippendorff_3coders_15units() {
    let Some(p) = example("krippendorff_3coders_15units.csv") else {
        return;
    };
    let data = ItemCounts::from_matrix(&load_long(&p, None));
    let nominal = krippendorff_alpha(&data, Level::Nominal).expect("alpha");
    assert_published(nominal.value(), "0.691358");
    let interval = krippendorff_alpha(&data, Level::Interval).expect("alpha");
    assert_published(interval.value(), "0.810845");
    // Ordinal and ratio are not published: `reference.rs` checks every level against
    // the `krippendorff` package's stored outputs.
}

struct Gwet {
    ac1: &'static str,
    fleiss: &'static str,
    conger: &'static str,
    bp: &'static str,
    alpha: &'static str,
}

fn check_gwet(m: &JudgmentMatrix, g: &Gwet) {
    let data = ItemCounts::from_matrix(m);
    let w = id(&data);
    assert_published(gwet_ac(&data, &w).expect("ac1").value(), g.ac1);
    assert_published(fleiss_kappa(&data, &w).expect("fleiss").value(), g.fleiss);
    assert_published(conger_kappa(m, &w).expect("conger").value(), g.conger);
    assert_published(brennan_prediger(&data, &w).expect("bp").value(), g.bp);
    assert_published(
        krippendorff_alpha(&data, Level::Nominal)
            .expect("alpha")
            .value(),
        g.alpha,
    );
}

#[test]
fn gwet_2014_four_raters() {
    let Some(p) = example("gwet2014_raw_4raters.csv") else {
        return;
    };
    let m = load_long(&p, None);
    check_gwet(
        &m,
        &Gwet {
            ac1: "0.775",
            fleiss: "0.761",
            conger: "0.763",
            bp: "0.773",
            alpha: "0.743",
        },
    );
    let data = ItemCounts::from_matrix(&m);
    let w = id(&data);
    let ac1 = gwet_ac(&data, &w).expect("ac1");
    assert_published(observed(&ac1), "0.818");
    assert_published(expected(&ac1), "0.190");
    // irrCAC's docstring (raw.py): AC1 0.77544, se 0.14295, 95% CI (0.46081, 1).
    assert_published(ac1.value(), "0.77544");
    assert_published(ac1.se(), "0.14295");
    let (lo, hi) = ac1.t_interval(0.95).expect("ci");
    assert_published(Some(lo), "0.46081");
    assert_eq!(hi, 1.0);
    let fl = fleiss_kappa(&data, &w).expect("fleiss");
    assert_published(expected(&fl), "0.239");
    // irrCAC docstring: Fleiss 0.76117, se 0.15302, CI (0.42438, 1).
    assert_published(fl.value(), "0.76117");
    assert_published(fl.se(), "0.15302");
    assert_published(fl.t_interval(0.95).map(|c| c.0), "0.42438");
    let cg = conger_kappa(&m, &w).expect("conger");
    assert_published(expected(&cg), "0.233");
    let bp = brennan_prediger(&data, &w).expect("bp");
    assert_published(expected(&bp), "0.200");
    let al = krippendorff_alpha(&data, Level::Nominal).expect("alpha");
    assert_published(observed(&al), "0.805");
    assert_published(expected(&al), "0.240");
    // Weighted AC2 (irrCAC tests, 3 decimals; `reference.rs` checks irrCAC 0.4.4's
    // stored values and standard errors to 5).
    for (weights, published) in [
        (Weights::Linear, "0.859"),
        (Weights::Quadratic, "0.914"),
        (Weights::Ordinal, "0.899"),
    ] {
        let w = data.weight_matrix(&weights, None).expect("weights");
        assert_published(gwet_ac(&data, &w).expect("ac2").value(), published);
    }
}

#[test]
fn gwet_2014_five_observers() {
    let Some(p) = example("gwet2014_raw_5observers.csv") else {
        return;
    };
    let m = load_long(&p, None);
    check_gwet(
        &m,
        &Gwet {
            ac1: "0.497",
            fleiss: "0.458",
            conger: "0.469",
            bp: "0.487",
            alpha: "0.481",
        },
    );
    let data = ItemCounts::from_matrix(&m);
    let w = id(&data);
    let ac1 = gwet_ac(&data, &w).expect("ac1");
    assert_published(observed(&ac1), "0.616");
    assert_published(expected(&ac1), "0.236");
    assert_published(expected(&fleiss_kappa(&data, &w).expect("f")), "0.291");
    let al = krippendorff_alpha(&data, Level::Nominal).expect("alpha");
    assert_published(observed(&al), "0.627");
    assert_published(expected(&al), "0.282");
}

#[test]
fn gwet_g1g2_gender_ben_gerry() {
    let Some(p) = example("gwet_raw_g1g2.csv") else {
        return;
    };
    check_gwet(
        &load_long(&p, None),
        &Gwet {
            ac1: "0.685",
            fleiss: "0.657",
            conger: "0.659",
            bp: "0.679",
            alpha: "0.632",
        },
    );
    check_gwet(
        &load_long(&example("gwet_raw_gender.csv").expect("p"), None),
        &Gwet {
            ac1: "0.208",
            fleiss: "0.129",
            conger: "0.166",
            bp: "0.183",
            alpha: "0.143",
        },
    );
    let m = load_long(&example("gwet_raw_ben_gerry.csv").expect("p"), None);
    check_gwet(
        &m,
        &Gwet {
            ac1: "0.661",
            fleiss: "0.649",
            conger: "0.657",
            bp: "0.659",
            alpha: "0.665",
        },
    );
    // Cohen's kappa on the 11 items both raters rated (R irr::kappa2): 0.65625.
    let t = crowdqc_agreement::Contingency::from_matrix(&m).expect("two raters");
    assert_eq!(t.total(), 11.0);
    let w = WeightMatrix::identity(t.n_categories());
    assert_published(cohen_kappa(&t, &w).expect("cohen").value(), "0.65625");
}

#[test]
fn abstractors_table_in_row_order() {
    let Some(p) = example("gwet2014_cont3x3_abstractors.csv") else {
        return;
    };
    let t = load_table(&p);
    assert_eq!(t.category_names(), ["Ectopic", "AIU", "NIU"]);
    let id = WeightMatrix::identity(3);
    assert_published(cohen_kappa(&t, &id).expect("k").value(), "0.796");
    assert_published(scott_pi(&t, &id).expect("pi").value(), "0.796");
    let lin = t.weight_matrix(&Weights::Linear, None).expect("w");
    let quad = t.weight_matrix(&Weights::Quadratic, None).expect("w");
    assert_published(cohen_kappa(&t, &lin).expect("k").value(), "0.843");
    assert_published(cohen_kappa(&t, &quad).expect("k").value(), "0.892");
    let data = t.to_item_counts().expect("counts");
    assert_eq!(data.n_subjects(), 100); // one stored item per non-zero cell
    assert_published(gwet_ac(&data, &id).expect("ac1").value(), "0.849");
    assert_published(gwet_ac(&data, &lin).expect("ac2").value(), "0.900");
    assert_published(gwet_ac(&data, &quad).expect("ac2").value(), "0.940");
    assert_published(brennan_prediger(&data, &id).expect("bp").value(), "0.835");
    assert_published(
        krippendorff_alpha(&data, Level::Nominal)
            .expect("alpha")
            .value(),
        "0.797",
    );
    // In sorted order (AIU, Ectopic, NIU) the weighted kappas are different.
    let perm = [1usize, 0, 2];
    let mut counts = vec![0u64; 9];
    for a in 0..3 {
        for b in 0..3 {
            counts[a * 3 + b] = t.count(perm[a], perm[b]) as u64;
        }
    }
    let sorted =
        crowdqc_agreement::Contingency::new(&["AIU", "Ectopic", "NIU"], &counts).expect("table");
    let lin = sorted.weight_matrix(&Weights::Linear, None).expect("w");
    let quad = sorted.weight_matrix(&Weights::Quadratic, None).expect("w");
    assert_published(cohen_kappa(&sorted, &lin).expect("k").value(), "0.743");
    assert_published(cohen_kappa(&sorted, &quad).expect("k").value(), "0.703");
}

#[test]
fn diagnosis_4x4() {
    let Some(p) = example("gwet_cont4x4_diagnosis.csv") else {
        return;
    };
    let t = load_table(&p);
    let id = WeightMatrix::identity(4);
    assert_published(cohen_kappa(&t, &id).expect("k").value(), "0.43150");
    assert_published(scott_pi(&t, &id).expect("pi").value(), "0.430");
    let data = t.to_item_counts().expect("counts");
    assert_published(gwet_ac(&data, &id).expect("ac1").value(), "0.456");
    assert_published(brennan_prediger(&data, &id).expect("bp").value(), "0.450");
}

#[test]
fn sas_cohen_3x3_with_ase() {
    let Some(p) = example("sas_cohen_kappa_3x3.csv") else {
        return;
    };
    let t = load_table(&p);
    let id = WeightMatrix::identity(t.n_categories());
    let k = cohen_kappa(&t, &id).expect("k");
    assert_published(k.value(), "0.4842");
    assert_published(k.se(), "0.1380");
    let (lo, hi) = k.normal_interval(0.95).expect("ci");
    assert_published(Some(lo), "0.2137");
    assert_published(Some(hi), "0.7547");
    let lin = t.weight_matrix(&Weights::Linear, None).expect("w");
    let kw = cohen_kappa(&t, &lin).expect("k");
    assert_published(kw.value(), "0.4701");
    assert_published(kw.se(), "0.1457");
}

#[test]
fn wikipedia_cohen_2x2() {
    let Some(p) = example("wikipedia_cohen_2x2_grant_proposals.csv") else {
        return;
    };
    let t = load_table(&p);
    let k = cohen_kappa(&t, &WeightMatrix::identity(2)).expect("k");
    assert_published(observed(&k), "0.70");
    assert_published(expected(&k), "0.50");
    assert_published(k.value(), "0.40");
}

#[test]
fn irr_anxiety_levels_present_spacing() {
    let Some(p) = example("irr_anxiety.csv") else {
        return;
    };
    let m = load_long(&p, Some(&["rater2", "rater3"]));
    // Raters 2 and 3 never use 5: the classes present are 1, 2, 3, 4, 6.
    assert_eq!(m.n_classes(), 5);
    let t = crowdqc_agreement::Contingency::from_matrix(&m).expect("two raters");
    let q = t.n_categories();
    assert_published(
        cohen_kappa(&t, &WeightMatrix::identity(q))
            .expect("k")
            .value(),
        "-0.006289308",
    );
    // irr spaces the levels present equally (ranks), not by their values.
    let lin = t
        .weight_matrix(&Weights::Linear, Some(CategoryScale::Ranks))
        .expect("w");
    let quad = t
        .weight_matrix(&Weights::Quadratic, Some(CategoryScale::Ranks))
        .expect("w");
    assert_published(cohen_kappa(&t, &lin).expect("k").value(), "0.1459075");
    assert_published(cohen_kappa(&t, &quad).expect("k").value(), "0.2520325");
    // Spacing by the values 1..6 gives a different number.
    let by_value = t.weight_matrix(&Weights::Linear, None).expect("w");
    let v = cohen_kappa(&t, &by_value)
        .expect("k")
        .value()
        .expect("defined");
    assert!((v - 0.1459075).abs() > 1e-3, "{v}");
    // Rater 1 vs rater 2 with irr's numeric weight vectors (scores by distance |i − j|):
    // kappa2(anxiety[,1:2], c(0,0,0,1,1,1)) = 0.1891892, c(0,0,1,1,2,2) = 0.2820513.
    let m = load_long(&p, Some(&["rater1", "rater2"]));
    let t = crowdqc_agreement::Contingency::from_matrix(&m).expect("two raters");
    let q = t.n_categories();
    assert_eq!(q, 6);
    for (scores, published) in [
        ([0.0, 0.0, 0.0, 1.0, 1.0, 1.0], "0.1891892"),
        ([0.0, 0.0, 1.0, 1.0, 2.0, 2.0], "0.2820513"),
    ] {
        let max = scores[q - 1];
        let mut w = Vec::with_capacity(q * q);
        for i in 0..q {
            for j in 0..q {
                w.push(1.0 - scores[i.abs_diff(j)] / max);
            }
        }
        let w = t
            .weight_matrix(&Weights::Custom(w), None)
            .expect("custom weights");
        assert_published(cohen_kappa(&t, &w).expect("k").value(), published);
    }
}

#[test]
fn crowdkit_alpha_examples() {
    let Some(p) = example("crowdkit_alpha_example_perfect.csv") else {
        return;
    };
    let alpha = |m: &JudgmentMatrix| {
        krippendorff_alpha(&ItemCounts::from_matrix(m), Level::Nominal)
            .expect("alpha")
            .value()
            .expect("defined")
    };
    assert!((alpha(&load_long(&p, None)) - 1.0).abs() < 1e-15);
    let partial = load_long(
        &example("crowdkit_alpha_example_partial.csv").expect("p"),
        None,
    );
    assert!((alpha(&partial) - 0.4444444444444444).abs() < 1e-15);
    let Some(toy) = crowdqc_testkit::fixtures::dataset_dir("crowdkit-toy") else {
        return;
    };
    let m = crowdqc_testkit::fixtures::load_dataset(&toy, Default::default(), false);
    assert!((alpha(&m) - 0.14219114219114215).abs() < 1e-14);
}
