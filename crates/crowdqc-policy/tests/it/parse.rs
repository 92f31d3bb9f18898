//! Policy files: valid files, and one rejection test per kind of bad input.

use crowdqc_core::Error;
use crowdqc_policy::{Action, Bound, Comparison, Metric, parse_policy};

use crate::example_policy;

fn parse_err(src: &str) -> Error {
    parse_policy(src).expect_err("must be rejected")
}

#[test]
fn example_policies_parse() {
    let t = example_policy("toloka.toml");
    assert_eq!(t.rules.len(), 3);
    assert_eq!(t.rules[0].duration_ms, Some(10 * 86_400_000));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    let a = example_policy("appen.toml");
    assert!(a.rules.iter().all(|r| r.untrust && r.action == Action::Ban));
    let r = example_policy("recommended.toml");
    assert_eq!(r.tiers.as_ref().map(|t| t.levels.len()), Some(3));
    assert!(r.rules[0].sprt.is_some());
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn full_rule_is_compiled() {
    let p = parse_policy(
        r#"
name = "x"
[[rules]]
id = "low"
action = "ban"
duration = "12h"
min_evidence = 10
when = [{ metric = "gold_accuracy", window = 20, bound = "upper", confidence = 0.9, interval = "jeffreys", below = 0.8 }]
"#,
    )
    .expect("valid");
    let r = &p.rules[0];
    assert_eq!(r.line, 3);
    assert_eq!(r.duration_ms, Some(12 * 3_600_000));
    let c = &r.conditions[0];
    assert_eq!(
        (c.metric, c.comparison, c.bound, c.window),
        (
            Metric::GoldAccuracy,
            Comparison::Below,
            Bound::Upper,
            Some(20)
        )
    );
    assert!((c.confidence - 0.9).abs() < 1e-12);
}

#[test]
fn unknown_metric_names_line_and_options() {
    let e = parse_err(
        "[[rules]]\nid = \"a\"\naction = \"ban\"\nmin_evidence = 3\nwhen = [{ metric = \"gold_acuracy\", below = 0.5 }]\n",
    );
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { line: Some(5), .. }), "{msg}");
    assert!(
        msg.contains("gold_acuracy")
            && msg.contains("gold_accuracy")
            && msg.contains("spammer_score"),
        "{msg}"
    );
}

#[test]
fn unknown_action_names_line_and_options() {
    let e = parse_err(
        "[[rules]]\nid = \"a\"\naction = \"block\"\nmin_evidence = 3\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n",
    );
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { line: Some(3), .. }), "{msg}");
    for a in [
        "allow", "warn", "demote", "promote", "suspend", "ban", "untrust",
    ] {
        assert!(msg.contains(a), "{msg} lacks {a}");
    }
}

#[test]
fn unknown_key_names_line_and_options() {
    let e = parse_err(
        "name = \"p\"\n[[rules]]\nid = \"a\"\naction = \"ban\"\nmin_evidense = 3\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n",
    );
    let msg = e.to_string();
    assert!(matches!(e, Error::Parse { line: Some(5), .. }), "{msg}");
    assert!(
        msg.contains("min_evidense") && msg.contains("min_evidence"),
        "{msg}"
    );
    let e = parse_err("colour = 1\n");
    assert!(e.to_string().contains("rules"), "{e}");
}

#[test]
fn threshold_outside_unit_interval_is_a_parameter_error() {
    let e = parse_err(
        "[[rules]]\nid = \"a\"\naction = \"ban\"\nmin_evidence = 3\nwhen = [{ metric = \"gold_accuracy\", below = 1.5 }]\n",
    );
    assert!(
        matches!(&e, Error::InvalidParameter { name, .. } if name == "gold_accuracy"),
        "{e}"
    );
    assert!(
        e.to_string().contains("[0, 1]") && e.to_string().contains("line 5"),
        "{e}"
    );
    let e = parse_err(
        "[[rules]]\nid = \"a\"\naction = \"warn\"\nmin_evidence = 3\nwhen = [{ metric = \"spammer_score\", below = -0.1 }]\n",
    );
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
}

