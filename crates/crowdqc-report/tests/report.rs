//! The HTML report: every section, numbers equal to external references or the
//! libraries' own values, nothing external, untrusted strings inert.

use std::collections::HashMap;

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder};
use crowdqc_policy::{EvidenceTable, Policy, needs_model, read_policy};
use crowdqc_report::html::{count, escape};
use crowdqc_report::{QualityReport, ReportOptions};
use crowdqc_testkit::fixtures::{
    dataset_dir, load_dataset, project_fixtures, read_csv_rows, workspace_root,
};

fn recommended() -> Policy {
    read_policy(&workspace_root().join("policies/recommended.toml")).expect("policy")
}

fn json(path: &str) -> serde_json::Value {
    let p = project_fixtures().join(path);
    serde_json::from_str(&std::fs::read_to_string(&p).expect("fixture")).expect("json")
}

/// Nothing is fetched: no URL at all, no `src` attribute, only in-page links.
fn assert_self_contained(html: &str) {
    for bad in ["http://", "https://", "//cdn", " src=", "url(", "@import"] {
        assert!(!html.contains(bad), "found `{bad}`");
    }
    for (i, _) in html.match_indices("href=\"") {
        assert!(html[i + 6..].starts_with('#'), "{}", &html[i..i + 40]);
    }
    assert_eq!(html.matches("<script").count(), 1, "only the table sorter");
}

/// The table row whose first cell is `first` (escaped text).
fn row<'a>(html: &'a str, first: &str) -> &'a str {
    let start = html
        .find(&format!("<tr><td>{first}</td>"))
        .unwrap_or_else(|| panic!("no row {first}"));
    let end = html[start..].find("</tr>").expect("row end");
    &html[start..start + end]
}

