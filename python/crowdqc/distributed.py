"""Dawid–Skene, one-coin Dawid–Skene and majority vote over judgments partitioned
across Ray actors, with results identical to the last bit for any number of shards.

The judgments are hash-partitioned by item once (:func:`partition_by_item`, one
Parquet file per shard). :class:`RayShards` starts one actor per shard; each reads its
file with crowdqc's own reader and keeps the shard in memory, coded with globally
sorted worker and label dictionaries (so codes do not depend on the partitioning;
data not partitioned by item are refused). A fit then runs on the driver:

1. every actor computes the majority-vote start of its items and returns its
   sufficient statistics (bytes); the driver merges them and runs the M-step;
2. per iteration, the new worker parameters go out once through Ray's object store
   (``ray.put``), every actor runs the E-step over its items and returns its
   statistics, the driver merges them, runs the M-step and checks convergence;
3. the actors compute their items' posteriors; the driver puts them in global sorted
   item order.

The sums that cross items are accumulated in fixed point (integers), so the merged
statistics, the parameters, the iteration count and the posteriors are bit-identical
for 1, 3 or 8 shards, any thread count, and a single-machine fit with the same
accumulation (``crowdqc_aggregation::distributed``; within crowd-kit's 1e-6). A shard
that fails makes the fit raise that shard's error (with a note naming the shard); the
estimator is then left unfitted.

Ray is imported only when shards are loaded: ``pip install ray``. See
``docs/distributed.md`` for clusters, Spark (Ray on Spark) and the cost model.

Examples
--------
>>> import ray, tempfile
>>> import pandas as pd
>>> from crowdqc import distributed as cd
>>> df = pd.DataFrame({"task": ["t1", "t1", "t2", "t2"], "worker": ["a", "b", "a", "b"],
...                    "label": ["cat", "cat", "dog", "dog"]})
>>> _ = ray.init(num_cpus=1, include_dashboard=False)  # doctest: +SKIP
>>> parts = cd.partition_by_item(df, tempfile.mkdtemp(), n_shards=2)  # doctest: +SKIP
>>> with cd.RayShards(parts) as shards:  # doctest: +SKIP
...     cd.DawidSkene().fit(shards).labels_.to_dict()
{'t1': 'cat', 't2': 'dog'}
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _native
from ._base import BaseAggregator, tol
from ._dist_counts import GoldScores, agreement, fleiss_kappa, gold_score, krippendorff_alpha
from ._dist_partition import Partition, partition_by_item
from ._dist_shards import RayShards, ShardError, check_shards, worker_index

__all__ = [
    "DawidSkene",
    "GoldScores",
    "MajorityVote",
    "OneCoinDawidSkene",
    "Partition",
    "RayShards",
    "ShardError",
    "agreement",
    "fleiss_kappa",
    "gold_score",
    "krippendorff_alpha",
    "partition_by_item",
]


def _ordered(shards: RayShards, parts: list[tuple[Any, Any]], width: int) -> tuple[pd.Index, Any]:
    """Rows of every shard (``(item batch, flat values)`` in shard order) put in global
    sorted item order: ``(item index, values (n_items, width))``."""
    blocks = [np.asarray(v.to_numpy(zero_copy_only=False)).reshape(-1, width) for _, v in parts]
    sizes = np.array([len(b) for b in blocks], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    shard_of, row = shards._item_order
    pos = offsets[shard_of] + row
    values = np.concatenate(blocks)[pos] if blocks else np.zeros((0, width))
    # empty shards list no ids (and their id type may differ): leave them out
    chunks = [b.column(0) for b, _ in parts if b.num_rows > 0]
    if not chunks:
        return pd.Index([], name="task"), values
    ids = pa.chunked_array(chunks).combine_chunks().take(pa.array(pos))
    return pd.Index(ids.to_pandas(), name="task"), values


def _classes(shards: RayShards) -> pd.Index:
    return pd.Index(shards.classes().to_pandas(), name="label")


class _ShardAggregator(BaseAggregator):
    """What every estimator over shards shares: ``fit_predict`` and ``fit_predict_proba``."""

    fit: Any  # every subclass defines ``fit(shards)`` returning ``self``

    def fit_predict(self, shards: RayShards) -> pd.Series[Any]:
        """Fit and return ``labels_``.

        Parameters
        ----------
        shards : RayShards
            The loaded shards.

        Returns
        -------
        pandas.Series
            Label per task.
        """
        return self.fit(shards).labels_

    def fit_predict_proba(self, shards: RayShards) -> pd.DataFrame:
        """Fit and return ``probas_``.

        Parameters
        ----------
        shards : RayShards
            The loaded shards.

        Returns
        -------
        pandas.DataFrame
            Posterior per task and label.
        """
        return self.fit(shards).probas_


class _EmFit(_ShardAggregator):
    """Shared fit of the two EM models."""

    def __init__(self, n_iter: int = 100, tol: float = 1e-5) -> None:
        self.n_iter = n_iter
        self.tol = tol

    def _reset(self) -> None:
        for name in [n for n in self.__dict__ if n.endswith("_") and not n.startswith("_")]:
            del self.__dict__[name]
        self.__dict__.pop("_lazy", None)

    def fit(self, shards: RayShards) -> Any:
        """Fit by EM over the shards.

        Parameters
        ----------
        shards : RayShards
            The loaded shards.

        Returns
        -------
        self
            Fitted; on any error (a failing shard included) it is left unfitted.
        """
        import ray

        shards = check_shards(shards)
        self._reset()
        driver = _native.DsDriver(self._method, self.n_iter, tol(self.tol))
        init = _native.ds_merge(shards.map("init_stats"))
        params = driver.start([init])
        while params is not None:
            ref = ray.put(params)  # once per iteration: every actor reads the same object
            params = driver.update(shards.map("e_step", ref))
        res = driver.result()
        ref = ray.put(res["posterior_params"])
        index, probas = _ordered(shards, shards.map("posteriors", ref), shards.n_classes)
        self._set(shards, res, index, probas, init)
        return self

    def _set(self, shards: RayShards, res: dict, index: pd.Index, probas: Any, init: bytes) -> None:
        w, k = shards.n_workers, shards.n_classes
        _, _, priors, confusion = _native.ds_params_arrays(res["params"])
        priors = np.asarray(priors.to_numpy())
        confusion = np.asarray(confusion.to_numpy()).reshape(w, k, k)
        classes, workers = _classes(shards), worker_index(shards)
        # DsStats bytes end with the judgment counts per (worker, observed label), u64 LE
        counts = np.frombuffer(init[len(init) - 8 * w * k :], dtype="<u8").reshape(w, k)
        labels = classes.take(np.argmax(probas, axis=1))
        self.probas_ = pd.DataFrame(probas, index=index, columns=classes)
        self.labels_ = pd.Series(labels, index=index, name="agg_label")
        self.priors_ = pd.Series(priors, index=classes, name="prior")
        self.confusion_ = confusion
        self.loss_history_ = list(res["objective"])
        self.log_likelihood_history_ = list(res["log_likelihood"])
        self.n_iter_ = int(res["iterations"])
        self.converged_ = bool(res["converged"])
        self.params_ = bytes(res["params"])

        def errors() -> pd.DataFrame:
            wi, li = np.nonzero(counts)
            mi = pd.MultiIndex.from_arrays(
                [workers.take(wi), classes.take(li)], names=["worker", "label"]
            )
            return pd.DataFrame(confusion[wi, :, li], index=mi, columns=classes)

        self._defer(errors_=errors)

    def digest(self) -> str:
        """SHA-256 of the fitted parameters' bytes and the posteriors' bytes (float64,
        items in sorted order): equal digests mean bit-identical fits.

        Returns
        -------
        str
            Hex digest.
        """
        h = hashlib.sha256(self.params_)
        h.update(np.ascontiguousarray(self.probas_.to_numpy(dtype=np.float64)).tobytes())
        return h.hexdigest()


class DawidSkene(_EmFit):
    """Dawid–Skene EM over Ray shards (as :class:`crowdqc.aggregation.DawidSkene`).

    Parameters
    ----------
    n_iter : int
        Maximum number of EM iterations.
    tol : float
        Stop when crowd-kit's per-judgment objective improves by less than ``tol``.

    Attributes
    ----------
    labels_ : pandas.Series
        Most probable label per task (ties to the first label), tasks sorted by id.
    probas_ : pandas.DataFrame
        Posterior per task and label.
    priors_ : pandas.Series
        Class priors.
    errors_ : pandas.DataFrame
        Confusion probabilities indexed by ``(worker, observed label)`` (the pairs that
        occur), one column per true label; workers sorted by id.
    confusion_ : numpy.ndarray
        ``(n_workers, n_classes, n_classes)``, ``[worker, true, observed]``, workers
        sorted by id.
    loss_history_ : list of float
        crowd-kit's objective after each iteration.
    log_likelihood_history_ : list of float
        Marginal log-likelihood after each E-step.
    n_iter_ : int
        Iterations run.
    converged_ : bool
        Whether the objective converged before ``n_iter``.
    params_ : bytes
        The fitted parameters (``DsParams`` bytes: priors then confusion, float64).
    """

    _method = "ds"


class OneCoinDawidSkene(_EmFit):
    """One-coin Dawid–Skene over Ray shards: one accuracy per worker.

    Parameters
    ----------
    n_iter : int
        Maximum number of EM iterations.
    tol : float
        Stop when crowd-kit's per-judgment objective improves by less than ``tol``.

    Attributes
    ----------
    labels_, probas_, priors_, errors_, confusion_, loss_history_, n_iter_, converged_, params_
        As :class:`DawidSkene`.
    skills_ : pandas.Series
        Accuracy per worker (``skill``), workers sorted by id.
    """

    _method = "one-coin-ds"

    def _set(self, shards: RayShards, res: dict, index: pd.Index, probas: Any, init: bytes) -> None:
        super()._set(shards, res, index, probas, init)
        diag = np.diagonal(self.confusion_, axis1=1, axis2=2)[:, 0]
        self.skills_ = pd.Series(diag, index=worker_index(shards), name="skill")


class MajorityVote(_ShardAggregator):
    """Majority vote over Ray shards (as :class:`crowdqc.aggregation.MajorityVote`).

    One pass: items are local to their shard; only the per-worker agreement counts
    are merged (integers, exact).

    Attributes
    ----------
    labels_ : pandas.Series
        Majority label per task (ties to the first label), tasks sorted by id.
    probas_ : pandas.DataFrame
        Vote shares per task and label.
    skills_ : pandas.Series
        Share of each worker's answers that match the majority (crowd-kit's
        ``skills_``: identical rows count once), workers sorted by id.
    """

    def __init__(self) -> None:
        pass

    def fit(self, shards: RayShards) -> MajorityVote:
        """Vote over the shards.

        Parameters
        ----------
        shards : RayShards
            The loaded shards.

        Returns
        -------
        MajorityVote
            ``self``.
        """
        shards = check_shards(shards)
        for name in ("labels_", "probas_", "skills_"):
            self.__dict__.pop(name, None)
        parts = shards.map("majority_vote")
        k = shards.n_classes
        index, probas = _ordered(shards, [(p[0], p[1]) for p in parts], k)
        correct = np.sum([np.asarray(p[3], dtype=np.uint64) for p in parts], axis=0)
        answered = np.sum([np.asarray(p[4], dtype=np.uint64) for p in parts], axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            skills = np.where(answered > 0, correct / np.maximum(answered, 1), np.nan)
        classes = _classes(shards)
        self.probas_ = pd.DataFrame(probas, index=index, columns=classes)
        self.labels_ = pd.Series(
            classes.take(np.argmax(probas, axis=1)), index=index, name="agg_label"
        )
        self.skills_ = pd.Series(skills, index=worker_index(shards), name="skill")
        return self
