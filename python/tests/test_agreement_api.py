"""crowdqc.agreement against irrCAC's and the krippendorff package's stored outputs
(fixtures/agreement/expected.json) and published values (agreement-examples/SOURCE.md)."""

from __future__ import annotations

import json
import math

import crowdqc
import crowdqc.agreement as ag
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import DATA, REPO, missing

EXPECTED = json.loads((REPO / "fixtures" / "agreement" / "expected.json").read_text())
EXAMPLES = DATA / "agreement-examples"


def example(name: str) -> pd.DataFrame:
    path = EXAMPLES / name
    if not path.exists():
        missing(str(path))
    return pd.read_csv(path)


def close5(x: float | None, v: float) -> None:
    """irrCAC rounds to 5 decimals."""
    assert x is not None
    assert abs(x - v) <= 5e-6 + 1e-12, (x, v)


def test_judgments_report_matches_irrcac() -> None:
    r = ag.report(example("gwet2014_raw_4raters.csv"))
    x = EXPECTED["irrcac"]["gwet2014_raw_4raters"]
    for key in [
        "gwet_ac1",
        "fleiss_kappa",
        "brennan_prediger",
        "krippendorff_alpha",
        "conger_kappa",
    ]:
        c = r[key]
        close5(c.value, x[key]["value"])
        close5(c.se, x[key]["se"])
        close5(c.expected, x[key]["pe"])
        close5(c.observed, x[key]["pa"])
        assert c.se_method == "analytic"
    # irrCAC's docstring (raw.py): AC1 95% CI (0.46081, 1).
    ci = r["gwet_ac1"].ci
    assert ci is not None and ci.kind == "t (irrCAC)"
    assert round(ci.low, 5) == 0.46081 and ci.high == 1.0
    assert r.raters == 4 and r.layout == "judgments"
    assert "cohen_kappa" not in r and "scott_pi" not in r
    df = r.to_pandas()
    assert list(df.index) == list(r.coefficients)
    close5(df.loc["fleiss_kappa", "se"], x["fleiss_kappa"]["se"])
    assert df.loc["gwet_ac1", "t_ci_low"] == ci.low


@pytest.mark.parametrize("weights", ["linear", "quadratic", "ordinal"])
def test_weighted_report_matches_irrcac(weights: str) -> None:
    r = ag.report(example("gwet2014_raw_4raters.csv"), weights=weights)
    x = EXPECTED["irrcac_weighted"]["gwet2014_raw_4raters"][weights]
    assert r.weights == weights
    for key, v in x.items():
        close5(r[key].value, v["value"])
        close5(r[key].se, v["se"])


def test_custom_weight_matrix_equals_named_weights() -> None:
    df = example("gwet2014_raw_4raters.csv")
    q = len(ag.report(df).categories)
    # linear weights on the category values 1..q (the labels are 1..5)
    vals = np.array(sorted(df["label"].unique()), dtype=float)
    assert len(vals) == q
    w = 1 - np.abs(vals[:, None] - vals[None, :]) / (vals.max() - vals.min())
    custom = ag.report(df, weights=w)
    linear = ag.report(df, weights="linear")
    assert custom.weights == "custom"
    for key in ("fleiss_kappa", "gwet_ac2", "conger_kappa"):
        assert custom[key].value == pytest.approx(linear[key].value, abs=1e-12)


@pytest.mark.parametrize(
    "name", ["krippendorff2011_4coders_12units", "krippendorff_3coders_15units"]
)
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_levels_match_krippendorff_package(name: str, level: str) -> None:
    r = ag.report(example(name + ".csv"), level=level)
    want = EXPECTED["krippendorff_examples"][name][level]
    assert r.level == level
    assert r["krippendorff_alpha"].value == pytest.approx(want, abs=1e-9)


def test_counts_report_fleiss_1971() -> None:
    counts = example("fleiss1971_diagnoses_counts.csv")
    r = ag.report_counts(counts)
    k = r["fleiss_kappa"]
    assert round(k.value, 7) == 0.4302445  # Fleiss (1971)
    assert round(k.observed, 4) == 0.5556 and round(k.expected, 4) == 0.2199
    assert r.layout == "counts" and r.raters is None
    assert r["conger_kappa"].value is None and r["conger_kappa"].reason
    # the same table as an array with category names
    arr = counts.drop(columns="item").to_numpy()
    r2 = ag.report_counts(arr, categories=list(counts.columns[1:]))
    assert r2["fleiss_kappa"].value == k.value


