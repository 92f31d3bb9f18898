"""Result tables: conversion of the library's Arrow tables to the requested type."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from . import _errors


def check_output(output: str) -> None:
    """Fail on an ``output`` other than ``"pandas"``, ``"arrow"`` or ``"polars"``."""
    if output not in ("pandas", "arrow", "polars"):
        raise _errors.InvalidParameterError(
            f"parameter `output` must be 'pandas', 'arrow' or 'polars', got {output!r}"
        )


def convert(table: Any, output: str) -> Any:
    """A pyarrow Table/RecordBatch as ``output`` (pandas, arrow or polars)."""
    check_output(output)
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    if output == "pandas":
        return table.to_pandas()
    if output == "arrow":
        return table
    import polars as pl

    return pl.from_arrow(table)


class TableResult:
    """A result holding an Arrow record batch ``_table``, convertible to a pyarrow,
    pandas or polars table (mixed into frozen dataclasses that declare ``_table``)."""

    _table: pa.RecordBatch

    def to_arrow(self) -> pa.Table:
        """The table as a pyarrow Table."""
        return pa.Table.from_batches([self._table])

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame."""
        return self._table.to_pandas()

    def to_polars(self) -> Any:
        """The table as a polars DataFrame."""
        return convert(self._table, "polars")
