"""crowdqc.metrics against crowdkit.metrics on the real datasets, to 1e-9.

Both sides get the same consensus and skills (an aggregator stub returning crowdqc's
majority vote), so the comparison is of the metric itself, not of MV tie-breaking.
"""

from __future__ import annotations

from typing import Any

import crowdqc.metrics as cm
import numpy as np
import pandas as pd
import pytest
from conftest import CATEGORICAL, cached, crowdkit, dataset
from crowdqc.aggregation import MajorityVote


class Fixed:
    """An aggregator returning fixed labels and skills (same for both libraries)."""

    def __init__(self, labels: pd.Series, skills: pd.Series) -> None:
        self.labels_ = labels
        self.skills_ = skills

    def fit(self, data: Any) -> Fixed:
        return self

    def fit_predict(self, data: Any) -> pd.Series:
        return self.labels_


@pytest.fixture(params=CATEGORICAL)
def data(request: pytest.FixtureRequest) -> tuple[pd.DataFrame, Fixed, str]:
    df, _ = dataset(request.param)
    mv = MajorityVote().fit(df)
    return df, Fixed(mv.labels_, mv.skills_), request.param


def test_alpha_krippendorff(
    data: tuple[pd.DataFrame, Fixed, str], request: pytest.FixtureRequest
) -> None:
    df, _, name = data
    ck = crowdkit()
    if len(df) > 20000:
        pytest.skip("nltk's alpha is quadratic in the units; too slow above 2e4 judgments")
    assert cm.alpha_krippendorff(df) == pytest.approx(
        cached(request, f"alpha-{name}", lambda: ck.metrics.data.alpha_krippendorff(df)), abs=1e-9
    )


def test_consistency(data: tuple[pd.DataFrame, Fixed, str], request: pytest.FixtureRequest) -> None:
    df, agg, name = data
    ck = crowdkit()
    theirs = cached(
        request,
        f"consistency-{name}",
        lambda: ck.metrics.data.consistency(df, aggregator=agg, by_task=True),
    )
    ours = cm.consistency(df, aggregator=agg, by_task=True)
    t = theirs.reindex(ours.index).to_numpy(dtype=float)
    np.testing.assert_allclose(ours.to_numpy(), t, atol=1e-9, rtol=0)
    assert cm.consistency(df, aggregator=agg) == pytest.approx(float(theirs.mean()), abs=1e-9)


@pytest.mark.parametrize("compute_by", ["task", "worker"])
def test_uncertainty(
    data: tuple[pd.DataFrame, Fixed, str], compute_by: str, request: pytest.FixtureRequest
) -> None:
    df, agg, name = data
    ck = crowdkit()
    for i, skills in enumerate((None, agg.skills_)):
        theirs = cached(
            request,
            f"uncertainty-{name}-{compute_by}-{i}",
            lambda skills=skills: ck.metrics.data.uncertainty(
                df, workers_skills=skills, compute_by=compute_by, aggregate=False
            ),
        )
        ours = cm.uncertainty(df, workers_skills=skills, compute_by=compute_by, aggregate=False)
        t = theirs.reindex(ours.index).to_numpy(dtype=float)
        np.testing.assert_allclose(ours.to_numpy(), t, atol=1e-9, rtol=0)


@pytest.mark.parametrize("by", [None, "worker"])
def test_accuracy_on_aggregates(
    data: tuple[pd.DataFrame, Fixed, str], by: Any, request: pytest.FixtureRequest
) -> None:
    df, agg, name = data
    ck = crowdkit()
    theirs = cached(
        request,
        f"accuracy-{name}-{by}",
        lambda: ck.metrics.workers.accuracy_on_aggregates(df, aggregates=agg.labels_, by=by),
    )
    ours = cm.accuracy_on_aggregates(df, aggregates=agg.labels_, by=by)
    if by is None:
        assert ours == pytest.approx(float(theirs), abs=1e-9)
    else:
        t = theirs.reindex(ours.index).to_numpy(dtype=float)
        np.testing.assert_allclose(ours.to_numpy(), t, atol=1e-9, rtol=0)