def test_two_raters_get_cohen_and_scott() -> None:
    df = example("gwet2014_raw_4raters.csv")
    two = df[df["worker"].isin(["Rater1", "Rater2"])]
    r = ag.report(two)
    assert r.raters == 2
    # with two raters on the same items Conger's kappa is Cohen's kappa
    both = two.groupby("item").filter(lambda g: len(g) == 2)
    rb = ag.report(both)
    assert rb["cohen_kappa"].value == pytest.approx(rb["conger_kappa"].value, abs=1e-12)
    assert rb["scott_pi"].value == pytest.approx(rb["fleiss_kappa"].value, abs=1e-12)


def test_bootstrap_intervals_seeded_and_typed() -> None:
    df = example("gwet2014_raw_4raters.csv")
    a = ag.report(df, bootstrap=300, seed=5)
    b = ag.report(pa.Table.from_pandas(df), bootstrap=300, seed=5)
    c = ag.report(df, bootstrap=300, seed=6)
    alpha = a["krippendorff_alpha"]
    assert a.bootstrap_replicates == 300 and a.seed == 5
    assert alpha.ci is not None and alpha.ci.kind == "bootstrap percentile"
    assert [i.kind for i in alpha.intervals] == [
        "bootstrap percentile",
        "t (irrCAC)",
        "Hayes-Krippendorff",
    ]
    assert alpha.bootstrap is not None and alpha.bootstrap.replicates == 300
    assert alpha.ci.low == alpha.bootstrap.ci_low and alpha.ci.high == alpha.bootstrap.ci_high
    hk = alpha.hayes_krippendorff
    assert hk is not None and hk.reason is None and 0 <= hk.p_below_0_667 <= hk.p_below_0_800
    # the analytic SE and t interval do not move with the bootstrap
    assert alpha.se == ag.report(df)["krippendorff_alpha"].se
    assert alpha.interval("t (irrCAC)") == ag.report(df)["krippendorff_alpha"].ci
    assert a.to_pandas().equals(b.to_pandas())  # same seed, other input type
    assert not a.to_pandas().equals(c.to_pandas())
    assert any("item bootstrap" in n for n in a.interval_notes)
    # the percentile interval holds the bootstrap mean
    assert alpha.ci.low <= alpha.bootstrap.mean <= alpha.ci.high


def test_no_hayes_krippendorff_when_not_asked() -> None:
    r = ag.report(example("gwet2014_raw_4raters.csv"), bootstrap=50, hayes_krippendorff=False)
    assert r["krippendorff_alpha"].hayes_krippendorff is None


def test_outputs_agree_across_types() -> None:
    pl = pytest.importorskip("polars")
    df = example("krippendorff_3coders_15units.csv")
    r = ag.report(df)
    t = r.to_arrow()
    assert isinstance(t, pa.Table) and t.num_rows == len(r)
    assert r.to_polars()["value"].to_list() == t.column("value").to_pylist()
    items_pd = ag.item_agreement_table(df)
    items_pl = ag.item_agreement_table(pl.from_pandas(df), output="polars")
    items_pa = ag.item_agreement_table(pa.Table.from_pandas(df), output="arrow")
    assert items_pl.to_pandas().equals(items_pd)
    assert items_pa.to_pandas().equals(items_pd)


def test_item_and_worker_tables_values() -> None:
    df = pd.DataFrame(
        {
            "task": [1, 1, 1, 2, 2, 3],
            "worker": ["a", "b", "c", "a", "b", "a"],
            "label": ["x", "x", "y", "y", "y", "x"],
        }
    )
    items = ag.item_agreement_table(df)
    assert items["item"].tolist() == [1, 2, 3]
    assert items["ratings"].tolist() == [3, 2, 1]
    assert items["top_label"].tolist() == ["x", "y", "x"]
    assert items["top_share"].tolist() == pytest.approx([2 / 3, 1.0, 1.0])
    # entropy of (2/3, 1/3) in nats
    h = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert items["entropy"].tolist() == pytest.approx([h, 0.0, 0.0])
    # pairs that agree: item 1 has 1 of 3, item 2 has 1 of 1, item 3 has none
    assert items["pairwise_agreement"].iloc[:2].tolist() == pytest.approx([1 / 3, 1.0])
    assert pd.isna(items["pairwise_agreement"].iloc[2])
    workers = ag.worker_agreement_table(df)
    assert workers["worker"].tolist() == ["a", "b", "c"]
    assert workers["judgments"].tolist() == [3, 2, 1]
    assert workers["shared_judgments"].tolist() == [2, 2, 1]