#[test]
fn negative_duration_is_a_parameter_error() {
    let e = parse_err(
        "[[rules]]\nid = \"a\"\naction = \"suspend\"\nduration = \"-3d\"\nmin_evidence = 3\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n",
    );
    assert!(
        matches!(&e, Error::InvalidParameter { name, .. } if name == "duration"),
        "{e}"
    );
    assert!(
        e.to_string().contains("negative") && e.to_string().contains("line 4"),
        "{e}"
    );
    let e = parse_err(
        "[[rules]]\nid = \"a\"\naction = \"suspend\"\nduration = \"3 fortnights\"\nmin_evidence = 3\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n",
    );
    assert!(e.to_string().contains("s, m, h, d, w"), "{e}");
}

#[test]
fn missing_min_evidence_is_a_warning() {
    let p = parse_policy("[[rules]]\nid = \"eager\"\naction = \"ban\"\nwhen = [{ metric = \"gold_accuracy\", below = 0.5 }]\n")
        .expect("valid with a warning");
    assert_eq!(p.warnings.len(), 1);
    assert!(
        p.warnings[0].contains("eager") && p.warnings[0].contains("min_evidence"),
        "{:?}",
        p.warnings
    );
}

#[test]
fn other_rejections() {
    // suspend without duration
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"suspend\"\nmin_evidence = 1\nwhen = [{ metric = \"judgments\", above = 1 }]\n").to_string().contains("duration"));
    // no condition
    assert!(
        parse_err("[[rules]]\nid = \"a\"\naction = \"ban\"\n")
            .to_string()
            .contains("no condition")
    );
    // two comparisons
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"ban\"\nwhen = [{ metric = \"gold_accuracy\", below = 0.5, above = 0.1 }]\n").to_string().contains("exactly one"));
    // duplicate id
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"warn\"\nwhen = [{ metric = \"judgments\", above = 1 }]\n[[rules]]\nid = \"a\"\naction = \"warn\"\nwhen = [{ metric = \"judgments\", above = 1 }]\n").to_string().contains("duplicate"));
    // sprt bad >= good, alpha out of range
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"ban\"\nsprt = { good = 0.8, bad = 0.9, alpha = 0.01, beta = 0.05 }\n").to_string().contains("sprt.bad"));
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"ban\"\nsprt = { good = 0.9, bad = 0.8, alpha = 1.5, beta = 0.05 }\n").to_string().contains("sprt.alpha"));
    // window on a non-gold metric, window too large
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"warn\"\nwhen = [{ metric = \"model_accuracy\", window = 5, below = 0.5 }]\n").to_string().contains("window"));
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"warn\"\nwhen = [{ metric = \"gold_accuracy\", window = 500, below = 0.5 }]\n").to_string().contains("window"));
    // fast_share without fast_ms
    assert!(parse_err("[[rules]]\nid = \"a\"\naction = \"warn\"\nwhen = [{ metric = \"fast_share\", above = 0.5 }]\n").to_string().contains("fast_ms"));
    // tiers: demote above promote (no hysteresis), unknown start
    assert!(parse_err("[tiers]\nmin_evidence = 5\nlevels = [{ name = \"a\" }, { name = \"b\", promote_at = 0.8, demote_below = 0.9 }]\n").to_string().contains("hysteresis"));
    assert!(parse_err("[tiers]\nstart = \"z\"\nlevels = [{ name = \"a\" }, { name = \"b\", promote_at = 0.8 }]\n").to_string().contains("valid: a, b"));
    // negative dwell
    assert!(parse_err("[tiers]\nmin_dwell = \"-1h\"\nlevels = [{ name = \"a\" }, { name = \"b\", promote_at = 0.8 }]\n").to_string().contains("negative"));
}

