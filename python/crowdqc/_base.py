"""Shared machinery of the crowd-kit compatible aggregators."""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Optional

import numpy as np
import pandas as pd

from . import _errors, _frames, _native
from ._frames import Data


class NotFittedError(AttributeError, ValueError):
    """A fitted attribute (``labels_``, ``probas_``, ...) was read before ``fit``.

    Like scikit-learn's ``NotFittedError``, it is both an ``AttributeError`` (so
    ``hasattr(model, "labels_")`` is ``False`` before fitting) and a ``ValueError``.
    """


class BaseAggregator:
    """Base of the crowd-kit compatible aggregators: parameters, repr and fitted state.

    Subclasses declare their crowd-kit constructor parameters in ``__init__`` and set
    ``_method`` to the native method name. Fitted attributes end with ``_``; reading one
    before ``fit`` raises :class:`NotFittedError`.
    """

    _method: str = ""

    def __getattr__(self, name: str) -> Any:
        lazy = self.__dict__.get("_lazy")
        if lazy and name in lazy:
            value = lazy.pop(name)()
            setattr(self, name, value)
            return value
        if name.endswith("_") and not name.startswith("_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call fit(data) "
                f"before reading `{name}`."
            )
        raise AttributeError(f"{type(self).__name__!s} object has no attribute {name!r}")

    def _param_names(self) -> list[str]:
        sig = inspect.signature(type(self).__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> Dict[str, Any]:
        """The constructor parameters and their current values.

        Returns
        -------
        dict
            Parameter name to value, in the constructor's order.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> Dict[str, Any]:
        # build the deferred attributes so that the state holds plain values only
        for name in list(self.__dict__.get("_lazy", {})):
            getattr(self, name)
        state = dict(self.__dict__)
        state.pop("_lazy", None)
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _defer(self, **makers: Callable[[], Any]) -> None:
        """Fitted attributes built on first access (``fit_predict`` needs only
        ``labels_``); a new fit replaces the values of the previous one."""
        lazy = self.__dict__.setdefault("_lazy", {})
        for name, make in makers.items():
            self.__dict__.pop(name, None)
            lazy[name] = make

    def _fit_native(
        self, data: Any, params: Optional[Dict[str, Any]] = None, true_labels: Any = None
    ) -> tuple[Data, Any]:
        d = _frames.build(data, true_labels)
        model = _native.fit(d.matrix, self._method, params or {})
        return d, model

    def _set_votes(self, d: Data, model: Any) -> None:
        """probas_, labels_ and skills_ of a vote-based fit."""
        self.labels_ = _frames.labels_series(d, model.labels())
        self._defer(
            probas_=lambda: _frames.probas_frame(d, model),
            # crowd-kit's skills_ come from a sorted groupby: sorted by worker id
            skills_=lambda: _frames.worker_series(d, model.worker_accuracy(), "skill").sort_index(),
        )


def tol(value: float) -> float:
    """crowd-kit's ``tol``: stop when the objective improves by less than it. crowdqc
    needs ``tol > 0``; ``tol=0`` (run until the objective stops increasing) is passed as
    the smallest positive float, which differs only when an iteration changes the
    objective by exactly 0."""
    return 5e-324 if value == 0 else value


def skill_weights(
    d: Data,
    skills: pd.Series[Any],
    on_missing_skill: str = "error",
    default_skill: Optional[float] = None,
) -> list[float]:
    """Per-worker weights of matrix ``d`` from a skills Series indexed by worker id.

    Parameters
    ----------
    d : Data
        The built matrix.
    skills : pandas.Series
        Skill per worker id.
    on_missing_skill : {"error", "ignore", "value"}
        What to do with workers that have no skill: fail, weight 0, or
        ``default_skill``.
    default_skill : float, optional
        The weight of such workers with ``on_missing_skill="value"``.

    Returns
    -------
    list of float
        One weight per worker index.
    """
    if on_missing_skill != "value" and default_skill is not None:
        raise _errors.InvalidParameterError(
            'default_skill is used but on_missing_skill is not "value"'
        )
    w = _frames.workers(d)
    values = np.array(pd.Series(skills).reindex(w).to_numpy(dtype=np.float64), copy=True)
    missing = np.isnan(values)
    if missing.any():
        if on_missing_skill == "error":
            raise _errors.InvalidValueError(
                f"{int(missing.sum())} workers have no skill (first: {w[missing][0]!r}); "
                'pass on_missing_skill="ignore" or "value"'
            )
        if on_missing_skill == "ignore":
            if missing.all():
                raise _errors.InvalidValueError(
                    "no worker has a skill: every answer would be ignored"
                )
            values[missing] = 0.0
        elif on_missing_skill == "value":
            if default_skill is None:
                raise _errors.InvalidParameterError(
                    'default_skill must be given with on_missing_skill="value"'
                )
            values[missing] = default_skill
        else:
            raise _errors.InvalidParameterError(
                f"unknown on_missing_skill {on_missing_skill!r}; one of error, ignore, value"
            )
    return [float(v) for v in values]


def weighted_vote(
    aggregator: BaseAggregator,
    data: Any,
    skills: pd.Series[Any],
    on_missing_skill: str = "error",
    default_skill: Optional[float] = None,
) -> tuple[pd.DataFrame, pd.Series[Any]]:
    """Majority vote of ``data`` weighted by per-worker ``skills``: (probas, labels)."""
    d = _frames.build(data)
    weights = skill_weights(d, skills, on_missing_skill, default_skill)
    model = _native.fit(d.matrix, "mv", {"weights": weights})
    return _frames.probas_frame(d, model), _frames.labels_series(d, model.labels())
