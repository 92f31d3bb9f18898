"""Runtime behaviour: Ctrl-C during a fit, Rust panics, the GIL."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from crowdqc import _native

INTERRUPT = textwrap.dedent(
    """
    import os, signal, threading, time
    import numpy as np, pandas as pd
    from crowdqc.aggregation import MACE

    rng = np.random.default_rng(0)
    n = 20000
    df = pd.DataFrame({"task": rng.integers(0, n // 5, n), "worker": rng.integers(0, 50, n),
                       "label": rng.integers(0, 4, n)})
    threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    t0 = time.perf_counter()
    try:
        MACE(n_restarts=10000, n_iter=1000).fit(df)
        print("finished", time.perf_counter() - t0)
    except KeyboardInterrupt:
        print("interrupted", time.perf_counter() - t0 - 1.0)
    """
)


def test_ctrl_c_interrupts_a_long_fit_within_a_second() -> None:
    out = subprocess.run(
        [sys.executable, "-c", INTERRUPT], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    word, seconds = out.stdout.split()
    assert word == "interrupted", out.stdout
    assert float(seconds) < 1.0


def test_rust_panic_is_a_python_exception() -> None:
    with pytest.raises(BaseException, match="crowdqc panicked.*boom") as e:
        _native._panic_for_tests("boom")
    assert type(e.value).__name__ == "PanicException"


def test_fit_releases_the_gil() -> None:
    import threading
    import time

    import numpy as np
    import pandas as pd
    from crowdqc.aggregation import MACE

    rng = np.random.default_rng(1)
    n = 20000
    df = pd.DataFrame(
        {
            "task": rng.integers(0, n // 5, n),
            "worker": rng.integers(0, 50, n),
            "label": rng.integers(0, 4, n),
        }
    )
    t = threading.Thread(target=lambda: MACE(n_restarts=20, n_iter=200).fit(df))
    t0 = time.perf_counter()
    t.start()
    spins = 0
    while t.is_alive():
        spins += 1
    elapsed = time.perf_counter() - t0
    t.join()
    # with the GIL held by the fit this loop could not run while it lasts
    print(f"fit {elapsed:.2f} s, {spins} spins")
    assert elapsed > 0.2, "the fit is too short to show anything"
    assert spins > 10_000, (elapsed, spins)
