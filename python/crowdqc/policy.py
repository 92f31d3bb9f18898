"""Access policies for crowd workers: declarative rules, explained and statistically honest.

A policy (TOML, see the crate ``crowdqc-policy``) lists rules over per-worker evidence
(gold accuracy with confidence bounds, sliding windows, sequential tests, model
accuracy, peer agreement, ...) and optional tiers. This module:

- :func:`load` parses a policy from a file path or TOML text;
- :func:`evaluate` decides, for every worker of a judgment table with gold, the action
  and why (one :class:`Decision` per worker with its :class:`Explanation` objects);
- :func:`step` (over a :class:`Session`) is what a live platform calls after each gold
  answer of a worker;
- :func:`replay` feeds historical judgments (timestamp order, else item order) through
  the live evaluator and logs each decision when it would have been made;
- :func:`exact` computes the exact probability that rules fire within N gold answers
  for workers of given accuracies (false-ban curves);
- :func:`simulate` runs the policy against simulated workers (good workers, spammers,
  a degrading worker) under a gold rate.

Every computation is done by the Rust library; exact and simulate release the GIL and
stop on Ctrl-C.

Examples
--------
>>> import crowdqc.policy as cp
>>> p = cp.load('''
... [[rules]]
... id = "wrong"
... action = "ban"
... min_evidence = 3
... when = [{ metric = "gold_wrong", at_least = 3 }]
... ''')
>>> s = p.session("ann")
>>> [cp.step(s, False) for _ in range(2)]
[None, None]
>>> cp.step(s, False).action
'ban'
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Sequence, Union

import pandas as pd
import pyarrow as pa

from . import _frames, _native
from ._policy_records import Clause, Decision, Explanation, Session
from ._tables import TableResult
from ._tables import check_output as _check_output
from ._tables import convert as _convert

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

_OutputT = Literal["pandas", "arrow", "polars"]

# the records live in a private module; pickles and help() name this public one
for _cls in (Clause, Decision, Explanation, Session):
    _cls.__module__ = __name__
del _cls


class Policy:
    """A validated access policy (see :func:`load`).

    Attributes
    ----------
    name : str
    description : str or None
    warnings : list of str
        Non-fatal findings (e.g. a rule without ``min_evidence``).
    rules : list of tuple
        ``(id, action, duration_ms, untrust)`` per rule, in file order.
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def name(self) -> str:
        """The policy's name."""
        return str(self._native.name)

    @property
    def description(self) -> Optional[str]:
        """The policy's description."""
        d = self._native.description
        return None if d is None else str(d)

    @property
    def warnings(self) -> list[str]:
        """Non-fatal findings."""
        return list(self._native.warnings)

    @property
    def rules(self) -> list[tuple[str, str, Optional[int], bool]]:
        """``(id, action, duration_ms, untrust)`` per rule."""
        return list(self._native.rules)

    def session(self, worker: Union[int, str], now_ms: int = 0) -> Session:
        """A live session for one worker starting at ``now_ms``."""
        return Session(self._native.session(str(worker), now_ms), str(worker))

    def evaluate(
        self,
        judgments: Any,
        gold: Any = None,
        model: Optional[str] = None,
        seed: Optional[int] = None,
    ) -> Evaluation:
        """See :func:`evaluate`."""
        return evaluate(self, judgments, gold, model=model, seed=seed)

    def replay(self, judgments: Any, gold: Any = None) -> ReplayResult:
        """See :func:`replay`."""
        return replay(self, judgments, gold)

    def exact(self, **kwargs: Any) -> ExactResult:
        """See :func:`exact`."""
        return exact(self, **kwargs)

    def simulate(self, **kwargs: Any) -> SimulationResult:
        """See :func:`simulate`."""
        return simulate(self, **kwargs)

    def __repr__(self) -> str:
        return f"Policy(name={self.name!r}, rules={[r[0] for r in self.rules]})"


