"""Gold (known-answer) questions: scoring with intervals and per-request scheduling.

:func:`score` gives every worker's gold accuracy with a binomial confidence interval
(Wilson, Jeffreys or Clopper-Pearson) and every gold item's exposure, misses,
consensus and contested flag, optionally after forgiving bad gold. :class:`GoldScheduler`
is the object a serving loop calls per task request: it says whether to serve gold
(quiz, onboarding, adaptive rate) or regular work, and learns from the answers.
:func:`plan_pages` lays a batch of tasks out in pages with a fixed number of gold rows
per page (Appen's page model).

The statistics and the scheduling live in the Rust library ``crowdqc-gold``; this
module converts ids and tables only.

Examples
--------
>>> import pandas as pd
>>> import crowdqc.gold as gold
>>> df = pd.DataFrame({"task": ["q1", "q1", "q2", "q2"], "worker": ["a", "b", "a", "b"],
...                    "label": ["yes", "no", "no", "no"]})
>>> s = gold.score(df, {"q1": "yes", "q2": "no"})
>>> s.workers[["worker", "gold_answered", "gold_correct"]].values.tolist()
[['a', 2, 2], ['b', 2, 1]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Optional, Sequence, Union

import pandas as pd

from . import _errors, _frames, _native
from ._tables import check_output as _check_output
from ._tables import convert as _convert

__all__ = ["GoldScheduler", "GoldScore", "PagePlan", "Slot", "WorkerView", "plan_pages", "score"]

Id = Union[int, str]


@dataclass(frozen=True)
class GoldScore:
    """Gold scores of every worker and gold item.

    Attributes
    ----------
    workers : DataFrame (or pyarrow/polars table)
        One row per worker: ``worker``, ``gold_answered``, ``gold_correct``,
        ``gold_accuracy`` (null without gold answers), ``gold_accuracy_low``,
        ``gold_accuracy_high`` (the two-sided interval).
    items : DataFrame (or pyarrow/polars table)
        One row per gold item: ``item``, ``gold_label``, ``answers``, ``exposure``
        (distinct workers), ``misses``, ``miss_rate``, ``consensus_label``,
        ``consensus_confidence``, ``gold_support``, ``expected_misses``,
        ``miss_p_value`` (missed more than its workers' accuracy explains),
        ``contested``.
    interval : str
        Interval method (``wilson``, ``jeffreys``, ``clopper-pearson``).
    model : str or None
        The aggregation method compared with gold, if any.
    confidence : float
        Two-sided confidence level of the intervals.
    gold_items, gold_answered, gold_correct, contested : int
        Totals.
    gold_accuracy : float or None
        Overall share of correct gold answers.
    gold_without_judgments : int
        Gold items nobody answered (listed by example in
        ``gold_without_judgments_examples``).
    duplicate_rule : str
        How repeated ``(item, worker)`` judgments count.
    forgiven_workers_changed : tuple of str
        Workers whose score changed by forgiving gold.
    """

    workers: Any = field(repr=False)
    items: Any = field(repr=False)
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
) -> GoldScore:
    """Score every worker on gold with confidence intervals.

    Parameters
    ----------
    judgments : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Judgments with ``task``/``item``, ``worker`` and ``label`` columns.
    gold : pandas.Series, dict or frame
        Gold answers: a Series or dict ``{task: label}``, or a frame with ``task`` and
        ``true_label``/``label`` columns.
    interval : {"wilson", "jeffreys", "clopper-pearson"}
        Interval method (Brown, Cai & DasGupta 2001).
    confidence : float
        Two-sided confidence level in (0, 1).
    contest_confidence : float
        A gold item is contested when the consensus gives another label at least this
        probability...
    contest_min_answers : int
        ...on an item with at least this many answers.
    forgive : sequence of ids
        Gold items to drop before scoring (bad gold).
    correct : mapping of id to label, optional
        Gold answers to replace before scoring.
    model : str, optional
        An aggregation method (``"ds"``, ``"glad"``, ``"mace"``, ``"mv"``, ... as in
        ``crowdqc aggregate --method``) fitted on the judgments without gold: its
        posteriors become the consensus of the contested flag, and its per-worker
        accuracy is compared with gold (``model_accuracy``, ``model_p_value``,
        ``model_q_value``, ``model_divergence`` columns of ``workers``).
    seed : int, optional
        Seed of a randomised ``model``.
    output : {"pandas", "arrow", "polars"}
        Type of the ``workers`` and ``items`` tables.

    Returns
    -------
    GoldScore

    Raises
    ------
    crowdqc.InvalidParameterError
        Bad ``interval``/``confidence``; a forgiven or corrected item not in the
        judgments, or a corrected label that is not a class (the message lists them).
    crowdqc.Error
        No gold among the judgments, malformed input.
    """
    _check_output(output)
    if gold is None:
        raise _errors.InvalidParameterError(
            "parameter `gold` is required: a {task: label} dict/Series or a frame with "
            "task and true_label columns"
        )
    m = _frames.build(judgments, gold).matrix
    workers, items, s = _native.gold_score(
        m,
        interval=interval,
        confidence=confidence,
        contest_confidence=contest_confidence,
        contest_min_answers=contest_min_answers,
        forgive=[str(i) for i in forgive],
        correct=[(str(k), str(v)) for k, v in (correct or {}).items()],
        model=model,
        seed=seed,
    )
    for key in ("gold_without_judgments_examples", "forgiven_workers_changed"):
        s[key] = tuple(s[key])
    # the summary's keys are GoldScore's other fields (a missing or extra key fails here)
    return GoldScore(workers=_convert(workers, output), items=_convert(items, output), **s)


@dataclass(frozen=True)
class Slot:
    """What to serve in a worker's next task slot.

    Attributes
    ----------
    kind : {"gold", "regular", "await_quiz", "excluded"}
        Serve gold ``item``; serve regular work; wait for the quiz answers to be
        recorded; or no more work (the worker failed the quiz).
    item : id or None
        The gold item to serve (kind ``"gold"`` only).
    reason : {"quiz", "onboarding", "adaptive"} or None
        Why gold is served.
    """

    kind: str
    item: Optional[Id] = None
    reason: Optional[str] = None

    @property
    def is_gold(self) -> bool:
        """Whether a gold item is to be served."""
        return self.kind == "gold"


@dataclass(frozen=True)
class WorkerView:
    """A worker's state in the scheduler.

    Attributes
    ----------
    status : {"quiz", "working", "failed"}
    slots : int
        Slots requested so far.
    gold_served, gold_answered, gold_correct : int
        Gold counters.
    gold_rate : float
        The worker's current gold rate.
    """

    status: str
    slots: int
    gold_served: int
    gold_answered: int
    gold_correct: int
    gold_rate: float


def _gold_pairs(gold: Any) -> list[tuple[Any, Any]]:
    if isinstance(gold, Mapping):
        return list(gold.items())
    if isinstance(gold, pd.Series):
        return list(zip(gold.index, gold.to_numpy()))
    if isinstance(gold, pd.DataFrame):
        cols = [str(c) for c in gold.columns]
        item = _frames._pick(cols, "task", _frames.ITEM_ALIASES)
        label = _frames._pick(cols, "true_label", _frames.GOLD_LABEL_ALIASES)
        return list(zip(gold[item], gold[label]))
    raise TypeError(
        "gold must be a {item: answer} dict, a Series indexed by item or a frame with "
        f"task and true_label columns; got {type(gold)}"
    )


class GoldScheduler:
    """Per-request gold scheduling for a serving loop.

    Call :meth:`next_task` when a worker asks for a task; when it returns a gold
    :class:`Slot`, serve that item and report the answer with :meth:`record_answer`
    (or :meth:`record` when you grade answers yourself). The scheduler runs a quiz if
    asked, front-loads gold for new workers, then serves gold at an adaptive rate — by
    default ``floor + (max_rate - floor) * P(accuracy < threshold)`` under the Jeffreys
    posterior of the worker's gold record (``rule="posterior"``), or the older rule
    driven by the Wilson interval around ``threshold`` (``rule="wilson"``: maximal while
    uncertain, decaying to a covert ``floor``) — never the same gold twice to a worker
    and least-exposed first. ``docs/gold-economy.md`` compares the two with flat rates.

    Parameters
    ----------
    gold : dict, pandas.Series or DataFrame
        The gold pool: ``{item: answer}`` or a frame with ``task`` and ``true_label``.
    quiz : int
        Quiz length (0 = no quiz).
    quiz_pass : float
        Share of correct quiz answers needed to pass.
    onboarding_gold : int
        Gold answers front-loaded for a new worker...
    onboarding_rate : float
        ...at this rate.
    threshold : float
        Accuracy the adaptive rate tests against.
    confidence : float
        Confidence of the Wilson interval (``rule="wilson"`` only).
    max_rate, floor : float
        Range of the adaptive gold rate.
    max_exposure : int
        Retire a gold item after this many workers (0 = never).
    seed : int
        Seed of the random choices (deterministic for a given sequence of calls).
    rule : {"posterior", "wilson"}
        The adaptive rate's rule.

    Raises
    ------
    crowdqc.InvalidParameterError
        A parameter out of range (the message names it); an empty pool.

    Examples
    --------
    >>> s = GoldScheduler({f"g{i}": i % 2 for i in range(20)}, quiz=2, seed=7)
    >>> slot = s.next_task("ann")
    >>> slot.kind, slot.reason
    ('gold', 'quiz')
    >>> s.record_answer("ann", slot.item, {f"g{i}": i % 2 for i in range(20)}[slot.item])
    True
    """

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
    ) -> None:
        pairs = _gold_pairs(gold)
        self._items: list[Any] = [i for i, _ in pairs]
        self._item_code = {item: k for k, item in enumerate(self._items)}
        if len(self._item_code) != len(self._items):
            raise _errors.InvalidValueError("gold: an item appears twice in the gold pool")
        self._answers: list[Any] = sorted({a for _, a in pairs}, key=lambda a: (str(type(a)), a))
        self._answer_code = {a: k for k, a in enumerate(self._answers)}
        self._workers: dict[Any, int] = {}
        self._native = _native.GoldScheduler(
            list(range(len(self._items))),
            [self._answer_code[a] for _, a in pairs],
            quiz=quiz,
            quiz_pass=quiz_pass,
            onboarding_gold=onboarding_gold,
            onboarding_rate=onboarding_rate,
            threshold=threshold,
            confidence=confidence,
            max_rate=max_rate,
            floor=floor,
            max_exposure=max_exposure,
            seed=seed,
            rule=rule,
        )

    def _worker(self, worker: Any, register: bool) -> Optional[int]:
        code = self._workers.get(worker)
        if code is None and register:
            code = len(self._workers)
            self._workers[worker] = code
        return code

    def _served(self, worker: Any) -> int:
        code = self._worker(worker, False)
        if code is None:
            raise _errors.InvalidValueError(f"worker `{worker}` was never served gold")
        return code

    def _item(self, item: Any) -> int:
        try:
            return self._item_code[item]
        except (KeyError, TypeError):
            raise _errors.InvalidValueError(f"item `{item}` is not in the gold pool") from None

    def next_task(self, worker: Id) -> Slot:
        """Decide what the worker is served next (a new worker is registered).

        Parameters
        ----------
        worker : int or str
            The worker id.

        Returns
        -------
        Slot
        """
        code = self._worker(worker, True)
        assert code is not None
        kind, item, reason = self._native.next(code)
        return Slot(kind, None if item is None else self._items[item], reason)

    def record(self, worker: Id, item: Id, correct: bool) -> None:
        """Record whether the worker answered gold ``item`` correctly.

        Raises
        ------
        crowdqc.InvalidValueError
            The item is not in the pool or was not served to the worker, or the worker
            has no outstanding gold answer.
        """
        code = self._served(worker)
        self._native.record(code, self._item(item), bool(correct))

    def record_answer(self, worker: Id, item: Id, answer: Any) -> bool:
        """Record the worker's answer to gold ``item``, grade it and return whether correct.

        Raises
        ------
        crowdqc.InvalidValueError
            As :meth:`record`.
        """
        code = self._served(worker)
        item_code = self._item(item)
        a = self._answer_code.get(answer)
        if a is None:  # an answer outside the gold answers is wrong
            self._native.record(code, item_code, False)
            return False
        return bool(self._native.record_answer(code, item_code, a))

    def worker(self, worker: Id) -> Optional[WorkerView]:
        """The worker's state, or None for a worker never seen."""
        code = self._worker(worker, False)
        if code is None:
            return None
        d = self._native.worker(code)
        return None if d is None else WorkerView(**d)

    @property
    def stats(self) -> dict[str, int]:
        """Counters of the decisions: requests, regular, quiz, onboarding, adaptive,
        starved (gold wanted but none left), awaiting, excluded."""
        return dict(self._native.stats())

    def exposure(self, item: Id) -> int:
        """How many workers were served gold ``item``."""
        e = self._native.exposure(self._item(item))
        return 0 if e is None else int(e)

    def retired(self) -> list[Any]:
        """Gold items retired for over-exposure."""
        return [self._items[k] for k in self._native.retired()]

    def unseen_gold(self, worker: Id) -> int:
        """Gold items the worker has not been served yet."""
        code = self._worker(worker, False)
        return len(self._items) if code is None else int(self._native.unseen_gold(code))


def _plain(x: Any) -> Any:
    """A numpy scalar as the Python int/str it holds."""
    return x.item() if hasattr(x, "item") and not isinstance(x, (str, bytes)) else x


@dataclass(frozen=True)
class PagePlan:
    """A page layout of tasks and gold.

    Attributes
    ----------
    layout : DataFrame (or pyarrow/polars table)
        Rows by worker, page, position: ``worker``, ``page``, ``position``, ``item``,
        ``kind`` (``quiz``, ``gold`` or ``task``), ``gold_label``.
    rows, tasks, workers, redundancy, pages, gold_rows, gold_items : int
        Sizes.
    gold_share : float
        Share of rows that are gold.
    gold_shortfall : int
        Gold rows left empty (the worker had seen every usable gold item).
    exposure_min, exposure_max : int
        Fewest and most workers a gold item went to.
    text : str
        The summary as text.
    """

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
) -> PagePlan:
    """Lay tasks out in pages of ``page_size`` rows with ``gold_per_page`` gold rows each.

    Each task goes to ``redundancy`` distinct workers; no worker sees a gold item twice;
    gold is spread over the least-exposed items.

    Parameters
    ----------
    tasks : sequence of ids
        Task ids (none of them gold).
    gold : dict, pandas.Series or DataFrame
        Gold ``{item: answer}`` or a frame with ``task`` and ``true_label``.
    workers : sequence of ids
        Worker ids.
    page_size, gold_per_page : int
        Rows per page and gold rows among them.
    redundancy : int
        Judgments per task, by distinct workers.
    quiz : int
        Gold rows of a quiz page before each worker's work (0 = none).
    max_exposure : int
        Stop using a gold item in work pages once this many workers have it (0 = never).
    seed : int
        Seed of the task order, gold tie order and positions.
    output : {"pandas", "arrow", "polars"}
        Type of ``layout``.

    Returns
    -------
    PagePlan

    Raises
    ------
    crowdqc.InvalidParameterError
        A parameter out of range (named), redundancy above the number of workers.
    crowdqc.InvalidValueError
        A task that is also a gold item (named).
    """
    _check_output(output)
    table, s, text = _native.gold_plan_pages(
        [_plain(t) for t in tasks],
        [(_plain(i), _plain(a)) for i, a in _gold_pairs(gold)],
        [_plain(w) for w in workers],
        page_size,
        gold_per_page=gold_per_page,
        redundancy=redundancy,
        quiz=quiz,
        max_exposure=max_exposure,
        seed=seed,
    )
    return PagePlan(layout=_convert(table, output), text=text, **s)
