//! `crowdqc pairwise aggregate|policy` and `crowdqc ratings policy`: output tables, bad
//! input, and policy decisions on preference and rating tasks checked against the
//! same gold answers given to `crowdqc policy eval` as classification judgments.

use arrow_array::cast::AsArray;
use serde_json::Value;

use crate::util::{assert_no_panic, crowdqc, file, s};

const CSV: &str = "worker,left,right,label\nw1,a,b,a\nw1,b,c,b\nw1,c,a,a\nw2,a,c,tie\n";

fn recommended() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/recommended.toml"
    )
    .to_string()
}

#[test]
fn aggregate_writes_items_and_workers_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = file(dir.path(), "c.csv", CSV);
    let (items, workers) = (dir.path().join("items.parquet"), dir.path().join("w.csv"));
    let r = crowdqc(&[
        "pairwise",
        "aggregate",
        s(&c),
        "--out",
        s(&items),
        "--workers-out",
        s(&workers),
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("method       crowd-bt"), "{}", r.stdout);
    let b = &crowdqc::io::read_table(&items).expect("items")[0];
    let schema = b.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "item",
            "score",
            "stderr",
            "lower",
            "upper",
            "rank",
            "log_strength",
            "comparisons",
            "wins",
            "component"
        ]
    );
    let ranks = b.column(5).as_primitive::<arrow_array::types::Int64Type>();
    // a beats b and c; b beats c: ranks 1, 2, 3 in item order a, b, c
    assert_eq!(ranks.values().to_vec(), [1, 2, 3]);
    assert_eq!(
        crowdqc::io::read_table(&workers).expect("w")[0].num_rows(),
        2
    );
}

#[test]
fn aggregate_rejects_bad_rows_and_methods() {
    let dir = tempfile::tempdir().expect("tempdir");
    let items = dir.path().join("items.parquet");
    let bad = file(dir.path(), "bad.csv", "worker,left,right,label\nw,a,b,c\n");
    let r = crowdqc(&["pairwise", "aggregate", s(&bad), "--method", "bt"]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("`c` is neither"), "{}", r.stderr);
    let c = file(dir.path(), "c.csv", CSV);
    let r = crowdqc(&[
        "pairwise",
        "aggregate",
        s(&c),
        "--method",
        "bradley",
        "--out",
        s(&items),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("unknown method `bradley`"),
        "{}",
        r.stderr
    );
    assert!(!items.exists());
    assert_no_panic(&r);
}

/// xorshift64: the tests' seeded generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// Worker `w0` clicks at random; `w1`..`w5` follow the true order 95% of the time.
const WORKERS: [(&str, f64); 6] = [
    ("w0", 0.5),
    ("w1", 0.95),
    ("w2", 0.95),
    ("w3", 0.95),
    ("w4", 0.95),
    ("w5", 0.95),
];
const ANSWERS: usize = 40;

/// The same gold answers twice: as comparisons of items with known levels, and as
/// classification judgments on gold items (label `a` = the right answer), one a
/// minute, interleaved across workers in the same order.
fn preference_task() -> (String, String, String, String) {
    let mut rng = Rng(0x5EED_0001);
    let mut comparisons = String::from("worker,left,right,winner\n");
    let mut judgments = String::from("item,worker,label,timestamp\n");
    let mut gold = String::from("item,label\n");
    let t0 = 1_714_564_800_000i64;
    for k in 0..ANSWERS {
        for (w, acc) in WORKERS {
            let l = rng.below(30);
            let r = (l + 1 + rng.below(29)) % 30;
            let right_answer = rng.chance(acc);
            // the item with the higher number has the higher level and should win
            let truth = if l > r { l } else { r };
            let other = l + r - truth;
            let winner = if right_answer { truth } else { other };
            comparisons += &format!("{w},i{l},i{r},i{winner}\n");
            let item = format!("g{k}_{w}");
            let t = t0 + 60_000 * judgments.lines().count() as i64;
            let label = if right_answer { "a" } else { "b" };
            judgments += &format!("{item},{w},{label},{t}\n");
            gold += &format!("{item},a\n");
        }
    }
    let levels = (0..30).fold(String::from("item,level\n"), |s, i| {
        s + &format!("i{i},{i}\n")
    });
    (comparisons, levels, judgments, gold)
}

fn run_json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json", "--all"]);
    let r = crowdqc(&a);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_no_panic(&r);
    serde_json::from_str(&r.stdout).expect("json")
}

fn decision<'a>(v: &'a Value, worker: &str) -> &'a Value {
    v["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .find(|d| d["worker"] == worker)
        .expect("worker decided")
}

/// What must match between a task type and classification: the action, the rules
/// that fired, the tier move and every explanation.
fn outcome(d: &Value) -> Value {
    serde_json::json!([
        d["action"],
        d["rules"],
        d["untrust"],
        d["tier"],
        d["explanations"]
    ])
}

