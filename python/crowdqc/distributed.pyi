import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional, Sequence, Union

import numpy as np
import pandas as pd

from ._base import BaseAggregator

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

_PathLike = Union[str, os.PathLike[str]]

@dataclass(frozen=True)
class Partition:
    directory: Path
    n_shards: int
    files: tuple[Path, ...]
    gold_files: Optional[tuple[Path, ...]]
    rows: tuple[int, ...]
    @classmethod
    def open(cls, directory: _PathLike) -> Partition: ...

def partition_by_item(
    data: Any,
    directory: _PathLike,
    n_shards: int,
    *,
    gold: Any = None,
    item: Optional[str] = None,
    worker: Optional[str] = None,
    label: Optional[str] = None,
    row_group_size: int = 1048576,
) -> Partition: ...

class ShardError(RuntimeError):
    shard: int
    files: tuple[str, ...]
    def __init__(self, message: str, shard: int, files: Sequence[str]) -> None: ...

class RayShards:
    n_items: int
    n_workers: int
    n_classes: int
    n_judgments: int
    shard_sizes: list[int]
    def __init__(
        self,
        files: Union[Partition, _PathLike, Sequence[_PathLike]],
        gold_files: Optional[Sequence[Any]] = None,
        actor_options: Optional[dict] = None,
    ) -> None: ...
    @property
    def n_shards(self) -> int: ...
    def workers(self) -> Any: ...
    def classes(self) -> Any: ...
    def map(self, method: str, *args: Any) -> list[Any]: ...
    def map_timed(self, method: str, *args: Any) -> list[tuple[Any, float, float]]: ...
    def reload(
        self,
        files: Union[Partition, _PathLike, Sequence[_PathLike]],
        gold_files: Optional[Sequence[Any]] = None,
    ) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> RayShards: ...
    def __exit__(self, *exc: Any) -> None: ...

class _ShardAggregator(BaseAggregator):
    def fit_predict(self, shards: RayShards) -> pd.Series: ...
    def fit_predict_proba(self, shards: RayShards) -> pd.DataFrame: ...

class _EmFit(_ShardAggregator):
    n_iter: int
    tol: float
    labels_: pd.Series
    probas_: pd.DataFrame
    priors_: pd.Series
    errors_: pd.DataFrame
    confusion_: np.ndarray
    loss_history_: list[float]
    log_likelihood_history_: list[float]
    n_iter_: int
    converged_: bool
    params_: bytes
    def __init__(self, n_iter: int = 100, tol: float = 1e-05) -> None: ...
    def fit(self, shards: RayShards) -> Any: ...
    def digest(self) -> str: ...

class DawidSkene(_EmFit): ...

class OneCoinDawidSkene(_EmFit):
    skills_: pd.Series

class MajorityVote(_ShardAggregator):
    labels_: pd.Series
    probas_: pd.DataFrame
    skills_: pd.Series
    def __init__(self) -> None: ...
    def fit(self, shards: RayShards) -> MajorityVote: ...

def agreement(shards: RayShards) -> dict[str, Optional[float]]: ...
def krippendorff_alpha(shards: RayShards) -> Optional[float]: ...
def fleiss_kappa(shards: RayShards) -> Optional[float]: ...

@dataclass(frozen=True)
class GoldScores:
    workers: pd.DataFrame
    gold_items: int
    gold_without_judgments: int
    interval: str
    confidence: float

def gold_score(
    shards: RayShards,
    interval: Literal["wilson", "jeffreys", "clopper-pearson"] = "wilson",
    confidence: float = 0.95,
) -> GoldScores: ...
