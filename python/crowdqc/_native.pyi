"""Type stubs of the native module ``crowdqc._native`` (see the Rust crate crowdqc-python)."""

from os import PathLike
from typing import Any, Optional, Sequence, Union, final

import pyarrow as pa

__all__ = [
    "Matrix",
    "Model",
    "fit",
    "krippendorff_alpha",
    "uncertainty",
    "consistency",
    "mv_skills",
    "read_table",
    "_panic_for_tests",
    "__version__",
    "agreement_report",
    "agreement_report_counts",
    "agreement_report_table",
    "item_agreement_table",
    "worker_agreement_table",
    "gold_score",
    "gold_plan_pages",
    "GoldScheduler",
    "Policy",
    "PolicySession",
    "ratings_aggregate",
    "ratings_agreement",
    "pairwise_fit",
    "pairwise_evaluate",
    "pairwise_policy",
    "ratings_policy",
    "shard_of",
    "DistShard",
    "GlobalDicts",
    "DsDriver",
    "dist_global_ids",
    "ds_merge",
    "ds_params_arrays",
    "ds_params_bytes",
    "agreement_merge",
    "gold_merge",
]

__version__: str

@final
class Matrix:
    @staticmethod
    def from_arrow(
        data: Any,
        gold: Optional[Any] = None,
        item: Optional[str] = None,
        worker: Optional[str] = None,
        label: Optional[str] = None,
    ) -> Matrix: ...
    @staticmethod
    def schema_names(data: Any) -> list[str]: ...
    @property
    def n_items(self) -> int: ...
    @property
    def n_workers(self) -> int: ...
    @property
    def n_classes(self) -> int: ...
    @property
    def n_judgments(self) -> int: ...
    @property
    def heap_bytes(self) -> int: ...
    def items(self) -> pa.Array: ...
    def workers(self) -> pa.Array: ...
    def classes(self) -> pa.Array: ...
    def judgments(self) -> tuple[pa.Array, pa.Array, pa.Array]: ...
    def observed_pairs(self) -> tuple[pa.Array, pa.Array]: ...

@final
class Model:
    @property
    def method(self) -> str: ...
    def posteriors(self) -> pa.Array: ...
    def has_dense_posteriors(self) -> bool: ...
    def sparse_posteriors(self) -> tuple[pa.Array, pa.Array, pa.Array]: ...
    def labels(self) -> pa.Array: ...
    def worker_accuracy(self) -> pa.Array: ...
    def report(self) -> tuple[int, bool, list[float]]: ...
    def arrays(self) -> dict[str, pa.Array]: ...
    def auto_report(
        self,
    ) -> Optional[
        tuple[str, str, list[tuple[str, Optional[float], Optional[str]]], int, int, int]
    ]: ...

def fit(matrix: Matrix, method: str, params: Optional[dict[str, Any]] = None) -> Model: ...
def krippendorff_alpha(matrix: Matrix, level: str = "nominal") -> Optional[float]: ...
def uncertainty(
    matrix: Matrix, skills: Optional[list[float]] = None, by: str = "task"
) -> pa.Array: ...
def consistency(matrix: Matrix, consensus: list[int], skills: list[float]) -> pa.Array: ...
def mv_skills(matrix: Matrix) -> tuple[pa.Array, pa.Array]: ...
def read_table(path: Union[str, PathLike[str]]) -> pa.Table: ...
def _panic_for_tests(message: str) -> None: ...

# crowdqc.agreement (crates/crowdqc-python/src/agreement.rs)
def agreement_report(
    matrix: Matrix,
    level: str = "nominal",
    weights: Optional[Union[str, list[float]]] = None,
    rank_spacing: bool = False,
    confidence: float = 0.95,
    bootstrap: int = 0,
    seed: int = 0,
    hayes_krippendorff: bool = True,
) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...
def agreement_report_counts(
    categories: list[str],
    rows: list[list[int]],
    level: str = "nominal",
    weights: Optional[Union[str, list[float]]] = None,
    rank_spacing: bool = False,
    confidence: float = 0.95,
    bootstrap: int = 0,
    seed: int = 0,
    hayes_krippendorff: bool = True,
) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...
def agreement_report_table(
    rows: Optional[list[tuple[str, str, int]]] = None,
    categories: Optional[list[str]] = None,
    counts: Optional[list[int]] = None,
    level: str = "nominal",
    weights: Optional[Union[str, list[float]]] = None,
    rank_spacing: bool = False,
    confidence: float = 0.95,
    bootstrap: int = 0,
    seed: int = 0,
    hayes_krippendorff: bool = True,
) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...
def item_agreement_table(matrix: Matrix) -> pa.RecordBatch: ...
def worker_agreement_table(matrix: Matrix) -> pa.RecordBatch: ...

