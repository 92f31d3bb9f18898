"""crowdqc's exceptions, raised by the native module for each kind of library error."""

from __future__ import annotations


class Error(ValueError):
    """Base class of crowdqc's errors (a ``ValueError``)."""


class InvalidParameterError(Error):
    """A parameter is outside its valid range; the message names it."""


class MissingColumnError(Error, KeyError):
    """A required column is missing; the message lists the names tried and the columns found.

    Also a ``KeyError``, as crowd-kit raises for a missing column.
    """

    def __str__(self) -> str:
        return Exception.__str__(self)


class SchemaError(Error):
    """A column has a type crowdqc cannot use (e.g. labels of mixed types)."""


class InvalidValueError(Error):
    """A value is not acceptable (null id or label, unknown label, ...); names column and row."""


class InsufficientDataError(Error):
    """The data do not support the computation (empty input, a single class, ...)."""


class NumericalError(Error):
    """A numerical failure (non-finite objective, ...)."""


class ParseError(Error):
    """Malformed file content, or rows that contradict each other (e.g. two gold labels)."""
