"""The crowd-kit compatible aggregator classes."""

from __future__ import annotations

from typing import Any, List, Literal, Optional

import numpy as np
import pandas as pd

from .. import _errors, _frames, _native
from .._base import BaseAggregator, tol, weighted_vote
from .._frames import Data


class MajorityVote(BaseAggregator):
    """Majority vote, optionally weighted by per-worker skills (crowd-kit's ``MajorityVote``).

    Parameters
    ----------
    default_skill : float, optional
        Weight of workers missing from ``skills`` when ``on_missing_skill="value"``.
    on_missing_skill : {"error", "ignore", "value"}
        What to do with workers missing from ``skills``.

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task (``agg_label``, indexed by ``task``); ties go to the smallest label.
    probas_ : pandas.DataFrame
        Vote shares, tasks x labels.
    skills_ : pandas.Series
        Each worker's agreement with the majority labels (unweighted fits).
    """

    _method = "mv"

    def __init__(self, default_skill: Optional[float] = None, on_missing_skill: str = "error"):
        self.default_skill = default_skill
        self.on_missing_skill = on_missing_skill

    def fit(self, data: Any, skills: Optional[pd.Series[Any]] = None) -> MajorityVote:
        """Fit on judgments ``data`` (``task``, ``worker``, ``label``).

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            The judgments.
        skills : pandas.Series, optional
            Weight per worker id; unweighted when ``None``.

        Returns
        -------
        MajorityVote
            ``self``.
        """
        if skills is None:
            d, model = self._fit_native(data)
            self._set_votes(d, model)
        else:
            self.probas_, self.labels_ = weighted_vote(
                self, data, skills, self.on_missing_skill, self.default_skill
            )
            self.skills_ = pd.Series(skills, name="skill")
        return self

    def fit_predict(self, data: Any, skills: Optional[pd.Series[Any]] = None) -> pd.Series[Any]:
        """Fit (see :meth:`fit` for the parameters) and return ``labels_``.

        Returns
        -------
        pandas.Series
            Label per task.
        """
        return self.fit(data, skills).labels_

    def fit_predict_proba(self, data: Any, skills: Optional[pd.Series[Any]] = None) -> pd.DataFrame:
        """Fit (see :meth:`fit` for the parameters) and return ``probas_``.

        Returns
        -------
        pandas.DataFrame
            Probability per task and label.
        """
        return self.fit(data, skills).probas_


class _SkillVote(BaseAggregator):
    """Vote methods that learn skills and can predict on new data with them."""

    def predict(self, data: Any) -> pd.Series[Any]:
        """Labels of ``data`` by majority vote weighted with the fitted ``skills_``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments whose workers all have a fitted skill.

        Returns
        -------
        pandas.Series
            Label per task.
        """
        self.probas_, self.labels_ = weighted_vote(self, data, self.skills_)
        return self.labels_

    def predict_proba(self, data: Any) -> pd.DataFrame:
        """Skill-weighted vote shares of ``data`` (see :meth:`predict`).

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments whose workers all have a fitted skill.

        Returns
        -------
        pandas.DataFrame
            Tasks x labels.
        """
        self.predict(data)
        return self.probas_

    def fit(self, data: Any) -> Any:
        """Fit on judgments ``data`` (``task``, ``worker``, ``label``).

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        self
            The fitted aggregator.
        """
        d, model = self._fit_native(data, self._native_params())
        self._set_votes(d, model)
        return self

    def _native_params(self) -> dict:
        return {}

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
        return self.fit(data).labels_

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
        return self.fit(data).probas_


class Wawa(_SkillVote):
    """Worker Agreement with Aggregate (crowd-kit's ``Wawa``).

    Majority vote, each worker's agreement with it as skill, then a vote weighted by
    those skills.

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task (``agg_label``, indexed by ``task``).
    probas_ : pandas.DataFrame
        Skill-weighted vote shares, tasks x labels.
    skills_ : pandas.Series
        Agreement of each worker with the majority vote.
    """

    _method = "wawa"

    def __init__(self) -> None:
        pass


