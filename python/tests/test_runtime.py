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