def load(source: Union[str, os.PathLike[str]]) -> Policy:
    """Load a policy from a TOML file path or from TOML text.

    Parameters
    ----------
    source : str or os.PathLike
        A path to an existing file, or the policy's TOML text (a string that is not
        an existing path and contains a newline, ``[[`` or ``=``).

    Returns
    -------
    Policy

    Raises
    ------
    crowdqc.Error
        An invalid policy: unknown keys, metrics or actions (the message names the
        line and lists the valid options), out-of-range values.
    OSError
        The file cannot be read.
    """
    if isinstance(source, os.PathLike):
        return Policy(_native.Policy.read(os.fspath(source)))
    if not isinstance(source, str):
        raise TypeError(f"source must be a path or TOML text, got {type(source)}")
    if os.path.exists(source):
        return Policy(_native.Policy.read(source))
    if "\n" in source or "[[" in source or "=" in source:
        return Policy(_native.Policy.parse(source))
    return Policy(_native.Policy.read(source))  # raises OSError naming the path


def _policy(policy: Union[Policy, str, os.PathLike[str]]) -> Policy:
    return policy if isinstance(policy, Policy) else load(policy)


# optional columns the policy evidence uses (read by the library's ingest by name)
_EXTRA_COLUMNS = ("timestamp", "duration_ms")


def _matrix(judgments: Any, gold: Any) -> Any:
    """The native matrix of ``judgments``, keeping a pandas frame's ``timestamp`` and
    ``duration_ms`` columns (other inputs pass every column through)."""
    if isinstance(judgments, pd.DataFrame):
        extra = [c for c in _EXTRA_COLUMNS if c in judgments.columns]
        if extra:
            cols = _frames.resolve_columns(judgments)
            source = _frames._pandas_to_arrow(judgments, [*cols, *extra])
            g = None if gold is None else _frames.gold_to_arrow(gold)
            return _native.Matrix.from_arrow(
                source, g, item=cols.item, worker=cols.worker, label=cols.label
            )
    return _frames.build(judgments, gold).matrix


@dataclass(frozen=True)
class Evaluation(TableResult):
    """Decisions for every worker of a table.

    :meth:`to_arrow`, :meth:`to_pandas` and :meth:`to_polars` give the decisions table:
    ``worker``, ``action``, ``duration_ms``, ``untrust``, ``rules`` (``;``-separated),
    ``tier``, ``window_evaluated``, ``explanation``.

    Attributes
    ----------
    policy : str
        Policy name.
    warnings : tuple of str
        The policy's warnings and notes on the data.
    workers : int
        Workers evaluated.
    summary : dict of str to int
        Workers per action.
    untrusted : tuple
        Workers whose judgments are to be excluded.
    decisions : tuple of Decision
        One per worker, in table order.
    """

    policy: str
    warnings: tuple[str, ...]
    workers: int
    summary: dict[str, int]
    untrusted: tuple[Any, ...]
    decisions: tuple[Decision, ...]
    _table: pa.RecordBatch = field(repr=False, compare=False)

    @classmethod
    def _from_native(cls, table: pa.RecordBatch, s: dict[str, Any], ds: list[Any]) -> Evaluation:
        """From a native evaluation: (decisions table, summary dict, decision dicts)."""
        return cls(
            policy=s["policy"],
            warnings=tuple(s["warnings"]),
            workers=s["workers"],
            summary=dict(s["summary"]),
            untrusted=tuple(s["untrusted"]),
            decisions=tuple(Decision._from_native(d) for d in ds),
            _table=table,
        )

    def decision(self, worker: Any) -> Decision:
        """The decision on ``worker``."""
        for d in self.decisions:
            if d.worker == worker:
                return d
        raise KeyError(f"worker {worker!r} is not in the evaluation")


