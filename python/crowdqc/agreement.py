"""Inter-rater agreement with intervals: every coefficient crowdqc computes, typed.

:func:`report` computes, from judgments (``task``/``item``, ``worker``, ``label``), every
agreement coefficient that applies (percent agreement, Krippendorff's alpha, Fleiss'
kappa, Conger's kappa, Brennan-Prediger, Gwet's AC1/AC2 and, with exactly two raters,
Cohen's kappa and Scott's pi) with its analytic standard error and t interval (irrCAC's
conventions) and, with ``bootstrap=n``, the item bootstrap of each coefficient and Hayes &
Krippendorff's bootstrap of alpha. :func:`report_counts` does the same from a Fleiss
counts table and :func:`report_table` from a two-rater contingency table.
:func:`item_agreement_table` and :func:`worker_agreement_table` give the per-item and
per-worker views.

All the statistics are computed by the Rust library ``crowdqc-agreement``; this module
converts inputs and outputs only. Bootstraps release the GIL and stop on Ctrl-C.

Examples
--------
>>> import pandas as pd
>>> import crowdqc.agreement as ag
>>> df = pd.DataFrame({"task": [1, 1, 2, 2, 3, 3], "worker": ["a", "b"] * 3,
...                    "label": ["x", "x", "y", "y", "x", "y"]})
>>> r = ag.report(df)
>>> round(r["percent_agreement"].value, 4)
0.6667
>>> r.to_pandas().loc["cohen_kappa", "ci_method"]
't (irrCAC)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Sequence, Union

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _errors, _frames, _native
from ._tables import check_output as _check_output
from ._tables import convert as _convert

_Output = Literal["pandas", "arrow", "polars"]
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
    """A two-sided confidence interval and what it is.

    Attributes
    ----------
    kind : str
        ``"t (irrCAC)"`` (value ± t(n−1)·analytic SE, capped to [−1, 1]),
        ``"bootstrap percentile"`` (item bootstrap) or ``"Hayes-Krippendorff"``.
    level : float
        Confidence level.
    low, high : float
        Bounds.
    description : str
        One sentence saying how the interval is computed.
    """

    kind: str
    level: float
    low: float
    high: float
    description: str

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low


@dataclass(frozen=True)
class Bootstrap:
    """The item bootstrap of a coefficient (items resampled with replacement).

    Attributes
    ----------
    replicates : int
        Replicates drawn.
    undefined : int
        Replicates on which the coefficient was undefined.
    mean, se, ci_low, ci_high : float or None
        Mean and standard deviation of the defined replicates and the percentile bounds.
    """

    replicates: int
    undefined: int
    mean: Optional[float]
    se: Optional[float]
    ci_low: Optional[float]
    ci_high: Optional[float]


@dataclass(frozen=True)
class HayesKrippendorff:
    """Hayes & Krippendorff's (2007) bootstrap of alpha.

    Attributes
    ----------
    replicates, pairs_per_replicate : int or None
        Replicates drawn and pairs of values drawn per replicate.
    ci_low, ci_high : float or None
        Percentile bounds.
    p_below_0_667, p_below_0_800 : float or None
        Share of replicates below Krippendorff's thresholds.
    reason : str or None
        Why it was not computed (then every other field is None).
    """

    replicates: Optional[int] = None
    pairs_per_replicate: Optional[int] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    p_below_0_667: Optional[float] = None
    p_below_0_800: Optional[float] = None
    reason: Optional[str] = None


@dataclass(frozen=True)
class Coefficient:
    """One agreement coefficient of a report.

    Attributes
    ----------
    name : str
        Key, e.g. ``"krippendorff_alpha"``.
    title : str
        Name for people, e.g. ``"Krippendorff's alpha"``.
    value : float or None
        The coefficient; None when undefined on the data (see ``reason``).
    reason : str or None
        Why the coefficient is undefined.
    se : float or None
        Standard error (analytic when known, else the bootstrap's).
    se_method : {"analytic", "bootstrap"} or None
        Where ``se`` comes from.
    observed, expected : float or None
        Observed and chance agreement.
    n_items : int or None
        Items used.
    intervals : tuple of Interval
        Every interval computed, the headline interval first.
    bootstrap : Bootstrap or None
        The item bootstrap, when run.
    hayes_krippendorff : HayesKrippendorff or None
        Alpha only, with a bootstrap.
    interpretation : str or None
        Alpha only: the reading against Krippendorff's thresholds.
    note : str or None
        A remark on how the value was obtained.
    """

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
    def ci(self) -> Optional[Interval]:
        """The headline interval (the item bootstrap when run, else the t interval)."""
        return self.intervals[0] if self.intervals else None

    def interval(self, kind: str) -> Optional[Interval]:
        """The interval of ``kind`` (see :class:`Interval`), or None if not computed."""
        return next((i for i in self.intervals if i.kind == kind), None)

    @classmethod
    def _from_native(cls, d: dict[str, Any]) -> Coefficient:
        boot = d["bootstrap"]
        hk = d["hayes_krippendorff"]
        return cls(
            name=d["name"],
            title=d["title"],
            value=d["value"],
            reason=d["reason"],
            se=d["se"],
            se_method=d["se_method"],
            observed=d["observed"],
            expected=d["expected"],
            n_items=d["n_items"],
            intervals=tuple(Interval(**i) for i in d["intervals"]),
            bootstrap=None if boot is None else Bootstrap(**boot),
            hayes_krippendorff=None if hk is None else HayesKrippendorff(**hk),
            interpretation=d["interpretation"],
            note=d["note"],
        )


@dataclass(frozen=True)
class AgreementReport:
    """Every agreement coefficient of a data set, with intervals.

    Index it by coefficient key (``report["fleiss_kappa"]``), iterate over its
    :class:`Coefficient` objects, or convert it with :meth:`to_pandas` /
    :meth:`to_arrow` / :meth:`to_polars` (one row per coefficient).

    Attributes
    ----------
    layout : {"judgments", "counts"}
        What it was computed from.
    items, ratings : int
        Items and ratings of the input.
    raters : int or None
        Raters with at least one rating (None for a counts table).
    categories : tuple of str
        Categories in category order.
    level : str
        Measurement level of alpha.
    weights : str
        Weights of the kappa family (identity, linear, quadratic, ordinal or custom).
    confidence : float
        Confidence level of every interval.
    bootstrap_replicates, seed : int or None
        The bootstraps' replicates and seed, when run.
    coefficients : dict of str to Coefficient
        The coefficients, in report order.
    interval_notes : tuple of str
        Sentences saying what each kind of interval in the report is.
    """

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
    _table: pa.RecordBatch = field(repr=False, compare=False)

    def __getitem__(self, name: str) -> Coefficient:
        try:
            return self.coefficients[name]
        except KeyError:
            raise KeyError(
                f"no coefficient {name!r} in this report; it has {list(self.coefficients)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.coefficients

    def __iter__(self) -> Any:
        return iter(self.coefficients.values())

    def __len__(self) -> int:
        return len(self.coefficients)

    def to_arrow(self) -> pa.Table:
        """The report as a pyarrow Table, one row per coefficient.

        Returns
        -------
        pyarrow.Table
            Columns ``coefficient``, ``title``, ``value``, ``reason``, ``se``,
            ``se_method``, ``observed``, ``expected``, ``n_items``, ``ci_method``,
            ``ci_low``, ``ci_high``, ``confidence``, ``t_ci_low``, ``t_ci_high``,
            ``bootstrap_*``, ``hk_*``, ``interpretation``, ``note``; nulls where absent.
        """
        return pa.Table.from_batches([self._table])

    def to_pandas(self) -> pd.DataFrame:
        """The report as a DataFrame indexed by ``coefficient`` (see :meth:`to_arrow`)."""
        return self._table.to_pandas().set_index("coefficient")

    def to_polars(self) -> Any:
        """The report as a polars DataFrame (see :meth:`to_arrow`)."""
        return _convert(self._table, "polars")

    @classmethod
    def _from_native(cls, native: tuple[Any, dict[str, Any], list[dict[str, Any]]]) -> Any:
        table, s, coefs = native
        return cls(
            layout=s["layout"],
            items=s["items"],
            ratings=s["ratings"],
            raters=s["raters"],
            categories=tuple(s["categories"]),
            level=s["level"],
            weights=s["weights"],
            confidence=s["confidence"],
            bootstrap_replicates=s["bootstrap"],
            seed=s["seed"],
            coefficients={c["name"]: Coefficient._from_native(c) for c in coefs},
            interval_notes=tuple(s["interval_notes"]),
            _table=table,
        )


def _weights(weights: Optional[_WeightsLike]) -> Any:
    if weights is None or isinstance(weights, str):
        return weights
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise _errors.InvalidParameterError(
            f"parameter `weights` must be a name or a square q x q matrix, got shape {w.shape}"
        )
    return [float(x) for x in w.ravel()]


def _check_bootstrap(bootstrap: int) -> int:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)):
        raise _errors.InvalidParameterError(
            f"parameter `bootstrap` must be a number of replicates (int >= 0), got {bootstrap!r}"
        )
    if bootstrap < 0:
        raise _errors.InvalidParameterError(
            f"parameter `bootstrap` must be >= 0 (0 = no bootstrap), got {bootstrap}"
        )
    return int(bootstrap)


def _options(
    level: str,
    weights: Optional[_WeightsLike],
    bootstrap: int,
    seed: int,
    confidence: float,
    rank_spacing: bool,
    hayes_krippendorff: bool,
) -> dict[str, Any]:
    """The native call's options shared by :func:`report`, :func:`report_counts` and
    :func:`report_table` (``bootstrap`` and ``weights`` checked and converted)."""
    boot = _check_bootstrap(bootstrap)
    return dict(
        level=level,
        weights=_weights(weights),
        rank_spacing=rank_spacing,
        confidence=confidence,
        bootstrap=boot,
        seed=seed,
        hayes_krippendorff=hayes_krippendorff,
    )


def _category_names(categories: Optional[Sequence[str]], n: int) -> list[str]:
    """``categories`` as strings, or ``"0"``, ``"1"``, ... for ``n`` categories."""
    return [str(c) for c in categories] if categories is not None else [str(i) for i in range(n)]


def report(
    data: Any,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
    weights: Optional[_WeightsLike] = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
    rank_spacing: bool = False,
    hayes_krippendorff: bool = True,
) -> AgreementReport:
    """Every agreement coefficient of judgments, with standard errors and intervals.

    Parameters
    ----------
    data : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Judgments with columns ``task`` (or ``item``), ``worker`` (or ``performer``,
        ``annotator``) and ``label``; a numpy array of shape ``(n, 3)``.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Measurement level of Krippendorff's alpha (ordinal, interval and ratio need
        numeric labels).
    weights : {"identity", "linear", "quadratic", "ordinal"} or array of shape (q, q), optional
        Agreement weights of the kappa family (default unweighted); with weights Gwet's
        coefficient is AC2. A matrix is indexed by the categories in sorted order.
    bootstrap : int
        Item-bootstrap replicates for every coefficient (0 = analytic intervals only).
    seed : int
        Seed of the bootstraps; results are identical for any thread count.
    confidence : float
        Confidence level of every interval, in (0, 1).
    rank_spacing : bool
        Space categories equally for linear/quadratic weights (R irr's convention).
    hayes_krippendorff : bool
        With a bootstrap, also run Hayes & Krippendorff's bootstrap of alpha.

    Returns
    -------
    AgreementReport
        One :class:`Coefficient` per coefficient that applies; undefined coefficients
        have ``value=None`` and a ``reason``.

    Raises
    ------
    crowdqc.MissingColumnError
        A judgment column is missing (the message lists the names tried).
    crowdqc.InvalidParameterError
        ``level``, ``weights``, ``confidence`` or ``bootstrap`` is invalid.
    crowdqc.Error
        Other bad input (null ids or labels, text labels at the interval level, ...).
    KeyboardInterrupt
        Ctrl-C during a bootstrap.
    """
    options = _options(
        level, weights, bootstrap, seed, confidence, rank_spacing, hayes_krippendorff
    )
    native = _native.agreement_report(_frames.build(data).matrix, **options)
    return AgreementReport._from_native(native)


def report_counts(
    counts: Any,
    categories: Optional[Sequence[str]] = None,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
    weights: Optional[_WeightsLike] = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
    rank_spacing: bool = False,
    hayes_krippendorff: bool = True,
) -> AgreementReport:
    """Agreement of a Fleiss counts table (one row per item, one column per category).

    A counts table has no rater identities, so Conger's, Cohen's and Scott's
    coefficients are not reported.

    Parameters
    ----------
    counts : pandas.DataFrame or array-like of shape (n_items, q)
        Non-negative integer counts. A DataFrame's columns are the categories; a column
        named ``item`` or ``task`` is taken as the item ids and ignored.
    categories : sequence of str, optional
        Category names for an array input (default ``"0"``, ``"1"``, ...).
    level, weights, bootstrap, seed, confidence, rank_spacing, hayes_krippendorff
        As in :func:`report`.

    Returns
    -------
    AgreementReport

    Raises
    ------
    crowdqc.InvalidParameterError
        Counts that are negative, fractional or of the wrong shape; bad options.
    """
    options = _options(
        level, weights, bootstrap, seed, confidence, rank_spacing, hayes_krippendorff
    )
    if isinstance(counts, pd.DataFrame):
        frame = counts.drop(columns=[c for c in ("item", "task") if c in counts.columns])
        names = [str(c) for c in frame.columns]
        values = frame.to_numpy()
    else:
        values = np.asarray(counts)
        if values.ndim != 2:
            raise _errors.InvalidParameterError(
                f"parameter `counts` must be 2-D (items x categories), got shape {values.shape}"
            )
        names = _category_names(categories, values.shape[1])
    rows = _whole(values, "counts").tolist()
    native = _native.agreement_report_counts(names, rows, **options)
    return AgreementReport._from_native(native)


def report_table(
    table: Any,
    categories: Optional[Sequence[str]] = None,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "nominal",
    weights: Optional[_WeightsLike] = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
    rank_spacing: bool = False,
    hayes_krippendorff: bool = True,
) -> AgreementReport:
    """Agreement of two raters from a contingency table (Cohen's kappa, Scott's pi, ...).

    Parameters
    ----------
    table : pandas.DataFrame or array-like of shape (q, q)
        A frame with ``label_a``, ``label_b`` and ``count`` columns (categories in order
        of first appearance), or a square matrix of counts (rows: rater A) whose
        categories are ``categories``.
    categories : sequence of str, optional
        Category names of a matrix, in order (default ``"0"``, ``"1"``, ...).
    level, weights, bootstrap, seed, confidence, rank_spacing, hayes_krippendorff
        As in :func:`report`.

    Returns
    -------
    AgreementReport

    Raises
    ------
    crowdqc.InvalidParameterError
        Negative or fractional counts, a non-square matrix, repeated categories.
    """
    common = _options(level, weights, bootstrap, seed, confidence, rank_spacing, hayes_krippendorff)
    if isinstance(table, pd.DataFrame) and {"label_a", "label_b", "count"} <= set(table.columns):
        counts = _whole(table["count"].to_numpy(), "table")
        rows = [
            (str(a), str(b), int(c)) for a, b, c in zip(table["label_a"], table["label_b"], counts)
        ]
        native = _native.agreement_report_table(rows=rows, **common)
    else:
        m = np.asarray(table)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise _errors.InvalidParameterError(
                "parameter `table` must be a frame with label_a, label_b, count columns "
                f"or a square q x q matrix of counts, got shape {m.shape}"
            )
        names = _category_names(categories, m.shape[0])
        native = _native.agreement_report_table(
            categories=names, counts=[int(c) for c in _whole(m.ravel(), "table")], **common
        )
    return AgreementReport._from_native(native)


def _whole(values: Any, name: str) -> np.ndarray:
    num = np.asarray(values, dtype=np.float64)
    if num.size and (np.isnan(num).any() or (num < 0).any() or (num != np.floor(num)).any()):
        raise _errors.InvalidParameterError(
            f"parameter `{name}` must hold non-negative whole numbers (no NaN); "
            "fill missing cells with 0"
        )
    return num.astype(np.uint64)


def item_agreement_table(data: Any, output: _Output = "pandas") -> Any:
    """Per-item agreement of judgments.

    Parameters
    ----------
    data : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Judgments (as in :func:`report`).
    output : {"pandas", "arrow", "polars"}
        The type returned.

    Returns
    -------
    pandas.DataFrame or pyarrow.Table or polars.DataFrame
        One row per item in first-appearance order: ``item``, ``ratings``,
        ``top_label``, ``top_share``, ``entropy`` (nats), ``pairwise_agreement`` (null
        with fewer than two ratings).
    """
    _check_output(output)
    return _convert(_native.item_agreement_table(_frames.build(data).matrix), output)


def worker_agreement_table(data: Any, output: _Output = "pandas") -> Any:
    """Per-worker agreement of judgments.

    Parameters
    ----------
    data : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Judgments (as in :func:`report`).
    output : {"pandas", "arrow", "polars"}
        The type returned.

    Returns
    -------
    pandas.DataFrame or pyarrow.Table or polars.DataFrame
        One row per worker in first-appearance order: ``worker``, ``judgments``,
        ``shared_judgments``, ``peer_agreement`` and ``consensus_agreement`` (null when
        the worker shares no item), ``mv_agreement`` (agreement with majority vote).
    """
    _check_output(output)
    return _convert(_native.worker_agreement_table(_frames.build(data).matrix), output)
