"""crowdqc: quality control and consensus scoring for crowdsourced labels.

A fast, crowd-kit compatible Python package over crowdqc's Rust libraries:

- :mod:`crowdqc.aggregation`: ``MajorityVote``, ``Wawa``, ``ZeroBasedSkill``,
  ``GoldMajorityVote``, ``DawidSkene``, ``OneCoinDawidSkene``, ``GLAD``, ``MACE``,
  ``KOS``, ``MMSR`` with crowd-kit 1.4.2's parameters, methods and attributes;
- :mod:`crowdqc.metrics`: ``alpha_krippendorff``, ``consistency``, ``uncertainty``,
  ``accuracy_on_aggregates``;
- :mod:`crowdqc.ratings`: numeric and ordinal ratings (mean, median, trimmed mean,
  CATD, CRH, LFC; ICC and Kendall's W);
- :func:`read_judgments`: Parquet, CSV or Arrow IPC files.

Inputs are pandas DataFrames, anything exporting ``__arrow_c_stream__`` (pyarrow,
polars; read without copying) or ``(n, 3)`` numpy arrays. Fits release the GIL and
stop on Ctrl-C. Errors derive from :class:`crowdqc.Error` (a ``ValueError``).

Examples
--------
>>> import pandas as pd
>>> from crowdqc.aggregation import DawidSkene
>>> df = pd.DataFrame({"task": ["t1", "t1", "t2"], "worker": ["a", "b", "a"],
...                    "label": ["cat", "cat", "dog"]})
>>> DawidSkene().fit_predict(df).to_dict()
{'t1': 'cat', 't2': 'dog'}
"""

from __future__ import annotations

import os
from typing import Any, Literal

from . import _native
from ._base import NotFittedError
from ._errors import (
    Error,
    InsufficientDataError,
    InvalidParameterError,
    InvalidValueError,
    MissingColumnError,
    NumericalError,
    ParseError,
    SchemaError,
)

__version__: str = _native.__version__


def read_judgments(
    path: str | os.PathLike[str], output: Literal["pandas", "arrow", "polars"] = "pandas"
) -> Any:
    """Read a Parquet, CSV or Arrow IPC file (chosen by extension).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    output : {"pandas", "arrow", "polars"}
        The type returned.

    Returns
    -------
    pandas.DataFrame or pyarrow.Table or polars.DataFrame
        The file's columns, unchanged.

    Raises
    ------
    OSError
        The file cannot be read.
    crowdqc.Error
        The file is malformed (the message names the line or column).
    """
    table = _native.read_table(os.fspath(path))
    if output == "pandas":
        return table.to_pandas()
    if output == "arrow":
        return table
    if output == "polars":
        import polars as pl

        return pl.from_arrow(table)
    raise InvalidParameterError(f"output must be 'pandas', 'arrow' or 'polars', got {output!r}")


from . import aggregation, metrics  # noqa: E402

__all__ = [
    "Error",
    "InsufficientDataError",
    "InvalidParameterError",
    "InvalidValueError",
    "MissingColumnError",
    "NotFittedError",
    "NumericalError",
    "ParseError",
    "SchemaError",
    "__version__",
    "aggregation",
    "metrics",
    "read_judgments",
]

from . import agreement, gold, policy  # noqa: E402

__all__ += ["agreement", "gold", "policy"]

from . import ratings  # noqa: E402

__all__ += ["ratings"]
