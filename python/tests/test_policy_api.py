"""crowdqc.policy against published false-ban probabilities (qc-practice.md §2.2-2.3, the
values the Rust policy tests assert), closed-form binomial arithmetic, and explanations."""

from __future__ import annotations

import math

import crowdqc
import crowdqc.policy as cp
import pandas as pd
import pytest
from conftest import REPO

POLICIES = REPO / "policies"


def one_rule(when: str, min_evidence: int, action: str = "ban") -> cp.Policy:
    return cp.load(
        f'[[rules]]\nid = "r"\naction = "{action}"\nmin_evidence = {min_evidence}\n'
        f"when = [{when}]\n"
    )


LAST_10_UNDER_85 = '{ metric = "gold_accuracy", window = 10, below = 0.85 }'


def test_exact_last_10_under_85_published() -> None:
    # "≥10 & <85% over last 10 — 100 gold": 0.44 / 0.75 / 0.95 / 0.99 (qc-practice §2.3)
    r = cp.exact(one_rule(LAST_10_UNDER_85, 10), accuracies=[0.97, 0.95, 0.92, 0.90])
    assert r.method == "exact" and r.method_reason is None and r.rules == ("r",)
    got = r.table["probability"].tolist()
    for g, want in zip(got, [0.44, 0.75, 0.95, 0.99]):
        assert abs(g - want) <= 0.006, (g, want)
    assert r.table["low"].tolist() == got and r.table["high"].tolist() == got


def test_exact_toloka_published_table() -> None:
    rows = [
        (0.97, 0.03, 0.09),
        (0.95, 0.09, 0.27),
        (0.92, 0.22, 0.60),
        (0.90, 0.31, 0.78),
        (0.85, 0.55, 0.97),
        (0.80, 0.75, 1.00),
    ]
    p = cp.load(POLICIES / "toloka.toml")
    acc = [a for a, _, _ in rows]
    at20 = cp.exact(p, accuracies=acc, horizon=20).table["probability"].tolist()
    at100 = cp.exact(str(POLICIES / "toloka.toml"), accuracies=acc).table["probability"]
    for (a, w20, w100), g20, g100 in zip(rows, at20, at100.tolist()):
        assert abs(g20 - w20) <= 0.006, (a, g20, w20)
        assert abs(g100 - w100) <= 0.006, (a, g100, w100)


def test_exact_matches_closed_form_binomial() -> None:
    # a window of 30 that cannot slide within 30 answers: P(Binomial(30, 0.1) >= 10)
    p = one_rule('{ metric = "gold_wrong", window = 30, at_least = 10 }', 1)
    r = cp.exact(p, accuracies=[0.9], horizon=30, output="arrow")
    want = sum(math.comb(30, k) * 0.1**k * 0.9 ** (30 - k) for k in range(10, 31))
    assert abs(r.table.column("probability")[0].as_py() - want) < 1e-12
    # ...but within 100 answers it slides: 2^30 states, a labelled Monte Carlo
    mc = cp.exact(p, accuracies=[0.9], horizon=100, runs=2000, seed=3)
    assert mc.method == "monte_carlo" and "2^30" in (mc.method_reason or "")
    assert mc.table["low"][0] <= mc.table["probability"][0] <= mc.table["high"][0]


def test_sprt_operating_characteristic() -> None:
    # Wald SPRT 0.92 vs 0.80, alpha 1%, beta 5%: P(ban) 0.006 / 0.50 / 0.95 (qc-practice §2.2)
    p = cp.load(
        '[[rules]]\nid = "s"\naction = "ban"\n'
        "sprt = { good = 0.92, bad = 0.80, alpha = 0.01, beta = 0.05 }\n"
    )
    t = cp.exact(p, accuracies=[0.92, 0.86, 0.80], horizon=700).table
    for g, want, tol in zip(t["probability"], [0.006, 0.50, 0.95], [0.002, 0.02, 0.01]):
        assert abs(g - want) <= tol, (g, want)
    assert t["probability"][0] <= 0.01 / 0.95  # Wald's bound alpha / (1 - beta)


