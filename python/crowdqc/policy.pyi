import os
from dataclasses import dataclass
from typing import Any, Literal, Optional, Sequence, Union

import pyarrow as pa

__all__ = [
    "Clause",
    "Decision",
    "Evaluation",
    "ExactResult",
    "Explanation",
    "Policy",
    "ReplayResult",
    "Session",
    "SimulationResult",
    "evaluate",
    "evaluate_pairwise",
    "evaluate_ratings",
    "exact",
    "load",
    "replay",
    "simulate",
    "statements",
    "step",
    "Statements",
]

_PolicyLike = Union[Policy, str, os.PathLike[str]]

@dataclass(frozen=True)
class Clause:
    metric: str
    evidence: str
    value: Optional[float]
    comparison: str
    threshold: float
    confidence: Optional[float]
    holds: bool

@dataclass(frozen=True)
class Explanation:
    rule: str
    line: int
    action: str
    duration_ms: Optional[int]
    fired: bool
    clauses: tuple[Clause, ...]
    change: Optional[str]
    text: str

@dataclass(frozen=True)
class Decision:
    worker: Any
    action: str
    duration_ms: Optional[int]
    untrust: bool
    rules: tuple[str, ...]
    tier_from: Optional[str]
    tier_to: Optional[str]
    explanations: tuple[Explanation, ...]
    window_evaluated: bool
    timestamp_ms: Optional[int] = None
    time: Optional[str] = None
    gold_answered: Optional[int] = None
    gold_correct: Optional[int] = None
    @property
    def text(self) -> str: ...

class Session:
    worker: str
    def __init__(self, native: Any, worker: str) -> None: ...
    def record_gold(self, correct: bool, now_ms: int = 0) -> Optional[Decision]: ...
    def active(self, now_ms: int = 0) -> bool: ...
    @property
    def state(self) -> dict[str, Any]: ...

class Policy:
    def __init__(self, native: Any) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def rules(self) -> list[tuple[str, str, Optional[int], bool]]: ...
    def session(self, worker: Union[int, str], now_ms: int = 0) -> Session: ...
    def evaluate(
        self,
        judgments: Any,
        gold: Any = None,
        model: Optional[str] = None,
        seed: Optional[int] = None,
    ) -> Evaluation: ...
    def replay(self, judgments: Any, gold: Any = None) -> ReplayResult: ...
    def exact(self, **kwargs: Any) -> ExactResult: ...
    def simulate(self, **kwargs: Any) -> SimulationResult: ...

def load(source: Union[str, os.PathLike[str]]) -> Policy: ...

@dataclass(frozen=True)
class Evaluation:
    policy: str
    warnings: tuple[str, ...]
    workers: int
    summary: dict[str, int]
    untrusted: tuple[Any, ...]
    decisions: tuple[Decision, ...]
    _table: pa.RecordBatch
    def to_arrow(self) -> pa.Table: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def decision(self, worker: Any) -> Decision: ...

def evaluate(
    policy: _PolicyLike,
    judgments: Any,
    gold: Any = None,
    model: Optional[str] = None,
    seed: Optional[int] = None,
) -> Evaluation: ...

@dataclass(frozen=True)
class Statements:
    policy: str
    notes: tuple[str, ...]
    records: tuple[dict[str, Any], ...]
    text: str
    _table: pa.RecordBatch
    def to_arrow(self) -> pa.Table: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...
    def worker(self, worker: Any) -> dict[str, Any]: ...
    def text_of(self, worker: Any) -> str: ...

def statements(
    policy: _PolicyLike,
    judgments: Any,
    gold: Any = None,
    pay: Optional[Union[str, os.PathLike[str]]] = None,
) -> Statements: ...
def evaluate_pairwise(
    policy: _PolicyLike,
    comparisons: Any,
    gold: Any,
    method: str = "crowd-bt",
) -> Evaluation: ...
def evaluate_ratings(
    policy: _PolicyLike,
    ratings: Any,
    gold: Any,
    tolerance: float = 0.0,
) -> Evaluation: ...
def step(session: Session, correct: bool, now_ms: int = 0) -> Optional[Decision]: ...

@dataclass(frozen=True)
class ReplayResult:
    policy: str
    warnings: tuple[str, ...]
    clock: str
    judgments: int
    after_restriction: int
    untrusted: tuple[Any, ...]
    events: tuple[Decision, ...]
    _table: pa.RecordBatch
    def to_arrow(self) -> pa.Table: ...
    def to_pandas(self) -> Any: ...
    def to_polars(self) -> Any: ...

def replay(policy: _PolicyLike, judgments: Any, gold: Any = None) -> ReplayResult: ...

@dataclass(frozen=True)
class ExactResult:
    table: Any
    policy: str
    rules: tuple[str, ...]
    horizon: int
    method: str
    method_reason: Optional[str]
    warnings: tuple[str, ...]
    text: str

def exact(
    policy: _PolicyLike,
    accuracies: Optional[Sequence[float]] = None,
    horizon: int = 100,
    rules: Optional[Sequence[str]] = None,
    runs: int = 100000,
    seed: int = 0,
    output: Literal["pandas", "arrow", "polars"] = "pandas",
) -> ExactResult: ...

@dataclass(frozen=True)
class SimulationResult:
    table: Any
    text: str
    _arrow: pa.RecordBatch
    def probability(self, archetype: str, action: str) -> float: ...

def simulate(
    policy: _PolicyLike,
    workers: Optional[Union[str, Sequence[Union[float, str]]]] = None,
    gold_rate: float = 0.1,
    front_gold: int = 0,
    tasks: int = 1000,
    runs: int = 1000,
    seed: int = 0,
    classes: int = 2,
    output: Literal["pandas", "arrow", "polars"] = "pandas",
) -> SimulationResult: ...
