"""crowdqc.ratings against external references: Zheng et al.'s LFC on snow2008-affect
(published MAE 12.195 / RMSE 18.969 and their code's per-item output,
fixtures/ratings/zheng2017), pandas' own group statistics, and pingouin 0.5.5's ICC and
Kendall's W (fixtures/ratings/pingouin)."""

from __future__ import annotations

import json
import math
from typing import Any, Optional

import crowdqc
import crowdqc.ratings as rt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import DATA, REPO, missing

FIXTURES = REPO / "fixtures" / "ratings"
PINGOUIN = json.loads((FIXTURES / "pingouin" / "pingouin_reference.json").read_text())["cases"]
ZHENG = json.loads((FIXTURES / "zheng2017" / "zheng2017_affect.json").read_text())

# Shrout & Fleiss (1979) Table 2: 6 targets x 4 judges (published; the same table the
# pingouin fixture's generator uses)
SF = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def shared(name: str, file: str = "judgments.csv") -> pd.DataFrame:
    path = DATA / name / file
    if not path.is_file():
        missing(str(path))
    return pd.read_csv(path, dtype={"item": str, "worker": str, "label": float})


def close(x: Optional[float], want: float, rel: float = 1e-9) -> None:
    assert x is not None
    assert math.isclose(x, want, rel_tol=rel, abs_tol=1e-12), (x, want)


def test_lfc_on_affect_matches_zheng_code_and_published_error() -> None:
    df = shared("snow2008-affect")
    gold = shared("snow2008-affect", "gold.csv").set_index("item")["label"]
    # Zheng et al.'s settings for l_LFCcont: 50 iterations, eps 1e-6
    r = rt.aggregate(df, "lfc", max_iter=50, tol=1e-6)
    assert r.method == "lfc" and r.n_items == 700 and r.n_ratings == len(df)
    scores = r.items.set_index("item")["score"]
    truth = ZHENG["methods"]["lfc"]["truth"]
    assert len(truth) == 700
    for item, want in truth.items():
        close(scores[item], want)
    quality = ZHENG["methods"]["lfc"]["worker_quality"]
    for worker, weight in r.workers.set_index("worker")["weight"].items():
        close(weight, quality[worker])
    err = scores.reindex(gold.index) - gold
    # Zheng et al. (2017), f201_Emotion_FULL, LFC continuous: MAE 12.195, RMSE 18.969
    assert abs(err.abs().mean() - 12.195) < 5e-4
    assert abs(math.sqrt((err**2).mean()) - 18.969) < 5e-4


def test_simple_methods_equal_pandas_group_statistics() -> None:
    df = shared("snow2008-affect")
    g = df.groupby("item", sort=False)["label"]
    mean = rt.aggregate(df).items.set_index("item")
    assert list(mean.index) == list(g.mean().index)  # first-appearance order
    np.testing.assert_allclose(mean["score"], g.mean(), rtol=1e-12)
    np.testing.assert_allclose(mean["std_error"], g.sem(), rtol=1e-10)
    assert (mean["n_ratings"].to_numpy() == g.count().to_numpy()).all()
    median = rt.aggregate(df, "median").items.set_index("item")["score"]
    np.testing.assert_allclose(median, g.median(), rtol=1e-12)
    # worker bias: mean of (rating - item mean) per worker
    resid = df["label"] - df["item"].map(g.mean())
    bias = resid.groupby(df["worker"], sort=False).mean()
    workers = rt.aggregate(df).workers.set_index("worker")
    np.testing.assert_allclose(workers.loc[bias.index, "bias"], bias, rtol=1e-9, atol=1e-12)
    assert workers["weight"].isna().all()


def test_trimmed_mean_equals_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    df = shared("snow2008-affect")
    want = df.groupby("item", sort=False)["label"].apply(lambda x: stats.trim_mean(x, 0.1))
    got = rt.aggregate(df, "trimmed-mean", trim=0.1).items.set_index("item")["score"]
    np.testing.assert_allclose(got, want.loc[got.index], rtol=1e-12)


def sf_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (f"t{i + 1}", f"j{j + 1}", float(x))
            for i, row in enumerate(SF)
            for j, x in enumerate(row)
        ],
        columns=["item", "worker", "rating"],
    )


