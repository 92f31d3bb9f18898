"""Numeric and ordinal ratings: one score per item, worker bias, ICC and Kendall's W.

:func:`aggregate` turns ratings ``(item, worker, rating)`` - a 1-5 quality score, a
0-100 slider, an ordinal level - into one score per item with a standard error, and
each worker's bias, residual variance and (for CATD, CRH, LFC) weight.
:func:`agreement` gives the intraclass correlation in the six Shrout-Fleiss forms (F
tests and intervals as ``psych::ICC`` / ``pingouin.intraclass_corr``), ICC(1,1) from
every rating (for workers who rate different items) and Kendall's W with the tie
correction.

Columns are found by name: ``task`` or ``item``; ``worker``, ``performer`` or
``annotator``; ``rating``, ``label`` or ``score`` (or pass ``item=``, ``worker=``,
``rating=``). Ratings are numbers (integer, float, or text that parses as a number);
with ``levels=[...]`` they are ordinal labels read as their 0-based rank.

All the statistics are computed by the Rust library ``crowdqc-ratings``; this module
converts inputs and outputs only. The work runs with the GIL released and stops on
Ctrl-C.

Examples
--------
>>> import pandas as pd
>>> import crowdqc.ratings as rt
>>> df = pd.DataFrame({"task": ["a", "a", "b", "b"], "worker": ["w1", "w2"] * 2,
...                    "rating": [1, 2, 4, 5]})
>>> rt.aggregate(df).items["score"].tolist()
[1.5, 4.5]
>>> round(rt.agreement(df).icc["ICC1"].value, 4)
0.8947
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _errors, _frames, _native
from ._tables import TableResult
from ._tables import check_output as _check_output
from ._tables import convert as _convert

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

_Output = Literal["pandas", "arrow", "polars"]
_Method = Literal["mean", "median", "trimmed-mean", "catd", "crh", "lfc"]
_Duplicates = Literal["keep-all", "first", "last", "error"]

RATING_ALIASES = ("rating", "label", "score")
"""Names tried, in order, for the rating column."""


def _source(
    data: Any, item: Optional[str], worker: Optional[str], rating: Optional[str]
) -> tuple[Any, str, str, str]:
    """An Arrow C stream source of ``data`` and its item, worker and rating columns."""
    if isinstance(data, np.ndarray):
        if data.ndim != 2 or data.shape[1] != 3:
            raise _errors.InvalidParameterError(
                "a numpy array input must have shape (n, 3) with columns item, worker, "
                f"rating; got shape {data.shape}"
            )
        data = pd.DataFrame({"item": data[:, 0], "worker": data[:, 1], "rating": data[:, 2]})
    elif not isinstance(data, pd.DataFrame) and not hasattr(data, "__arrow_c_stream__"):
        raise TypeError(
            "data must be a pandas DataFrame, an object with __arrow_c_stream__ (pyarrow "
            f"Table, polars DataFrame, ...) or a numpy array of shape (n, 3); got {type(data)}"
        )
    found = _frames._columns_of(data)
    cols = (
        item or _frames._pick(found, "item", _frames.ITEM_ALIASES),
        worker or _frames._pick(found, "worker", _frames.WORKER_ALIASES),
        rating or _frames._pick(found, "rating", RATING_ALIASES),
    )
    absent = [c for c in (item, worker, rating) if c is not None and c not in found]
    if absent:
        raise _errors.MissingColumnError(
            f"missing column `{absent[0]}`; found columns [{', '.join(found)}]; pass the "
            "name of an existing column"
        )
    if isinstance(data, pd.DataFrame):
        values = data[cols[2]]
        if values.dtype == object and _frames._mixed(values):
            # numbers and text in one column: read every value as text (nulls kept) so
            # the library names a value that is not a number and its row
            data = data[list(cols)].assign(**{cols[2]: values.astype("string")})
        data = _frames._pandas_to_arrow(data, cols)
    return data, cols[0], cols[1], cols[2]


def _levels(levels: Optional[Sequence[Any]]) -> Optional[list[str]]:
    if levels is None:
        return None
    if isinstance(levels, str):
        raise _errors.InvalidParameterError(
            f"parameter `levels` must be a sequence of labels, lowest first, got the "
            f"string {levels!r}; e.g. levels=['low', 'mid', 'high']"
        )
    return [str(v) for v in levels]


@dataclass(frozen=True)
class RatingAggregation:
    """Aggregated ratings: one score per item and per-worker residual statistics.

    Attributes
    ----------
    items : DataFrame (or pyarrow/polars table)
        One row per item in first-appearance order: ``item`` (input type), ``score``
        (on the rating scale; ranks for an ordinal scale), ``std_error`` (null with one
        rating), ``n_ratings``.
    workers : DataFrame (or pyarrow/polars table)
        One row per worker in first-appearance order: ``worker``, ``n_ratings``,
        ``bias`` (mean of rating - score), ``variance`` (of the residuals, null with one
        rating), ``rmse``, ``mae``, ``weight`` (CATD, CRH, LFC; null otherwise).
    method : str
        The method used.
    iterations : int
        Iterations run (0 for mean, median, trimmed-mean).
    converged : bool
        Whether the iteration met ``tol`` (always True for the non-iterative methods).
    n_items, n_workers, n_ratings : int
        Sizes of the input after the duplicate policy.
    ingest : dict
        Rows read, ratings kept and duplicates (``duplicate_pairs``,
        ``duplicate_extra_rows``, ``conflicting_duplicate_pairs``,
        ``dropped_duplicate_rows``, ``duplicate_policy``).
    """

    items: Any = field(repr=False)
    workers: Any = field(repr=False)
    method: str
    iterations: int
    converged: bool
    n_items: int
    n_workers: int
    n_ratings: int
    ingest: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class IccForm:
    """One ICC form with its F test and confidence interval.

    Attributes
    ----------
    form : str
        ``ICC1``, ``ICC2``, ``ICC3``, ``ICC1k``, ``ICC2k``, ``ICC3k`` (psych/pingouin
        names) or ``ICC1u`` (ICC(1,1) from every rating).
    shrout_fleiss : str
        Shrout-Fleiss notation, e.g. ``ICC(2,1)``.
    description : str
        McGraw-Wong description.
    value : float or None
        The coefficient; None when undefined (see ``undefined``).
    f : float or None
        F statistic of the test of ICC = 0.
    df1, df2 : float
        Its degrees of freedom.
    p_value : float or None
        Upper-tail p-value of ``f``.
    ci_low, ci_high : float or None
        The F-based confidence interval.
    undefined : str or None
        Why the value is undefined.
    """

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
    """Kendall's coefficient of concordance with Friedman's chi-squared test.

    Attributes
    ----------
    n_items, n_items_dropped, n_raters : int
        Items ranked (rated by every worker), items dropped, raters.
    w : float or None
        W with the tie correction (pingouin's ``W``).
    w_uncorrected : float or None
        W without the tie correction.
    chi2 : float or None
        Friedman's chi-squared (pingouin's ``Q``).
    df : float
        Its degrees of freedom, ``n_items - 1``.
    p_value : float or None
        Upper-tail p-value of ``chi2``.
    undefined : str or None
        Why W is undefined.
    """

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
    """Kendall's W generalised to incomplete designs (Brueckl 2011, R's
    ``irrNA::kendallNA``): the weighted mean Spearman correlation of every pair of
    raters over the items both rated, turned into ``W = (1 + rho (k - 1)) / k``.

    Reported when the complete-block W had to drop items (workers did not all rate
    every item).

    Attributes
    ----------
    n_items, n_raters : int
        Items (all of them) and raters used (workers with at least two ratings).
    rater_pairs : int
        Rater pairs sharing at least two items.
    mean_rho : float or None
        Mean pairwise Spearman rho, weighted by common items minus one.
    mean_k : float
        Mean number of ratings per item.
    w, chi2 : float or None
        W and ``chi2 = k (N - 1) W``.
    df : float
        ``N - 1``.
    p_value : float or None
        Upper-tail p-value of ``chi2``.
    undefined : str or None
        Why W is undefined.
    """

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
    """The two-way ANOVA (items x raters) behind the ICC forms.

    Attributes
    ----------
    msr, msc, mse, msw : float
        Between items, between raters, residual, within items.
    """

    msr: float
    msc: float
    mse: float
    msw: float


@dataclass(frozen=True)
class RatingAgreement(TableResult):
    """ICC (six forms and ICC(1,1) from every rating) and Kendall's W.

    The six forms and W use the items rated by every worker (listwise deletion, as
    psych and pingouin); ``all_ratings`` uses every rating. Convert with
    :meth:`to_pandas` (indexed by ``statistic``), :meth:`to_arrow` or :meth:`to_polars`:
    one row per statistic (``ICC1`` ... ``ICC3k``, ``ICC1u``, ``kendall_w``) with
    ``value``, ``ci_low``, ``ci_high``, ``statistic_value`` (F or chi-squared), ``df1``,
    ``df2``, ``p_value``, ``undefined``.

    Attributes
    ----------
    icc : dict of str to IccForm
        The six forms by psych name, in the order ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k.
    all_ratings : IccForm
        ICC(1,1) from every rating (one-way ANOVA with unequal group sizes).
    kendall_w : KendallW
        Kendall's W.
    kendall_w_incomplete : KendallWIncomplete or None
        Kendall's W from every rating when workers did not all rate every item.
    mean_squares : MeanSquares or None
        The ANOVA (None with fewer than two complete items or raters).
    n_items_used, n_items_dropped, n_raters : int
        Complete items used by the six forms, items dropped, raters.
    confidence : float
        Confidence level of the intervals.
    n_items, n_workers, n_ratings : int
        Sizes of the input after the duplicate policy.
    ingest : dict
        Rows read, ratings kept and duplicates (as :class:`RatingAggregation`).
    """

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
    ingest: dict[str, Any] = field(repr=False)
    _table: pa.RecordBatch = field(repr=False, compare=False)

    def form(self, name: str) -> IccForm:
        """The ICC form ``name``: ``ICC1`` ... ``ICC3k``, ``ICC(1,1)`` ... ``ICC(3,k)``,
        or ``ICC1u`` (:attr:`all_ratings`).

        Raises
        ------
        KeyError
            An unknown name (the message lists the names).
        """
        for f in (*self.icc.values(), self.all_ratings):
            if name in (f.form, f.shrout_fleiss):
                return f
        raise KeyError(f"no ICC form {name!r}; one of {[*self.icc, 'ICC1u']}")

    def to_pandas(self) -> pd.DataFrame:
        """The statistics as a DataFrame indexed by ``statistic``."""
        return self._table.to_pandas().set_index("statistic")


def aggregate(
    data: Any,
    method: _Method = "mean",
    *,
    trim: float = 0.1,
    max_iter: int = 100,
    tol: float = 1e-6,
    alpha: float = 0.05,
    levels: Optional[Sequence[Any]] = None,
    duplicates: _Duplicates = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    rating: Optional[str] = None,
    output: _Output = "pandas",
) -> RatingAggregation:
    """One score per item from numeric or ordinal ratings.

    Parameters
    ----------
    data : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Ratings with item, worker and rating columns (see the module docs); a numpy
        array of shape ``(n, 3)`` is read as item, worker, rating.
    method : {"mean", "median", "trimmed-mean", "catd", "crh", "lfc"}
        ``mean``/``median``; ``trimmed-mean`` (scipy's ``trim_mean``); ``catd`` (Li et
        al., PVLDB 2014); ``crh`` (Li et al., SIGMOD 2014, also ``pm-crh``); ``lfc``
        (Raykar et al., JMLR 2010, continuous labels).
    trim : float
        Share cut from each end by ``trimmed-mean``, in [0, 0.5).
    max_iter : int
        Maximum iterations of catd, crh, lfc (>= 1).
    tol : float
        Convergence tolerance of catd, crh, lfc: the sum over items of the squared
        change of the scores.
    alpha : float
        CATD's significance level, in (0, 1).
    levels : sequence, optional
        Ordinal scale: the rating labels, lowest first (read as ranks 0, 1, ...).
        Default: ratings are numbers.
    duplicates : {"keep-all", "first", "last", "error"}
        Repeated ``(item, worker)`` pairs.
    item, worker, rating : str, optional
        Column names (default: the aliases of the module docs).
    output : {"pandas", "arrow", "polars"}
        Type of the ``items`` and ``workers`` tables.

    Returns
    -------
    RatingAggregation

    Raises
    ------
    crowdqc.MissingColumnError
        A column is missing (the message lists the names tried).
    crowdqc.InvalidParameterError
        An unknown method or duplicate policy, a setting out of range.
    crowdqc.InvalidValueError
        A rating that is not a number (the message names it and its row), a null id or
        rating, a label outside ``levels``.
    KeyboardInterrupt
        Ctrl-C during the fit.
    """
    _check_output(output)
    source, i, w, r = _source(data, item, worker, rating)
    items, workers, s = _native.ratings_aggregate(
        source,
        method=method,
        trim=trim,
        max_iter=max_iter,
        tol=tol,
        alpha=alpha,
        levels=_levels(levels),
        duplicates=duplicates,
        item=i,
        worker=w,
        label=r,
    )
    return RatingAggregation(items=_convert(items, output), workers=_convert(workers, output), **s)


def agreement(
    data: Any,
    *,
    confidence: float = 0.95,
    levels: Optional[Sequence[Any]] = None,
    duplicates: _Duplicates = "keep-all",
    item: Optional[str] = None,
    worker: Optional[str] = None,
    rating: Optional[str] = None,
) -> RatingAgreement:
    """Intraclass correlation (six forms) and Kendall's W of ratings.

    Parameters
    ----------
    data : pandas.DataFrame, pyarrow.Table, polars.DataFrame or numpy.ndarray
        Ratings (as in :func:`aggregate`).
    confidence : float
        Confidence level of the ICC intervals, in (0, 1).
    levels, duplicates, item, worker, rating
        As in :func:`aggregate`.

    Returns
    -------
    RatingAgreement
        Undefined statistics (a constant rating column, too few complete items) have
        ``value=None`` and a reason, never NaN.

    Raises
    ------
    crowdqc.MissingColumnError
        A column is missing.
    crowdqc.InvalidParameterError
        ``confidence`` outside (0, 1), an unknown duplicate policy.
    crowdqc.InvalidValueError
        A rating that is not a number (the message names it and its row).
    """
    source, i, w, r = _source(data, item, worker, rating)
    table, s = _native.ratings_agreement(
        source,
        confidence=confidence,
        levels=_levels(levels),
        duplicates=duplicates,
        item=i,
        worker=w,
        label=r,
    )
    ms = s.pop("mean_squares")
    kw = s.pop("kendall_w_incomplete")
    return RatingAgreement(
        icc={f["form"]: IccForm(**f) for f in s.pop("forms")},
        all_ratings=IccForm(**s.pop("all_ratings")),
        kendall_w=KendallW(**s.pop("kendall_w")),
        kendall_w_incomplete=None if kw is None else KendallWIncomplete(**kw),
        mean_squares=None if ms is None else MeanSquares(**ms),
        _table=table,
        **s,
    )