def test_simulation_agrees_with_exact() -> None:
    p = one_rule(LAST_10_UNDER_85, 10)
    runs = 20_000
    exact = cp.exact(p, accuracies=[0.92]).table["probability"][0]
    sim = cp.simulate(p, workers=[0.92], gold_rate=1.0, tasks=100, runs=runs, seed=7)
    got = sim.probability("0.92", "ban")
    se = math.sqrt(exact * (1 - exact) / runs)
    assert abs(got - exact) <= 4 * se, (got, exact, se)
    same = cp.simulate(p, workers="0.92", gold_rate=1.0, tasks=100, runs=runs, seed=7)
    assert same.table.equals(sim.table)  # seeded
    assert "0.92" in sim.text


def test_simulate_default_roster_outputs() -> None:
    pl = pytest.importorskip("polars")
    p = cp.load(POLICIES / "recommended.toml")
    a = cp.simulate(p, runs=200, tasks=300, seed=1)
    b = cp.simulate(p, runs=200, tasks=300, seed=1, output="polars")
    assert isinstance(b.table, pl.DataFrame)
    assert b.table.to_pandas().equals(a.table)
    assert {"uniform", "constant"} <= set(a.table["archetype"])
    # ~30 gold answers each: most uniform spammers are banned, almost no 0.97 worker
    assert a.probability("uniform", "ban") > 0.8
    assert a.probability("0.97", "ban") < 0.02


def judgments_with_gold() -> tuple[pd.DataFrame, dict[int, str]]:
    rows = []
    for g in range(4):
        rows += [(g, "ann", "yes"), (g, "bob", "no")]
    return pd.DataFrame(rows, columns=["task", "worker", "label"]), {g: "yes" for g in range(4)}


WRONG3 = (
    '[[rules]]\nid = "wrong"\naction = "ban"\nmin_evidence = 3\n'
    'when = [{ metric = "gold_wrong", at_least = 3 }]\n'
)


def test_evaluate_decisions_and_explanations() -> None:
    df, g = judgments_with_gold()
    e = cp.evaluate(WRONG3, df, g)
    assert e.workers == 2 and e.summary["ban"] == 1 and e.summary["allow"] == 1
    bob = e.decision("bob")
    assert bob.action == "ban" and bob.rules == ("wrong",)
    (x,) = bob.explanations
    assert x.rule == "wrong" and x.fired and x.line == 1
    wrong = x.clauses[-1]
    assert wrong.value == 4.0 and wrong.threshold == 3.0 and wrong.holds
    assert "0 of 4 gold correct" in wrong.evidence
    assert e.decision("ann").action == "allow"
    t = e.to_pandas()
    assert t["action"].tolist() == ["allow", "ban"]
    assert "rule `wrong`" in t["explanation"][1]
    arrow = e.to_arrow()
    assert arrow.column("worker").to_pylist() == ["ann", "bob"]
    assert arrow.column("rules").to_pylist() == ["", "wrong"]


def test_step_fires_on_the_third_wrong_answer() -> None:
    p = cp.load(WRONG3)
    s = p.session("ann")
    assert cp.step(s, True) is None
    assert cp.step(s, False) is None and cp.step(s, False) is None
    d = cp.step(s, False)
    assert d is not None and d.action == "ban" and d.worker == "ann"
    assert "gold_wrong over all gold = 3 >= 3" in d.text
    assert s.state["banned"] == "permanent" and not s.active()
    assert cp.step(s, False) is None  # a banned worker is not evaluated


def test_step_suspension_ends() -> None:
    p = cp.load(
        '[[rules]]\nid = "w"\naction = "suspend"\nduration = "1h"\nmin_evidence = 2\n'
        'when = [{ metric = "gold_wrong", window = 2, at_least = 2 }]\n'
    )
    s = p.session(7, now_ms=0)
    assert s.record_gold(False, 1000) is None
    d = s.record_gold(False, 2000)
    assert d is not None and d.action == "suspend" and d.duration_ms == 3_600_000
    assert s.state["suspended_until"] == 2000 + 3_600_000
    assert not s.active(2000 + 3_599_999) and s.active(2000 + 3_600_000)


def test_replay_logs_when_decisions_happen() -> None:
    df, g = judgments_with_gold()
    r = cp.replay(cp.load(WRONG3), df, g)
    assert r.clock == "item_order" and r.judgments == 8
    (ev,) = r.events
    assert ev.worker == "bob" and ev.action == "ban"
    assert (ev.gold_answered, ev.gold_correct) == (3, 0)  # fired on the third answer
    assert r.after_restriction == 1  # bob's fourth judgment came after the ban
    assert r.to_pandas()["worker"].tolist() == ["bob"]