def case_frame(name: str) -> pd.DataFrame:
    if name == "shrout_fleiss_1979":
        return sf_frame()
    if name.startswith("wordsim"):
        df = shared("snow2008-wordsim")
        for item, worker in PINGOUIN[name].get("dropped", []):
            df = df[~((df["item"] == item) & (df["worker"] == worker))]
        return df
    case = PINGOUIN[name]
    df = shared("snow2008-affect")
    return df[df["item"].isin(case["items"]) & df["worker"].isin(case["workers"])]


@pytest.mark.parametrize("name", sorted(PINGOUIN))
def test_icc_and_kendall_w_equal_pingouin(name: str) -> None:
    ref = PINGOUIN[name]
    a = rt.agreement(case_frame(name))
    assert list(a.icc) == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    for form, want in ref["icc"].items():
        f = a.icc[form]
        close(f.value, want["icc"])
        close(f.f, want["f"])
        assert (f.df1, f.df2) == (want["df1"], want["df2"])
        close(f.p_value, want["p"], rel=1e-6)
        close(f.ci_low, want["ci_low"], rel=1e-7)
        close(f.ci_high, want["ci_high"], rel=1e-7)
        assert f.undefined is None
    w = a.kendall_w
    close(w.w, ref["kendall_w"]["w"])
    close(w.chi2, ref["kendall_w"]["q"])
    assert w.df == ref["kendall_w"]["ddof1"]
    close(w.p_value, ref["kendall_w"]["p"], rel=1e-6)
    table = a.to_pandas()
    incomplete = ["kendall_w_incomplete"] if a.kendall_w_incomplete is not None else []
    assert list(table.index) == [*a.icc, "ICC1u", "kendall_w", *incomplete]
    # the incomplete-design W is there exactly when listwise deletion dropped items
    assert (a.kendall_w_incomplete is not None) == (a.kendall_w.n_items_dropped > 0)
    assert table.loc["ICC2k", "value"] == a.icc["ICC2k"].value
    assert table.loc["kendall_w", "statistic_value"] == w.chi2
    assert a.form("ICC(2,1)") is a.icc["ICC2"]
    if name == "wordsim_missing":
        # pingouin's nan_policy="omit": the two items missing a rating are dropped
        assert (a.n_items_used, a.n_items_dropped) == (28, 2)
    else:
        assert a.n_items_dropped == 0
        # on complete data ICC(1,1) from every rating is the one-way ICC1
        close(a.all_ratings.value, ref["icc"]["ICC1"]["icc"])


def test_ordinal_levels_are_ranks() -> None:
    df = pd.DataFrame(
        {
            "task": [1, 1, 1, 2, 2],
            "worker": ["a", "b", "c", "a", "b"],
            "label": ["low", "high", "high", "mid", "low"],
        }
    )
    r = rt.aggregate(df, levels=["low", "mid", "high"])
    assert r.items["score"].tolist() == [4 / 3, 0.5]
    assert r.items["item"].tolist() == [1, 2]
    with pytest.raises(crowdqc.InvalidValueError, match="`top` is not one of the declared"):
        rt.aggregate(
            df.assign(label=["low", "top", "mid", "mid", "low"]), levels=["low", "mid", "high"]
        )


def test_aliases_explicit_names_and_outputs() -> None:
    df = sf_frame()
    base = rt.aggregate(df).items["score"].tolist()
    assert base == [sum(r) / 4 for r in SF]
    renamed = df.rename(columns={"item": "task", "rating": "score"})
    assert rt.aggregate(renamed).items["score"].tolist() == base
    custom = df.rename(columns={"item": "film", "worker": "critic", "rating": "stars"})
    got = rt.aggregate(custom, item="film", worker="critic", rating="stars")
    assert got.items["score"].tolist() == base
    arrow = rt.aggregate(pa.Table.from_pandas(df), output="arrow")
    assert isinstance(arrow.items, pa.Table) and arrow.items["score"].to_pylist() == base
    arr = rt.aggregate(df.to_numpy())
    assert arr.items["score"].tolist() == base
    pl = pytest.importorskip("polars")
    polars_out = rt.aggregate(pl.from_pandas(df), output="polars")
    assert isinstance(polars_out.workers, pl.DataFrame)
    assert polars_out.items["score"].to_list() == base


