from dataclasses import dataclass
from typing import Any, Literal, Optional, Sequence

import pandas as pd
import pyarrow as pa

_OutputName = Literal["pandas", "arrow", "polars"]
_MethodName = Literal["mean", "median", "trimmed-mean", "catd", "crh", "lfc"]
_DuplicatePolicy = Literal["keep-all", "first", "last", "error"]

__all__ = [
    "IccForm",
    "KendallW",
    "KendallWIncomplete",
    "MeanSquares",
    "RatingAggregation",
    "RatingAgreement",
    "RATING_ALIASES",
    "aggregate",
    "agreement",
]

RATING_ALIASES: tuple[str, ...]

@dataclass(frozen=True)
class RatingAggregation:
    items: Any
    workers: Any
    method: str
    iterations: int
    converged: bool
    n_items: int
    n_workers: int
    n_ratings: int
    ingest: dict[str, Any]

@dataclass(frozen=True)
class IccForm:
    form: str
    shrout_fleiss: str
    description: str
    value: Optional[float]
    f: Optional[float]
    df1: float
    df2: float
    p_value: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]
    undefined: Optional[str]

@dataclass(frozen=True)
class KendallW:
    n_items: int
    n_items_dropped: int
    n_raters: int
    w: Optional[float]
    w_uncorrected: Optional[float]
    chi2: Optional[float]
    df: float
    p_value: Optional[float]
    undefined: Optional[str]

@dataclass(frozen=True)
class KendallWIncomplete:
    n_items: int
    n_raters: int
    rater_pairs: int
    mean_rho: Optional[float]
    mean_k: float
    w: Optional[float]
    chi2: Optional[float]
    df: float
    p_value: Optional[float]
    undefined: Optional[str]

@dataclass(frozen=True)
class MeanSquares:
    msr: float
    msc: float
    mse: float
    msw: float

@dataclass(frozen=True)
class RatingAgreement:
    icc: dict[str, IccForm]
    all_ratings: IccForm
    kendall_w: KendallW
    kendall_w_incomplete: Optional[KendallWIncomplete]
    mean_squares: Optional[MeanSquares]
    n_items_used: int
    n_items_dropped: int
    n_raters: int
    confidence: float
    n_items: int
    n_workers: int
    n_ratings: int
    ingest: dict[str, Any]
    _table: pa.RecordBatch
    def form(self, name: str) -> IccForm: ...
    def to_arrow(self) -> pa.Table: ...
    def to_pandas(self) -> pd.DataFrame: ...
    def to_polars(self) -> Any: ...

def aggregate(
    data: Any,
    method: _MethodName = "mean",
    *,
    trim: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-6,
    alpha: float = 0.05,
    levels: Optional[Sequence[Any]] = None,
    duplicates: _DuplicatePolicy = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    rating: Optional[str] = None,
    output: _OutputName = "pandas",
) -> RatingAggregation: ...
def agreement(
    data: Any,
    *,
    confidence: float = 0.95,
    levels: Optional[Sequence[Any]] = None,
    duplicates: _DuplicatePolicy = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    rating: Optional[str] = None,
) -> RatingAgreement: ...
