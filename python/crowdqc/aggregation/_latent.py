"""Latent-variable and graph aggregators: GLAD, MACE, KOS and MMSR."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from .. import _errors, _frames
from .._base import tol, weighted_vote
from ._common import _FitLabels, _SimpleFit, set_em


class GLAD(_SimpleFit):
    """GLAD: worker ability and task difficulty (Whitehill et al. 2009; crowd-kit's ``GLAD``).

    Parameters
    ----------
    n_iter : int
        Maximum EM iterations.
    tol : float
        Convergence tolerance.
    silent : bool
        Accepted for compatibility (no progress bar is drawn).
    labels_priors, alphas_priors_mean, betas_priors_mean : None
        Per-label/worker/task prior Series are not supported; must be ``None``.
    m_step_max_iter, m_step_tol
        Accepted and ignored (crowdqc's M-step is a Newton step).

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task.
    probas_ : pandas.DataFrame
        Posteriors.
    alphas_ : pandas.Series
        Ability per worker (``alpha``).
    betas_ : pandas.Series
        Log inverse difficulty per task (``beta``).
    loss_history_ : list of float
        Objective per iteration.
    """

    _method = "glad"

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        silent: bool = True,
        labels_priors: Optional[pd.Series[Any]] = None,
        alphas_priors_mean: Optional[pd.Series[Any]] = None,
        betas_priors_mean: Optional[pd.Series[Any]] = None,
        m_step_max_iter: int = 25,
        m_step_tol: float = 1e-2,
    ):
        self.n_iter = n_iter
        self.tol = tol
        self.silent = silent
        self.labels_priors = labels_priors
        self.alphas_priors_mean = alphas_priors_mean
        self.betas_priors_mean = betas_priors_mean
        self.m_step_max_iter = m_step_max_iter
        self.m_step_tol = m_step_tol

    def fit(self, data: Any) -> GLAD:
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
        for name in ("labels_priors", "alphas_priors_mean", "betas_priors_mean"):
            if getattr(self, name) is not None:
                raise _errors.InvalidParameterError(
                    f"`{name}` is not supported by crowdqc's GLAD; leave it None"
                )
        d, model = self._fit_native(data, {"n_iter": self.n_iter, "tol": tol(self.tol)})
        set_em(self, d, model)
        arrays = model.arrays()
        self._defer(
            alphas_=lambda: _frames.worker_series(d, arrays["alpha"], "alpha"),
            betas_=lambda: pd.Series(
                _frames.numbers(arrays["log_beta"]), index=_frames.items(d), name="beta"
            ),
        )
        return self


class MACE(_SimpleFit):
    """MACE: Multi-Annotator Competence Estimation (Hovy et al. 2013; crowd-kit's ``MACE``).

    Parameters
    ----------
    n_restarts : int
        Number of restarts (each with its own initialisation).
    n_iter : int
        Iterations per restart.
    method : {"vb", "em"}
        Variational Bayes or EM.
    smoothing : float
        Accepted for compatibility; as in crowd-kit the smoothing used is ``0.01 / K``.
    default_noise : float
        Accepted for compatibility (initialisation noise).
    alpha, beta : float
        Beta prior on the spamming probability.
    random_state : int
        Seed.
    verbose : int
        Accepted for compatibility (no progress bar).

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task.
    probas_ : pandas.DataFrame
        Posteriors.
    spamming_ : numpy.ndarray
        ``(n_workers, 2)``: probability of spamming and of knowing, per worker.
    thetas_ : numpy.ndarray
        ``(n_workers, n_labels)``: each worker's label distribution when spamming.
    """

    _method = "mace"

    def __init__(
        self,
        n_restarts: int = 10,
        n_iter: int = 50,
        method: str = "vb",
        smoothing: float = 0.1,
        default_noise: float = 0.5,
        alpha: float = 0.5,
        beta: float = 0.5,
        random_state: int = 0,
        verbose: int = 0,
    ):
        self.n_restarts = n_restarts
        self.n_iter = n_iter
        self.method = method
        self.smoothing = smoothing
        self.default_noise = default_noise
        self.alpha = alpha
        self.beta = beta
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, data: Any) -> MACE:
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
        params = {
            "n_restarts": self.n_restarts,
            "n_iter": self.n_iter,
            "method": self.method,
            "alpha": self.alpha,
            "beta": self.beta,
            "random_state": self.random_state,
        }
        d, model = self._fit_native(data, params)
        self.probas_ = _frames.probas_frame(d, model)
        self.labels_ = _frames.labels_series(d, model.labels())
        arrays = model.arrays()
        spam = _frames.numbers(arrays["spamming"])
        self.spamming_ = np.column_stack([spam, 1.0 - spam])
        self.thetas_ = _frames.numbers(arrays["strategies"]).reshape(
            d.matrix.n_workers, d.matrix.n_classes
        )
        self.smoothing_ = 0.01 / d.matrix.n_classes
        return self


class KOS(_FitLabels):
    """Karger–Oh–Shah message passing for binary labels (crowd-kit's ``KOS``).

    Parameters
    ----------
    n_iter : int
        Number of message-passing iterations.
    random_state : int
        Seed of the initial messages.

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task.
    """

    _method = "kos"

    def __init__(self, n_iter: int = 100, random_state: int = 0):
        self.n_iter = n_iter
        self.random_state = random_state

    def fit(self, data: Any) -> KOS:
        """Fit on binary judgments ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        self
            The fitted aggregator.
        """
        d, model = self._fit_native(
            data, {"n_iter": self.n_iter, "random_state": self.random_state}
        )
        self.labels_ = _frames.labels_series(d, model.labels())
        return self


class MMSR(_FitLabels):
    """Matrix Mean-Subsequence-Reduced (crowd-kit's ``MMSR``).

    Parameters
    ----------
    n_iter : int
        Maximum iterations.
    tol : float
        Convergence tolerance.
    random_state : int, optional
        Seed.

    Attributes
    ----------
    skills_ : pandas.Series
        Vote weight per worker (``skill``).
    scores_ : pandas.DataFrame
        Skill-weighted vote shares, tasks x labels.
    labels_ : pandas.Series
        Label per task.
    loss_history_ : list of float
        Objective per iteration.
    """

    _method = "mmsr"

    def __init__(self, n_iter: int = 10000, tol: float = 1e-10, random_state: Optional[int] = 0):
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, data: Any) -> MMSR:
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
        params = {"n_iter": self.n_iter, "tol": tol(self.tol), "random_state": self.random_state}
        d, model = self._fit_native(data, params)
        self.skills_ = _frames.worker_series(d, model.arrays()["skills"], "skill")
        self.scores_ = _frames.probas_frame(d, model)
        self.labels_ = _frames.labels_series(d, model.labels())
        self.loss_history_ = list(model.report()[2])
        return self

    def predict(self, data: Any) -> pd.Series[Any]:
        """Labels of ``data`` by a vote weighted with the fitted ``skills_``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments whose workers all have a fitted skill.

        Returns
        -------
        pandas.Series
            Label per task.
        """
        self.scores_, self.labels_ = weighted_vote(self, data, self.skills_)
        return self.labels_

    def predict_score(self, data: Any) -> pd.DataFrame:
        """Skill-weighted vote shares of ``data`` (see :meth:`predict`).

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments whose workers all have a fitted skill.

        Returns
        -------
        pandas.DataFrame
            Weighted vote shares per task and label.
        """
        self.predict(data)
        return self.scores_

    def fit_predict_score(self, data: Any) -> pd.DataFrame:
        """Fit and return ``scores_``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        pandas.DataFrame
            Skill-weighted vote shares per task and label.
        """
        return self.fit(data).scores_
