"""Agreement and gold scores over Ray shards (re-exported by :mod:`crowdqc.distributed`).

Each shard sends integer counts (the histogram of its items' category counts; its
gold items' confusion cells); the driver adds them exactly and finishes the values
with the single-machine code, so any partitioning gives the same bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import numpy as np
import pandas as pd

from . import _native
from ._dist_shards import RayShards, check_shards, worker_index


def agreement(shards: RayShards) -> dict[str, Optional[float]]:
    """Nominal Krippendorff's alpha and Fleiss' kappa over the shards, in one pass.

    Each shard sends the histogram of its items' category counts (integers); the
    driver adds them and finishes both coefficients, so the values are the same bits
    for any partitioning and equal the single-machine ones (``crowdqc.metrics``,
    ``crowdqc.agreement``) up to floating-point rounding.

    Parameters
    ----------
    shards : RayShards
        The loaded shards.

    Returns
    -------
    dict
        ``{"krippendorff_alpha": float or None, "fleiss_kappa": float or None}``
        (``None`` where undefined, e.g. a single category). No standard errors.
    """
    shards = check_shards(shards)
    alpha, kappa = _native.agreement_merge(shards.map("agreement_counts"), shards.n_classes)
    return {"krippendorff_alpha": alpha, "fleiss_kappa": kappa}


def krippendorff_alpha(shards: RayShards) -> Optional[float]:
    """Nominal Krippendorff's alpha over the shards (see :func:`agreement`).

    Parameters
    ----------
    shards : RayShards
        The loaded shards.

    Returns
    -------
    float or None
        Alpha; ``None`` where undefined.
    """
    return agreement(shards)["krippendorff_alpha"]


def fleiss_kappa(shards: RayShards) -> Optional[float]:
    """Fleiss' kappa over the shards (see :func:`agreement`).

    Parameters
    ----------
    shards : RayShards
        The loaded shards.

    Returns
    -------
    float or None
        Kappa; ``None`` where undefined.
    """
    return agreement(shards)["fleiss_kappa"]


@dataclass(frozen=True)
class GoldScores:
    """Per-worker gold scores over the shards.

    Attributes
    ----------
    workers : pandas.DataFrame
        One row per worker (sorted by id): ``worker``, ``gold_answered``,
        ``gold_correct``, ``gold_accuracy`` (NaN without gold answers),
        ``gold_accuracy_low``, ``gold_accuracy_high``.
    gold_items : int
        Gold items with judgments.
    gold_without_judgments : int
        Gold rows whose item has no judgment.
    interval : str
        Interval method.
    confidence : float
        Two-sided confidence level.
    """

    workers: pd.DataFrame = field(repr=False)
    gold_items: int
    gold_without_judgments: int
    interval: str
    confidence: float


def gold_score(
    shards: RayShards,
    interval: Literal["wilson", "jeffreys", "clopper-pearson"] = "wilson",
    confidence: float = 0.95,
) -> GoldScores:
    """Score every worker on gold over the shards.

    Each shard counts its gold items' judgments per ``(worker, gold, answer)``
    (integers); the driver merges the counts and computes accuracy and intervals with
    the same code as :func:`crowdqc.gold.score`, so the values have the same bits. The
    gold must be partitioned like the judgments (``partition_by_item(..., gold=...)``).

    Parameters
    ----------
    shards : RayShards
        Shards loaded with gold files.
    interval : {"wilson", "jeffreys", "clopper-pearson"}
        Interval method.
    confidence : float
        Two-sided confidence level in (0, 1).

    Returns
    -------
    GoldScores

    Raises
    ------
    crowdqc.InvalidParameterError
        Shards without gold, a bad ``interval`` or ``confidence``.
    crowdqc.InvalidValueError
        A gold label that is not a label of the judgments.
    """
    shards = check_shards(shards)
    parts = shards.map("gold_counts")
    d = _native.gold_merge(
        [p[0] for p in parts], shards.n_workers, shards.n_classes, interval, confidence
    )
    workers = pd.DataFrame(
        {
            "worker": worker_index(shards),
            "gold_answered": np.asarray(d["answered"], dtype=np.int64),
            "gold_correct": np.asarray(d["correct"], dtype=np.int64),
            "gold_accuracy": np.asarray(d["accuracy"], dtype=np.float64),
            "gold_accuracy_low": np.asarray(d["low"], dtype=np.float64),
            "gold_accuracy_high": np.asarray(d["high"], dtype=np.float64),
        }
    )
    return GoldScores(
        workers=workers,
        gold_items=int(sum(p[1] for p in parts)),
        gold_without_judgments=int(sum(p[2] for p in parts)),
        interval=interval,
        confidence=confidence,
    )
