import os
from typing import Any, Literal, Union

from . import aggregation as aggregation
from . import agreement as agreement
from . import gold as gold
from . import metrics as metrics
from . import policy as policy
from . import ratings as ratings
from ._base import NotFittedError as NotFittedError
from ._errors import Error as Error
from ._errors import InsufficientDataError as InsufficientDataError
from ._errors import InvalidParameterError as InvalidParameterError
from ._errors import InvalidValueError as InvalidValueError
from ._errors import MissingColumnError as MissingColumnError
from ._errors import NumericalError as NumericalError
from ._errors import ParseError as ParseError
from ._errors import SchemaError as SchemaError

__version__: str
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
    "agreement",
    "gold",
    "policy",
    "ratings",
]

def read_judgments(
    path: Union[str, os.PathLike[str]], output: Literal["pandas", "arrow", "polars"] = "pandas"
) -> Any: ...