class ZeroBasedSkill(_SkillVote):
    """Zero-Based Skill (crowd-kit's ``ZeroBasedSkill``): skills learnt by gradient steps.

    Parameters
    ----------
    n_iter : int
        Number of iterations.
    lr_init : float
        Initial learning rate.
    lr_steps_to_reduce : int
        Steps between learning-rate reductions.
    lr_reduce_factor : float
        Factor of each reduction.
    eps : float
        Convergence threshold.

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task.
    probas_ : pandas.DataFrame
        Skill-weighted vote shares.
    skills_ : pandas.Series
        Learnt skill per worker.
    """

    _method = "zbs"

    def __init__(
        self,
        n_iter: int = 100,
        lr_init: float = 1.0,
        lr_steps_to_reduce: int = 20,
        lr_reduce_factor: float = 0.5,
        eps: float = 1e-5,
    ):
        self.n_iter = n_iter
        self.lr_init = lr_init
        self.lr_steps_to_reduce = lr_steps_to_reduce
        self.lr_reduce_factor = lr_reduce_factor
        self.eps = eps

    def _native_params(self) -> dict:
        return self.get_params()


class GoldMajorityVote(_SkillVote):
    """Majority vote weighted by each worker's accuracy on gold (crowd-kit's ``GoldMajorityVote``).

    Attributes
    ----------
    labels_ : pandas.Series
        Label per task.
    probas_ : pandas.DataFrame
        Weighted vote shares.
    skills_ : pandas.Series
        Accuracy of each worker on the gold tasks.
    """

    _method = "gold-mv"

    def __init__(self) -> None:
        pass

    def fit(self, data: Any, true_labels: pd.Series[Any]) -> GoldMajorityVote:  # type: ignore[override]
        """Fit on ``data`` with gold ``true_labels`` (a Series indexed by task).

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            The judgments.
        true_labels : pandas.Series
            Known label per task id.

        Returns
        -------
        GoldMajorityVote
            ``self``.
        """
        d, model = self._fit_native(data, {}, true_labels)
        self._set_votes(d, model)
        return self

    def fit_predict(self, data: Any, true_labels: pd.Series[Any]) -> pd.Series[Any]:  # type: ignore[override]
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
        return self.fit(data, true_labels).labels_

    def fit_predict_proba(self, data: Any, true_labels: pd.Series[Any]) -> pd.DataFrame:  # type: ignore[override]
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
        return self.fit(data, true_labels).probas_


def _set_em(self: Any, d: Data, model: Any) -> None:
    self.labels_ = _frames.labels_series(d, model.labels())
    self.loss_history_ = list(model.report()[2])
    self._defer(probas_=lambda: _frames.probas_frame(d, model.posteriors()))


def _errors_frame(d: Data, confusion: Any) -> pd.DataFrame:
    """crowd-kit's ``errors_``: rows (worker, observed label), columns true labels."""
    m = d.matrix
    k = m.n_classes
    c = _frames.numbers(confusion).reshape(m.n_workers, k, k)  # [worker, true, observed]
    w_idx, l_idx = _frames.observed_pairs(d)
    values = c[w_idx, :, l_idx]  # (pairs, true)
    workers, labels = _frames.workers(d), _frames.classes(d)
    index = pd.MultiIndex.from_arrays(
        [workers.take(w_idx), labels.take(l_idx)], names=["worker", "label"]
    )
    return pd.DataFrame(values, index=index, columns=labels)


