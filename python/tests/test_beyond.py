"""Methods beyond crowd-kit from Python: minimax conditional entropy, EBCC, IBCC and the
gold-free chooser, checked against the authors' code (outputs stored in
fixtures/aggregation-advanced/ with their generation scripts) and published numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import dataset
from crowdqc import InvalidParameterError, _frames, _native
from crowdqc import aggregation as agg

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "aggregation-advanced"


def _reference(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _accuracy(labels: pd.Series, gold: pd.Series) -> float:
    common = gold.index.intersection(labels.index)
    return float((labels.reindex(common).astype(str) == gold.reindex(common)).mean())


@pytest.mark.parametrize("name", ["welinder2010-bluebirds", "zheng2017-face"])
def test_minimax_reaches_the_authors_accuracy(name: str) -> None:
    # Zhou & Liu's MATLAB code (Zheng et al. 2017's benchmark copy) under Octave
    ref = _reference("minimax_reference.json")[name]["categorical"]["accuracy"]
    df, gold = dataset(name)
    assert gold is not None
    model = agg.MinimaxEntropy().fit(df)
    assert _accuracy(model.labels_, gold) == pytest.approx(ref, abs=0.002)
    p = model.probas_.to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)
    # errors_: (worker, observed label) rows of confusion probabilities; a worker who
    # gave every label has each true-label column summing to 1
    e = model.errors_
    assert ((e.to_numpy() >= 0) & (e.to_numpy() <= 1)).all()
    n_labels = len(model.probas_.columns)
    full = e.groupby(level=0).filter(lambda g: len(g) == n_labels)
    assert len(full) > 0
    np.testing.assert_allclose(full.groupby(level=0).sum().to_numpy(), 1.0, atol=1e-6)
    assert model.priors_.sum() == pytest.approx(1.0)


def test_ibcc_posteriors_equal_the_authors_ibcc() -> None:
    # the authors' `ibcc` (yuan-li/truth-inference-at-scale) on deduplicated rows
    ref = _reference("ebcc_reference.json")
    compared = 0
    for name in ["welinder2010-bluebirds", "venanzi2014-weather-sentiment-amt", "zhou2012-dogs"]:
        r = ref[name]["ibcc"]
        df, _ = dataset(name)
        df = df.drop_duplicates(["task", "worker", "label"])
        probas = agg.IBCC().fit_predict_proba(df)
        probas.columns = probas.columns.astype(str)
        theirs = pd.DataFrame(r["posteriors"], index=r["items"], columns=ref[name]["classes"])
        ours = probas.loc[theirs.index, theirs.columns].to_numpy()
        assert np.abs(ours - theirs.to_numpy()).max() < 1e-6, name
        compared += 1
    assert compared == 3


def test_ebcc_reaches_the_published_rte_accuracy() -> None:
    df, gold = dataset("snow2008-rte")
    assert gold is not None
    model = agg.EBCC(random_state=0).fit(df)
    # Li, Rubinstein & Cohn (ICML 2019) report 0.93125 on RTE
    assert _accuracy(model.labels_, gold) >= 0.93125 - 1e-9
    assert len(model.elbos_) == 10
    assert all(np.isfinite(model.elbos_))


def test_auto_chooses_a_candidate_and_says_why() -> None:
    df, gold = dataset("welinder2010-bluebirds")
    assert gold is not None
    model = agg.Auto().fit(df)
    names = [c.method for c in model.candidates_]
    assert model.chosen_ in names
    scored = [c for c in model.candidates_ if c.heldout_loglik is not None]
    best = max(scored, key=lambda c: c.heldout_loglik)  # type: ignore[arg-type,return-value]
    assert best.method == model.chosen_
    assert model.chosen_ in model.reason_
    # the labels are the chosen method's own fit on all judgments
    d = _frames.build(df)
    direct = _frames.labels_series(d, _native.fit(d.matrix, model.chosen_, {}).labels())
    pd.testing.assert_series_equal(model.labels_, direct)


def test_bad_parameters_raise_with_the_parameter_name() -> None:
    df, _ = dataset("welinder2010-bluebirds")
    with pytest.raises(InvalidParameterError, match="restart"):
        agg.EBCC(n_restarts=0).fit(df)
    with pytest.raises(InvalidParameterError, match="penalty"):
        agg.MinimaxEntropy(worker_penalty=-1.0).fit(df)


def test_ordinal_minimax_needs_ordered_classes() -> None:
    df = pd.DataFrame(
        {
            "task": ["a", "a", "b", "b"],
            "worker": ["x", "y", "x", "y"],
            "label": ["p", "q", "q", "q"],
        }
    )
    with pytest.raises(ValueError, match="order"):
        agg.MinimaxEntropy(ordinal=True).fit(df)