# crowdqc.gold (crates/crowdqc-python/src/gold.rs)
def gold_score(
    matrix: Matrix,
    interval: str = "wilson",
    confidence: float = 0.95,
    contest_confidence: float = 0.8,
    contest_min_answers: int = 3,
    forgive: list[str] = ...,
    correct: list[tuple[str, str]] = ...,
    model: Optional[str] = None,
    seed: Optional[int] = None,
) -> tuple[pa.RecordBatch, pa.RecordBatch, dict[str, Any]]: ...

@final
class GoldScheduler:
    def __new__(
        cls,
        items: list[int],
        answers: list[int],
        quiz: int = 0,
        quiz_pass: float = 0.7,
        onboarding_gold: int = 10,
        onboarding_rate: float = 0.5,
        threshold: float = 0.8,
        confidence: float = 0.95,
        max_rate: float = 0.3,
        floor: float = 0.02,
        max_exposure: int = 0,
        seed: int = 0,
    ) -> GoldScheduler: ...
    def next(self, worker: int) -> tuple[str, Optional[int], Optional[str]]: ...
    def record(self, worker: int, item: int, correct: bool) -> None: ...
    def record_answer(self, worker: int, item: int, answer: int) -> bool: ...
    def worker(self, worker: int) -> Optional[dict[str, Any]]: ...
    def stats(self) -> dict[str, int]: ...
    def exposure(self, item: int) -> Optional[int]: ...
    def retired(self) -> list[int]: ...
    def unseen_gold(self, worker: int) -> int: ...

# crowdqc.policy (crates/crowdqc-python/src/policy.rs)
@final
class Policy:
    @staticmethod
    def parse(text: str) -> Policy: ...
    @staticmethod
    def read(path: Union[str, PathLike[str]]) -> Policy: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def rules(self) -> list[tuple[str, str, Optional[int], bool]]: ...
    def evaluate(
        self, matrix: Matrix, model: Optional[str] = None, seed: Optional[int] = None
    ) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...
    def statements(
        self, matrix: Matrix, pay: Optional[Union[str, PathLike[str]]] = None
    ) -> tuple[pa.RecordBatch, str, str]: ...
    def replay(
        self, matrix: Matrix
    ) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...
    def exact(
        self,
        accuracies: Optional[list[float]] = None,
        horizon: int = 100,
        rules: Optional[list[str]] = None,
        runs: int = 100000,
        seed: int = 0,
    ) -> tuple[pa.RecordBatch, dict[str, Any]]: ...
    def simulate(
        self,
        workers: Optional[str] = None,
        gold_rate: float = 0.1,
        front_gold: int = 0,
        tasks: int = 1000,
        runs: int = 1000,
        seed: int = 0,
        classes: int = 2,
    ) -> tuple[pa.RecordBatch, str]: ...
    def session(self, worker: str, now_ms: int = 0) -> PolicySession: ...

@final
class PolicySession:
    def record_gold(self, correct: bool, now_ms: int = 0) -> Optional[dict[str, Any]]: ...
    def active(self, now_ms: int = 0) -> bool: ...
    def state(self) -> dict[str, Any]: ...

