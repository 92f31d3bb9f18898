"""The records of a policy decision (Clause, Explanation, Decision) and a worker's live
:class:`Session`; re-exported by :mod:`crowdqc.policy`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass(frozen=True)
class Clause:
    """One compared quantity of a rule.

    Attributes
    ----------
    metric : str
        What is measured, in words.
    evidence : str
        The evidence it was computed from, e.g. ``"18 of 20 gold correct"``.
    value : float or None
        The value (None when unknown).
    comparison : str
        Comparison symbol.
    threshold : float
        The threshold.
    confidence : float or None
        Confidence of a bound or sequential test.
    holds : bool
        Whether the clause holds.
    """

    metric: str
    evidence: str
    value: Optional[float]
    comparison: str
    threshold: float
    confidence: Optional[float]
    holds: bool


@dataclass(frozen=True)
class Explanation:
    """Why a rule fired, or how close it is to firing.

    Attributes
    ----------
    rule : str
        Rule id (``"tiers"`` for a tier move).
    line : int
        Line of the rule in the policy file.
    action : str
        The rule's action.
    duration_ms : int or None
        Duration of the action.
    fired : bool
        Whether the rule fired.
    clauses : tuple of Clause
        The compared quantities.
    change : str or None
        What would change the outcome, in words (e.g. how many correct gold answers
        would clear the rule).
    text : str
        The whole explanation in one sentence.
    """

    rule: str
    line: int
    action: str
    duration_ms: Optional[int]
    fired: bool
    clauses: tuple[Clause, ...]
    change: Optional[str]
    text: str

    @classmethod
    def _from_native(cls, d: dict[str, Any]) -> Explanation:
        return cls(**{**d, "clauses": tuple(Clause(**c) for c in d["clauses"])})


@dataclass(frozen=True)
class Decision:
    """A decision on one worker.

    Attributes
    ----------
    worker : int or str
        Worker id.
    action : str
        The most severe action that fired: allow, promote, warn, demote, untrust,
        suspend or ban.
    duration_ms : int or None
        Duration of a suspension or temporary ban.
    untrust : bool
        Whether the worker's judgments are to be excluded.
    rules : tuple of str
        Ids of the rules that fired.
    tier_from, tier_to : str or None
        A tier move.
    explanations : tuple of Explanation
        Why (each fired rule, a tier move, or the restrictive rule nearest to firing).
    window_evaluated : bool
        Whether rules over a gold window could be evaluated.
    timestamp_ms, time : int, str or None
        When (replay with timestamps only).
    gold_answered, gold_correct : int or None
        Gold counts at that moment (replay only).
    """

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
    def text(self) -> str:
        """The explanations, one sentence each, joined by newlines."""
        return "\n".join(x.text for x in self.explanations)

    @classmethod
    def _from_native(cls, d: dict[str, Any]) -> Decision:
        return cls(
            **{
                **d,
                "rules": tuple(d["rules"]),
                "explanations": tuple(Explanation._from_native(x) for x in d["explanations"]),
            }
        )


class Session:
    """One worker's live policy state (created by :meth:`Policy.session`).

    Call :func:`step` (or :meth:`record_gold`) after each gold answer.
    """

    def __init__(self, native: Any, worker: str) -> None:
        self._native = native
        self.worker = worker

    def record_gold(self, correct: bool, now_ms: int = 0) -> Optional[Decision]:
        """Record a gold answer at ``now_ms`` and step the policy.

        Returns
        -------
        Decision or None
            The decision when something happens (a rule starts firing, a tier move).
        """
        d = self._native.record_gold(bool(correct), now_ms)
        return None if d is None else Decision._from_native(d)

    def active(self, now_ms: int = 0) -> bool:
        """Whether the worker may take tasks at ``now_ms`` (not banned or suspended)."""
        return bool(self._native.active(now_ms))

    @property
    def state(self) -> dict[str, Any]:
        """Tier index, ``banned`` (``"permanent"``, an end time in ms, or None),
        ``suspended_until``, ``untrusted``, ``gold_answered``, ``gold_correct``."""
        return dict(self._native.state())

    def __repr__(self) -> str:
        return f"Session(worker={self.worker!r}, state={self.state})"
