"""crowdqc.gold: intervals against statsmodels' proportion_confint, counts against a
pandas recount on real data, forgiving gold, and the per-request scheduler."""

from __future__ import annotations

from typing import Any

import crowdqc
import crowdqc.gold as gold
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import dataset


def statsmodels_confint(count: np.ndarray, nobs: np.ndarray, alpha: float, method: str) -> Any:
    sm = pytest.importorskip("statsmodels.stats.proportion")
    return sm.proportion_confint(count, nobs, alpha=alpha, method=method)


@pytest.mark.parametrize(
    ("interval", "sm_method"),
    [("wilson", "wilson"), ("clopper-pearson", "beta"), ("jeffreys", "jeffreys")],
)
@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_worker_intervals_match_statsmodels(
    interval: str, sm_method: str, confidence: float
) -> None:
    df, g = dataset("snow2008-rte")
    assert g is not None
    s = gold.score(df, g, interval=interval, confidence=confidence)  # type: ignore[arg-type]
    w = s.workers
    assert s.interval == interval and s.confidence == confidence
    # recount with pandas: every judgment on a gold item is one answer
    j = df[df["task"].isin(g.index)].copy()
    j["ok"] = j["label"].to_numpy() == g.reindex(j["task"]).to_numpy()
    counts = j.groupby("worker")["ok"].agg(["size", "sum"])
    got = w.set_index("worker").loc[counts.index]
    assert got["gold_answered"].tolist() == counts["size"].tolist()
    assert got["gold_correct"].tolist() == counts["sum"].tolist()
    low, high = statsmodels_confint(
        counts["sum"].to_numpy(), counts["size"].to_numpy(), 1 - confidence, sm_method
    )
    # Brown et al.'s boundary modification of Jeffreys: 0 at x = 0 and 1 at x = n
    if sm_method == "jeffreys":
        low = np.where(counts["sum"] == 0, 0.0, low)
        high = np.where(counts["sum"] == counts["size"], 1.0, high)
    np.testing.assert_allclose(got["gold_accuracy_low"], low, atol=1e-9)
    np.testing.assert_allclose(got["gold_accuracy_high"], high, atol=1e-9)
    np.testing.assert_allclose(got["gold_accuracy"], counts["sum"] / counts["size"], atol=1e-15)
    assert s.gold_answered == counts["size"].sum() and s.gold_correct == counts["sum"].sum()


def test_item_table_and_forgive() -> None:
    # q1's gold is wrong: everyone answers cat
    df = pd.DataFrame(
        {
            "task": ["q1", "q1", "q1", "q2", "q2", "q2", "t9"],
            "worker": ["ann", "bob", "cy", "ann", "bob", "cy", "ann"],
            "label": ["cat", "cat", "cat", "dog", "dog", "cat", "dog"],
        }
    )
    g = {"q1": "dog", "q2": "dog"}
    s = gold.score(df, g)
    items = s.items.set_index("item")
    assert items.loc["q1", "misses"] == 3 and items.loc["q1", "exposure"] == 3
    assert items.loc["q1", "miss_rate"] == 1.0
    assert bool(items.loc["q1", "contested"]) and not bool(items.loc["q2", "contested"])
    assert items.loc["q1", "consensus_label"] == "cat"
    assert s.contested == 1 and s.gold_items == 2
    w = s.workers.set_index("worker")
    assert w.loc["ann", "gold_correct"] == 1 and w.loc["ann", "gold_answered"] == 2
    fixed = gold.score(df, g, correct={"q1": "cat"})
    fw = fixed.workers.set_index("worker")
    assert fw.loc["ann", "gold_correct"] == 2
    assert set(fixed.forgiven_workers_changed) == {"ann", "bob", "cy"}
    dropped = gold.score(df, g, forgive=["q1"])
    assert dropped.workers.set_index("worker").loc["ann", "gold_answered"] == 1
    assert dropped.gold_items == 1


def test_outputs_and_input_types_agree() -> None:
    pl = pytest.importorskip("polars")
    df, g = dataset("zhou2012-dogs")
    assert g is not None
    a = gold.score(df, g)
    b = gold.score(pa.Table.from_pandas(df), g, output="arrow")
    c = gold.score(pl.from_pandas(df), g, output="polars")
    assert isinstance(b.workers, pa.Table)
    assert b.workers.to_pandas().equals(a.workers)
    assert c.workers.to_pandas().equals(a.workers)
    assert c.items.to_pandas().equals(a.items)