def test_bad_input_names_the_parameter_or_column() -> None:
    df = example("krippendorff_3coders_15units.csv")
    with pytest.raises(crowdqc.InvalidParameterError, match="level"):
        ag.report(df, level="cardinal")  # type: ignore[arg-type]
    with pytest.raises(crowdqc.InvalidParameterError, match="weights"):
        ag.report(df, weights="cubic")  # type: ignore[arg-type]
    with pytest.raises(crowdqc.InvalidParameterError, match="confidence"):
        ag.report(df, confidence=1.5)
    with pytest.raises(crowdqc.InvalidParameterError, match="bootstrap"):
        ag.report(df, bootstrap=-1)
    with pytest.raises(crowdqc.InvalidParameterError, match="weights"):
        ag.report(df, weights=np.ones((2, 3)))
    with pytest.raises(crowdqc.MissingColumnError, match="worker"):
        ag.report(df.rename(columns={"worker": "rater"}))
    text = pd.DataFrame({"task": [1, 1], "worker": ["a", "b"], "label": ["x", "y"]})
    with pytest.raises(crowdqc.Error, match="interval"):
        ag.report(text, level="interval")
    with pytest.raises(crowdqc.InvalidParameterError, match="counts"):
        ag.report_counts(np.array([[1.5, 2.0]]))
    with pytest.raises(crowdqc.InvalidParameterError, match="output"):
        ag.item_agreement_table(df, output="json")  # type: ignore[arg-type]


INTERRUPT = """
import os, signal, threading, time
import numpy as np, pandas as pd
import crowdqc.agreement as ag
rng = np.random.default_rng(0)
n = 20000
df = pd.DataFrame({"task": np.repeat(np.arange(n), 5), "worker": np.tile(np.arange(5), n),
                   "label": rng.integers(0, 4, 5 * n)})
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.perf_counter()
try:
    ag.report(df, bootstrap=1_000_000, seed=1)
    print("finished", time.perf_counter() - t0)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - t0 - 1.0)
"""


def test_ctrl_c_interrupts_a_bootstrap_within_a_second() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", INTERRUPT], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    word, seconds = out.stdout.split()
    assert word == "interrupted", out.stdout
    assert float(seconds) < 1.0


def test_docstring_examples() -> None:
    import doctest

    assert doctest.testmod(ag, raise_on_error=True).attempted > 0


@pytest.mark.parametrize(
    "name", ["gwet2014_cont3x3_abstractors", "gwet_cont4x4_diagnosis", "sas_cohen_kappa_3x3"]
)
@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
def test_contingency_table_matches_irrcac(name: str, weights: str) -> None:
    table = example(name + ".csv")
    r = ag.report_table(table, weights=weights)  # type: ignore[arg-type]
    x = EXPECTED["irrcac_table"][name]
    assert r.layout == "table" and r.raters == 2
    for key in ("cohen_kappa", "scott_pi"):
        close5(r[key].value, x[f"{key}_{weights}"]["value"])
        close5(r[key].se, x[f"{key}_{weights}"]["se"])
    # the same table as a square matrix in the frame's category order
    cats = list(dict.fromkeys([*table["label_a"], *table["label_b"]]))
    m = (
        table.pivot_table(index="label_a", columns="label_b", values="count", aggfunc="sum")
        .reindex(index=cats, columns=cats)
        .fillna(0)
    )
    r2 = ag.report_table(m.to_numpy(), categories=cats, weights=weights)  # type: ignore[arg-type]
    assert r2["cohen_kappa"].value == r["cohen_kappa"].value


def test_contingency_table_bad_input() -> None:
    with pytest.raises(crowdqc.InvalidParameterError, match="table"):
        ag.report_table(np.ones((2, 3)))
    with pytest.raises(crowdqc.InvalidParameterError, match="table"):
        ag.report_table(np.array([[1, -1], [0, 2]]))