def evaluate(
    policy: Union[Policy, str, os.PathLike[str]],
    judgments: Any,
    gold: Any = None,
    model: Optional[str] = None,
    seed: Optional[int] = None,
) -> Evaluation:
    """Evaluate the policy for every worker of a judgment table.

    Evidence per worker comes from the judgments: gold counts and the recent gold
    outcomes (in file order), judgments, leave-one-out peer agreement.

    Parameters
    ----------
    policy : Policy, path or TOML text
    judgments : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Judgments with ``task``, ``worker`` and ``label`` columns, optionally
        ``timestamp`` (orders the gold outcomes) and ``duration_ms`` (fast answers).
    gold : dict, pandas.Series or frame, optional
        Gold answers ``{task: label}``.
    model : str, optional
        An aggregation method (``"ds"``, ``"glad"``, ...) fitted on the judgments for
        the ``model_accuracy`` and ``spammer_score`` metrics; without it, conditions on
        them do not hold.
    seed : int, optional
        Seed of a randomised ``model``.

    Returns
    -------
    Evaluation
    """
    p = _policy(policy)
    m = _matrix(judgments, gold)
    table, s, ds = p._native.evaluate(m, model=model, seed=seed)
    return Evaluation._from_native(table, s, ds)


@dataclass(frozen=True)
class Statements(TableResult):
    """Plain-language statements for workers: the work done, gold accuracy with its
    interval, where each stands under every rule and exactly what would change it, and
    with a pay table the effective hourly pay (see ``docs/pay.md``).

    :meth:`to_arrow`, :meth:`to_pandas` and :meth:`to_polars` give one row per worker:
    ``worker``, ``action``, ``duration_ms``, ``tasks``, ``gold_answered``,
    ``gold_correct``, ``gold_accuracy``, ``gold_low``, ``gold_high``,
    ``tasks_per_day``, ``rules_applying``, ``hourly_pay``, ``unpaid_share``,
    ``earned``, ``below_floor``, ``statement``.

    Attributes
    ----------
    policy : str
        Policy name.
    notes : tuple of str
        Notes on the data (e.g. what could not be computed).
    records : tuple of dict
        One statement per worker as the library serialises it (the JSON of
        ``crowdqc workers statement --format json``).
    text : str
        Every statement as the worker reads it.
    """

    policy: str
    notes: tuple[str, ...]
    records: tuple[dict[str, Any], ...]
    text: str
    _table: pa.RecordBatch = field(repr=False, compare=False)

    def worker(self, worker: Any) -> dict[str, Any]:
        """The statement of ``worker`` (a dict as in :attr:`records`)."""
        for r in self.records:
            if r["worker"] == worker:
                return r
        raise KeyError(f"worker {worker!r} is not in the data")

    def text_of(self, worker: Any) -> str:
        """The plain text of ``worker``'s statement."""
        rows = self.to_arrow()
        for w, t in zip(rows.column("worker").to_pylist(), rows.column("statement").to_pylist()):
            if w == worker:
                return str(t)
        raise KeyError(f"worker {worker!r} is not in the data")

    def __str__(self) -> str:
        return self.text


def statements(
    policy: Union[Policy, str, os.PathLike[str]],
    judgments: Any,
    gold: Any = None,
    pay: Optional[Union[str, os.PathLike[str]]] = None,
) -> Statements:
    """Statements for every worker of a judgment table, in words meant for the worker.

    Parameters
    ----------
    policy : Policy, path or TOML text
    judgments : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Judgments with ``task``, ``worker`` and ``label`` columns; ``timestamp``
        (milliseconds since the epoch) gives tasks per day, ``duration_ms`` the time
        spent (needed with ``pay``).
    gold : dict, pandas.Series or frame, optional
        Gold answers ``{task: label}``.
    pay : path, optional
        A pay table (TOML; format in ``docs/pay.md``).

    Returns
    -------
    Statements

    Raises
    ------
    crowdqc.InvalidParameterError
        A pay table without a ``duration_ms`` column, a rule on hourly pay without a
        pay table, or a bad pay table (the message names the line).
    """
    p = _policy(policy)
    m = _matrix(judgments, gold)
    table, text_json, text = p._native.statements(m, pay=None if pay is None else os.fspath(pay))
    s = json.loads(text_json)
    return Statements(
        policy=s["policy"],
        notes=tuple(s.get("notes", ())),
        records=tuple(s["statements"]),
        text=text,
        _table=table,
    )