def gold_plan_pages(
    tasks: list[Union[int, str]],
    gold: list[tuple[Union[int, str], Union[int, str]]],
    workers: list[Union[int, str]],
    page_size: int,
    gold_per_page: int = 1,
    redundancy: int = 1,
    quiz: int = 0,
    max_exposure: int = 0,
    seed: int = 0,
) -> tuple[pa.RecordBatch, dict[str, Any], str]: ...
def ratings_aggregate(
    data: Any,
    method: str = "mean",
    trim: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-06,
    alpha: float = 0.05,
    levels: Optional[list[str]] = None,
    duplicates: str = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    label: Optional[str] = None,
) -> tuple[pa.RecordBatch, pa.RecordBatch, dict[str, Any]]: ...
def ratings_agreement(
    data: Any,
    confidence: float = 0.95,
    levels: Optional[list[str]] = None,
    duplicates: str = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    label: Optional[str] = None,
) -> tuple[pa.RecordBatch, dict[str, Any]]: ...
def ratings_policy(
    policy: Policy,
    data: Any,
    gold: Any,
    tolerance: float = 0.0,
    levels: Optional[list[str]] = None,
    duplicates: str = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    label: Optional[str] = None,
) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...
def pairwise_fit(
    data: Any,
    method: str = "bt",
    max_iter: Optional[int] = None,
    tol: Optional[float] = None,
    prior: Optional[float] = None,
    reliability_prior: tuple[float, float] = ...,
    elo_k: float = 32.0,
    bootstrap: int = 0,
    seed: int = 0,
    duplicates: str = "keep-all",
    tie_markers: Optional[list[str]] = None,
    worker: Optional[str] = None,
    left: Optional[str] = None,
    right: Optional[str] = None,
    winner: Optional[str] = None,
    loser: Optional[str] = None,
) -> tuple[pa.RecordBatch, pa.RecordBatch, dict[str, Any]]: ...
def pairwise_evaluate(scores: list[float], gold: list[float]) -> dict[str, Any]: ...
def pairwise_policy(
    policy: Policy,
    data: Any,
    gold: Any,
    method: str = "crowd-bt",
    tie_markers: Optional[list[str]] = None,
    worker: Optional[str] = None,
    left: Optional[str] = None,
    right: Optional[str] = None,
    winner: Optional[str] = None,
    loser: Optional[str] = None,
) -> tuple[pa.RecordBatch, dict[str, Any], list[dict[str, Any]]]: ...

# crowdqc.distributed (src/distributed/)
def shard_of(data: Any, column: str, n_shards: int) -> pa.Array: ...

@final
class DistShard:
    @staticmethod
    def read(
        files: Sequence[Union[str, PathLike[str]]],
        gold_files: Optional[Sequence[Union[str, PathLike[str]]]] = None,
    ) -> DistShard: ...
    def ids(self) -> tuple[pa.RecordBatch, pa.RecordBatch, pa.RecordBatch]: ...
    def build(self, dicts: tuple[pa.RecordBatch, pa.RecordBatch, int]) -> int: ...
    @property
    def n_judgments(self) -> int: ...
    @property
    def n_items(self) -> int: ...
    @property
    def heap_bytes(self) -> int: ...
    @property
    def files(self) -> list[str]: ...
    @property
    def has_gold(self) -> bool: ...
    def init_stats(self) -> bytes: ...
    def e_step(self, params: bytes) -> bytes: ...
    def posteriors(self, params: bytes) -> tuple[pa.RecordBatch, pa.Array]: ...
    def majority_vote(
        self,
    ) -> tuple[pa.RecordBatch, pa.Array, pa.Array, list[int], list[int]]: ...
    def agreement_counts(self) -> bytes: ...
    def gold_counts(self) -> tuple[bytes, int, int]: ...

@final
class GlobalDicts:
    @property
    def n_items(self) -> int: ...
    @property
    def n_workers(self) -> int: ...
    @property
    def n_classes(self) -> int: ...
    def workers(self) -> pa.Array: ...
    def labels(self) -> pa.Array: ...
    def item_order(self) -> tuple[pa.Array, pa.Array]: ...
    def to_batches(self) -> tuple[pa.RecordBatch, pa.RecordBatch, int]: ...

@final
class DsDriver:
    def __new__(cls, method: str, n_iter: int = 100, tol: float = 1e-05) -> DsDriver: ...
    def start(self, stats: list[bytes]) -> bytes: ...
    def update(self, stats: list[bytes]) -> Optional[bytes]: ...
    @property
    def iterations(self) -> int: ...
    def result(self) -> dict[str, Any]: ...

def dist_global_ids(
    shards: list[tuple[pa.RecordBatch, pa.RecordBatch, pa.RecordBatch]],
) -> GlobalDicts: ...
def ds_merge(stats: list[bytes]) -> bytes: ...
def ds_params_arrays(params: bytes) -> tuple[int, int, pa.Array, pa.Array]: ...
def ds_params_bytes(
    n_workers: int, n_classes: int, priors: list[float], confusion: list[float]
) -> bytes: ...
def agreement_merge(
    parts: list[bytes], n_classes: int
) -> tuple[Optional[float], Optional[float]]: ...
def gold_merge(
    parts: list[bytes],
    n_workers: int,
    n_classes: int,
    interval: str = "wilson",
    confidence: float = 0.95,
) -> dict[str, Any]: ...
