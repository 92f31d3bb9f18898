"""crowd-kit compatible metrics (``crowdkit.metrics``) over crowdqc's agreement library.

``alpha_krippendorff``, ``consistency``, ``uncertainty`` and
``accuracy_on_aggregates`` take the same arguments as crowd-kit 1.4.2's and return
the same values (to 1e-9 on the parity datasets).
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Optional, Union

import numpy as np
import pandas as pd

from . import _errors, _frames, _native
from .aggregation import MajorityVote


def binary_distance(label1: Hashable, label2: Hashable) -> float:
    """Nominal distance: 0 for equal labels, 1 otherwise (nltk's ``binary_distance``).

    Parameters
    ----------
    label1, label2 : hashable
        Two labels.

    Returns
    -------
    float
        0.0 or 1.0.
    """
    return 0.0 if label1 == label2 else 1.0


def _check_answers(answers: Any) -> None:
    if not isinstance(answers, pd.DataFrame):
        raise TypeError("Working only with pandas DataFrame")
    _frames.resolve_columns(answers)


def alpha_krippendorff(
    answers: pd.DataFrame, distance: Callable[[Hashable, Hashable], float] = binary_distance
) -> float:
    """Krippendorff's alpha for nominal labels (crowd-kit's ``alpha_krippendorff``).

    Parameters
    ----------
    answers : pandas.DataFrame
        Judgments with ``task``, ``worker`` and ``label`` columns.
    distance : callable
        Only the nominal :func:`binary_distance` is supported.

    Returns
    -------
    float
        Alpha; 1.0 when all pairable values are equal (as nltk).
    """
    _check_answers(answers)
    if distance is not binary_distance and getattr(distance, "__name__", "") != "binary_distance":
        raise _errors.InvalidParameterError(
            "alpha_krippendorff supports the nominal binary_distance only; use "
            "crowdqc's agreement library for other levels"
        )
    d = _frames.build(answers)
    value = _native.krippendorff_alpha(d.matrix, "nominal")
    return 1.0 if value is None else float(value)


def _skills_vector(d: _frames.Data, skills: pd.Series[Any]) -> list[float]:
    w = _frames.workers(d)
    values = pd.Series(skills).reindex(w)
    if values.isna().any():
        missing = set(w[values.isna().to_numpy()].tolist())
        raise _errors.InvalidValueError(
            f"Did not provide skills for workers: {missing}. Please provide workers skills."
        )
    return [float(v) for v in values.to_numpy(dtype=np.float64)]


def consistency(
    answers: pd.DataFrame,
    workers_skills: Optional[pd.Series[Any]] = None,
    aggregator: Any = None,
    by_task: bool = False,
) -> Union[float, pd.Series[Any]]:
    """Consistency of the aggregated labels with the answers (crowd-kit's ``consistency``).

    Parameters
    ----------
    answers : pandas.DataFrame
        Judgments with ``task``, ``worker`` and ``label`` columns.
    workers_skills : pandas.Series, optional
        Skill per worker; by default the aggregator's ``skills_``.
    aggregator : aggregator, optional
        Any object with ``fit_predict``; default :class:`crowdqc.aggregation.MajorityVote`.
    by_task : bool
        Return the per-task Series instead of its mean.

    Returns
    -------
    float or pandas.Series
        Mean consistency, or consistency per task.
    """
    _check_answers(answers)
    if aggregator is None:
        aggregator = MajorityVote()
    aggregated = aggregator.fit_predict(answers)
    if workers_skills is None:
        if hasattr(aggregator, "skills_"):
            workers_skills = aggregator.skills_
        else:
            raise _errors.InvalidParameterError(
                "This aggregator is not supported. Please, provide workers skills."
            )
    d = _frames.build(answers)
    tasks, cls = _frames.items(d), _frames.classes(d)
    consensus = cls.get_indexer(pd.Series(aggregated).reindex(tasks))
    if (consensus < 0).any():
        raise _errors.InvalidValueError("the aggregator gave a label no answer has, or no label")
    values = _native.consistency(
        d.matrix, [int(c) for c in consensus], _skills_vector(d, workers_skills)
    )
    per_task = pd.Series(_frames.numbers(values), index=tasks)
    return per_task if by_task else float(per_task.mean())


def uncertainty(
    answers: pd.DataFrame,
    workers_skills: Optional[pd.Series[Any]] = None,
    aggregator: Any = None,
    compute_by: str = "task",
    aggregate: bool = True,
) -> Union[float, pd.Series[Any]]:
    """Entropy of the skill-weighted label distribution (crowd-kit's ``uncertainty``).

    Parameters
    ----------
    answers : pandas.DataFrame
        Judgments with ``task``, ``worker`` and ``label`` columns.
    workers_skills : pandas.Series, optional
        Skill per worker; every skill is 1 when neither this nor ``aggregator`` is given.
    aggregator : aggregator, optional
        Fitted on ``answers`` for its ``skills_`` when ``workers_skills`` is None.
    compute_by : {"task", "worker"}
        One entropy per task or per worker.
    aggregate : bool
        Return the mean instead of the Series.

    Returns
    -------
    float or pandas.Series
        Mean entropy, or entropy per task/worker.
    """
    _check_answers(answers)
    if workers_skills is None and aggregator is not None:
        aggregator.fit(answers)
        if hasattr(aggregator, "skills_"):
            workers_skills = aggregator.skills_
        else:
            raise _errors.InvalidParameterError(
                "This aggregator is not supported. Please, provide workers skills."
            )
    d = _frames.build(answers)
    skills = None if workers_skills is None else _skills_vector(d, workers_skills)
    values = _native.uncertainty(d.matrix, skills, compute_by)
    index = _frames.items(d) if compute_by == "task" else _frames.workers(d)
    per = pd.Series(_frames.numbers(values), index=index)
    return float(per.mean()) if aggregate else per


def accuracy_on_aggregates(
    answers: pd.DataFrame,
    aggregator: Any = None,
    aggregates: Optional[pd.Series[Any]] = None,
    by: Optional[str] = None,
) -> Union[float, pd.Series[Any]]:
    """Share of answers equal to the aggregated label (crowd-kit's ``accuracy_on_aggregates``).

    Parameters
    ----------
    answers : pandas.DataFrame
        Judgments with ``task``, ``worker`` and ``label`` columns.
    aggregator : aggregator, optional
        Used when ``aggregates`` is None; default :class:`crowdqc.aggregation.MajorityVote`.
    aggregates : pandas.Series, optional
        Aggregated label per task.
    by : {"worker"}, optional
        Return the accuracy per worker instead of the overall accuracy.

    Returns
    -------
    float or pandas.Series
        Accuracy (exact duplicate answers counted once, as crowd-kit).
    """
    if aggregates is None:
        aggregates = (aggregator or MajorityVote()).fit_predict(answers)
    d = _frames.build(answers, aggregates)
    model = _native.fit(d.matrix, "gold-mv", {})
    acc = _frames.numbers(model.worker_accuracy())
    w = _frames.workers(d)
    if by is not None:
        if by != "worker":
            raise _errors.InvalidParameterError(f"by must be None or 'worker', got {by!r}")
        s = pd.Series(acc, index=w)
        return s[~np.isnan(acc)]
    # overall: hits / answers over distinct (task, worker, label) on aggregated tasks
    it, wk, cl = (np.asarray(a.to_numpy(), dtype=np.int64) for a in d.matrix.judgments())
    tasks = _frames.items(d)
    has = pd.Series(aggregates).reindex(tasks).notna().to_numpy()
    keep = has[it]
    n_w, n_c = d.matrix.n_workers, max(d.matrix.n_classes, 1)
    key = np.unique((it[keep] * n_w + wk[keep]) * n_c + cl[keep])
    counts = np.bincount((key // n_c) % n_w, minlength=n_w).astype(np.float64)
    ok = ~np.isnan(acc)
    return float((acc[ok] * counts[ok]).sum() / counts[ok].sum())