def evaluate_pairwise(
    policy: Union[Policy, str, os.PathLike[str]],
    comparisons: Any,
    gold: Any,
    method: str = "crowd-bt",
) -> Evaluation:
    """Evaluate the policy for every worker of pairwise comparisons, on gold comparisons.

    The same path as ``crowdqc pairwise policy``: each worker's answers on gold pairs
    become gold evidence (correct = the pair ordered as the gold says), and the fitted
    ``method``'s per-worker reliability fills ``model_accuracy``; the policy is then
    evaluated exactly as :func:`evaluate` does for categorical judgments.

    Parameters
    ----------
    policy : Policy, path or TOML text
    comparisons : pandas.DataFrame or Arrow C stream source
        Comparisons with ``worker``, ``left``, ``right`` and ``label`` (the winner's id)
        columns, or ``worker``, ``winner``, ``loser``.
    gold : dict, pandas.Series or pandas.DataFrame
        Known levels per item (``{item: level}``, higher wins), or known winners as a
        frame with the comparisons' column names (``left, right, label`` or
        ``winner, loser``).
    method : str
        Pairwise method whose worker reliability feeds ``model_accuracy``
        (``"crowd-bt"``, ``"noisy-bt"``, ``"bt"``, ...).

    Returns
    -------
    Evaluation
    """
    from .aggregation._pairwise._base import _source

    p = _policy(policy)
    src = _source(comparisons, True)
    cols = src.columns
    if isinstance(gold, pd.DataFrame):
        g: Any = pa.Table.from_pandas(gold, preserve_index=False)
    else:
        levels = pd.Series(gold, dtype="float64")
        g = pa.table({"item": pa.array(list(levels.index)), "level": levels.to_numpy()})
    table, s, ds = _native.pairwise_policy(
        p._native,
        src.data,
        g,
        method=method,
        worker=cols.get("worker"),
        left=cols.get("left"),
        right=cols.get("right"),
        winner=cols.get("winner"),
        loser=cols.get("loser"),
    )
    return Evaluation._from_native(table, s, ds)


def evaluate_ratings(
    policy: Union[Policy, str, os.PathLike[str]],
    ratings: Any,
    gold: Any,
    tolerance: float = 0.0,
) -> Evaluation:
    """Evaluate the policy for every worker of numeric ratings, on gold ratings.

    The same path as ``crowdqc ratings policy``: a worker's rating of a gold item is a
    correct gold answer when it is within the tolerance of the gold value; the policy
    is then evaluated exactly as :func:`evaluate` does for categorical judgments.

    Parameters
    ----------
    policy : Policy, path or TOML text
    ratings : pandas.DataFrame, Arrow C stream source or numpy array
        Ratings with ``item`` (or ``task``), ``worker`` and ``rating`` (or ``label``,
        ``score``) columns.
    gold : dict, pandas.Series or pandas.DataFrame
        Gold values ``{item: value}``, or a frame with ``item`` and ``label`` columns and
        optionally a per-item ``tolerance`` column.
    tolerance : float
        Tolerance of gold values without their own (>= 0).

    Returns
    -------
    Evaluation
    """
    from .ratings import _source

    p = _policy(policy)
    source, i, w, r = _source(ratings, None, None, None)
    if isinstance(gold, pd.DataFrame):
        g: Any = pa.Table.from_pandas(gold, preserve_index=False)
    else:
        values = pd.Series(gold, dtype="float64")
        g = pa.table({"item": pa.array(list(values.index)), "label": values.to_numpy()})
    table, s, ds = _native.ratings_policy(
        p._native, source, g, tolerance=float(tolerance), item=i, worker=w, label=r
    )
    return Evaluation._from_native(table, s, ds)


