from typing import Any, Dict, Optional

import pandas as pd

from ._frames import Data

class NotFittedError(AttributeError, ValueError): ...

class BaseAggregator:
    def __getattr__(self, name: str) -> Any: ...
    def get_params(self) -> Dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
    __hash__: None  # type: ignore[assignment]

def skill_weights(
    d: Data,
    skills: pd.Series,
    on_missing_skill: str = "error",
    default_skill: Optional[float] = None,
) -> list[float]: ...
def weighted_vote(
    aggregator: BaseAggregator,
    data: Any,
    skills: pd.Series,
    on_missing_skill: str = "error",
    default_skill: Optional[float] = None,
) -> tuple[pd.DataFrame, pd.Series]: ...