#[test]
fn random_clicker_on_preferences_is_banned_as_on_classification() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (c, levels, j, g) = preference_task();
    let (c, levels) = (
        file(dir.path(), "c.csv", c),
        file(dir.path(), "levels.csv", levels),
    );
    let (j, g) = (file(dir.path(), "j.csv", j), file(dir.path(), "g.csv", g));
    let p = recommended();
    let out = dir.path().join("decisions.csv");
    let pw = run_json(&[
        "pairwise",
        "policy",
        s(&c),
        "--gold",
        s(&levels),
        "--policy",
        &p,
        "--out",
        s(&out),
    ]);
    let cl = run_json(&["policy", "eval", "--policy", &p, s(&j), "--gold", s(&g)]);
    let bad = decision(&pw, "w0");
    assert_eq!(bad["action"], "ban", "{bad}");
    assert!(
        bad["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .any(|r| r == "spammer")
    );
    assert_eq!(pw["untrusted"], serde_json::json!(["w0"]));
    for (w, _) in WORKERS {
        assert_eq!(outcome(decision(&pw, w)), outcome(decision(&cl, w)), "{w}");
    }
    // the text output names the rule and its evidence
    let r = crowdqc(&[
        "pairwise",
        "policy",
        s(&c),
        "--gold",
        s(&levels),
        "--policy",
        &p,
    ]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("w0:"))
        .expect("w0 listed");
    assert!(line.contains("ban + untrust"), "{}", r.stdout);
    assert!(
        r.stdout.contains("rule `spammer` (line 26) -> ban"),
        "{}",
        r.stdout
    );
    let table = std::fs::read_to_string(&out).expect("decisions table");
    assert!(table.starts_with("worker,action"), "{table}");
    assert_eq!(table.lines().count(), 1 + WORKERS.len());
}

#[test]
fn pairwise_gold_winners_file_and_bad_gold() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = file(dir.path(), "c.csv", CSV);
    // known winners: w1 answered both gold pairs right, w2 called a tie on (a, c)
    let g = file(dir.path(), "g.csv", "left,right,winner\nb,a,a\na,c,left\n");
    let pol = file(
        dir.path(),
        "p.toml",
        "name = \"t\"\n[[rules]]\nid = \"any-wrong\"\naction = \"ban\"\n\
         when = [{ metric = \"gold_wrong\", at_least = 1 }]\n",
    );
    let v = run_json(&[
        "pairwise",
        "policy",
        s(&c),
        "--gold",
        s(&g),
        "--policy",
        s(&pol),
    ]);
    assert_eq!(decision(&v, "w1")["action"], "allow");
    assert_eq!(decision(&v, "w2")["action"], "ban");
    assert_eq!(
        decision(&v, "w2")["rules"],
        serde_json::json!(["any-wrong"])
    );
    let bad = file(dir.path(), "bad.csv", "left,right,winner\na,b,c\n");
    let r = crowdqc(&[
        "pairwise",
        "policy",
        s(&c),
        "--gold",
        s(&bad),
        "--policy",
        s(&pol),
    ]);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(
        r.stderr.contains("bad.csv") && r.stderr.contains("`c`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("line 2"), "{}", r.stderr);
}

/// Gold ratings on a 1–7 scale with tolerance 1, and the same answers as
/// classification judgments (label `a` = within tolerance).
fn rating_task() -> (String, String, String, String) {
    let mut rng = Rng(0x5EED_0002);
    let truth: Vec<u64> = (0..ANSWERS).map(|_| 1 + rng.below(7)).collect();
    let mut ratings = String::from("item,worker,label\n");
    let mut gold = String::from("item,label\n");
    let mut judgments = String::from("item,worker,label,timestamp\n");
    let mut jgold = String::from("item,label\n");
    let t0 = 1_714_564_800_000i64;
    for (k, &v) in truth.iter().enumerate() {
        gold += &format!("r{k},{v}\n");
        for (w, acc) in WORKERS {
            let x = if acc < 0.9 {
                1 + rng.below(7) // the random clicker: uniform over the scale
            } else if rng.chance(acc) {
                v
            } else {
                if v > 4 { 1 } else { 7 }
            };
            ratings += &format!("r{k},{w},{x}\n");
            let t = t0 + 60_000 * judgments.lines().count() as i64;
            let label = if x.abs_diff(v) <= 1 { "a" } else { "b" };
            judgments += &format!("g{k}_{w},{w},{label},{t}\n");
            jgold += &format!("g{k}_{w},a\n");
        }
    }
    (ratings, gold, judgments, jgold)
}

#[test]
fn random_clicker_on_ratings_is_banned_as_on_classification() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r, g, j, jg) = rating_task();
    let (r, g) = (file(dir.path(), "r.csv", r), file(dir.path(), "g.csv", g));
    let (j, jg) = (file(dir.path(), "j.csv", j), file(dir.path(), "jg.csv", jg));
    let p = recommended();
    let rt = run_json(&[
        "ratings",
        "policy",
        s(&r),
        "--gold",
        s(&g),
        "--tolerance",
        "1",
        "--policy",
        &p,
    ]);
    let cl = run_json(&["policy", "eval", "--policy", &p, s(&j), "--gold", s(&jg)]);
    let bad = decision(&rt, "w0");
    assert_eq!(bad["action"], "ban", "{bad}");
    assert_eq!(rt["untrusted"], serde_json::json!(["w0"]));
    for (w, _) in WORKERS {
        assert_eq!(outcome(decision(&rt, w)), outcome(decision(&cl, w)), "{w}");
    }
    let x = crowdqc(&[
        "ratings",
        "policy",
        s(&r),
        "--gold",
        s(&g),
        "--tolerance=-1",
        "--policy",
        &p,
    ]);
    assert_eq!(x.code, Some(2), "{x:?}");
    assert!(x.stderr.contains("tolerance"), "{}", x.stderr);
}