def _initial_error_array(d: Data, initial_error: pd.DataFrame, strategy: str) -> list[float]:
    if list(initial_error.index.names) != ["worker", "label"]:
        raise _errors.InvalidParameterError(
            "The index of initial_error must be: ['worker', 'label'], "
            f"but got: {list(initial_error.index.names)}"
        )
    m = d.matrix
    k = m.n_classes
    workers, labels = _frames.workers(d), _frames.classes(d)
    if strategy == "assign":
        w_idx, l_idx = _frames.observed_pairs(d)
        wanted = pd.MultiIndex.from_arrays([workers.take(w_idx), labels.take(l_idx)])
        missing = ~wanted.isin(initial_error.index)
        if missing.any():
            n = len(pd.unique(wanted[missing].get_level_values(0)))
            raise _errors.InvalidValueError(
                "All the workers in data should be in initial_error: "
                f"Can not find {n} workers' error matrix in initial_error"
            )
        if (initial_error <= 1.0).all().all() and not np.allclose(
            initial_error.groupby(level="worker", sort=False).sum(), 1.0
        ):
            raise _errors.InvalidValueError(
                "The sum of each worker's error matrix in initial_error should be 1.0"
            )
    out = np.zeros((m.n_workers, k, k))
    wi = workers.get_indexer(initial_error.index.get_level_values(0))
    li = labels.get_indexer(initial_error.index.get_level_values(1))
    ci = labels.get_indexer(initial_error.columns)
    keep = (wi >= 0) & (li >= 0)
    vals = initial_error.to_numpy(dtype=np.float64)
    for col in range(len(ci)):
        if ci[col] >= 0:
            out[wi[keep], ci[col], li[keep]] = vals[keep, col]
    return [float(v) for v in out.ravel()]


class DawidSkene(BaseAggregator):
    """Dawid–Skene EM with full confusion matrices (crowd-kit's ``DawidSkene``).

    Reproduces crowd-kit 1.4.2's posteriors within 1e-6 with the same number of
    iterations (same initialisation, 1e-10 floors, per-judgment objective and stopping
    rule), orders of magnitude faster.

    Parameters
    ----------
    n_iter : int
        Maximum number of EM iterations.
    tol : float
        Stop when the per-judgment objective improves by less than ``tol``.
    initial_error_strategy : {"assign", "addition"}, optional
        How ``initial_error`` given to :meth:`fit` enters the first M-step.

    Attributes
    ----------
    labels_ : pandas.Series
        Most probable label per task (``agg_label``, indexed by ``task``).
    probas_ : pandas.DataFrame
        Posterior per task and label.
    priors_ : pandas.Series
        Class priors (``prior``, indexed by label).
    errors_ : pandas.DataFrame
        Confusion probabilities indexed by ``(worker, label)`` (observed label), one
        column per true label.
    loss_history_ : list of float
        crowd-kit's objective after each iteration.
    """

    _method = "ds"

    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        initial_error_strategy: Optional[Literal["assign", "addition"]] = None,
    ):
        self.n_iter = n_iter
        self.tol = tol
        self.initial_error_strategy = initial_error_strategy

    def fit(
        self,
        data: Any,
        true_labels: Optional[pd.Series[Any]] = None,
        initial_error: Optional[pd.DataFrame] = None,
    ) -> DawidSkene:
        """Fit by EM.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            The judgments (``task``, ``worker``, ``label``).
        true_labels : pandas.Series, optional
            Known labels indexed by task; those tasks are clamped to them.
        initial_error : pandas.DataFrame, optional
            Initial confusion indexed by ``(worker, label)`` with a column per true
            label, used with ``initial_error_strategy``.

        Returns
        -------
        DawidSkene
            ``self``.
        """
        d = _frames.build(data, true_labels)
        params: dict = {
            "n_iter": self.n_iter,
            "tol": tol(self.tol),
            "clamp_gold": true_labels is not None,
        }
        if initial_error is not None and self.initial_error_strategy is not None:
            params["initial_error"] = _initial_error_array(
                d, initial_error, self.initial_error_strategy
            )
            params["initial_error_strategy"] = self.initial_error_strategy
        model = _native.fit(d.matrix, self._method, params)
        self._set_fitted(d, model)
        return self

    def _set_fitted(self, d: Data, model: Any) -> None:
        _set_em(self, d, model)
        arrays = model.arrays()
        self._defer(
            priors_=lambda: pd.Series(
                _frames.numbers(arrays["priors"]), index=_frames.classes(d), name="prior"
            ),
            errors_=lambda: _errors_frame(d, arrays["confusion"]),
        )

    def fit_predict_proba(
        self,
        data: Any,
        true_labels: Optional[pd.Series[Any]] = None,
        initial_error: Optional[pd.DataFrame] = None,
    ) -> pd.DataFrame:
        """Fit (see :meth:`fit` for the parameters) and return ``probas_``.

        Returns
        -------
        pandas.DataFrame
            Probability per task and label.
        """
        return self.fit(data, true_labels, initial_error).probas_

    def fit_predict(
        self,
        data: Any,
        true_labels: Optional[pd.Series[Any]] = None,
        initial_error: Optional[pd.DataFrame] = None,
    ) -> pd.Series[Any]:
        """Fit (see :meth:`fit` for the parameters) and return ``labels_``.

        Returns
        -------
        pandas.Series
            Label per task.
        """
        return self.fit(data, true_labels, initial_error).labels_


