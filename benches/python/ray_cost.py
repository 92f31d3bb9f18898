"""Per-iteration costs of crowdqc.distributed's Dawid–Skene on a local Ray cluster, for
the cost model of docs/distributed.md.

For each size (judgments; K classes, 5 judgments per item, n/1000 workers, integer
ids, drawn from a Dawid–Skene model) and each actor count, the judgments are
partitioned by item and loaded into actors; then, over ``--iters`` EM iterations:

- **E-step per shard**: wall and CPU time inside each actor for ``e_step`` (its own compute, no
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
            wall_ns, cpu_ns, rounds, merges, msteps = [], [], [], [], []
            for _ in range(iters):
                t0 = time.perf_counter()
                ref = ray.put(params)
                out = shards.map_timed("e_step", ref)
                rounds.append(time.perf_counter() - t0)
                stats = [o[0] for o in out]
                for (_, wall, cpu), size in zip(out, shards.shard_sizes):
                    wall_ns.append(wall * 1e9 / max(size, 1))
                    cpu_ns.append(cpu * 1e9 / max(size, 1))
                c0 = time.process_time()
                merged = _native.ds_merge(stats)
                merges.append(time.process_time() - c0)
                c0 = time.process_time()
                params = driver.update([merged])
                msteps.append(time.process_time() - c0)
                if params is None:
                    break
            rows.append(
                {
                    "n": n,
                    "actors": a,
                    "workers": shards.n_workers,
                    "partition_s": t_part,
                    "load_s": t_load,
                    "estep_wall_ns": statistics.median(wall_ns),
                    "estep_cpu_ns": statistics.median(cpu_ns),
                    "round_s": statistics.median(rounds),
                    "merge_ms": statistics.median(merges) * 1e3,
                    "mstep_ms": statistics.median(msteps) * 1e3,
                    "stats_bytes": len(stats[0]),
                }
            )
            print(rows[-1], flush=True)
    return rows


def synthetic_stats(w: int, k: int, seed: int) -> bytes:
    """``DsStats`` bytes (the documented little-endian layout) over ``w`` workers with
    random sums, to time merging and the M-step at sizes no local shard reaches."""
    rng = np.random.default_rng(seed)
    head = b"CQDSS\x00\x01\x00" + np.array([w, k, 1000, 5000], dtype="<u8").tobytes()
    scal_i128 = np.zeros((2 + 2 * k, 2), dtype="<i8")
    scal_i128[:, 0] = np.abs(rng.integers(1, 1 << 40, 2 + 2 * k))
    scal_i128[0, 0] = 1 << 40
    scal_i128[1, 0] = -(1 << 50)
    scal_i128[1, 1] = -1
    cells = np.zeros((w * k * k, 2), dtype="<i8")
    cells[:, 0] = rng.integers(0, 1 << 45, w * k * k)
    counts = rng.integers(1, 100, w * k).astype("<u8")
    return head + scal_i128.tobytes() + cells.tobytes() + counts.tobytes()


def driver_costs(workers: list[int], k: int, shards: int) -> list[dict]:
    """Driver CPU time to merge ``shards`` statistics and run one M-step, for W
    workers (synthetic statistics)."""
    from crowdqc import _native

    out = []
    for w in workers:
        stats = [synthetic_stats(w, k, s) for s in range(shards)]
        c0 = time.process_time()
        merged = _native.ds_merge(stats)
        merge = time.process_time() - c0
        driver = _native.DsDriver("ds", 10, 1e-300)
        c0 = time.process_time()
        driver.start([merged])
        mstep = time.process_time() - c0
        cells = w * k * k
        row = {
            "workers": w,
            "stats_bytes": len(stats[0]),
            "merge_ns_per_cell_per_shard": merge * 1e9 / (cells * shards),
            "mstep_ns_per_cell": mstep * 1e9 / cells,
        }
        out.append(row)
        print(row, flush=True)
    return out


def broadcast(workers: list[int], k: int, n_actors: int) -> list[dict]:
    """Seconds to put W×K×K parameters in the object store and have every actor read
    them, minus the same round trip with a 1-byte object."""
    import ray

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
        # DsParams bytes (documented layout): magic, W, K, priors, confusion (f64 LE)
        head = b"CQDSP\x00\x01\x00" + np.array([w, k], dtype="<u8").tobytes()
        params = head + np.full(k + w * k * k, 1.0 / k, dtype="<f8").tobytes()
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
    ap.add_argument("--driver-workers", type=float, nargs="+", default=[1e4, 1e5])
    ap.add_argument("--driver-shards", type=int, default=4)
    args = ap.parse_args()

    import ray

    print(f"load average at start: {load()}; cores {os.cpu_count()}")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # no usage-stats report to the network
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for n in args.sizes:
            rows += run_size(int(n), args.k, args.actors, args.iters, Path(tmp))
    b = broadcast([int(w) for w in args.broadcast_workers], args.k, args.broadcast_actors)
    ray.shutdown()
    d = driver_costs([int(w) for w in args.driver_workers], args.k, args.driver_shards)
    print()
    print(
        "| judgments | actors | workers | E-step CPU ns/judgment | E-step wall ns/judgment "
        "| round s | merge ms (CPU) | M-step ms (CPU) | stats B/shard | load s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['n']:.0e} | {r['actors']} | {r['workers']} | {r['estep_cpu_ns']:.1f} "
            f"| {r['estep_wall_ns']:.1f} | {r['round_s']:.3f} | {r['merge_ms']:.2f} "
            f"| {r['mstep_ms']:.2f} | {r['stats_bytes']} | {r['load_s']:.1f} |"
        )
    print()
    print("| workers W | params bytes | broadcast s (put + read by every actor) | actors |")
    print("|---|---|---|---|")
    for r in b:
        print(f"| {r['workers']:.0e} | {r['bytes']} | {r['broadcast_s']:.4f} | {r['actors']} |")
    print()
    print(
        f"| workers W | stats bytes | merge CPU ns/cell/shard ({args.driver_shards} shards) "
        "| M-step CPU ns/cell |"
    )
    print("|---|---|---|---|")
    for r in d:
        print(
            f"| {r['workers']:.0e} | {r['stats_bytes']} | {r['merge_ns_per_cell_per_shard']:.1f} "
            f"| {r['mstep_ns_per_cell']:.1f} |"
        )
    print(f"\nload average at end: {load()}")


if __name__ == "__main__":
    main()
