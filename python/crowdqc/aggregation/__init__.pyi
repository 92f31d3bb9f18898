from typing import Any, Dict, List, Literal, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .._base import BaseAggregator

__all__ = [
    "EBCC",
    "GLAD",
    "IBCC",
    "KOS",
    "MACE",
    "MMSR",
    "Auto",
    "Candidate",
    "DawidSkene",
    "GoldMajorityVote",
    "MajorityVote",
    "MinimaxEntropy",
    "OneCoinDawidSkene",
    "Wawa",
    "ZeroBasedSkill",
    "BradleyTerry",
    "BradleyTerryTies",
    "CrowdBT",
    "DisconnectedComparisonsWarning",
    "Elo",
    "NoisyBradleyTerry",
    "RankingEvaluation",
    "WinRate",
]

class MajorityVote(BaseAggregator):
    default_skill: Optional[float]
    on_missing_skill: str
    labels_: pd.Series
    probas_: pd.DataFrame
    skills_: pd.Series
    def __init__(
        self, default_skill: Optional[float] = None, on_missing_skill: str = "error"
    ) -> None: ...
    def fit(self, data: Any, skills: Optional[pd.Series] = None) -> MajorityVote: ...
    def fit_predict(self, data: Any, skills: Optional[pd.Series] = None) -> pd.Series: ...
    def fit_predict_proba(self, data: Any, skills: Optional[pd.Series] = None) -> pd.DataFrame: ...

class _FitLabels(BaseAggregator):
    def fit_predict(self, data: Any) -> pd.Series: ...

class _SimpleFit(_FitLabels):
    def fit_predict_proba(self, data: Any) -> pd.DataFrame: ...

class _SkillVote(_SimpleFit):
    labels_: pd.Series
    probas_: pd.DataFrame
    skills_: pd.Series
    def predict(self, data: Any) -> pd.Series: ...
    def predict_proba(self, data: Any) -> pd.DataFrame: ...
    def fit(self, data: Any) -> Any: ...

class Wawa(_SkillVote):
    def __init__(self) -> None: ...
    def fit(self, data: Any) -> Wawa: ...

class ZeroBasedSkill(_SkillVote):
    n_iter: int
    lr_init: float
    lr_steps_to_reduce: int
    lr_reduce_factor: float
    eps: float
    def __init__(
        self,
        n_iter: int = 100,
        lr_init: float = 1.0,
        lr_steps_to_reduce: int = 20,
        lr_reduce_factor: float = 0.5,
        eps: float = 1e-05,
    ) -> None: ...
    def fit(self, data: Any) -> ZeroBasedSkill: ...

class GoldMajorityVote(_SkillVote):
    def __init__(self) -> None: ...
    def fit(self, data: Any, true_labels: pd.Series) -> GoldMajorityVote: ...  # type: ignore[override]
    def fit_predict(self, data: Any, true_labels: pd.Series) -> pd.Series: ...  # type: ignore[override]
    def fit_predict_proba(self, data: Any, true_labels: pd.Series) -> pd.DataFrame: ...  # type: ignore[override]

class DawidSkene(BaseAggregator):
    n_iter: int
    tol: float
    initial_error_strategy: Optional[Literal["assign", "addition"]]
    labels_: pd.Series
    probas_: pd.DataFrame
    priors_: pd.Series
    errors_: pd.DataFrame
    loss_history_: List[float]
    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-05,
        initial_error_strategy: Optional[Literal["assign", "addition"]] = None,
    ) -> None: ...
    def fit(
        self,
        data: Any,
        true_labels: Optional[pd.Series] = None,
        initial_error: Optional[pd.DataFrame] = None,
    ) -> DawidSkene: ...
    def fit_predict_proba(
        self,
        data: Any,
        true_labels: Optional[pd.Series] = None,
        initial_error: Optional[pd.DataFrame] = None,
    ) -> pd.DataFrame: ...
    def fit_predict(
        self,
        data: Any,
        true_labels: Optional[pd.Series] = None,
        initial_error: Optional[pd.DataFrame] = None,
    ) -> pd.Series: ...

class OneCoinDawidSkene(_SimpleFit, DawidSkene):  # type: ignore[misc]
    skills_: pd.Series
    def fit(self, data: Any) -> OneCoinDawidSkene: ...  # type: ignore[override]
    def fit_predict_proba(self, data: Any) -> pd.DataFrame: ...  # type: ignore[override]
    def fit_predict(self, data: Any) -> pd.Series: ...  # type: ignore[override]

class GLAD(_SimpleFit):
    n_iter: int
    tol: float
    silent: bool
    labels_priors: Optional[pd.Series]
    alphas_priors_mean: Optional[pd.Series]
    betas_priors_mean: Optional[pd.Series]
    m_step_max_iter: int
    m_step_tol: float
    labels_: pd.Series
    probas_: pd.DataFrame
    alphas_: pd.Series
    betas_: pd.Series
    loss_history_: List[float]
    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-05,
        silent: bool = True,
        labels_priors: Optional[pd.Series] = None,
        alphas_priors_mean: Optional[pd.Series] = None,
        betas_priors_mean: Optional[pd.Series] = None,
        m_step_max_iter: int = 25,
        m_step_tol: float = 0.01,
    ) -> None: ...
    def fit(self, data: Any) -> GLAD: ...

class MACE(_SimpleFit):
    n_restarts: int
    n_iter: int
    method: str
    smoothing: float
    default_noise: float
    alpha: float
    beta: float
    random_state: int
    verbose: int
    labels_: pd.Series
    probas_: pd.DataFrame
    spamming_: np.ndarray
    thetas_: np.ndarray
    smoothing_: float
    def __init__(
        self,
        n_restarts: int = 10,
        n_iter: int = 50,
        method: str = "vb",
        smoothing: float = 0.1,
        default_noise: float = 0.5,
        alpha: float = 0.5,
        beta: float = 0.5,
        random_state: int = 0,
        verbose: int = 0,
    ) -> None: ...
    def fit(self, data: Any) -> MACE: ...

