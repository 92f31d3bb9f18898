"""Hash-partitioning judgments by item into one Parquet file per shard.

The shard of a judgment is ``splitmix64(fnv1a64(item id text)) % n_shards``
(``crowdqc._native.shard_of``): stable across machines, runs and Python versions,
unlike Python's salted ``hash()``. A manifest ``crowdqc-partition.json`` records the
hash, the shard count and the files, so :class:`crowdqc.distributed.RayShards` can
open the directory again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Union

import numpy as np
import pyarrow as pa

from . import _errors, _frames, _native

MANIFEST = "crowdqc-partition.json"
HASH = "splitmix64(fnv1a64(utf8 text of the item id)) % n_shards"
PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Partition:
    """Judgments written as one Parquet file per shard, partitioned by item.

    Attributes
    ----------
    directory : pathlib.Path
        Where the files are.
    n_shards : int
        Number of shards.
    files : tuple of pathlib.Path
        The judgment file of each shard (columns ``item``, ``worker``, ``label``).
    gold_files : tuple of pathlib.Path, or None
        The gold file of each shard (columns ``item``, ``label``), when gold was given.
    rows : tuple of int
        Judgments per shard.
    """

    directory: Path
    n_shards: int
    files: tuple[Path, ...]
    gold_files: Optional[tuple[Path, ...]]
    rows: tuple[int, ...]

    @classmethod
    def open(cls, directory: PathLike) -> Partition:
        """Read the manifest that :func:`partition_by_item` wrote in ``directory``.

        Parameters
        ----------
        directory : str or os.PathLike
            A directory written by :func:`partition_by_item`.

        Returns
        -------
        Partition
        """
        d = Path(directory)
        path = d / MANIFEST
        try:
            m = json.loads(path.read_text())
        except FileNotFoundError:
            raise _errors.InvalidParameterError(
                f"{path} does not exist: write the shards with "
                "crowdqc.distributed.partition_by_item, or pass the list of files"
            ) from None
        if m.get("hash") != HASH or m.get("version") != 1:
            raise _errors.InvalidParameterError(
                f"{path} was written with another partitioning ({m.get('hash')!r}, "
                f"version {m.get('version')!r}); partition the judgments again"
            )
        gold = m.get("gold_files")
        return cls(
            directory=d,
            n_shards=int(m["n_shards"]),
            files=tuple(d / f for f in m["files"]),
            gold_files=None if gold is None else tuple(d / f for f in gold),
            rows=tuple(int(r) for r in m["rows"]),
        )


def _source_batches(data: Any, batch_rows: int) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """``data`` as a schema and a stream of record batches: Parquet files are streamed
    (one batch in memory at a time), other files are read whole with crowdqc's reader,
    frames and tables are cut into batches."""
    import pyarrow.parquet as pq

    paths: Optional[list] = None
    if isinstance(data, (str, os.PathLike)):
        paths = [data]
    elif isinstance(data, (list, tuple)) and data and isinstance(data[0], (str, os.PathLike)):
        paths = list(data)
    if paths is not None:
        if all(str(p).endswith(".parquet") for p in paths):
            files = [pq.ParquetFile(os.fspath(p)) for p in paths]
            schema = files[0].schema_arrow
            return schema, (b for f in files for b in f.iter_batches(batch_size=batch_rows))
        table = pa.concat_tables([_native.read_table(os.fspath(p)) for p in paths])
    else:
        src = _frames.to_arrow(data)
        if isinstance(src, pa.Table):
            table = src
        elif isinstance(src, pa.RecordBatch):
            table = pa.Table.from_batches([src])
        else:
            table = pa.table(src)
    return table.schema, iter(table.to_batches(max_chunksize=batch_rows))


def _decoded(col: Any) -> Any:
    """A column with dictionary encoding removed (the hash reads plain values)."""
    if pa.types.is_dictionary(col.type):
        return col.cast(col.type.value_type)
    return col


def _select(table: pa.Table, names: Sequence[str], as_names: Sequence[str]) -> pa.Table:
    cols = [_decoded(table.column(n)) for n in names]
    return pa.table(dict(zip(as_names, cols)))


def _columns(table: pa.Table, item: Optional[str], worker: Optional[str], label: Optional[str]):
    found = list(table.schema.names)
    auto = None
    if item is None or worker is None or label is None:
        auto = _frames.resolve_columns(table)
    names = (
        item or auto.item,  # type: ignore[union-attr]
        worker or auto.worker,  # type: ignore[union-attr]
        label or auto.label,  # type: ignore[union-attr]
    )
    for wanted, name in zip(("item", "worker", "label"), names):
        if name not in found:
            raise _errors.MissingColumnError(
                f"missing column `{name}` (the {wanted} column); found columns [{', '.join(found)}]"
            )
    return names


def _split(table: pa.Table, n_shards: int) -> list[pa.Table]:
    """The rows of each shard, in input order within a shard."""
    if table.num_rows == 0:
        return [table] * n_shards
    shard = np.asarray(_native.shard_of(table, "item", n_shards).to_numpy())
    order = np.argsort(shard, kind="stable")
    counts = np.bincount(shard, minlength=n_shards)
    ordered = table.take(pa.array(order))
    out, start = [], 0
    for c in counts:
        out.append(ordered.slice(start, int(c)))
        start += int(c)
    return out


def _gold_table(gold: Any) -> pa.Table:
    src = _frames.gold_to_arrow(gold)
    t = src if isinstance(src, pa.Table) else pa.table(src)
    found = list(t.schema.names)
    item = next((c for c in _frames.ITEM_ALIASES if c in found), None)
    label = next((c for c in _frames.GOLD_LABEL_ALIASES if c in found), None)
    if item is None or label is None:
        raise _errors.MissingColumnError(
            f"gold needs `task`/`item` and `true_label`/`label` columns; found [{', '.join(found)}]"
        )
    return _select(t, (item, label), ("item", "label"))


def partition_by_item(
    data: Any,
    directory: PathLike,
    n_shards: int,
    *,
    gold: Any = None,
    item: Optional[str] = None,
    worker: Optional[str] = None,
    label: Optional[str] = None,
    row_group_size: int = 1 << 20,
) -> Partition:
    """Hash-partition judgments by item into one Parquet file per shard.

    Every judgment of an item lands in the same shard, chosen by a stable hash of the
    item id (``splitmix64(fnv1a64(text)) % n_shards``; integer ids hash as their
    decimal text). Done once; the shards are then loaded by :class:`RayShards`.

    Parameters
    ----------
    data : pandas.DataFrame, pyarrow.Table, polars.DataFrame, str or os.PathLike
        The judgments, or a Parquet/CSV/Arrow IPC file (or a list of them) read with
        crowdqc's reader.
    directory : str or os.PathLike
        Output directory (created; existing shard files are replaced).
    n_shards : int
        Number of shards (≥ 1), usually the number of Ray actors.
    gold : pandas.Series, dict or frame, optional
        Gold labels ``{task: label}`` (or ``task``/``true_label`` columns), partitioned
        the same way into ``gold-*.parquet`` for :func:`gold_score`.
    item, worker, label : str, optional
        Column names; by default found by their aliases (``task``/``item``,
        ``worker``/``performer``/``annotator``, ``label``).
    row_group_size : int
        Rows per Parquet row group, and per batch read: a Parquet input is streamed
        one batch at a time, so partitioning needs memory for one batch, not the data.

    Returns
    -------
    Partition
        The files written (columns renamed to ``item``, ``worker``, ``label``).

    Raises
    ------
    crowdqc.InvalidParameterError
        ``n_shards`` < 1.
    crowdqc.MissingColumnError
        A column is missing.
    crowdqc.InvalidValueError
        A null item id.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from crowdqc.distributed import partition_by_item
    >>> df = pd.DataFrame({"task": ["t1", "t1", "t2"], "worker": ["a", "b", "a"],
    ...                    "label": ["cat", "cat", "dog"]})
    >>> p = partition_by_item(df, tempfile.mkdtemp(), 2)
    >>> p.n_shards, sum(p.rows)
    (2, 3)
    """
    import pyarrow.parquet as pq

    if isinstance(n_shards, bool) or not isinstance(n_shards, (int, np.integer)) or n_shards < 1:
        raise _errors.InvalidParameterError(f"n_shards must be an integer ≥ 1, got {n_shards!r}")
    n_shards = int(n_shards)
    schema, batches = _source_batches(data, row_group_size)
    names = _columns(schema.empty_table(), item, worker, label)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(n_shards - 1)))
    files = [f"shard-{s:0{width}d}-of-{n_shards:0{width}d}.parquet" for s in range(n_shards)]
    writers: list[Any] = [None] * n_shards
    rows = [0] * n_shards
    first: Optional[pa.Table] = None
    try:
        for batch in batches:
            table = _select(pa.Table.from_batches([batch]), names, ("item", "worker", "label"))
            first = table.slice(0, 0) if first is None else first
            for s, part in enumerate(_split(table, n_shards)):
                if part.num_rows == 0:
                    continue
                if writers[s] is None:
                    writers[s] = pq.ParquetWriter(out / files[s], part.schema)
                writers[s].write_table(part, row_group_size=row_group_size)
                rows[s] += part.num_rows
    finally:
        for w in writers:
            if w is not None:
                w.close()
    if first is None:
        first = _select(schema.empty_table(), names, ("item", "worker", "label"))
    for s in range(n_shards):
        if writers[s] is None:  # an empty shard still gets its file
            pq.write_table(first, out / files[s])
    gold_files = None
    if gold is not None:
        gold_files = []
        for s, part in enumerate(_split(_gold_table(gold), n_shards)):
            name = f"gold-{s:0{width}d}-of-{n_shards:0{width}d}.parquet"
            pq.write_table(part, out / name)
            gold_files.append(name)
    manifest = {
        "version": 1,
        "hash": HASH,
        "n_shards": n_shards,
        "files": files,
        "gold_files": gold_files,
        "rows": rows,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return Partition.open(out)