def test_bad_input_names_the_parameter() -> None:
    df, g = dataset("zhou2012-dogs")
    assert g is not None
    with pytest.raises(crowdqc.InvalidParameterError, match="interval"):
        gold.score(df, g, interval="wald")  # type: ignore[arg-type]
    with pytest.raises(crowdqc.InvalidParameterError, match="confidence"):
        gold.score(df, g, confidence=1.0)
    with pytest.raises(crowdqc.InvalidParameterError, match="forgive"):
        gold.score(df, g, forgive=["no-such-item"])
    with pytest.raises(crowdqc.InvalidParameterError, match="correct"):
        gold.score(df, g, correct={g.index[0]: "no-such-label"})
    with pytest.raises(crowdqc.InvalidParameterError, match="output"):
        gold.score(df, g, output="json")  # type: ignore[arg-type]
    with pytest.raises(crowdqc.InvalidParameterError, match="gold"):
        gold.score(df, None)


POOL = {f"g{i}": i % 2 for i in range(50)}


def serve(s: gold.GoldScheduler, worker: str, n: int, right: bool) -> list[gold.Slot]:
    out = []
    for _ in range(n):
        slot = s.next_task(worker)
        out.append(slot)
        if slot.is_gold:
            answer = POOL[slot.item] if right else 1 - POOL[slot.item]  # type: ignore[index]
            assert s.record_answer(worker, slot.item, answer) is right  # type: ignore[arg-type]
    return out


def test_scheduler_quiz_onboarding_and_no_repeats() -> None:
    s = gold.GoldScheduler(POOL, quiz=4, quiz_pass=0.75, threshold=0.85, seed=7)
    slots = serve(s, "ann", 100, right=True)
    kinds = [sl.reason for sl in slots if sl.is_gold]
    assert kinds[:4] == ["quiz"] * 4  # the quiz comes first
    assert "onboarding" in kinds
    served = [sl.item for sl in slots if sl.is_gold]
    assert len(served) == len(set(served))  # never the same gold twice
    v = s.worker("ann")
    assert v is not None and v.status == "working"
    assert v.gold_served == v.gold_answered == v.gold_correct == len(served)
    assert v.slots == 100
    st = s.stats
    assert st["requests"] == 100
    assert st["quiz"] + st["onboarding"] + st["adaptive"] == len(served)
    assert st["regular"] == 100 - len(served)
    assert s.unseen_gold("ann") == len(POOL) - len(served)
    assert all(s.exposure(i) == 1 for i in served)
    # the same calls give the same decisions (seeded)
    again = gold.GoldScheduler(POOL, quiz=4, quiz_pass=0.75, threshold=0.85, seed=7)
    assert serve(again, "ann", 100, right=True) == slots


def test_scheduler_excludes_a_failed_quiz_and_waits_for_answers() -> None:
    s = gold.GoldScheduler(POOL, quiz=3, quiz_pass=0.7, seed=1)
    quiz = [s.next_task("bob") for _ in range(3)]
    assert all(q.reason == "quiz" for q in quiz)
    assert s.next_task("bob").kind == "await_quiz"  # answers not recorded yet
    for q in quiz:
        s.record("bob", q.item, False)  # type: ignore[arg-type]
    assert s.next_task("bob").kind == "excluded"
    v = s.worker("bob")
    assert v is not None and v.status == "failed"
    assert s.worker("nobody") is None


def test_scheduler_retires_exposed_gold_and_rejects_bad_records() -> None:
    s = gold.GoldScheduler(
        {"a": "x", "b": "y"}, onboarding_gold=2, onboarding_rate=1.0, max_exposure=1, seed=3
    )
    first = s.next_task(1)
    assert first.is_gold
    s.record_answer(1, first.item, "x")  # type: ignore[arg-type]
    assert first.item in s.retired()
    with pytest.raises(crowdqc.InvalidValueError, match="not in the gold pool"):
        s.record(1, "zzz", True)
    with pytest.raises(crowdqc.InvalidValueError, match="never served"):
        s.record(2, "a", True)
    with pytest.raises(crowdqc.InvalidParameterError):
        gold.GoldScheduler(POOL, floor=0.5, max_rate=0.3)


def test_scheduler_rules_posterior_spends_less_gold_on_good_workers() -> None:
    pool = {f"g{i}": i % 2 for i in range(2000)}

    def adaptive(rule: str, right: bool) -> int:
        s = gold.GoldScheduler(pool, seed=11, rule=rule)
        for _ in range(1000):
            slot = s.next_task("w")
            if slot.is_gold:
                answer = pool[slot.item] if right else 1 - pool[slot.item]  # type: ignore[index]
                s.record_answer("w", slot.item, answer)  # type: ignore[arg-type]
        return int(s.stats["adaptive"])

    # a worker who is always right: the posterior of accuracy < 0.8 vanishes
    # exponentially (rate -> floor 0.02), the Wilson rule decays like 1/sqrt(n)
    good_post, good_wilson = adaptive("posterior", True), adaptive("wilson", True)
    assert good_post < 0.06 * 1000 < good_wilson
    # a worker who is always wrong: the posterior rule keeps the maximal rate (0.3,
    # P(accuracy < 0.8) -> 1); the Wilson rule falls to the floor once the interval
    # lies clear of the threshold, on either side
    assert adaptive("posterior", False) > 0.25 * (1000 - 10)
    assert adaptive("wilson", False) < 0.06 * 1000
    with pytest.raises(crowdqc.InvalidParameterError, match="rule"):
        gold.GoldScheduler(pool, rule="sometimes")


