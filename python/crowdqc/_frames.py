"""Input and output conversion between Python data frames and the native module.

Inputs: pandas DataFrames (converted to Arrow by pyarrow, only the three columns
used), anything exporting ``__arrow_c_stream__`` (pyarrow Table/RecordBatchReader,
polars DataFrame, ...; read without copying) and numpy arrays of shape ``(n, 3)``.
Outputs are pandas objects indexed by the caller's ids, in their input type.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _errors
from ._native import Matrix, Model

ITEM_ALIASES = ("task", "item")
WORKER_ALIASES = ("worker", "performer", "annotator")
LABEL_ALIASES = ("label",)
GOLD_LABEL_ALIASES = ("true_label", "label", "gold")


def _columns_of(data: Any) -> list[str]:
    if isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return list(data.schema.names)
    cols = getattr(data, "columns", None)
    if cols is not None:
        return [str(c) for c in cols]
    return list(Matrix.schema_names(data))


def _pick(found: Sequence[str], wanted: str, aliases: Sequence[str]) -> str:
    for name in aliases:
        if name in found:
            return name
    raise _errors.MissingColumnError(
        f"missing column `{wanted}`: tried {', '.join(aliases)}; found columns "
        f"[{', '.join(found)}]; rename the column to one of the names tried"
    )


class Columns(NamedTuple):
    """The names of the item, worker and label columns of an input."""

    item: str
    worker: str
    label: str


def resolve_columns(data: Any) -> Columns:
    """Find the item, worker and label columns of ``data`` by their aliases."""
    found = _columns_of(data)
    return Columns(
        _pick(found, "task", ITEM_ALIASES),
        _pick(found, "worker", WORKER_ALIASES),
        _pick(found, "label", LABEL_ALIASES),
    )


def _pandas_to_arrow(df: pd.DataFrame, columns: Sequence[str]) -> pa.Table:
    try:
        return pa.Table.from_pandas(df[list(columns)], preserve_index=False)
    except (pa.ArrowTypeError, pa.ArrowInvalid) as e:
        bad = next((c for c in columns if df[c].dtype == object and _mixed(df[c])), None)
        where = f"column `{bad}`" if bad is not None else "a column"
        raise _errors.SchemaError(
            f"{where} mixes value types ({e}); use one type per column, e.g. "
            f"df[{bad!r}].astype(str)"
        ) from None


def _mixed(s: pd.Series) -> bool:
    types = {type(v) for v in s.dropna().head(100_000)}
    return len(types) > 1


def _numpy_to_arrow(a: np.ndarray) -> pa.Table:
    if a.ndim != 2 or a.shape[1] != 3:
        raise _errors.InvalidParameterError(
            f"a numpy array input must have shape (n, 3) with columns task, worker, "
            f"label; got shape {a.shape}"
        )
    return pa.table({"task": a[:, 0], "worker": a[:, 1], "label": a[:, 2]})


def to_arrow(data: Any, columns: Optional[Columns] = None) -> Any:
    """An Arrow C stream source with (at least) the judgment columns of ``data``."""
    if isinstance(data, np.ndarray):
        return _numpy_to_arrow(data)
    if isinstance(data, pd.DataFrame):
        cols = columns or resolve_columns(data)
        return _pandas_to_arrow(data, cols)
    if hasattr(data, "__arrow_c_stream__"):
        return data
    raise TypeError(
        "data must be a pandas DataFrame, an object with __arrow_c_stream__ (pyarrow "
        f"Table, polars DataFrame, ...) or a numpy array of shape (n, 3); got {type(data)}"
    )


def gold_to_arrow(true_labels: Any) -> pa.Table:
    """Gold labels (a Series indexed by task, or a frame with task/label columns)."""
    if isinstance(true_labels, pd.Series):
        df = pd.DataFrame({"task": true_labels.index, "label": true_labels.to_numpy()})
        return _pandas_to_arrow(df, ["task", "label"])
    if isinstance(true_labels, dict):
        return gold_to_arrow(pd.Series(true_labels))
    return to_arrow(true_labels)


class Data:
    """A built matrix, the input's label dtype, and its id indexes (built once)."""

    def __init__(self, matrix: Matrix, label_dtype: Any) -> None:
        self.matrix = matrix
        self.label_dtype = label_dtype
        self._cache: dict[str, pd.Index] = {}

    def index(self, what: str) -> pd.Index:
        """The ``task``, ``worker`` or ``label`` index (cached)."""
        if what not in self._cache:
            self._cache[what] = _build_index(self, what)
        return self._cache[what]


