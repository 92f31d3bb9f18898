"""crowdqc's pairwise classes beyond crowd-kit: ``CrowdBT``, ``BradleyTerryTies``,
``Elo`` and ``WinRate``."""

from __future__ import annotations

from typing import Any, Tuple

import pandas as pd

from ... import _errors
from ._base import _count, _Pairwise, _real, _skills


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