#[test]
fn dogs_report_has_every_section_with_reference_numbers() {
    let Some(dir) = dataset_dir("zhou2012-dogs") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), true);
    let policy = recommended();
    let opts = ReportOptions::new().simulation(200, 300);
    let r = QualityReport::build(&m, &opts, Some(&policy)).expect("report");
    let html = r.to_html().expect("html");
    for id in [
        "data",
        "agreement",
        "truth",
        "workers",
        "gold",
        "policy",
        "statements",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id}"
        );
    }
    assert_self_contained(&html);
    // counts stated in the dataset's SOURCE.md (Zhou et al. 2012): 8,070 judgments of
    // 807 items by 109 workers, 10 per item
    for (term, value) in [("judgments", 8070), ("items", 807), ("workers", 109)] {
        assert!(
            html.contains(&format!("<dt>{term}</dt><dd>{}</dd>", count(value))),
            "{term}"
        );
    }
    assert!(html.contains("min 10, median 10.0, mean 10.00, max 10"));
    // Krippendorff's alpha as crowd-kit 1.4.2 computes it (fixtures/agreement)
    let alpha = json("agreement/expected.json")["crowdkit"]["zhou2012-dogs"]["alpha_krippendorff"]
        .as_f64()
        .expect("alpha");
    assert!(
        row(&html, "Krippendorff&#39;s alpha").contains(&format!(">{alpha:.4}</td>")),
        "alpha {alpha:.4}"
    );
    // Dawid–Skene's accuracy on the gold: crowd-kit 1.4.2's (fixtures/aggregation),
    // also Zheng et al.'s published 0.8426
    let ds =
        json("aggregation/crowdkit_expected.json")["datasets"]["zhou2012-dogs"]["ds"]["accuracy"]
            .as_f64()
            .expect("ds accuracy");
    assert!(
        html.contains(&format!("<dd>{ds:.4} (")),
        "ds accuracy {ds:.4}"
    );
    // gold accuracy of all answers, counted here from the CSV files
    let (_, gold_rows) = read_csv_rows(&dir.join("gold.csv"));
    let gold: HashMap<&str, &str> = gold_rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    let (_, rows) = read_csv_rows(&dir.join("judgments.csv"));
    let (mut n, mut c) = (0u64, 0u64);
    for row in &rows {
        if let Some(g) = gold.get(row[0].as_str()) {
            n += 1;
            c += u64::from(*g == row[2]);
        }
    }
    assert_eq!(n, 8070);
    assert!(
        html.contains(&format!(
            "<dt>gold accuracy</dt><dd>{:.4}</dd>",
            c as f64 / n as f64
        )),
        "gold accuracy {c}/{n}"
    );
    assert!(html.contains(&format!("<dt>correct</dt><dd>{}</dd>", count(c))));
    // contested gold items (the gold layer's flag) are listed first, each marked
    let g = r.gold.as_ref().expect("gold");
    let gold_html = &html[html.find("<section id=\"gold\">").expect("gold")..];
    assert!(gold_html.contains(&format!("<dt>contested</dt><dd>{} gold items", g.contested)));
    let contested: Vec<&crowdqc_gold::ItemRow> = g.items.iter().filter(|i| i.contested).collect();
    let items_html = &gold_html[gold_html.find("<h3>Gold items most often").expect("items")..];
    let items_html = &items_html[..items_html.find("</table>").expect("table")];
    let flagged = items_html.matches("<td>contested</td></tr>").count();
    assert!(!contested.is_empty());
    assert_eq!(flagged, contested.len().min(opts.top));
    for i in contested
        .iter()
        .filter(|i| items_html.contains(&format!("<tr><td>{}</td>", escape(&i.item.to_string()))))
    {
        let tr = row(items_html, &escape(&i.item.to_string()));
        assert!(tr.ends_with("<td>contested</td>"), "{tr}");
    }
    // the policy's decisions are `policy eval`'s: same evidence, same Dawid–Skene
    let mut t = EvidenceTable::from_matrix(&m, &policy);
    assert!(
        !needs_model(&policy)
            || r.policy
                .as_ref()
                .is_some_and(|p| p.evaluation.model.is_some())
    );
    if needs_model(&policy) {
        let ds = crowdqc_aggregation::registry::fit("ds", &m, &Default::default()).expect("ds");
        t.fill_from_model(ds.as_ref());
    }
    let eval = policy.evaluate_table(&t);
    let shown = &r.policy.as_ref().expect("policy").evaluation;
    assert_eq!(shown, &eval);
    let decided = eval.decisions.iter().filter(|d| d.is_event()).count();
    assert!(html.contains(&format!(
        "<h3>Who and why ({decided} workers with a decision"
    )));
    let policy_html = &html[html.find("<section id=\"policy\">").expect("policy")..];
    for d in eval.decisions.iter().filter(|d| d.is_event()) {
        let lines: Vec<String> = d.explanations.iter().map(|x| escape(&x.text())).collect();
        let cell = format!("<td>{}</td>", lines.join("<br>"));
        assert!(
            row(policy_html, &escape(&d.worker.to_string())).contains(&cell),
            "{}",
            d.worker
        );
    }
    // every worker's statement is `workers statement`'s, written out in full
    let st =
        crowdqc_policy::statement::statements_from_matrix(&m, &policy, None).expect("statements");
    assert_eq!(&r.policy.as_ref().expect("policy").statements, &st);
    assert!(html.contains("<section id=\"statements\">"));
    assert_eq!(st.statements.len(), 109);
    for x in &st.statements {
        assert!(
            html.contains(&format!("<pre>{}</pre>", escape(&x.to_string()))),
            "{}",
            x.worker
        );
    }
    // the exact curve: a coin-flipping worker is caught, a 97% one almost never
    let exact = r
        .policy
        .as_ref()
        .expect("policy")
        .exact
        .as_ref()
        .expect("exact");
    let at = |a: f64| {
        exact
            .rows
            .iter()
            .find(|x| (x.accuracy - a).abs() < 1e-9)
            .expect("row")
            .probability
    };
    assert!(
        at(0.5) > 0.95 && at(0.95) < 0.05,
        "{} {}",
        at(0.5),
        at(0.95)
    );
}