def test_docstring_examples() -> None:
    import doctest

    assert doctest.testmod(gold, raise_on_error=True).attempted > 0


def test_plan_pages_layout_properties() -> None:
    tasks = [f"t{i}" for i in range(40)]
    pool = {f"g{i}": f"l{i % 3}" for i in range(12)}
    p = gold.plan_pages(
        tasks, pool, ["a", "b", "c", "d"], page_size=6, gold_per_page=2, redundancy=3, seed=5
    )
    lay = p.layout
    work = lay[lay["kind"] == "task"]
    # every task 3 times, by 3 distinct workers
    per_task = work.groupby("item")["worker"].agg(["size", "nunique"])
    assert set(per_task.index) == set(tasks)
    assert (per_task["size"] == 3).all() and (per_task["nunique"] == 3).all()
    gold_rows = lay[lay["kind"] == "gold"]
    assert gold_rows["gold_label"].tolist() == [pool[i] for i in gold_rows["item"]]
    assert not gold_rows.duplicated(["worker", "item"]).any()  # no gold twice to a worker
    pages = lay.groupby(["worker", "page"])
    assert (pages.size() <= 6).all()
    assert (pages["kind"].apply(lambda k: (k == "gold").sum()) <= 2).all()
    assert p.rows == len(lay) and p.tasks == 40 and p.redundancy == 3
    assert p.gold_rows == len(gold_rows) and p.pages == pages.ngroups
    assert p.gold_share == pytest.approx(p.gold_rows / p.rows)
    exposure = gold_rows.groupby("item")["worker"].nunique()
    assert p.exposure_max == exposure.max()
    again = gold.plan_pages(
        tasks,
        pool,
        ["a", "b", "c", "d"],
        page_size=6,
        gold_per_page=2,
        redundancy=3,
        seed=5,
        output="arrow",
    )
    assert again.layout.to_pandas().equals(lay)


def test_plan_pages_bad_input() -> None:
    with pytest.raises(crowdqc.InvalidValueError, match="t1"):
        gold.plan_pages(["t1", "t2"], {"t1": "x"}, ["a"], page_size=3)
    with pytest.raises(crowdqc.InvalidParameterError, match="redundancy"):
        gold.plan_pages(["t1"], {"g": "x"}, ["a"], page_size=3, redundancy=2)
    with pytest.raises(crowdqc.InvalidParameterError, match="gold_per_page"):
        gold.plan_pages(["t1"], {"g": "x"}, ["a"], page_size=3, gold_per_page=3)


def test_model_comparison_binomial_test_and_bh() -> None:
    stats = pytest.importorskip("scipy.stats")
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    df, g = dataset("zhou2012-dogs")
    assert g is not None
    s = gold.score(df, g, model="ds")
    assert s.model == "ds"
    w = s.workers
    tested = w[w["model_p_value"].notna()]
    assert len(tested) > 10
    # the exact two-sided (central) binomial test of gold correct against the model's
    # accuracy: min(1, 2 min(P(X <= x), P(X >= x))), X ~ Bin(answered, model accuracy)
    for _, r in tested.iterrows():
        x, n, p0 = int(r.gold_correct), int(r.gold_answered), float(r.model_accuracy)
        want = min(1.0, 2 * min(stats.binom.cdf(x, n, p0), stats.binom.sf(x - 1, n, p0)))
        assert r.model_p_value == pytest.approx(want, rel=1e-9, abs=1e-12)
    # Benjamini-Hochberg over the tested workers
    _, q, _, _ = multitest.multipletests(tested["model_p_value"], method="fdr_bh")
    np.testing.assert_allclose(tested["model_q_value"], q, rtol=1e-9)
    # flagged exactly when the model accuracy lies outside the gold interval
    outside = (tested["model_accuracy"] < tested["gold_accuracy_low"]) | (
        tested["model_accuracy"] > tested["gold_accuracy_high"]
    )
    assert (tested["model_divergence"].notna() == outside).all()
    higher = tested["model_divergence"] == "gold_higher"
    assert (tested.loc[higher, "gold_accuracy_low"] > tested.loc[higher, "model_accuracy"]).all()
    with pytest.raises(crowdqc.InvalidParameterError, match="method"):
        gold.score(df, g, model="no-such-method")