def test_policy_errors_name_line_and_options() -> None:
    with pytest.raises(crowdqc.Error, match="line"):
        cp.load('[[rules]]\nid = "x"\naction = "explode"\n')
    with pytest.raises(OSError):
        cp.load("/no/such/policy.toml")
    p = cp.load(WRONG3)
    with pytest.raises(crowdqc.InvalidParameterError, match="horizon"):
        cp.exact(p, horizon=0)
    with pytest.raises(crowdqc.InvalidParameterError, match="workers"):
        cp.simulate(p, workers="0.9,clever")
    with pytest.raises(crowdqc.Error, match="nope"):
        cp.exact(p, rules=["nope"])
    assert p.rules == [("wrong", "ban", None, False)]
    assert "min_evidence" not in " ".join(p.warnings)


def test_docstring_examples() -> None:
    import doctest

    assert doctest.testmod(cp, raise_on_error=True).attempted > 0


def test_replay_in_time_order_with_pandas_timestamps() -> None:
    p = cp.load(
        '[[rules]]\nid = "w"\naction = "suspend"\nduration = "1h"\nmin_evidence = 2\n'
        'when = [{ metric = "gold_wrong", window = 2, at_least = 2 }]\n'
    )
    t0 = pd.Timestamp("2026-01-01T00:00:00Z")
    offsets = ["0min", "1min", "2min", "3h", "3h1min"]
    rows = [
        (f"g{i}", w, lab, t0 + pd.Timedelta(o))
        for i, o in enumerate(offsets)
        for w, lab in (("bob", "no"), ("ann", "yes"))
    ]
    # shuffled: the replay orders by time, not by row
    df = pd.DataFrame(rows[::-1], columns=["task", "worker", "label", "timestamp"])
    r = cp.replay(p, df, {f"g{i}": "yes" for i in range(5)})
    assert r.clock == "timestamps"
    ms0 = t0.value // 1_000_000
    # suspended after the 2nd wrong answer (00:01); the 00:02 answer falls inside the
    # suspension; after it ends the window is empty, so the next suspension needs two
    # more wrong answers (03:00 and 03:01)
    assert [e.timestamp_ms for e in r.events] == [ms0 + 60_000, ms0 + 3 * 3_600_000 + 60_000]
    assert [e.time for e in r.events] == ["2026-01-01T00:01:00.000Z", "2026-01-01T03:01:00.000Z"]
    assert [e.gold_answered for e in r.events] == [2, 4]
    assert r.after_restriction == 1
    assert all(e.action == "suspend" and e.duration_ms == 3_600_000 for e in r.events)


def test_evaluate_with_a_model_metric() -> None:
    # three reliable workers and one who always disagrees; no gold at all
    rows = []
    for t in range(30):
        truth = "yes" if t % 3 else "no"
        rows += [(t, w, truth) for w in ("a", "b", "c")]
        rows.append((t, "z", "no" if truth == "yes" else "yes"))
    df = pd.DataFrame(rows, columns=["task", "worker", "label"])
    p = cp.load(
        '[[rules]]\nid = "model"\naction = "untrust"\nmin_evidence = 10\n'
        'when = [{ metric = "model_accuracy", below = 0.5 }]\n'
    )
    without = cp.evaluate(p, df)
    assert without.summary["untrust"] == 0  # unknown model accuracy: the rule cannot fire
    e = cp.evaluate(p, df, model="mv")
    assert e.decision("z").action == "untrust" and e.decision("z").untrust
    assert e.untrusted == ("z",)
    (clause,) = [c for c in e.decision("z").explanations[0].clauses if "model" in c.metric]
    assert clause.value == 0.0 and clause.holds  # z never agrees with the majority
    assert all(e.decision(w).action == "allow" for w in "abc")


INTERRUPT = """
import os, signal, threading, time
import crowdqc.policy as cp
p = cp.load('[[rules]]\\nid = "r"\\naction = "ban"\\nmin_evidence = 10\\n'
            'when = [{ metric = "gold_accuracy", window = 10, below = 0.85 }]\\n')
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.perf_counter()
try:
    cp.simulate(p, runs=1_000_000, tasks=2_000)  # within the bounds, ~1e10 worker-tasks
    print("finished", time.perf_counter() - t0)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter() - t0 - 1.0)
"""


def test_ctrl_c_interrupts_a_simulation_within_a_second() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", INTERRUPT], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    word, seconds = out.stdout.split()
    assert word == "interrupted", out.stdout
    assert float(seconds) < 1.0
