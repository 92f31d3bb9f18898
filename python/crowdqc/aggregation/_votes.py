"""Vote-based aggregators: MajorityVote, Wawa, ZeroBasedSkill, GoldMajorityVote."""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd

from .._base import BaseAggregator, weighted_vote
from ._common import _SimpleFit


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


class _SkillVote(_SimpleFit):
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
        """Fit (see :meth:`fit` for the parameters) and return ``labels_``.

        Returns
        -------
        pandas.Series
            Label per task.
        """
        return self.fit(data, true_labels).labels_

    def fit_predict_proba(self, data: Any, true_labels: pd.Series[Any]) -> pd.DataFrame:  # type: ignore[override]
        """Fit (see :meth:`fit` for the parameters) and return ``probas_``.

        Returns
        -------
        pandas.DataFrame
            Probability per task and label.
        """
        return self.fit(data, true_labels).probas_
