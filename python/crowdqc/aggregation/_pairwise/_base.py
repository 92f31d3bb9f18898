"""Shared machinery of the pairwise aggregators: input layout, the native fit, the
fitted attributes and ``evaluate``."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple, Optional

import numpy as np
import pandas as pd
import pyarrow as pa

from ... import _errors, _frames, _native
from ..._base import BaseAggregator

WINNER_ALIASES = ("winner", "label")
"""Names tried, in order, for the outcome column (crowd-kit calls it ``label``)."""


class DisconnectedComparisonsWarning(UserWarning):
    """The comparison graph has several connected components: scores are comparable
    only within one (the message names the components)."""


class RankingEvaluation(NamedTuple):
    """Agreement of fitted scores with gold levels (see ``evaluate``).

    Attributes
    ----------
    items : int
        Items with a score and a gold level.
    gold_unscored : int
        Gold items without a score (never compared); left out.
    kendall_tau_b : float
        Kendall's tau-b (as ``scipy.stats.kendalltau``).
    spearman_rho : float
        Spearman's rho (Pearson correlation of average ranks).
    pair_accuracy : float
        Share of item pairs with different gold levels that the scores order the same
        way (equal scores count as wrong).
    pairs : int
        Item pairs with different gold levels.
    """

    items: int
    gold_unscored: int
    kendall_tau_b: float
    spearman_rho: float
    pair_accuracy: float
    pairs: int


class _Source(NamedTuple):
    data: Any
    columns: dict[str, Optional[str]]
    has_worker: bool


def _layout(found: list[str], need_worker: bool) -> tuple[dict[str, Optional[str]], bool]:
    """Column names of the comparisons: worker (None when absent and not needed) and
    either left/right/winner or winner/loser."""
    worker = next((c for c in _frames.WORKER_ALIASES if c in found), None)
    if worker is None and need_worker:
        worker = _frames._pick(found, "worker", _frames.WORKER_ALIASES)
    if "left" in found:
        cols: dict[str, Optional[str]] = {
            "left": "left",
            "right": _frames._pick(found, "right", ("right",)),
            "winner": _frames._pick(found, "label", WINNER_ALIASES),
        }
    elif "winner" in found and "loser" in found:
        cols = {"winner": "winner", "loser": "loser"}
    else:
        raise _errors.MissingColumnError(
            f"missing column `left`: comparisons need `worker, left, right, label` (label = "
            f"the winner's id) or `worker, winner, loser`; found columns [{', '.join(found)}]"
        )
    cols["worker"] = worker
    return cols, worker is not None


def _source(data: Any, need_worker: bool) -> _Source:
    """An Arrow source with the comparison columns of ``data``; without a worker
    column (allowed for methods that do not model workers, as crowd-kit's
    ``BradleyTerry``) every comparison gets the same worker."""
    if isinstance(data, pd.DataFrame):
        found = [str(c) for c in data.columns]
    elif hasattr(data, "__arrow_c_stream__"):
        found = _frames._columns_of(data)
    else:
        raise TypeError(
            "data must be a pandas DataFrame or an object with __arrow_c_stream__ (pyarrow "
            f"Table, polars DataFrame, ...); got {type(data)}"
        )
    cols, has_worker = _layout(found, need_worker)
    names = [c for c in cols.values() if c is not None]
    if isinstance(data, pd.DataFrame):
        df = data[names]
        if len(df) == 0:
            # empty object columns would arrive as Arrow nulls: give them a type
            df = df.astype(str)
        winner = cols["winner"]
        assert winner is not None
        if df[winner].dtype == object and _frames._mixed(df[winner]):
            # item ids and tie markers in one column: read every outcome as text
            df = df.assign(**{winner: df[winner].astype("string")})
        table: Any = _frames._pandas_to_arrow(df, names)
    else:
        table = data
    if not has_worker:
        table = pa.table(table)
        table = table.append_column("worker", pa.array(np.zeros(table.num_rows, dtype=np.int64)))
        cols["worker"] = "worker"
    return _Source(table, cols, has_worker)


def _table(batch: Any, key: str, index_name: Optional[str]) -> pd.DataFrame:
    df = pa.Table.from_batches([batch]).to_pandas()
    df = df.set_index(key)
    df.index.name = index_name
    return df


class _Pairwise(BaseAggregator):
    """Shared ``fit``/``fit_predict``/``evaluate`` of the pairwise aggregators.

    Subclasses set ``_method`` (the library's method name), ``_need_worker`` and
    ``_item_index`` (the index name of ``scores_``), and return their native
    parameters from ``_params``.
    """

    _need_worker = False
    _item_index: Optional[str] = "item"
    _worker_index: Optional[str] = "worker"

    def _params(self) -> dict[str, Any]:
        raise NotImplementedError

    def _extra(self, items: pd.DataFrame, workers: pd.DataFrame, summary: dict[str, Any]) -> None:
        """Method-specific fitted attributes (none by default)."""

    def fit(self, data: Any) -> Any:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``worker``, ``left``, ``right`` and ``label`` columns,
            ``label`` being the winning item's id.

        Returns
        -------
        self
            The fitted aggregator.

        Raises
        ------
        crowdqc.InvalidValueError
            A comparison of an item with itself, or an outcome that is neither side nor
            a tie marker (the message names the row and the value).
        crowdqc.MissingColumnError
            A required column is missing.
        """
        src = _source(data, self._need_worker)
        cols = src.columns
        items_b, workers_b, summary = _native.pairwise_fit(
            src.data,
            self._method,
            worker=cols.get("worker"),
            left=cols.get("left"),
            right=cols.get("right"),
            winner=cols.get("winner"),
            loser=cols.get("loser"),
            **self._params(),
        )
        ingest = summary["ingest"]
        if ingest["warning"]:
            warnings.warn(ingest["warning"], DisconnectedComparisonsWarning, stacklevel=2)
        items = _table(items_b, "item", self._item_index).sort_index()
        if len(items) == 0:
            # crowd-kit's empty result
            self.scores_ = pd.Series([], dtype="float64", name="agg_score")
        else:
            self.scores_ = items["score"].rename("agg_score")
        self.items_ = items
        workers = _table(workers_b, "worker", self._worker_index).sort_index()
        self.workers_ = workers if src.has_worker else workers.iloc[:0]
        fit = summary["fit"]
        self.loss_history_ = list(fit["objective"])
        self.n_iter_ = int(fit["iterations"])
        self.converged_ = bool(fit["converged"])
        self.log_likelihood_ = fit["log_likelihood"]
        self.ingest_ = ingest
        self._extra(items, self.workers_, summary)
        return self

    def fit_predict(self, data: Any) -> pd.Series[Any]:
        """Fit and return ``scores_``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``worker``, ``left``, ``right`` and ``label`` columns.

        Returns
        -------
        pandas.Series
            Score per item (``agg_score``), higher is better.
        """
        return self.fit(data).scores_  # type: ignore[no-any-return]

    def evaluate(self, gold: Any) -> RankingEvaluation:
        """Agreement of the fitted scores with known item levels.

        Parameters
        ----------
        gold : pandas.Series or dict
            Gold level per item id (higher is better), e.g. expert reading levels.

        Returns
        -------
        RankingEvaluation
            Kendall's tau-b, Spearman's rho and pair accuracy over the gold items that
            have a score; the others are counted in ``gold_unscored``.
        """
        levels = pd.Series(gold, dtype="float64")
        scores = self.scores_
        known = levels.index.isin(scores.index)
        common = levels[known]
        e = _native.pairwise_evaluate(
            [float(v) for v in scores.reindex(common.index)],
            [float(v) for v in common],
        )
        return RankingEvaluation(
            items=e["items"],
            gold_unscored=int((~known).sum()),
            kendall_tau_b=e["kendall_tau_b"],
            spearman_rho=e["spearman_rho"],
            pair_accuracy=e["pair_accuracy"],
            pairs=e["pairs"],
        )


def _count(name: str, value: Any) -> int:
    """A non-negative integer parameter, or an error naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise _errors.InvalidParameterError(
            f"parameter `{name}` must be a non-negative integer, got {value!r}"
        )
    return int(value)


def _real(name: str, value: Any) -> float:
    """A real-number parameter, or an error naming it (the library checks its range)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise _errors.InvalidParameterError(f"parameter `{name}` must be a number, got {value!r}")
    return float(value)


def _skills(workers: pd.DataFrame, column: str, name: str) -> pd.Series[Any]:
    return workers[column].astype("float64").rename(name)
