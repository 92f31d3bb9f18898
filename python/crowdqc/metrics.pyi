from typing import Any, Callable, Hashable, Optional, Union

import pandas as pd

def binary_distance(label1: Hashable, label2: Hashable) -> float: ...
def alpha_krippendorff(
    answers: pd.DataFrame, distance: Callable[[Hashable, Hashable], float] = ...
) -> float: ...
def consistency(
    answers: pd.DataFrame,
    workers_skills: Optional[pd.Series] = None,
    aggregator: Any = None,
    by_task: bool = False,
) -> Union[float, pd.Series]: ...
def uncertainty(
    answers: pd.DataFrame,
    workers_skills: Optional[pd.Series] = None,
    aggregator: Any = None,
    compute_by: str = "task",
    aggregate: bool = True,
) -> Union[float, pd.Series]: ...
def accuracy_on_aggregates(
    answers: pd.DataFrame,
    aggregator: Any = None,
    aggregates: Optional[pd.Series] = None,
    by: Optional[str] = None,
) -> Union[float, pd.Series]: ...
