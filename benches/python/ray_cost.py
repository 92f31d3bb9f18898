"""Per-iteration costs of crowdqc.distributed's Dawid–Skene on a local Ray cluster, for
the cost model of docs/distributed.md.

For each size (judgments; K classes, 5 judgments per item, n/1000 workers, integer
ids, drawn from a Dawid–Skene model) and each actor count, the judgments are
partitioned by item and loaded into actors; then, over ``--iters`` EM iterations:

- **E-step per shard**: time inside each actor for ``e_step`` (its own compute, no
  Ray overhead), reported as nanoseconds per judgment;
- **round**: wall time of one E-step round on the driver (``ray.put`` of the
  parameters, every actor's E-step, statistics back);
- **merge**: driver time to merge the shards' statistics (``ds_merge``);
- **M-step**: driver time of ``DsDriver.update`` on merged statistics (M-step,
  objective, stopping rule) minus nothing else.

Separately, the **broadcast** of W × K × K parameters: ``ray.put`` of a
``DsParams`` of W workers plus one no-op actor call per actor that reads it,
minus the same call with a tiny object, for several W.

Prints markdown tables. The machine is shared: the load average is printed first and
last; compare numbers within one run.

Usage: python benches/python/ray_cost.py [--sizes 1e6 1e7] [--actors 1 2 4 8]
       [--k 5] [--iters 3] [--broadcast-workers 1e3 1e4 1e5 1e6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def make_table(n: int, k: int, seed: int = 0) -> pa.Table:
    """n judgments from a Dawid–Skene model: 5 per item, n/1000 workers (≥ 10)."""
    rng = np.random.default_rng(seed)
    n_items = max(n // 5, 1)
    n_workers = max(n // 1000, 10)
    truth = rng.integers(0, k, n_items)
    acc = rng.uniform(0.5, 0.95, n_workers)
    item = np.repeat(np.arange(n_items, dtype=np.int64), 5)[:n]
    worker = rng.integers(0, n_workers, n).astype(np.int64)
    right = rng.random(n) < acc[worker]
    label = np.where(right, truth[item], rng.integers(0, k, n)).astype(np.int64)
    return pa.table({"item": item, "worker": worker, "label": label})


def run_size(n: int, k: int, actors: list[int], iters: int, tmp: Path) -> list[dict]:
    import ray
    from crowdqc import _native
    from crowdqc import distributed as cd

    table = make_table(n, k)
    rows = []
    for a in actors:
        t0 = time.perf_counter()
        part = cd.partition_by_item(table, tmp / f"n{n}-a{a}", a)
        t_part = time.perf_counter() - t0
        t0 = time.perf_counter()
        with cd.RayShards(part) as shards:
            t_load = time.perf_counter() - t0
            driver = _native.DsDriver("ds", iters + 1, 1e-300)
            params = driver.start([_native.ds_merge(shards.map("init_stats"))])
            e_ns, rounds, merges, msteps = [], [], [], []
            for _ in range(iters):
                t0 = time.perf_counter()
                ref = ray.put(params)
                out = shards.map_timed("e_step", ref)
                rounds.append(time.perf_counter() - t0)
                stats = [s for s, _ in out]
                sizes = shards.shard_sizes
                e_ns.extend(dt * 1e9 / max(sz, 1) for (_, dt), sz in zip(out, sizes))
                t0 = time.perf_counter()
                merged = _native.ds_merge(stats)
                merges.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                params = driver.update([merged])
                msteps.append(time.perf_counter() - t0)
                if params is None:
                    break
            rows.append(
                {
                    "n": n,
                    "actors": a,
                    "workers": shards.n_workers,
                    "partition_s": t_part,
                    "load_s": t_load,
                    "estep_ns_per_judgment": statistics.median(e_ns),
                    "round_s": statistics.median(rounds),
                    "merge_ms": statistics.median(merges) * 1e3,
                    "mstep_ms": statistics.median(msteps) * 1e3,
                    "stats_bytes": len(stats[0]),
                    "params_bytes": len(ray.get(ref)),
                }
            )
            print(rows[-1], flush=True)
    return rows


def broadcast(workers: list[int], k: int, n_actors: int) -> list[dict]:
    """Seconds to put W×K×K parameters in the object store and have every actor read
    them, minus the same round trip with a 1-byte object."""
    import ray
    from crowdqc import _native

    @ray.remote(num_cpus=0)
    class Reader:
        def read(self, params: bytes) -> int:
            return len(params)

    readers = [Reader.remote() for _ in range(n_actors)]
    ray.get([r.read.remote(b"x") for r in readers])

    def round_trip(obj: bytes) -> float:
        best = []
        for _ in range(3):
            t0 = time.perf_counter()
            ref = ray.put(obj)
            ray.get([r.read.remote(ref) for r in readers])
            best.append(time.perf_counter() - t0)
        return statistics.median(best)

    base = round_trip(b"x")
    out = []
    for w in workers:
        conf = np.full((w, k, k), 1.0 / k)
        params = _native.ds_params_bytes(w, k, [1.0 / k] * k, conf.ravel().tolist())
        dt = round_trip(params) - base
        out.append({"workers": w, "bytes": len(params), "broadcast_s": dt, "actors": n_actors})
        print(out[-1], flush=True)
    for r in readers:
        ray.kill(r)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1e6])
    ap.add_argument("--actors", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--broadcast-workers", type=float, nargs="+", default=[1e3, 1e4, 1e5, 1e6])
    ap.add_argument("--broadcast-actors", type=int, default=4)
    args = ap.parse_args()

    import ray

    print(f"load average at start: {load()}; cores {os.cpu_count()}")
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for n in args.sizes:
            rows += run_size(int(n), args.k, args.actors, args.iters, Path(tmp))
    b = broadcast([int(w) for w in args.broadcast_workers], args.k, args.broadcast_actors)
    ray.shutdown()
    print()
    print(
        "| judgments | actors | workers | E-step ns/judgment (in actor) | round s | merge ms "
        "| M-step ms | stats B/shard | params B | load s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['n']:.0e} | {r['actors']} | {r['workers']} | {r['estep_ns_per_judgment']:.1f} "
            f"| {r['round_s']:.3f} | {r['merge_ms']:.2f} | {r['mstep_ms']:.2f} "
            f"| {r['stats_bytes']} | {r['params_bytes']} | {r['load_s']:.2f} |"
        )
    print()
    print("| workers W | params bytes | broadcast s (put + read by every actor) | actors |")
    print("|---|---|---|---|")
    for r in b:
        print(f"| {r['workers']:.0e} | {r['bytes']} | {r['broadcast_s']:.4f} | {r['actors']} |")
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()
