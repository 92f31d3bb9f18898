"""Shards resident in Ray actors: loading, global dictionaries, calls with shard errors.

One actor per shard holds the shard's judgments (read with crowdqc's own Parquet
reader, coded with the global sorted dictionaries) for its whole life; the driver only
sends parameters and receives sufficient statistics, both as byte buffers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _errors, _native
from ._dist_partition import Partition


class ShardError(RuntimeError):
    """A shard's actor died or could not run (no Python exception of its own).

    Attributes
    ----------
    shard : int
        Index of the shard.
    files : tuple of str
        The shard's judgment files.
    """

    def __init__(self, message: str, shard: int, files: Sequence[str]) -> None:
        super().__init__(message)
        self.shard = shard
        self.files = tuple(files)

    def __reduce__(self) -> Any:
        return (type(self), (self.args[0], self.shard, self.files))


class _ShardActor:
    """The body of a shard actor (wrapped with ``ray.remote`` at run time)."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.shard: Any = None

    def load(self, files: list[str], gold_files: Optional[list[str]]) -> Any:
        """Reads the files (replacing any data held); returns the shard's sorted unique
        (items, workers, labels)."""
        self.shard = None
        self.shard = _native.DistShard.read(files, gold_files)
        return self.shard.ids()

    def call(self, method: str, *args: Any) -> Any:
        """Calls ``method`` of the native shard."""
        return getattr(self.shard, method)(*args)

    def timed(self, method: str, *args: Any) -> tuple[Any, float, float]:
        """Calls ``method`` of the native shard; returns ``(result, wall seconds, CPU
        seconds of the process)`` measured inside the actor (for the cost model:
        compute without Ray's overhead; CPU time is robust to a loaded machine)."""
        t, c = time.perf_counter(), time.process_time()
        out = getattr(self.shard, method)(*args)
        return out, time.perf_counter() - t, time.process_time() - c

    def pid(self) -> int:
        """The actor's process id (for tests and diagnostics)."""
        return os.getpid()


Files = Union[Partition, str, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]]


def _partition(files: Files, gold_files: Optional[Sequence[Any]]) -> tuple[list, Optional[list]]:
    if isinstance(files, Partition):
        p = files
    elif isinstance(files, (str, os.PathLike)) and Path(files).is_dir():
        p = Partition.open(files)
    elif isinstance(files, (str, os.PathLike)):
        return [[os.fspath(files)]], None if gold_files is None else [[os.fspath(gold_files[0])]]
    else:
        shards = [[os.fspath(f)] for f in files]
        gold = None if gold_files is None else [[os.fspath(f)] for f in gold_files]
        if gold is not None and len(gold) != len(shards):
            raise _errors.InvalidParameterError(
                f"gold_files has {len(gold)} entries for {len(shards)} shards; give one "
                "gold file per shard, partitioned the same way"
            )
        return shards, gold
    shards = [[os.fspath(f)] for f in p.files]
    gold = None if p.gold_files is None else [[os.fspath(f)] for f in p.gold_files]
    return shards, gold