#[test]
fn rte_alpha_is_crowdkits_and_every_coefficient_is_shown() {
    let Some(dir) = dataset_dir("snow2008-rte") else {
        return;
    };
    let m = load_dataset(&dir, IngestOptions::default(), false);
    let r = QualityReport::build(&m, &ReportOptions::new().method("mv"), None).expect("report");
    let html = r.to_html().expect("html");
    assert!(!html.contains("<section id=\"gold\">") && !html.contains("<section id=\"policy\">"));
    let alpha = json("agreement/expected.json")["crowdkit"]["snow2008-rte"]["alpha_krippendorff"]
        .as_f64()
        .expect("alpha");
    let got = r
        .agreement
        .coefficients
        .iter()
        .find(|c| c.name.key() == "krippendorff_alpha")
        .and_then(|c| c.value)
        .expect("alpha");
    assert!((got - alpha).abs() < 1e-9, "{got} vs crowd-kit {alpha}");
    for c in &r.agreement.coefficients {
        let tr = row(&html, &escape(c.name.title()));
        let shown = crowdqc_report::html::num(c.value, 4);
        assert!(
            tr.contains(&format!(">{shown}</td>")),
            "{:?} {shown}",
            c.name
        );
        if let Some(i) = c.ci() {
            assert!(
                tr.contains(&crowdqc_report::html::interval(i.low, i.high, 4)),
                "{:?}",
                c.name
            );
        }
    }
    assert_self_contained(&html);
}

fn hostile() -> JudgmentMatrix {
    let evil = "<script>alert(1)</script>";
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default()).expect("opts");
    for i in 0..12 {
        let item = if i == 0 {
            "\"><img src=x onerror=alert(2)>".to_string()
        } else {
            format!("t{i}")
        };
        let truth = if i % 2 == 0 { evil } else { "ok" };
        for w in ["w1", "w2", "w3", evil] {
            let label = if w == "w3" && i % 3 == 0 { "ok" } else { truth };
            b.push_row(IdRef::Str(&item), IdRef::Str(w), IdRef::Str(label))
                .expect("row");
        }
        if i < 6 {
            b.push_gold_row(IdRef::Str(&item), IdRef::Str(truth))
                .expect("gold");
        }
    }
    b.finish().expect("matrix")
}

#[test]
fn hostile_ids_and_labels_come_out_inert() {
    let m = hostile();
    let r = QualityReport::build(
        &m,
        &ReportOptions::new().simulation(50, 100),
        Some(&recommended()),
    )
    .expect("report");
    let html = r.to_html().expect("html");
    assert!(!html.contains("<script>alert"), "raw script tag");
    assert!(!html.contains("<img"), "raw img tag");
    assert!(!html.contains("onerror=alert(2)>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert_self_contained(&html.replace(" src=x", ""));
}

#[test]
fn exact_curves_over_gold_answers_where_the_chain_is_exact() {
    let m = hostile();
    let toloka = read_policy(&workspace_root().join("policies/toloka.toml")).expect("policy");
    let r = QualityReport::build(&m, &ReportOptions::new().simulation(50, 100), Some(&toloka))
        .expect("report");
    let p = r.policy.as_ref().expect("policy");
    let curves = p.curves.as_ref().expect("exact");
    let (a, c) = curves.iter().find(|c| c.0 == 0.92).expect("0.92");
    assert_eq!((*a, c.len()), (0.92, 101));
    // toloka.toml states: a 92%-accurate worker is suspended with probability ~0.22
    // within 20 control answers and ~0.60 within 100
    assert!(
        (c[20] - 0.22).abs() < 0.01 && (c[100] - 0.60).abs() < 0.01,
        "{} {}",
        c[20],
        c[100]
    );
    // the same number as the exact table at the horizon, and never decreasing
    let at = |acc: f64| {
        p.exact
            .as_ref()
            .expect("table")
            .rows
            .iter()
            .find(|x| (x.accuracy - acc).abs() < 1e-9)
            .map(|x| x.probability)
    };
    for (acc, c) in curves {
        assert!(c.windows(2).all(|w| w[1] >= w[0] - 1e-12));
        if let Some(q) = at(*acc) {
            assert!((q - c[100]).abs() < 1e-12, "{acc}: {q} vs {}", c[100]);
        }
    }
    let html = r.to_html().expect("html");
    assert!(html.contains("P(restricted by then)"));
    // the recommended policy's chain is too large: the page says so instead
    let r = QualityReport::build(
        &m,
        &ReportOptions::new().simulation(50, 100),
        Some(&recommended()),
    )
    .expect("report");
    assert!(r.policy.as_ref().expect("policy").curves.is_err());
    assert!(
        r.to_html()
            .expect("html")
            .contains("No exact curve over gold answers")
    );
}
