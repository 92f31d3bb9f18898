"""Methods crowd-kit does not have: minimax conditional entropy, EBCC, IBCC and the
gold-free method chooser ``Auto``. Same shape as the crowd-kit classes: ``fit``,
``fit_predict``, ``fit_predict_proba``, ``labels_``, ``probas_``."""

from __future__ import annotations

from typing import Any, List, NamedTuple, Optional, Sequence

import pandas as pd

from .. import _frames, _native
from .._base import tol
from ._common import _SimpleFit, set_em
from ._dawid_skene import _errors_frame


class _ConfusionFit(_SimpleFit):
    """Shared ``fit`` of the methods with a per-worker confusion matrix."""

    def _params(self) -> dict[str, Any]:
        raise NotImplementedError

    def _native_method(self) -> str:
        return self._method

    def _extra(self, model: Any) -> None:
        """Method-specific fitted attributes (none by default)."""

    def fit(self, data: Any) -> Any:
        """Fit on judgments ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        self
            The fitted aggregator.
        """
        d = _frames.build(data)
        model = _native.fit(d.matrix, self._native_method(), self._params())
        set_em(self, d, model)
        arrays = model.arrays()
        self._defer(
            priors_=lambda: pd.Series(
                _frames.numbers(arrays["priors"]), index=_frames.classes(d), name="prior"
            ),
            errors_=lambda: _errors_frame(d, arrays["confusion"]),
        )
        self._extra(model)
        return self


class MinimaxEntropy(_ConfusionFit):
    """Minimax conditional entropy (Zhou et al., NIPS 2012; ordinal: ICML 2014).

    Worker and item confusion parameters with L2 penalties; the authors' defaults.

    Parameters
    ----------
    ordinal : bool
        The ordinal variant (classes must be numbers or declared in order).
    n_iter : int
        Maximum outer iterations (the authors' 50).
    tol : float
        Convergence tolerance on the posteriors (the authors' 5e-3).
    worker_penalty, item_penalty : float, optional
        L2 penalties; default ``0.25 K^2`` and that times mean labels per worker over
        mean labels per item.
    learn_prior : bool
        Learn the class prior (default uniform, as the authors).

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task.
    probas_ : pandas.DataFrame
        Posteriors.
    priors_ : pandas.Series
        Class prior.
    errors_ : pandas.DataFrame
        Worker confusion rows ``(worker, observed label)``, columns true labels.
    loss_history_ : list of float
        Objective per iteration.
    """

    def __init__(
        self,
        ordinal: bool = False,
        n_iter: int = 50,
        tol: float = 5e-3,
        worker_penalty: Optional[float] = None,
        item_penalty: Optional[float] = None,
        learn_prior: bool = False,
    ):
        self.ordinal = ordinal
        self.n_iter = n_iter
        self.tol = tol
        self.worker_penalty = worker_penalty
        self.item_penalty = item_penalty
        self.learn_prior = learn_prior

    _method = "minimax"

    def _native_method(self) -> str:
        return "minimax-ordinal" if self.ordinal else "minimax"

    def _params(self) -> dict[str, Any]:
        return {
            "n_iter": self.n_iter,
            "tol": tol(self.tol),
            "worker_penalty": self.worker_penalty,
            "item_penalty": self.item_penalty,
            "learn_prior": self.learn_prior,
        }


class EBCC(_ConfusionFit):
    """Enhanced Bayesian classifier combination (Li, Rubinstein & Cohn, ICML 2019).

    Each true class is split into latent subtypes so workers' errors can correlate;
    mean-field variational Bayes with seeded restarts, keeping the highest ELBO.

    Parameters
    ----------
    n_subtypes : int
        Subtypes per class (the authors' M = 10).
    n_restarts : int
        Seeded restarts (the highest ELBO is kept).
    n_iter : int
        Maximum iterations per restart.
    tol : float
        Stop when the posteriors change by less than this.
    random_state : int
        Seed.

    Attributes
    ----------
    labels_, probas_, priors_, errors_, loss_history_
        As for :class:`MinimaxEntropy`.
    elbos_ : list of float
        The final ELBO of every restart.
    """

    _method = "ebcc"

    def __init__(
        self,
        n_subtypes: int = 10,
        n_restarts: int = 10,
        n_iter: int = 500,
        tol: float = 1e-3,
        random_state: int = 0,
    ):
        self.n_subtypes = n_subtypes
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state

    def _params(self) -> dict[str, Any]:
        return {
            "n_subtypes": self.n_subtypes,
            "n_restarts": self.n_restarts,
            "n_iter": self.n_iter,
            "tol": tol(self.tol),
            "random_state": self.random_state,
        }

    def _extra(self, model: Any) -> None:
        self.elbos_ = [float(v) for v in _frames.numbers(model.arrays()["restart_elbos"])]


class IBCC(_ConfusionFit):
    """Independent Bayesian classifier combination (variational; EBCC with one subtype).

    Parameters
    ----------
    n_iter : int
        Maximum iterations.
    tol : float
        Stop when the posteriors change by less than this.

    Attributes
    ----------
    labels_, probas_, priors_, errors_, loss_history_
        As for :class:`MinimaxEntropy`.
    """

    _method = "ibcc"

    def __init__(self, n_iter: int = 500, tol: float = 1e-3):
        self.n_iter = n_iter
        self.tol = tol

    def _params(self) -> dict[str, Any]:
        return {"n_iter": self.n_iter, "tol": tol(self.tol)}


class Candidate(NamedTuple):
    """One candidate of :class:`Auto`: its held-out score or why it has none."""

    method: str
    heldout_loglik: Optional[float]
    error: Optional[str]


class Auto(_SimpleFit):
    """Gold-free method chooser: held-out judgment likelihood over seeded folds.

    Masks a seeded fraction of judgments per fold, fits every candidate on the rest and
    scores how well it predicts the masked labels; the best candidate is then fitted on
    all judgments. ``chosen_``, ``reason_`` and ``candidates_`` say what was chosen and
    why.

    Parameters
    ----------
    candidates : sequence of str, optional
        Registry method names to choose from (default: the library's list).
    folds : int, optional
        Folds (default: the library's).
    ordinal : bool
        Classes are ordered: adds the ordinal minimax candidate.
    random_state : int
        Seed of the folds.

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task, from the chosen method.
    probas_ : pandas.DataFrame
        Posteriors of the chosen method.
    chosen_ : str
        The chosen method.
    reason_ : str
        One sentence: the winner, its score and the runner-up's.
    candidates_ : list of Candidate
        Every candidate's held-out log-likelihood per judgment (or its error).
    """

    _method = "auto"

    def __init__(
        self,
        candidates: Optional[Sequence[str]] = None,
        folds: Optional[int] = None,
        ordinal: bool = False,
        random_state: int = 0,
    ):
        self.candidates = candidates
        self.folds = folds
        self.ordinal = ordinal
        self.random_state = random_state

    def fit(self, data: Any) -> Auto:
        """Choose a method on ``data`` and fit it.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        self
            The fitted chooser.
        """
        params = {
            "candidates": None if self.candidates is None else list(self.candidates),
            "folds": self.folds,
            "ordinal": self.ordinal,
            "random_state": self.random_state,
        }
        d, model = self._fit_native(data, params)
        self.labels_ = _frames.labels_series(d, model.labels())
        self._defer(probas_=lambda: _frames.probas_frame(d, model))
        chosen, reason, cands, _folds, _seed, _n = model.auto_report()
        self.chosen_: str = chosen
        self.reason_: str = reason
        self.candidates_: List[Candidate] = [Candidate(*c) for c in cands]
        return self