def build(data: Any, true_labels: Any = None) -> Data:
    """Builds the native matrix of ``data`` (and gold ``true_labels``)."""
    label_dtype = None
    cols: Optional[Columns] = None
    if isinstance(data, pd.DataFrame):
        cols = resolve_columns(data)
        label_dtype = data[cols.label].dtype
    source = to_arrow(data, cols)
    gold = None if true_labels is None else gold_to_arrow(true_labels)
    if cols is None:
        cols = resolve_columns(source)
    m = Matrix.from_arrow(source, gold, item=cols.item, worker=cols.worker, label=cols.label)
    return Data(m, label_dtype)


def _index(arr: pa.Array, name: str) -> pd.Index:
    return pd.Index(arr.to_pandas(), name=name)


def _build_index(d: Data, what: str) -> pd.Index:
    if what == "task":
        return _index(d.matrix.items(), "task")
    if what == "worker":
        return _index(d.matrix.workers(), "worker")
    idx = _index(d.matrix.classes(), "label")
    dt = d.label_dtype
    if dt is not None and pd.api.types.is_bool_dtype(dt):
        return pd.Index([v in ("true", "True", 1, True) for v in idx], name="label")
    if dt is not None and pd.api.types.is_float_dtype(dt) and not pd.api.types.is_float_dtype(idx):
        return pd.Index(idx.astype(np.float64), name="label")
    return idx


def items(d: Data) -> pd.Index:
    """Task ids in first-appearance order."""
    return d.index("task")


def workers(d: Data) -> pd.Index:
    """Worker ids in first-appearance order."""
    return d.index("worker")


def classes(d: Data) -> pd.Index:
    """Labels in class order, converted back to the input label dtype when possible."""
    return d.index("label")


def numbers(arr: pa.Array) -> np.ndarray:
    """A float64 numpy array over a pyarrow array (zero-copy when possible)."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)


def probas_frame(d: Data, model: Model) -> pd.DataFrame:
    """The ``tasks x labels`` posterior frame of a fitted native model.

    A vote over very many classes keeps its posteriors sparsely (the dense table would
    not fit in memory); its frame then has pandas sparse columns (fill value 0), built
    from the non-zero posteriors only.
    """
    m = d.matrix
    if model.has_dense_posteriors():
        values = numbers(model.posteriors()).reshape(m.n_items, m.n_classes)
        return pd.DataFrame(values, index=items(d), columns=classes(d))
    return _sparse_probas(d, model)


def _sparse_array(values: np.ndarray, indices: np.ndarray, length: int) -> Any:
    """A float SparseArray (fill 0) from its non-zero values, for pandas 1.5 to 3."""
    from_indices = getattr(pd.arrays.SparseArray, "from_indices", None)
    if from_indices is not None:
        return from_indices(values, indices, length, fill_value=0.0)
    from pandas._libs.sparse import IntIndex

    return pd.arrays.SparseArray(
        values, sparse_index=IntIndex(length, indices.astype(np.int32)), fill_value=0.0
    )


def _sparse_probas(d: Data, model: Model) -> pd.DataFrame:
    """Sparse-column posterior frame; an item without judgment is uniform."""
    m = d.matrix
    n, k = m.n_items, m.n_classes
    it, cl, val = (np.asarray(a.to_numpy(zero_copy_only=False)) for a in model.sparse_posteriors())
    order = np.argsort(cl, kind="stable")  # item-major input: items stay ascending
    it, cl, val = it[order].astype(np.int64), cl[order], val[order]
    bounds = np.searchsorted(cl, np.arange(k + 1))
    empty = np.setdiff1d(np.arange(n, dtype=np.int64), it)
    uniform = np.full(len(empty), 1.0 / k)
    columns = {}
    for c in range(k):
        idx, v = it[bounds[c] : bounds[c + 1]], val[bounds[c] : bounds[c + 1]]
        if len(empty):
            idx, v = np.concatenate([idx, empty]), np.concatenate([v, uniform])
            by = np.argsort(idx, kind="stable")
            idx, v = idx[by], v[by]
        columns[c] = _sparse_array(v, idx, n)
    frame = pd.DataFrame(columns, index=items(d), copy=False)
    frame.columns = classes(d)
    return frame


def labels_series(d: Data, codes: pa.Array) -> pd.Series:
    """``agg_label`` Series indexed by task from class indices."""
    cls = classes(d)
    idx = np.asarray(codes.to_numpy(zero_copy_only=False), dtype=np.int64)
    return pd.Series(cls.take(idx), index=items(d), name="agg_label")


def worker_series(d: Data, arr: pa.Array, name: str) -> pd.Series:
    """A per-worker Series named ``name`` indexed by worker."""
    return pd.Series(numbers(arr), index=workers(d), name=name)


def observed_pairs(d: Data) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(worker index, class index)`` pairs of the judgments, sorted."""
    w, c = d.matrix.observed_pairs()
    return (
        np.asarray(w.to_numpy(), dtype=np.int64),
        np.asarray(c.to_numpy(), dtype=np.int64),
    )
