"""The Dawid–Skene family: DawidSkene and OneCoinDawidSkene."""

from __future__ import annotations

from typing import Any, Literal, Optional

import numpy as np
import pandas as pd

from .. import _errors, _frames, _native
from .._base import BaseAggregator, tol
from .._frames import Data
from ._common import _SimpleFit, set_em


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
        set_em(self, d, model)
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


class OneCoinDawidSkene(_SimpleFit, DawidSkene):  # type: ignore[misc]
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
        d, model = self._fit_native(data, {"n_iter": self.n_iter, "tol": tol(self.tol)})
        self._set_fitted(d, model)
        self.skills_ = _frames.worker_series(d, model.arrays()["skills"], "skill")
        return self
