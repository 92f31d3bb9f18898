"""Shared pieces of the aggregator classes: the one-argument ``fit_predict`` methods
and the fitted attributes common to the EM methods."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import _frames
from .._base import BaseAggregator
from .._frames import Data


class _FitLabels(BaseAggregator):
    """Aggregators whose ``fit`` takes only the judgments: ``fit_predict``."""

    def fit_predict(self, data: Any) -> pd.Series[Any]:
        """Fit and return ``labels_``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        pandas.Series
            Label per task (``agg_label``, indexed by ``task``).
        """
        return self.fit(data).labels_  # type: ignore[attr-defined]


class _SimpleFit(_FitLabels):
    """Aggregators whose ``fit`` takes only the judgments and that set ``probas_``:
    ``fit_predict`` and ``fit_predict_proba``."""

    def fit_predict_proba(self, data: Any) -> pd.DataFrame:
        """Fit and return ``probas_``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        pandas.DataFrame
            Probability per task (rows) and label (columns).
        """
        return self.fit(data).probas_  # type: ignore[attr-defined]


def set_em(self: Any, d: Data, model: Any) -> None:
    """``labels_``, ``loss_history_`` and (deferred) ``probas_`` of an EM fit."""
    self.labels_ = _frames.labels_series(d, model.labels())
    self.loss_history_ = list(model.report()[2])
    self._defer(probas_=lambda: _frames.probas_frame(d, model))
