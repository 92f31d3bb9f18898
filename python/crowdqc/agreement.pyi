from dataclasses import dataclass
from typing import Any, Iterator, Literal, Optional, Sequence, Union

import numpy as np
import pandas as pd
import pyarrow as pa

_Level = Literal["nominal", "ordinal", "interval", "ratio"]
_WeightsLike = Union[
    Literal["identity", "linear", "quadratic", "ordinal"], Sequence[Sequence[float]], np.ndarray
]

__all__ = [
    "AgreementReport",
    "Bootstrap",
    "Coefficient",
    "HayesKrippendorff",
    "Interval",
    "item_agreement_table",
    "report",
    "report_counts",
    "report_table",
    "worker_agreement_table",
]

@dataclass(frozen=True)
class Interval:
    kind: str
    level: float
    low: float
    high: float
    description: str
    @property
    def width(self) -> float: ...

@dataclass(frozen=True)
class Bootstrap:
    replicates: int
    undefined: int
    mean: Optional[float]
    se: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]

@dataclass(frozen=True)
class HayesKrippendorff:
    replicates: Optional[int] = None
    pairs_per_replicate: Optional[int] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    p_below_0_667: Optional[float] = None
    p_below_0_800: Optional[float] = None
    reason: Optional[str] = None

@dataclass(frozen=True)
class Coefficient:
    name: str
    title: str
    value: Optional[float]
    reason: Optional[str]
    se: Optional[float]
    se_method: Optional[str]
    observed: Optional[float]
    expected: Optional[float]
    n_items: Optional[int]
    intervals: tuple[Interval, ...]
    bootstrap: Optional[Bootstrap]
    hayes_krippendorff: Optional[HayesKrippendorff]
    interpretation: Optional[str]
    note: Optional[str]
    @property
    def ci(self) -> Optional[Interval]: ...
    def interval(self, kind: str) -> Optional[Interval]: ...

@dataclass(frozen=True)
class AgreementReport:
    layout: str
    items: int
    ratings: int
    raters: Optional[int]
    categories: tuple[str, ...]
    level: str
    weights: str
    confidence: float
    bootstrap_replicates: Optional[int]
    seed: Optional[int]
    coefficients: dict[str, Coefficient]
    interval_notes: tuple[str, ...]
    _table: pa.RecordBatch
    def __getitem__(self, name: str) -> Coefficient: ...
    def __contains__(self, name: object) -> bool: ...
    def __iter__(self) -> Iterator[Coefficient]: ...
    def __len__(self) -> int: ...
    def to_arrow(self) -> pa.Table: ...
    def to_pandas(self) -> pd.DataFrame: ...
    def to_polars(self) -> Any: ...

def report(
    data: Any,
    level: _Level = "nominal",
    weights: Optional[_WeightsLike] = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
    rank_spacing: bool = False,
    hayes_krippendorff: bool = True,
) -> AgreementReport: ...
def report_counts(
    counts: Any,
    categories: Optional[Sequence[str]] = None,
    level: _Level = "nominal",
    weights: Optional[_WeightsLike] = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
    rank_spacing: bool = False,
    hayes_krippendorff: bool = True,
) -> AgreementReport: ...
def report_table(
    table: Any,
    categories: Optional[Sequence[str]] = None,
    level: _Level = "nominal",
    weights: Optional[_WeightsLike] = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
    rank_spacing: bool = False,
    hayes_krippendorff: bool = True,
) -> AgreementReport: ...
def item_agreement_table(
    data: Any, output: Literal["pandas", "arrow", "polars"] = "pandas"
) -> Any: ...
def worker_agreement_table(
    data: Any, output: Literal["pandas", "arrow", "polars"] = "pandas"
) -> Any: ...
