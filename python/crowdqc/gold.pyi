from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional, Sequence, Union

Id = Union[int, str]

__all__ = ["GoldScheduler", "GoldScore", "PagePlan", "Slot", "WorkerView", "plan_pages", "score"]

@dataclass(frozen=True)
class GoldScore:
    workers: Any
    items: Any
    interval: str
    model: Optional[str]
    confidence: float
    contest_confidence: float
    contest_min_answers: int
    gold_items: int
    gold_answered: int
    gold_correct: int
    gold_accuracy: Optional[float]
    contested: int
    gold_without_judgments: int
    gold_without_judgments_examples: tuple[str, ...]
    duplicate_rule: str
    duplicate_pairs: int
    forgiven_workers_changed: tuple[str, ...]

def score(
    judgments: Any,
    gold: Any,
    interval: Literal["wilson", "jeffreys", "clopper-pearson"] = "wilson",
    confidence: float = 0.95,
    contest_confidence: float = 0.8,
    contest_min_answers: int = 3,
    forgive: Sequence[Id] = (),
    correct: Optional[Mapping[Id, Id]] = None,
    model: Optional[str] = None,
    seed: Optional[int] = None,
    output: Literal["pandas", "arrow", "polars"] = "pandas",
) -> GoldScore: ...

@dataclass(frozen=True)
class Slot:
    kind: str
    item: Optional[Id] = None
    reason: Optional[str] = None
    @property
    def is_gold(self) -> bool: ...

@dataclass(frozen=True)
class WorkerView:
    status: str
    slots: int
    gold_served: int
    gold_answered: int
    gold_correct: int
    gold_rate: float

class GoldScheduler:
    def __init__(
        self,
        gold: Any,
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
        rule: str = "posterior",
    ) -> None: ...
    def next_task(self, worker: Id) -> Slot: ...
    def record(self, worker: Id, item: Id, correct: bool) -> None: ...
    def record_answer(self, worker: Id, item: Id, answer: Any) -> bool: ...
    def worker(self, worker: Id) -> Optional[WorkerView]: ...
    @property
    def stats(self) -> dict[str, int]: ...
    def exposure(self, item: Id) -> int: ...
    def retired(self) -> list[Any]: ...
    def unseen_gold(self, worker: Id) -> int: ...

@dataclass(frozen=True)
class PagePlan:
    layout: Any
    rows: int
    tasks: int
    workers: int
    redundancy: int
    pages: int
    gold_rows: int
    gold_share: float
    gold_shortfall: int
    gold_items: int
    exposure_min: int
    exposure_max: int
    text: str

def plan_pages(
    tasks: Sequence[Id],
    gold: Any,
    workers: Sequence[Id],
    page_size: int,
    gold_per_page: int = 1,
    redundancy: int = 1,
    quiz: int = 0,
    max_exposure: int = 0,
    seed: int = 0,
    output: Literal["pandas", "arrow", "polars"] = "pandas",
) -> PagePlan: ...
