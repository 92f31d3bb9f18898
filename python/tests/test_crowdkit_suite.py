"""crowd-kit's own classification tests, run against ``crowdqc.aggregation``.

The tests are loaded from ``$CROWDQC_DATA/crowdkit-tests/tests`` (crowd-kit's test tree at
a pinned commit, Apache-2.0), never copied here: while their modules are imported,
``crowdkit.aggregation`` is replaced by a module whose classification classes are
crowdqc's (everything else, e.g. ``crowdkit.aggregation.utils``, stays crowd-kit's),
so ``from crowdkit.aggregation import DawidSkene`` in those files binds crowdqc's class.
The collected tests are re-exported here under ``test_<file>__<name>``.

Tests that check crowd-kit internals, or behaviour crowdqc documents as different,
are marked ``xfail(strict=True)`` with the reason by ``conftest.EXPECTED_DIFFERENT``
(keyed by test name, optionally with the parameter id).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

import pytest
from conftest import DATA, REQUIRE

TESTS = DATA / "crowdkit-tests" / "tests"
PKG = "crowdkit_upstream_tests"
FILES = [
    "test_classification_aggregation",
    "test_classification_aggregation_edge_cases",
    "test_ds_aggregation",
    "test_glad_aggregation",
    "test_kos_aggregation",
    "test_mace_aggregation",
    "test_majority_vote",
    "test_bt_aggregation",
]


def _load() -> dict[str, Any]:
    try:
        import crowdkit.aggregation as real
        import crowdkit.aggregation.utils  # noqa: F401
    except ImportError:
        return {}
    if not (TESTS / "conftest.py").is_file():
        return {}
    import crowdqc.aggregation as ours

    shim = types.ModuleType("crowdkit.aggregation")
    shim.__dict__.update(real.__dict__)
    for name in ours.__all__:
        setattr(shim, name, getattr(ours, name))
    if PKG not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PKG, TESTS / "__init__.py", submodule_search_locations=[str(TESTS)]
        )
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[PKG] = mod
        spec.loader.exec_module(mod)
    saved = sys.modules["crowdkit.aggregation"]
    sys.modules["crowdkit.aggregation"] = shim
    out: dict[str, Any] = {}
    try:
        conf = importlib.import_module(f"{PKG}.conftest")
        out.update({k: v for k, v in vars(conf).items() if not k.startswith("_")})
        for f in FILES:
            m = importlib.import_module(f"{PKG}.aggregation.{f}")
            for k, v in vars(m).items():
                if k.startswith("test_") and callable(v):
                    out[f"test_{f[5:]}__{k[5:]}"] = v
                elif k.startswith("Test") and isinstance(v, type):
                    out[f"Test_{f[5:]}__{k[4:]}"] = v
                elif not k.startswith("_") and k not in out and not isinstance(v, types.ModuleType):
                    out[k] = v  # fixtures and data
    finally:
        sys.modules["crowdkit.aggregation"] = saved
    return out


_loaded = _load()
if not _loaded:
    if REQUIRE:
        raise RuntimeError(
            f"crowd-kit or its tests ({TESTS}) are missing and CROWDQC_REQUIRE_DATA=1"
        )
    pytest.skip(f"crowd-kit or its tests ({TESTS}) are not available", allow_module_level=True)

globals().update(_loaded)
