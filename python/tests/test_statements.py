"""crowdqc.policy.statements: worker statements from Python, checked against hand
arithmetic, statsmodels' Wilson interval and a brute-force re-evaluation of the policy."""

from __future__ import annotations

import re
from pathlib import Path

import crowdqc
import pandas as pd
import pytest
from crowdqc import policy as cp
from statsmodels.stats.proportion import proportion_confint

SUSPEND = """
[[rules]]
id = "accuracy"
action = "suspend"
duration = "7d"
min_evidence = 10
when = [{ metric = "gold_accuracy", below = 0.8 }]
"""


def _crowd(correct: int, answered: int, extra: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    """Worker ann answers ``answered`` gold questions, the first ``correct`` right,
    then ``extra`` more gold questions right; worker bob answers every gold question
    right (a second worker whose id must not appear in ann's statement)."""
    rows, gold = [], {}
    n = answered + extra
    for g in range(n):
        item = f"g{g}"
        gold[item] = "yes"
        right = g < correct or g >= answered
        rows.append((item, "ann", "yes" if right else "no"))
        rows.append((item, "bob", "yes"))
    return pd.DataFrame(rows, columns=["task", "worker", "label"]), gold


def test_the_counts_to_lift_a_suspension_are_what_re_evaluation_finds() -> None:
    df, gold = _crowd(6, 10)
    s = cp.statements(SUSPEND, df, gold)
    ann = s.worker("ann")
    assert ann["action"] == "suspend"
    change = ann["rules"][0]["change"]
    assert change["kind"] == "correct_answers"
    # brute force through the policy evaluation itself: add correct gold answers one
    # at a time until the suspension no longer applies (6/10 -> 16/20 = 0.8)
    k = 0
    while cp.evaluate(SUSPEND, *_crowd(6, 10, k)).decision("ann").action != "allow":
        k += 1
    assert change["answers"] == k == 10
    assert s.worker("bob")["action"] == "allow"


def test_gold_accuracy_interval_equals_statsmodels_wilson() -> None:
    df, gold = _crowd(6, 10)
    g = cp.statements(SUSPEND, df, gold).worker("ann")["gold"]
    lo, hi = proportion_confint(6, 10, alpha=0.05, method="wilson")
    assert (g["correct"], g["answered"]) == (6, 10)
    assert g["low"] == pytest.approx(lo, abs=1e-12)
    assert g["high"] == pytest.approx(hi, abs=1e-12)


def test_the_text_is_for_the_worker() -> None:
    df, gold = _crowd(6, 10)
    s = cp.statements(SUSPEND, df, gold)
    text = s.text_of("ann")
    assert "10 more correct gold answers in a row would lift it" in text
    assert "6 of 10 correct" in text
    for word in ("SPRT", "Wilson", "posterior", "bob", "accuracy ="):
        assert word not in text
    assert not re.search(r"\bg\d+\b", text)  # no item ids
    assert str(s) == s.text and "ann" in s.text and "bob" in s.text
    frame = s.to_pandas()
    assert list(frame["worker"]) == ["ann", "bob"]
    assert frame.loc[0, "gold_correct"] == 6


def test_effective_hourly_pay_by_hand(tmp_path: Path) -> None:
    # ann: 10 paid tasks and 2 unpaid training items, 30 s each; 0.25 a task, 20% cut:
    # received 10 * 0.25 * 0.8 = 2.00 for 12 * 30 s = 0.1 h -> 20.00 an hour, unpaid
    # share 2 / 12
    rows = [(f"t{i}", "ann", "a", 30_000) for i in range(10)]
    rows += [("train-1", "ann", "a", 30_000), ("train-2", "ann", "a", 30_000)]
    df = pd.DataFrame(rows, columns=["task", "worker", "label", "duration_ms"])
    pay = tmp_path / "pay.toml"
    pay.write_text(
        'currency = "USD"\nrate = 0.25\nplatform_cut = 0.20\nhourly_floor = 25.0\n'
        '[unpaid]\nitems = ["train-1", "train-2"]\n'
    )
    p = cp.statements(SUSPEND, df, None, pay=pay).worker("ann")["pay"]
    assert (p["paid_tasks"], p["unpaid_tasks"], p["untimed_tasks"]) == (10, 2, 0)
    assert p["earned"] == pytest.approx(2.0, abs=1e-12)
    assert p["hourly"] == pytest.approx(20.0, abs=1e-9)
    assert p["unpaid_share"] == pytest.approx(2 / 12, abs=1e-12)
    assert p["below_floor"] is True


def test_pay_without_durations_names_the_column(tmp_path: Path) -> None:
    df, gold = _crowd(6, 10)
    pay = tmp_path / "pay.toml"
    pay.write_text('currency = "USD"\nrate = 0.25\nplatform_cut = 0.2\n')
    with pytest.raises(crowdqc.InvalidParameterError, match="duration_ms"):
        cp.statements(SUSPEND, df, gold, pay=pay)


def test_a_negative_rate_names_the_line(tmp_path: Path) -> None:
    df, gold = _crowd(6, 10)
    pay = tmp_path / "pay.toml"
    pay.write_text('currency = "USD"\nrate = -0.25\n')
    with pytest.raises(crowdqc.Error, match="line 2"):
        cp.statements(SUSPEND, df, gold, pay=pay)


def test_unknown_worker_is_a_key_error() -> None:
    df, gold = _crowd(6, 10)
    with pytest.raises(KeyError, match="carol"):
        cp.statements(SUSPEND, df, gold).worker("carol")