class KOS(_FitLabels):
    n_iter: int
    random_state: int
    labels_: pd.Series
    def __init__(self, n_iter: int = 100, random_state: int = 0) -> None: ...
    def fit(self, data: Any) -> KOS: ...

class MMSR(_FitLabels):
    n_iter: int
    tol: float
    random_state: Optional[int]
    skills_: pd.Series
    scores_: pd.DataFrame
    labels_: pd.Series
    loss_history_: List[float]
    def __init__(
        self, n_iter: int = 10000, tol: float = 1e-10, random_state: Optional[int] = 0
    ) -> None: ...
    def fit(self, data: Any) -> MMSR: ...
    def predict(self, data: Any) -> pd.Series: ...
    def predict_score(self, data: Any) -> pd.DataFrame: ...
    def fit_predict_score(self, data: Any) -> pd.DataFrame: ...

class _ConfusionFit(_SimpleFit):
    labels_: pd.Series
    probas_: pd.DataFrame
    priors_: pd.Series
    errors_: pd.DataFrame
    loss_history_: List[float]
    def fit(self, data: Any) -> Any: ...

class MinimaxEntropy(_ConfusionFit):
    ordinal: bool
    n_iter: int
    tol: float
    worker_penalty: Optional[float]
    item_penalty: Optional[float]
    learn_prior: bool
    def __init__(
        self,
        ordinal: bool = False,
        n_iter: int = 50,
        tol: float = 5e-3,
        worker_penalty: Optional[float] = None,
        item_penalty: Optional[float] = None,
        learn_prior: bool = False,
    ) -> None: ...

class EBCC(_ConfusionFit):
    n_subtypes: int
    n_restarts: int
    n_iter: int
    tol: float
    random_state: int
    elbos_: List[float]
    def __init__(
        self,
        n_subtypes: int = 10,
        n_restarts: int = 10,
        n_iter: int = 500,
        tol: float = 1e-3,
        random_state: int = 0,
    ) -> None: ...

class IBCC(_ConfusionFit):
    n_iter: int
    tol: float
    def __init__(self, n_iter: int = 500, tol: float = 1e-3) -> None: ...

class Candidate(NamedTuple):
    method: str
    heldout_loglik: Optional[float]
    error: Optional[str]

class Auto(_SimpleFit):
    candidates: Optional[Sequence[str]]
    folds: Optional[int]
    ordinal: bool
    random_state: int
    labels_: pd.Series
    probas_: pd.DataFrame
    chosen_: str
    reason_: str
    candidates_: List[Candidate]
    def __init__(
        self,
        candidates: Optional[Sequence[str]] = None,
        folds: Optional[int] = None,
        ordinal: bool = False,
        random_state: int = 0,
    ) -> None: ...
    def fit(self, data: Any) -> Auto: ...

class DisconnectedComparisonsWarning(UserWarning): ...

class RankingEvaluation(NamedTuple):
    items: int
    gold_unscored: int
    kendall_tau_b: float
    spearman_rho: float
    pair_accuracy: float
    pairs: int

class _Pairwise(BaseAggregator):
    scores_: pd.Series
    items_: pd.DataFrame
    workers_: pd.DataFrame
    loss_history_: List[float]
    n_iter_: int
    converged_: bool
    log_likelihood_: Optional[float]
    ingest_: Dict[str, Any]
    def fit(self, data: Any) -> Any: ...
    def fit_predict(self, data: Any) -> pd.Series: ...
    def evaluate(self, gold: Any) -> RankingEvaluation: ...

class BradleyTerry(_Pairwise):
    n_iter: int
    tol: float
    def __init__(self, n_iter: int = 100, tol: float = 1e-5) -> None: ...
    def fit(self, data: Any) -> BradleyTerry: ...

class NoisyBradleyTerry(_Pairwise):
    n_iter: int
    tol: float
    regularization_ratio: float
    random_state: int
    skills_: pd.Series
    biases_: pd.Series
    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        regularization_ratio: float = 1e-5,
        random_state: int = 0,
    ) -> None: ...
    def fit(self, data: Any) -> NoisyBradleyTerry: ...

class CrowdBT(_Pairwise):
    n_iter: int
    tol: float
    prior: float
    reliability_prior: Tuple[float, float]
    bootstrap: int
    random_state: int
    skills_: pd.Series
    def __init__(
        self,
        n_iter: int = 500,
        tol: float = 1e-5,
        prior: float = 0.0,
        reliability_prior: Tuple[float, float] = (1.0, 1.0),
        bootstrap: int = 0,
        random_state: int = 0,
    ) -> None: ...
    def fit(self, data: Any) -> CrowdBT: ...

class BradleyTerryTies(_Pairwise):
    n_iter: int
    tol: float
    prior: float
    bootstrap: int
    random_state: int
    tie_parameter_: float
    def __init__(
        self,
        n_iter: int = 100,
        tol: float = 1e-5,
        prior: float = 0.0,
        bootstrap: int = 0,
        random_state: int = 0,
    ) -> None: ...
    def fit(self, data: Any) -> BradleyTerryTies: ...

class Elo(_Pairwise):
    k_factor: float
    def __init__(self, k_factor: float = 32.0) -> None: ...
    def fit(self, data: Any) -> Elo: ...

class WinRate(_Pairwise):
    def __init__(self) -> None: ...
    def fit(self, data: Any) -> WinRate: ...
