"""Dawid–Skene end to end from pandas: crowd-kit 1.4.2 vs crowdqc, in one process.

For each size (judgments) the same seeded pandas DataFrame (string task and worker
ids, K = 5 classes, redundancy 5, n/1000 workers of random accuracy) is given to
``crowdkit.aggregation.DawidSkene().fit_predict(df)`` and
``crowdqc.aggregation.DawidSkene().fit_predict(df)``; wall times are medians of
``--repeat`` runs and include everything (conversion from pandas, ingest, fit,
building the output Series). Peak memory is the largest resident set size above the
one with the DataFrame loaded, sampled every millisecond during one more crowdqc call
(not a timed one: the sampler takes CPU from the fit), next to the size of crowdqc's
own judgment matrix.

Usage: python benches/python/bench_ds.py [--sizes 1e5 1e6] [--with-1e7] [--repeat 3]
       [--skip-crowdkit-above 2e6]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from typing import Any, Callable

import numpy as np
import pandas as pd

PAGE = 4096


def rss() -> int:
    """Current resident set size in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakRss:
    """Samples the RSS every millisecond while active; ``peak`` is the maximum."""

    def __init__(self) -> None:
        self.peak = rss()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.001)

    def __enter__(self) -> PeakRss:
        self._t.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss())


def make_frame(n: int, k: int = 5, redundancy: int = 5, seed: int = 0) -> pd.DataFrame:
    """Seeded synthetic crowd: n judgments, n/redundancy tasks, n/1000 workers."""
    rng = np.random.default_rng(seed)
    n_tasks = n // redundancy
    n_workers = max(n // 1000, 10)
    truth = rng.integers(0, k, n_tasks)
    acc = rng.uniform(0.5, 0.95, n_workers)
    task = np.repeat(np.arange(n_tasks), redundancy)
    worker = rng.integers(0, n_workers, n)
    correct = rng.random(n) < acc[worker]
    noise = (truth[task] + rng.integers(1, k, n)) % k
    label = np.where(correct, truth[task], noise)
    return pd.DataFrame(
        {
            "task": pd.array([f"t{i}" for i in task], dtype="str"),
            "worker": pd.array([f"w{j}" for j in worker], dtype="str"),
            "label": label.astype(np.int64),
        }
    )


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", nargs="*", type=float, default=[1e5, 1e6])
    ap.add_argument("--with-1e7", action="store_true", help="also run 1e7 judgments")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--skip-crowdkit-above",
        type=float,
        default=float("inf"),
        help="do not run crowd-kit above this many judgments",
    )
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes] + ([10_000_000] if args.with_1e7 else [])

    import crowdqc
    from crowdqc.aggregation import DawidSkene as QDS

    try:
        from crowdkit.aggregation import DawidSkene as CDS
    except ImportError:
        CDS = None

    print(f"crowdqc {crowdqc.__version__}, pandas {pd.__version__}, repeat {args.repeat} (medians)")
    print(
        "| judgments | crowd-kit s | crowdqc s | speed-up | crowdqc peak RSS above frame MB "
        "| matrix MB | ratio | same labels |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        df = make_frame(n)
        # timed without the memory sampler (its 1 ms wake-ups would take CPU from the
        # fit's threads on a small machine), then one more run for the peak memory
        t_q, ours = median_time(lambda df=df: QDS().fit_predict(df), args.repeat)
        base = rss()
        with PeakRss() as mem:
            QDS().fit_predict(df)
        peak = (mem.peak - base) / 1e6
        matrix_mb = crowdqc._frames.build(df).matrix.heap_bytes / 1e6
        if CDS is not None and n <= args.skip_crowdkit_above:
            t_c, theirs = median_time(lambda df=df: CDS().fit_predict(df), args.repeat)
            same = float((theirs.reindex(ours.index) == ours).mean())
            ck, speed, same_s = f"{t_c:.3f}", f"{t_c / t_q:.0f}x", f"{same:.4f}"
        else:
            ck = speed = same_s = "-"
        print(
            f"| {n:.0e} | {ck} | {t_q:.3f} | {speed} | {peak:.0f} | {matrix_mb:.0f} | "
            f"{peak / matrix_mb:.2f} | {same_s} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