def step(session: Session, correct: bool, now_ms: int = 0) -> Optional[Decision]:
    """One live step: record a worker's gold answer and apply the policy.

    Parameters
    ----------
    session : Session
        The worker's session (:meth:`Policy.session`); it keeps the state (tier,
        bans, suspensions, stopped sequential tests) between calls.
    correct : bool
        Whether the gold answer was correct.
    now_ms : int
        Time of the answer, ms since the epoch.

    Returns
    -------
    Decision or None
        The decision when a rule starts firing or the tier moves, else None.
    """
    return session.record_gold(correct, now_ms)


@dataclass(frozen=True)
class ReplayResult(TableResult):
    """A replay's log (:meth:`to_arrow`, :meth:`to_pandas`, :meth:`to_polars`: one row
    per decision).

    Attributes
    ----------
    policy : str
    warnings : tuple of str
    clock : {"timestamps", "item_order"}
        What ordered the judgments.
    judgments : int
        Judgments replayed.
    after_restriction : int
        Judgments from workers while banned or suspended (not evaluated).
    untrusted : tuple
        Workers untrusted by the end.
    events : tuple of Decision
        Decisions in order, with ``gold_answered``/``gold_correct`` at that moment.
    """

    policy: str
    warnings: tuple[str, ...]
    clock: str
    judgments: int
    after_restriction: int
    untrusted: tuple[Any, ...]
    events: tuple[Decision, ...]
    _table: pa.RecordBatch = field(repr=False, compare=False)


def replay(
    policy: Union[Policy, str, os.PathLike[str]], judgments: Any, gold: Any = None
) -> ReplayResult:
    """Replay historical judgments through the live evaluator.

    With a ``timestamp`` column (Arrow/pandas datetimes, RFC 3339 text, or integers in
    ms) the judgments are replayed in time order; without one, item by item in order of
    first appearance (every judgment at time 0, so suspensions last to the end).

    Parameters
    ----------
    policy : Policy, path or TOML text
    judgments : frame
        Judgments with ``task``, ``worker``, ``label`` and optionally ``timestamp`` and
        ``duration_ms``.
    gold : dict, pandas.Series or frame, optional
        Gold answers.

    Returns
    -------
    ReplayResult
    """
    p = _policy(policy)
    m = _matrix(judgments, gold)
    table, s, es = p._native.replay(m)
    return ReplayResult(
        policy=s["policy"],
        warnings=tuple(s["warnings"]),
        clock=s["clock"],
        judgments=s["judgments"],
        after_restriction=s["after_restriction"],
        untrusted=tuple(s["untrusted"]),
        events=tuple(Decision._from_native(e) for e in es),
        _table=table,
    )


@dataclass(frozen=True)
class ExactResult:
    """False-action probabilities of a policy's rules.

    Attributes
    ----------
    table : DataFrame (or pyarrow/polars table)
        One row per accuracy: ``accuracy``, ``probability`` (that a selected rule
        fires within ``horizon`` gold answers), ``low``, ``high`` (a Monte Carlo
        interval; equal to the probability when exact), ``median_gold``.
    rules : tuple of str
        Ids of the rules computed together.
    horizon : int
        Gold answers.
    method : {"exact", "monte_carlo"}
        How the probabilities were computed...
    method_reason : str or None
        ...and why not exactly.
    warnings : tuple of str
    text : str
        The table as text, saying how it was computed.
    """

    table: Any
    policy: str
    rules: tuple[str, ...]
    horizon: int
    method: str
    method_reason: Optional[str]
    warnings: tuple[str, ...]
    text: str


