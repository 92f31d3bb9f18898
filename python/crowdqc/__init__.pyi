import os
from typing import Any, Literal, Union

from . import aggregation as aggregation
from . import metrics as metrics
from ._base import NotFittedError as NotFittedError
from ._native import Error as Error
from ._native import InsufficientDataError as InsufficientDataError
from ._native import InvalidParameterError as InvalidParameterError
from ._native import InvalidValueError as InvalidValueError
from ._native import MissingColumnError as MissingColumnError
from ._native import NumericalError as NumericalError
from ._native import ParseError as ParseError
from ._native import SchemaError as SchemaError

__version__: str
__all__: list[str]

def read_judgments(
    path: Union[str, os.PathLike[str]], output: Literal["pandas", "arrow", "polars"] = "pandas"
) -> Any: ...
