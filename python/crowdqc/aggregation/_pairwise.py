"""Pairwise comparisons: crowd-kit's ``BradleyTerry`` and ``NoisyBradleyTerry``, and
crowdqc's Crowd-BT, Davidson ties, Elo and win rate.

Input: a pandas DataFrame (or any Arrow C stream source) with ``worker``, ``left``,
``right`` and ``label`` columns, ``label`` being the winning item's id (crowd-kit's
layout; ``winner`` is accepted for ``label``, and ``worker, winner, loser`` frames too).
With crowdqc's methods an outcome may also be ``left``, ``right`` or a tie marker
(``tie``, ``draw``, ``equal``, ``=``). The statistics are computed by the Rust library
``crowdqc-pairwise``; this module converts inputs and outputs only.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple, Optional, Tuple

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import _errors, _frames, _native
from .._base import BaseAggregator

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


class BradleyTerry(_Pairwise):
    """Bradley-Terry model for pairwise comparisons (crowd-kit's ``BradleyTerry``).

    ``P(i beats j) = p_i / (p_i + p_j)``, fitted by Hunter's (2004) MM algorithm from
    equal strengths; scores are the strengths, summing to 1. A tie (crowdqc accepts
    tie markers) counts half a win for each side. Needs no ``worker`` column.

    Differences from crowd-kit 1.4.2: crowd-kit's stopping rule compares the strength
    vector with itself, so with any ``tol > 0`` it stops after two iterations whatever
    ``n_iter`` is; crowdqc stops when the L1 change of the strengths is below ``tol``
    (``n_iter=2, tol=0`` gives crowd-kit's default output). With ``tol=0`` both run
    ``n_iter`` iterations and agree to rounding. An outcome that is neither side is an
    error here (crowd-kit drops the row silently).

    Parameters
    ----------
    n_iter : int
        Maximum MM iterations (crowd-kit requires it; 0 returns equal strengths).
    tol : float
        Stop when the L1 change of the strengths is below ``tol`` (0: run ``n_iter``).

    Attributes
    ----------
    scores_ : pandas.Series
        Strength per item (``agg_score``), indexed by item id in sorted order.
    items_ : pandas.DataFrame
        Per item: ``score``, ``stderr`` (observed information, delta method),
        ``lower``/``upper`` (95% interval on the log scale), ``rank``,
        ``log_strength``, ``comparisons``, ``wins``, ``component``.
    workers_ : pandas.DataFrame
        Per worker: ``comparisons``, ``ties``, ``agreement`` with the fitted order
        (empty when the input has no worker column).
    loss_history_ : list of float
        Empty, as crowd-kit's.
    n_iter_ : int
        Iterations run.
    converged_ : bool
        Whether ``tol`` was reached.
    log_likelihood_ : float
        Log-likelihood at the estimate.
    ingest_ : dict
        Rows, duplicates, ties and connected components of the input.

    Examples
    --------
    >>> import pandas as pd
    >>> from crowdqc.aggregation import BradleyTerry
    >>> df = pd.DataFrame([["w1", "a", "b", "a"], ["w1", "b", "c", "b"],
    ...                    ["w1", "c", "a", "a"]],
    ...                   columns=["worker", "left", "right", "label"])
    >>> BradleyTerry(n_iter=10, tol=0).fit_predict(df).round(3).tolist()
    [0.934, 0.065, 0.0]
    """

    _method = "bt"
    _item_index = None  # crowd-kit's scores_ index has no name
    _worker_index = None

    def __init__(self, n_iter: int = 100, tol: float = 1e-5):
        self.n_iter = n_iter
        self.tol = tol

    def _params(self) -> dict[str, Any]:
        return {"max_iter": _count("n_iter", self.n_iter), "tol": _real("tol", self.tol)}

    def fit(self, data: Any) -> BradleyTerry:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``left``, ``right`` and ``label`` (the winner's id)
            columns; ``worker`` is optional.

        Returns
        -------
        BradleyTerry
            self.
        """
        return super().fit(data)  # type: ignore[no-any-return]


class NoisyBradleyTerry(_Pairwise):
    """Noisy Bradley-Terry (crowd-kit's ``NoisyBradleyTerry`` model).

    Each worker answers by the Bradley-Terry order with probability ``skill`` and
    otherwise picks the left item with probability ``bias``. crowdqc fits this model
    by EM from equal strengths (deterministic). Scores are ``expit`` of the
    log-strengths, as crowd-kit's.

    crowd-kit minimises the same likelihood by L-BFGS-B from a random start with a
    hand-written gradient that is not the gradient of that likelihood, so its values
    depend on where the optimiser stops and cannot be reproduced; the item order
    agrees (Spearman's rho 0.88-0.89 on the readability and a synthetic set). Ties are
    left out (counted in ``ingest_``).

    Parameters
    ----------
    n_iter : int
        Maximum EM iterations (0 returns equal strengths).
    tol : float
        Stop when the log-posterior improves by less than ``tol`` per comparison.
    regularization_ratio : float
        Weight of the virtual-item regulariser: each item gets this many virtual wins
        and losses against a virtual item of strength 1 (crowdqc's ``prior``; it keeps
        the strength of an item that never wins or never loses finite).
    random_state : int
        Accepted for crowd-kit compatibility; the EM fit starts from equal strengths
        and uses no random numbers.

    Attributes
    ----------
    scores_ : pandas.Series
        Score per item (``agg_score``), index ``label`` (crowd-kit's name), sorted.
    skills_ : pandas.Series
        Per worker (sorted) probability of answering by quality (``skill``).
    biases_ : pandas.Series
        Per worker probability of choosing the left item when not answering by quality
        (``bias``).
    items_, workers_, loss_history_, n_iter_, converged_, log_likelihood_, ingest_
        As for :class:`BradleyTerry`; ``loss_history_`` is the EM log-posterior per
        iteration (non-decreasing).
    """

    _method = "noisy-bt"
    _need_worker = True
    _item_index = "label"
    _worker_index = None

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        regularization_ratio: float = 1e-5,
        random_state: int = 0,
    ):
        self.n_iter = n_iter
        self.tol = tol
        self.regularization_ratio = regularization_ratio
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        return {
            "max_iter": _count("n_iter", self.n_iter),
            "tol": _real("tol", self.tol),
            "prior": _real("regularization_ratio", self.regularization_ratio),
        }

    def _extra(self, items: pd.DataFrame, workers: pd.DataFrame, summary: dict[str, Any]) -> None:
        self.skills_ = _skills(workers, "reliability", "skill")
        self.biases_ = _skills(workers, "bias", "bias")

    def fit(self, data: Any) -> NoisyBradleyTerry:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``worker``, ``left``, ``right`` and ``label`` columns.

        Returns
        -------
        NoisyBradleyTerry
            self.
        """
        return super().fit(data)  # type: ignore[no-any-return]


class CrowdBT(_Pairwise):
    """Crowd-BT (Chen, Bennett, Collins-Thompson & Horvitz, WSDM 2013).

    Each worker agrees with the Bradley-Terry order with probability ``eta``
    (reliability) and reverses it otherwise, so spammers (``eta`` near 1/2) and
    adversarial workers (``eta`` below 1/2) are found from comparisons alone. Fitted by
    EM (MAP under the Beta prior on ``eta``); scores are strengths summing to 1. Ties
    are left out (counted in ``ingest_``).

    Parameters
    ----------
    n_iter : int
        Maximum EM iterations.
    tol : float
        Stop when the log-posterior improves by less than ``tol`` per comparison.
    prior : float
        Virtual wins and losses of every item against a virtual item of strength 1
        (Chen et al.'s virtual node; 0: maximum likelihood).
    reliability_prior : tuple of float
        Beta(a, b) prior on each worker's ``eta``, both >= 1 ((1, 1): maximum
        likelihood).
    bootstrap : int
        Bootstrap replicates for the standard errors (0: observed information).
    random_state : int
        Seed of the bootstrap.

    Attributes
    ----------
    scores_ : pandas.Series
        Strength per item (``agg_score``), index ``item``, sorted.
    skills_ : pandas.Series
        Reliability ``eta`` per worker (``skill``), index ``worker``, sorted.
    items_, workers_, loss_history_, n_iter_, converged_, log_likelihood_, ingest_
        As for :class:`BradleyTerry`; ``workers_`` has ``reliability``.
    """

    _method = "crowd-bt"
    _need_worker = True

    def __init__(
        self,
        n_iter: int = 500,
        tol: float = 1e-5,
        prior: float = 0.0,
        reliability_prior: Tuple[float, float] = (1.0, 1.0),
        bootstrap: int = 0,
        random_state: int = 0,
    ):
        self.n_iter = n_iter
        self.tol = tol
        self.prior = prior
        self.reliability_prior = reliability_prior
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        try:
            a, b = self.reliability_prior
        except (TypeError, ValueError):
            raise _errors.InvalidParameterError(
                "parameter `reliability_prior` must be a pair (a, b) of Beta parameters, "
                f"got {self.reliability_prior!r}"
            ) from None
        return {
            "max_iter": _count("n_iter", self.n_iter),
            "tol": _real("tol", self.tol),
            "prior": _real("prior", self.prior),
            "reliability_prior": (_real("reliability_prior", a), _real("reliability_prior", b)),
            "bootstrap": _count("bootstrap", self.bootstrap),
            "seed": _count("random_state", self.random_state),
        }

    def _extra(self, items: pd.DataFrame, workers: pd.DataFrame, summary: dict[str, Any]) -> None:
        self.skills_ = _skills(workers, "reliability", "skill")

    def fit(self, data: Any) -> CrowdBT:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``worker``, ``left``, ``right`` and ``label`` columns.

        Returns
        -------
        CrowdBT
            self.
        """
        return super().fit(data)  # type: ignore[no-any-return]


class BradleyTerryTies(_Pairwise):
    """Bradley-Terry with Davidson's (1970) ties.

    ``P(i beats j) ∝ p_i``, ``P(tie) ∝ nu * sqrt(p_i p_j)``, with the tie parameter
    ``nu`` estimated; outcomes may be tie markers (``tie``, ``draw``, ``equal``,
    ``=``). Scores are strengths summing to 1. Without ties it equals
    :class:`BradleyTerry`.

    Parameters
    ----------
    n_iter : int
        Maximum iterations.
    tol : float
        Stop when the L1 change of the strengths is below ``tol``.
    prior : float
        Virtual wins and losses of every item against a virtual item of strength 1.
    bootstrap : int
        Bootstrap replicates for the standard errors (0: observed information).
    random_state : int
        Seed of the bootstrap.

    Attributes
    ----------
    scores_ : pandas.Series
        Strength per item (``agg_score``), index ``item``, sorted.
    tie_parameter_ : float
        Davidson's ``nu`` (0 without ties).
    items_, workers_, loss_history_, n_iter_, converged_, log_likelihood_, ingest_
        As for :class:`BradleyTerry`.
    """

    _method = "bt-ties"

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        prior: float = 0.0,
        bootstrap: int = 0,
        random_state: int = 0,
    ):
        self.n_iter = n_iter
        self.tol = tol
        self.prior = prior
        self.bootstrap = bootstrap
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        return {
            "max_iter": _count("n_iter", self.n_iter),
            "tol": _real("tol", self.tol),
            "prior": _real("prior", self.prior),
            "bootstrap": _count("bootstrap", self.bootstrap),
            "seed": _count("random_state", self.random_state),
        }

    def _extra(self, items: pd.DataFrame, workers: pd.DataFrame, summary: dict[str, Any]) -> None:
        nu = summary["fit"]["tie_parameter"]
        self.tie_parameter_ = float("nan") if nu is None else float(nu)

    def fit(self, data: Any) -> BradleyTerryTies:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``left``, ``right`` and ``label`` (winner's id or a tie
            marker) columns; ``worker`` is optional.

        Returns
        -------
        BradleyTerryTies
            self.
        """
        return super().fit(data)  # type: ignore[no-any-return]


class Elo(_Pairwise):
    """Elo ratings, a baseline: comparisons processed in input order (so the result
    depends on the row order by design), ratings start at 1500 on the 400-point
    logistic scale, a tie scores 1/2.

    Parameters
    ----------
    k_factor : float
        Elo's K (rating change per unit of surprise), > 0.

    Attributes
    ----------
    scores_ : pandas.Series
        Rating per item (``agg_score``), index ``item``, sorted.
    items_, workers_, ingest_
        As for :class:`BradleyTerry` (no standard errors).
    """

    _method = "elo"

    def __init__(self, k_factor: float = 32.0):
        self.k_factor = k_factor

    def _params(self) -> dict[str, Any]:
        return {"elo_k": _real("k_factor", self.k_factor)}

    def fit(self, data: Any) -> Elo:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``left``, ``right`` and ``label`` columns.

        Returns
        -------
        Elo
            self.
        """
        return super().fit(data)  # type: ignore[no-any-return]


class WinRate(_Pairwise):
    """Share of comparisons each item won (ties count 1/2), a baseline, with the
    binomial standard error ``sqrt(s (1 - s) / n)``.

    Attributes
    ----------
    scores_ : pandas.Series
        Win rate per item (``agg_score``), index ``item``, sorted.
    items_, workers_, ingest_
        As for :class:`BradleyTerry`.
    """

    _method = "win-rate"

    def __init__(self) -> None:
        pass

    def _params(self) -> dict[str, Any]:
        return {}

    def fit(self, data: Any) -> WinRate:
        """Fit on comparisons ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Comparisons with ``left``, ``right`` and ``label`` columns.

        Returns
        -------
        WinRate
            self.
        """
        return super().fit(data)  # type: ignore[no-any-return]