def exact(
    policy: Union[Policy, str, os.PathLike[str]],
    accuracies: Optional[Sequence[float]] = None,
    horizon: int = 100,
    rules: Optional[Sequence[str]] = None,
    runs: int = 100_000,
    seed: int = 0,
    output: _OutputT = "pandas",
) -> ExactResult:
    """Exact probability that rules fire within ``horizon`` gold answers.

    Dynamic programming over the rules' state (windows, counts, sequential tests) for
    workers answering independently with each accuracy; a labelled Monte Carlo of
    ``runs`` workers when the chain is too large.

    Parameters
    ----------
    policy : Policy, path or TOML text
    accuracies : sequence of float, optional
        Worker accuracies (default 0.97, 0.95, 0.92, 0.90, 0.85, 0.80, 0.70, 0.50).
    horizon : int
        Gold answers, in 1..5000.
    rules : sequence of str, optional
        Rule ids (default every rule that untrusts, suspends or bans).
    runs, seed : int
        Monte Carlo size and seed (used only beyond the exact chain's size).
    output : {"pandas", "arrow", "polars"}
        Type of ``table``.

    Returns
    -------
    ExactResult

    Raises
    ------
    crowdqc.InvalidParameterError
        Unknown rule ids, no restrictive rule, a horizon outside 1..5000, accuracies
        outside [0, 1].
    """
    _check_output(output)
    p = _policy(policy)
    table, s = p._native.exact(
        accuracies=None if accuracies is None else [float(a) for a in accuracies],
        horizon=horizon,
        rules=None if rules is None else [str(r) for r in rules],
        runs=runs,
        seed=seed,
    )
    return ExactResult(
        table=_convert(table, output),
        policy=s["policy"],
        rules=tuple(s["rules"]),
        horizon=s["horizon"],
        method=s["method"],
        method_reason=s["method_reason"],
        warnings=tuple(s["warnings"]),
        text=s["text"],
    )


@dataclass(frozen=True)
class SimulationResult:
    """What a policy does to simulated workers.

    Attributes
    ----------
    table : DataFrame (or pyarrow/polars table)
        One row per archetype and action: ``policy``, ``archetype``, ``workers``,
        ``action``, ``probability``, ``std_error``, ``median_gold``, ``gold_share``,
        ``mean_worked``.
    text : str
        The report as text.
    """

    table: Any
    text: str
    _arrow: pa.RecordBatch = field(repr=False, compare=False)

    def probability(self, archetype: str, action: str) -> float:
        """Probability of ``action`` for ``archetype`` (0 when absent)."""
        t = self._arrow
        for a, act, prob in zip(
            t.column("archetype").to_pylist(),
            t.column("action").to_pylist(),
            t.column("probability").to_pylist(),
        ):
            if a == archetype and act == action:
                return float(prob)
        return 0.0


def simulate(
    policy: Union[Policy, str, os.PathLike[str]],
    workers: Optional[Union[str, Sequence[Union[float, str]]]] = None,
    gold_rate: float = 0.1,
    front_gold: int = 0,
    tasks: int = 1000,
    runs: int = 1000,
    seed: int = 0,
    classes: int = 2,
    output: _OutputT = "pandas",
) -> SimulationResult:
    """Simulate the policy on workers of known quality.

    Parameters
    ----------
    policy : Policy, path or TOML text
    workers : str or sequence, optional
        Archetypes: accuracies (``0.92``), ``"uniform"``, ``"constant"`` spammers and
        ``"degrade:0.95>0.7@0.5"``; a comma-separated string or a sequence. Default: 0.97,
        0.92, 0.85, 0.70, uniform, constant and a degrading worker.
    gold_rate : float
        Share of task slots that are gold.
    front_gold : int
        The first slots that are all gold.
    tasks : int
        Task slots per simulated worker.
    runs : int
        Simulated workers per archetype.
    seed : int
        Seed; results are identical for any thread count.
    classes : int
        Classes of the gold items (a uniform spammer is right 1/classes of the time).
    output : {"pandas", "arrow", "polars"}
        Type of ``table``.

    Returns
    -------
    SimulationResult

    Raises
    ------
    crowdqc.InvalidParameterError
        A bad archetype (named) or setting.
    KeyboardInterrupt
        Ctrl-C.
    """
    _check_output(output)
    p = _policy(policy)
    spec: Optional[str]
    if workers is None or isinstance(workers, str):
        spec = workers
    else:
        spec = ",".join(str(w) for w in workers)
    table, text = p._native.simulate(
        workers=spec,
        gold_rate=gold_rate,
        front_gold=front_gold,
        tasks=tasks,
        runs=runs,
        seed=seed,
        classes=classes,
    )
    return SimulationResult(table=_convert(table, output), text=text, _arrow=table)