class OneCoinDawidSkene(DawidSkene):
    """One-coin Dawid–Skene: one accuracy per worker (crowd-kit's ``OneCoinDawidSkene``).

    Parameters
    ----------
    n_iter : int
        Maximum number of EM iterations.
    tol : float
        Stop when the per-judgment objective improves by less than ``tol``.
    initial_error_strategy : None
        Inherited from crowd-kit's class; unused.

    Attributes
    ----------
    labels_, probas_, priors_, errors_, loss_history_
        As :class:`DawidSkene`.
    skills_ : pandas.Series
        Accuracy per worker (``skill``).
    """

    _method = "one-coin-ds"

    def fit(self, data: Any) -> OneCoinDawidSkene:  # type: ignore[override]
        """Fit by EM on judgments ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or Arrow C stream source
            Judgments with ``task``, ``worker`` and ``label`` columns.

        Returns
        -------
        OneCoinDawidSkene
            ``self``.
        """
        d = _frames.build(data)
        model = _native.fit(d.matrix, self._method, {"n_iter": self.n_iter, "tol": tol(self.tol)})
        self._set_fitted(d, model)
        self.skills_ = _frames.worker_series(d, model.arrays()["skills"], "skill")
        return self

    def fit_predict_proba(self, data: Any) -> pd.DataFrame:  # type: ignore[override]
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
        return self.fit(data).probas_

    def fit_predict(self, data: Any) -> pd.Series[Any]:  # type: ignore[override]
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
        return self.fit(data).labels_


class _SimpleFit(BaseAggregator):
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
        _set_em(self, d, model)
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
        self.probas_ = _frames.probas_frame(d, model.posteriors())
        self.labels_ = _frames.labels_series(d, model.labels())
        arrays = model.arrays()
        spam = _frames.numbers(arrays["spamming"])
        self.spamming_ = np.column_stack([spam, 1.0 - spam])
        self.thetas_ = _frames.numbers(arrays["strategies"]).reshape(
            d.matrix.n_workers, d.matrix.n_classes
        )
        self.smoothing_ = 0.01 / d.matrix.n_classes
        return self


class KOS(BaseAggregator):
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
        return self.fit(data).labels_


class MMSR(BaseAggregator):
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
        self.scores_ = _frames.probas_frame(d, model.posteriors())
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
        return self.fit(data).labels_

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


__all__: List[str] = [
    "GLAD",
    "KOS",
    "MACE",
    "MMSR",
    "DawidSkene",
    "GoldMajorityVote",
    "MajorityVote",
    "OneCoinDawidSkene",
    "Wawa",
    "ZeroBasedSkill",
]