def test_non_numeric_rating_names_the_value() -> None:
    df = pd.DataFrame(
        {"item": ["a", "a", "b"], "worker": ["x", "y", "x"], "rating": ["3", "4", "high"]}
    )
    with pytest.raises(ValueError, match="`high` is not a number") as e:
        rt.aggregate(df)
    assert isinstance(e.value, crowdqc.InvalidValueError)
    assert "rating" in str(e.value) and "3" in str(e.value)  # the column and the row
    with pytest.raises(crowdqc.InvalidValueError, match="`high` is not a number"):
        rt.agreement(df)
    # numbers and text mixed in one object column: still the value and its row
    mixed = df.assign(rating=[3, 4.5, "high"])
    with pytest.raises(crowdqc.InvalidValueError, match="row 3, column `rating`: `high`"):
        rt.aggregate(mixed)
    assert rt.aggregate(mixed.head(2)).items["score"].tolist() == [3.75]
    with pytest.raises(crowdqc.InvalidValueError, match="row 3, column `rating`: `high`"):
        rt.aggregate(mixed.to_numpy())


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"method": "mode"}, crowdqc.InvalidParameterError, "unknown rating method `mode`"),
        ({"method": "trimmed-mean", "trim": 0.5}, crowdqc.InvalidParameterError, "trim"),
        ({"duplicates": "most"}, crowdqc.InvalidParameterError, "most"),
        ({"levels": "low,high"}, crowdqc.InvalidParameterError, "levels"),
        ({"output": "excel"}, crowdqc.InvalidParameterError, "output"),
    ],
)
def test_bad_parameters(kwargs: dict[str, Any], error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        rt.aggregate(sf_frame(), **kwargs)


def test_bad_input() -> None:
    df = sf_frame()
    with pytest.raises(crowdqc.MissingColumnError, match="rating, label, score"):
        rt.aggregate(df.drop(columns=["rating"]))
    with pytest.raises(crowdqc.MissingColumnError, match="missing column `stars`"):
        rt.aggregate(df, rating="stars")
    with pytest.raises(crowdqc.InvalidParameterError, match="confidence"):
        rt.agreement(df, confidence=1.5)
    dup = pd.concat([df, df.head(1).assign(rating=1.0)])
    with pytest.raises(crowdqc.Error, match="more than once"):
        rt.aggregate(dup, duplicates="error")
    r = rt.aggregate(dup, duplicates="first")
    assert r.ingest["dropped_duplicate_rows"] == 1 and r.items["score"].tolist()[0] == 6.0
    with pytest.raises(crowdqc.Error):
        rt.aggregate(df.iloc[0:0])
    nan = df.assign(rating=[np.nan] + [1.0] * (len(df) - 1))
    with pytest.raises(crowdqc.InvalidValueError, match="rating"):
        rt.aggregate(nan)


def test_undefined_statistics_are_none_not_nan() -> None:
    const = sf_frame().assign(rating=5.0)
    a = rt.agreement(const)
    assert a.kendall_w.w is None and a.kendall_w.undefined
    assert any(f.value is None and f.undefined for f in a.icc.values())


def large_ratings(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "item": rng.integers(0, n // 10, n),
            "worker": rng.integers(0, 500, n),
            "rating": rng.normal(50.0, 10.0, n),
        }
    )


def test_aggregate_releases_the_gil() -> None:
    import threading
    import time

    df = large_ratings(100_000)
    # LFC on random ratings never meets tol=0, so it runs max_iter iterations; grow them
    # until the fit lasts long enough to show anything (debug and release builds)
    for max_iter in (20, 80, 320, 1280, 5120):
        t = threading.Thread(
            target=rt.aggregate, args=(df, "lfc"), kwargs={"max_iter": max_iter, "tol": 0.0}
        )
        t0 = time.perf_counter()
        t.start()
        spins = 0
        while t.is_alive():
            spins += 1
        elapsed = time.perf_counter() - t0
        t.join()
        if elapsed > 0.3:
            # with the GIL held during the fit this loop could not run while it lasts
            assert spins > 10_000, (elapsed, spins)
            return
    pytest.fail(f"the fit is too short to show anything ({elapsed:.3f} s)")


INTERRUPT = """
import os, signal, threading, time
import numpy as np, pandas as pd
import crowdqc.ratings as rt

rng = np.random.default_rng(3)
n = 100_000
df = pd.DataFrame({"item": rng.integers(0, n // 10, n), "worker": rng.integers(0, 500, n),
                   "rating": rng.normal(50.0, 10.0, n)})
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.perf_counter()
try:
    rt.aggregate(df, "lfc", max_iter=10_000_000, tol=0.0)
    print("finished", time.perf_counter() - t0)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - t0 - 1.0)
"""


def test_ctrl_c_interrupts_a_long_aggregation() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", INTERRUPT], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    word, seconds = out.stdout.split()
    assert word == "interrupted", out.stdout
    assert float(seconds) < 1.0


def test_kendall_w_for_incomplete_designs_by_hand() -> None:
    # Brueckl's W (R irrNA::kendallNA) by exact arithmetic: A rates items 1-4 as
    # 1, 2, 3, 4; B rates 1-3 as 3, 2, 1; C rates 2-4 as 1, 2, 3. rho(A,B) = -1 over 3
    # items (weight 2), rho(A,C) = 1 over 3 (weight 2), rho(B,C) = -1 over 2 (weight 1):
    # mean rho = -1/5; ratings per item 2, 3, 3, 2: k = 2.5;
    # W = (1 - 0.2 * 1.5) / 2.5 = 0.28, chi2 = 2.5 * 3 * 0.28 = 2.1 on 3 df
    df = pd.DataFrame(
        {
            "item": ["i1", "i2", "i3", "i4", "i1", "i2", "i3", "i2", "i3", "i4"],
            "worker": ["A"] * 4 + ["B"] * 3 + ["C"] * 3,
            "rating": [1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 1.0, 2.0, 3.0],
        }
    )
    a = rt.agreement(df)
    assert a.kendall_w.n_items_dropped == 2
    w = a.kendall_w_incomplete
    assert w is not None
    assert w.rater_pairs == 3 and w.n_raters == 3 and w.n_items == 4
    assert w.mean_rho == pytest.approx(-0.2, abs=1e-15)
    assert w.mean_k == pytest.approx(2.5, abs=1e-15)
    assert w.w == pytest.approx(0.28, abs=1e-15)
    assert w.chi2 == pytest.approx(2.1, abs=1e-14)
    assert w.df == 3.0
    # complete data: nothing dropped, no incomplete W
    full = df[df["item"].isin(["i2", "i3"])]
    assert rt.agreement(full).kendall_w_incomplete is None


def test_ratings_random_clicker_is_banned_as_on_classification() -> None:
    # gold ratings on a 1-7 scale with tolerance 1, and the same answers as
    # classification judgments (label "a" = within tolerance), one a minute: the
    # ratings path must decide every worker as the categorical one
    import pathlib

    import crowdqc.policy as cp

    policy = str(pathlib.Path(__file__).parents[2] / "policies" / "recommended.toml")
    rng = np.random.default_rng(7)
    workers = [("w0", None), ("w1", 0.95), ("w2", 0.95), ("w3", 0.95), ("w4", 0.9)]
    truth = rng.integers(1, 8, size=40)
    rows, judg = [], []
    t0 = 1_714_564_800_000
    for k, v in enumerate(truth):
        for w, acc in workers:
            if acc is None:
                x = int(rng.integers(1, 8))  # uniform over the scale
            elif rng.random() < acc:
                x = int(v)
            else:
                x = 1 if v > 4 else 7
            rows.append((f"r{k}", w, float(x)))
            ok = "a" if abs(x - int(v)) <= 1 else "b"
            judg.append((f"g{k}_{w}", w, ok, t0 + 60_000 * len(judg)))
    ratings = pd.DataFrame(rows, columns=["item", "worker", "rating"])
    j = pd.DataFrame(judg, columns=["task", "worker", "label", "timestamp"])
    gold = {f"r{k}": float(v) for k, v in enumerate(truth)}
    rt_ = cp.evaluate_ratings(policy, ratings, gold, tolerance=1.0)
    cl = cp.evaluate(policy, j, gold={t: "a" for t in j["task"]})
    assert rt_.decision("w0").action == "ban"
    assert "spammer" in rt_.decision("w0").rules
    for w, _ in workers:
        a, b = rt_.decision(w), cl.decision(w)
        assert (a.action, a.rules, a.untrust) == (b.action, b.rules, b.untrust), w
    # a per-item tolerance column gives the same decisions as the default tolerance
    frame = pd.DataFrame({"item": list(gold), "label": list(gold.values()), "tolerance": 1.0})
    again = cp.evaluate_ratings(policy, ratings, frame)
    assert [(d.worker, d.action) for d in again.decisions] == [
        (d.worker, d.action) for d in rt_.decisions
    ]
    with pytest.raises(crowdqc.InvalidParameterError, match="tolerance"):
        cp.evaluate_ratings(policy, ratings, gold, tolerance=-1.0)
