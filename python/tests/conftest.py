"""Shared helpers of the crowdqc Python tests.

Real data come from ``$CROWDQC_DATA`` (default ``<repo>/../shared/fixtures``). Tests
needing data or crowd-kit skip with a message when they are absent, and fail instead
when ``CROWDQC_REQUIRE_DATA=1``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CROWDQC_DATA", REPO.parent / "shared" / "fixtures"))
REQUIRE = os.environ.get("CROWDQC_REQUIRE_DATA") == "1"

# Categorical datasets with judgments.csv (item, worker, label) in the shared data.
CATEGORICAL = [
    "crowdkit-simple",
    "crowdkit-toy",
    "dawid-skene-1979-anaesthesia",
    "gal-adultcontent-toy",
    "gal-adultcontent2",
    "gal-barzanmozafari",
    "gal-copyright-infringement",
    "gal-hitspam-crowdflower",
    "gal-hitspam-mturk",
    "snow2008-rte",
    "snow2008-temp",
    "snow2008-wsd",
    "venanzi2014-weather-sentiment-amt",
    "welinder2010-bluebirds",
    "zheng2017-face",
    "zheng2017-product",
    "zhou2012-dogs",
    "zhou2012-websearch",
]


def missing(what: str) -> None:
    """Skip (or fail under CROWDQC_REQUIRE_DATA=1) because ``what`` is absent."""
    msg = f"{what} is not available (set CROWDQC_DATA / install crowd-kit==1.4.2)"
    if REQUIRE:
        pytest.fail(msg + " and CROWDQC_REQUIRE_DATA=1")
    pytest.skip(msg)


def crowdkit() -> Any:
    """The crowd-kit package, or skip/fail."""
    try:
        import crowdkit.aggregation  # noqa: F401
        import crowdkit.metrics  # noqa: F401
    except ImportError:
        missing("crowd-kit")
    import crowdkit

    return crowdkit


def dataset(name: str) -> tuple[pd.DataFrame, Optional[pd.Series]]:
    """Judgments (task, worker, label as strings) and gold Series of a dataset folder."""
    d = DATA / name
    if not (d / "judgments.csv").is_file():
        missing(f"dataset {d}")
    df = pd.read_csv(d / "judgments.csv", dtype=str, keep_default_na=False)
    df = df.rename(columns={"item": "task"})[["task", "worker", "label"]]
    gold = None
    if (d / "gold.csv").is_file():
        g = pd.read_csv(d / "gold.csv", dtype=str, keep_default_na=False)
        gold = pd.Series(g["label"].to_numpy(), index=pd.Index(g["item"], name="task"), name="true_label")
    return df, gold