/// The policy file shown in the crate documentation is valid and complete.
#[test]
fn documented_policy_file_parses() {
    let lib = include_str!("../../src/lib.rs");
    let start = lib.find("//! ```toml\n").expect("toml block") + "//! ```toml\n".len();
    let end = start + lib[start..].find("//! ```\n").expect("end of block");
    let src: String = lib[start..end]
        .lines()
        .map(|l| {
            l.strip_prefix("//!")
                .unwrap_or(l)
                .strip_prefix(' ')
                .unwrap_or("")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let p = parse_policy(&src).expect("documented policy parses");
    assert_eq!(p.rules.len(), 4);
    assert!(p.rules[2].posterior.is_some());
    assert_eq!(p.tiers.as_ref().map(|t| t.levels.len()), Some(3));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn activity_and_pay_metrics() {
    let p = crate::example_policy("fair-pay.toml");
    assert_eq!(p.rules[0].conditions[0].metric, Metric::TasksPerDay);
    assert_eq!(p.rules[1].conditions[0].metric, Metric::HourlyPay);
    assert_eq!(
        p.rules_using(Metric::HourlyPay),
        vec![("below-pay-floor", 27)]
    );
    for (bad, words) in [
        ("below = -1", "tasks a day"),
        ("below = inf", "finite"),
        ("below = nan", "finite"),
    ] {
        let e = parse_err(&format!(
            "[[rules]]\nid = \"q\"\naction = \"warn\"\nmin_evidence = 1\n\
             when = [{{ metric = \"tasks_per_day\", {bad} }}]\n"
        ))
        .to_string();
        assert!(e.contains(words) && e.contains("line 5"), "{bad}: {e}");
    }
    let e = parse_err(
        "[[rules]]\nid = \"q\"\naction = \"warn\"\n\
         when = [{ metric = \"hourly_pay\", window = 10, below = 5 }]\n",
    )
    .to_string();
    assert!(e.contains("window"), "{e}");
    let e = parse_err(
        "[[rules]]\nid = \"q\"\naction = \"warn\"\n\
         when = [{ metric = \"hourly_pay\", below = -7.25 }]\n",
    )
    .to_string();
    assert!(e.contains("hourly amount"), "{e}");
}

#[test]
fn pay_tables_and_their_errors() {
    use crowdqc_policy::pay::{ItemPay, parse_pay};
    let dir = std::env::temp_dir().join(format!("crowdqc-pay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("long.txt"), "# long texts\ndoc-1\n\ndoc-2\n").expect("write");
    let t = parse_pay(
        "rate = 0.05\n[[pools]]\nname = \"long\"\nrate = 0.2\nitems_file = \"long.txt\"\n\
         items = [7]\n[unpaid]\nitems = [\"train\"]\nqualification_gold = 3\n",
        Some(&dir),
    )
    .expect("valid");
    assert_eq!(t.item("doc-2"), &ItemPay::Pool(0));
    assert_eq!(t.item("7"), &ItemPay::Pool(0));
    assert_eq!(t.item("train"), &ItemPay::Unpaid);
    assert_eq!(t.item("other"), &ItemPay::Default);
    assert_eq!((t.currency.as_str(), t.qualification_gold), ("USD", 3));
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/pay-example.toml"
    ))
    .expect("example");
    let ex = parse_pay(&example, None).expect("example pay table");
    assert!((ex.net(&ItemPay::Default) - 0.2).abs() < 1e-15);
    for (src, words) in [
        ("currency = \"USD\"\n", vec!["rate", "missing"]),
        ("rate = -0.01\n", vec!["rate", "line 1", "-0.01"]),
        (
            "rate = 0.1\nplatform_cut = 1.0\n",
            vec!["platform_cut", "line 2"],
        ),
        (
            "rate = 0.1\nplatform_cut = -0.1\n",
            vec!["platform_cut", "line 2"],
        ),
        (
            "rate = 0.1\nhourly_floor = -1\n",
            vec!["hourly_floor", "line 2"],
        ),
        ("rate = 0.1\nbonus = 2\n", vec!["line 2", "bonus"]),
        (
            "rate = 0.1\n[[pools]]\nname = \"a\"\nrate = -2\n",
            vec!["pools.rate", "line 2"],
        ),
        (
            "rate = 0.1\n[[pools]]\nname = \"a\"\nrate = 1\nitems = [\"x\"]\n\
             [[pools]]\nname = \"b\"\nrate = 1\nitems = [\"x\"]\n",
            vec!["`x`", "twice", "line 6"],
        ),
        (
            "rate = 0.1\n[[pools]]\nname = \"a\"\nrate = 1\nitems = [\"x\"]\n\
             [unpaid]\nitems = [\"x\"]\n",
            vec!["`x`", "unpaid", "line 6", "line 2"],
        ),
        (
            "rate = 0.1\n[unpaid]\nitems = [1.5]\n",
            vec!["item ids", "line 2"],
        ),
        (
            "rate = 0.1\n[unpaid]\nitems_file = \"nope.txt\"\n",
            vec!["nope.txt"],
        ),
    ] {
        let e = parse_pay(src, Some(&dir)).expect_err(src).to_string();
        for w in words {
            assert!(e.contains(w), "{src:?}: `{w}` not in {e}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