class RayShards:
    """Judgments partitioned by item, one shard resident in each of a set of Ray actors.

    Each actor reads its shard's Parquet file(s) with crowdqc's reader once; the
    driver merges the shards' sorted id sets into global dictionaries (independent of
    the partitioning) and refuses data not partitioned by item. The estimators of
    :mod:`crowdqc.distributed` then run over the resident shards.

    Parameters
    ----------
    files : Partition, directory, file or sequence of files
        What :func:`partition_by_item` returned, its directory, or one file per shard
        (columns ``item``/``task``, ``worker``, ``label``).
    gold_files : sequence of files, optional
        One gold file per shard (``item``, ``label``), partitioned the same way; taken
        from the partition when it has gold.
    actor_options : dict, optional
        Options of every actor (``ray.remote`` options such as ``num_cpus``,
        ``memory``, ``scheduling_strategy``). By default an actor reserves no CPU, so
        any number fit on a small cluster; on a real cluster give ``num_cpus``.

    Raises
    ------
    crowdqc.InvalidParameterError
        Ray is not initialised, or no files.
    crowdqc.ParseError
        An item is in two shards (the data are not partitioned by item); the message
        names the item and the two shards.
    Exception
        A shard's own error (unreadable file, missing column, ...), with a note naming
        the shard and its files; :class:`ShardError` when its actor died.
    """

    def __init__(
        self,
        files: Files,
        gold_files: Optional[Sequence[Any]] = None,
        actor_options: Optional[dict] = None,
    ) -> None:
        import ray

        if not ray.is_initialized():
            raise _errors.InvalidParameterError(
                "Ray is not initialised: call ray.init() (or ray.init(address=...) to join "
                "a cluster) before loading shards"
            )
        shards, gold = _partition(files, gold_files)
        if not shards:
            raise _errors.InvalidParameterError("files is empty: give at least one shard")
        self._actors: list[Any] = []
        remote = ray.remote(_ShardActor)
        opts = {"num_cpus": 0, **(actor_options or {})}
        self._actors = [remote.options(**opts).remote(i) for i in range(len(shards))]
        try:
            self._load(shards, gold)
        except BaseException:
            self.close()
            raise

    def reload(self, files: Files, gold_files: Optional[Sequence[Any]] = None) -> None:
        """Replace the shards' data with other files, keeping the actors (no process
        start-up): one file per actor, the same checks as loading.

        Parameters
        ----------
        files : Partition, directory or sequence of files
            One file per shard; their number must equal :attr:`n_shards`.
        gold_files : sequence of files, optional
            One gold file per shard.

        Raises
        ------
        crowdqc.InvalidParameterError
            A different number of files.
        """
        if not self._actors:
            raise _errors.InvalidParameterError("these shards are closed: load them again")
        shards, gold = _partition(files, gold_files)
        if len(shards) != len(self._actors):
            raise _errors.InvalidParameterError(
                f"reload needs one file per actor ({len(self._actors)}), got {len(shards)}; "
                "start new RayShards for another shard count"
            )
        self._load(shards, gold)

    def _load(self, shards: list, gold: Optional[list]) -> None:
        import ray

        self._files = shards
        self._loaded = False
        ids = self._gather(
            [
                a.load.remote(f, None if gold is None else gold[i])
                for i, (a, f) in enumerate(zip(self._actors, shards))
            ]
        )
        g = _native.dist_global_ids(ids)
        shard_of, row = g.item_order()
        item_order = (
            np.asarray(shard_of.to_numpy(), dtype=np.int64),
            np.asarray(row.to_numpy(), dtype=np.int64),
        )
        ref = ray.put(g.to_batches())
        sizes = self._gather([a.call.remote("build", ref) for a in self._actors])
        self._global = g
        self._item_order = item_order
        self.n_items: int = g.n_items
        self.n_workers: int = g.n_workers
        self.n_classes: int = g.n_classes
        self.shard_sizes: list[int] = [int(s) for s in sizes]
        self.n_judgments: int = int(sum(sizes))
        self._loaded = True

    @property
    def n_shards(self) -> int:
        """Number of shards (actors)."""
        return len(self._actors)

    def workers(self) -> Any:
        """Worker ids in global code order (sorted), as a pyarrow array."""
        return self._global.workers()

    def classes(self) -> Any:
        """Labels in class order, as a pyarrow array."""
        return self._global.labels()

    def map(self, method: str, *args: Any) -> list[Any]:
        """Calls native shard ``method`` on every shard; results in shard order.

        Object references in ``args`` (``ray.put``) reach the actors through Ray's
        object store. A failing shard raises its own error (see the class docs).
        """
        self._check_open()
        return self._gather([a.call.remote(method, *args) for a in self._actors])

    def map_timed(self, method: str, *args: Any) -> list[tuple[Any, float, float]]:
        """As :meth:`map`, with the wall and CPU seconds each actor spent in ``method``."""
        self._check_open()
        return self._gather([a.timed.remote(method, *args) for a in self._actors])

    def _gather(self, refs: list[Any]) -> list[Any]:
        import ray
        from ray.exceptions import RayActorError, RayTaskError

        # wait for every shard, then report the lowest failing one (deterministic)
        ray.wait(refs, num_returns=len(refs))
        out = []
        for i, ref in enumerate(refs):
            files = [f for fs in self._files[i : i + 1] for f in fs]
            where = f"shard {i} of {len(refs)} ({', '.join(files)})"
            try:
                out.append(ray.get(ref))
            except RayTaskError as e:
                cause = e.cause if isinstance(e.cause, BaseException) else None
                if cause is None:
                    raise ShardError(f"{where} failed: {e}", i, files) from e
                if hasattr(cause, "add_note"):
                    cause.add_note(f"raised by {where}")
                elif cause.args and isinstance(cause.args[0], str):
                    cause.args = (f"{where}: {cause.args[0]}", *cause.args[1:])
                raise cause from e
            except RayActorError as e:
                raise ShardError(f"{where}: its actor died: {e}", i, files) from e
        return out

    def _check_open(self) -> None:
        if not self._actors:
            raise _errors.InvalidParameterError("these shards are closed: load them again")
        if not getattr(self, "_loaded", False):
            raise _errors.InvalidParameterError(
                "the last load of these shards failed: reload them before fitting"
            )

    def close(self) -> None:
        """Stops the actors and frees their memory (also on ``with`` exit)."""
        import ray

        for a in self._actors:
            ray.kill(a)
        self._actors = []

    def __enter__(self) -> RayShards:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"RayShards(n_shards={self.n_shards}, n_judgments={getattr(self, 'n_judgments', 0)}, "
            f"n_items={getattr(self, 'n_items', 0)}, n_workers={getattr(self, 'n_workers', 0)})"
        )


def check_shards(shards: object) -> RayShards:
    """``shards`` if it is a :class:`RayShards`, else a ``TypeError`` saying what to pass."""
    if not isinstance(shards, RayShards):
        raise TypeError(
            "this takes a crowdqc.distributed.RayShards (the loaded shards); got "
            f"{type(shards).__name__}: load them with RayShards(partition_by_item(...))"
        )
    return shards


def worker_index(shards: RayShards) -> pd.Index:
    """The worker ids of the global dictionary (sorted), as a pandas Index."""
    return pd.Index(shards.workers().to_pandas(), name="worker")
