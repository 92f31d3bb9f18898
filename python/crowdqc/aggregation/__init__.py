"""crowd-kit compatible truth inference: change one import.

``from crowdkit.aggregation import DawidSkene`` becomes
``from crowdqc.aggregation import DawidSkene``. Every class takes crowd-kit 1.4.2's
constructor parameters with the same defaults, has the same methods and sets the same
fitted attributes (``labels_`` a Series named ``agg_label`` indexed by ``task``,
``probas_`` a tasks x labels DataFrame, ...). The input is a pandas DataFrame with
``task``, ``worker`` and ``label`` columns, or any Arrow C stream source (pyarrow,
polars) or an ``(n, 3)`` numpy array; ids come back in their input type.

Documented differences from crowd-kit:

- ties between labels go to the smallest label (crowd-kit under pandas 2; under
  pandas 3 crowd-kit picks the label seen first in the data);
- label columns of ``probas_`` are in sorted order (numerically for numbers);
- an empty input raises :class:`crowdqc.InsufficientDataError` (crowd-kit returns
  empty results);
- GLAD, MACE and MMSR are the library's implementations (crowdqc's MACE fixes
  crowd-kit's worker/label index misalignment), so their values differ; on the parity
  datasets their accuracy is at least crowd-kit's except GLAD on two sets (one item
  each) and MACE on one (weather sentiment, 0.8567 vs 0.8667);
- ``GoldMajorityVote`` gives workers without gold answers the mean gold accuracy
  (crowd-kit raises) and takes one gold label per task;
- fitted attributes other than ``labels_`` are built on first access;
- beyond crowd-kit: :class:`MinimaxEntropy` (categorical and ordinal),
  :class:`EBCC`, :class:`IBCC` and the gold-free chooser :class:`Auto`, with the same
  ``fit``/``fit_predict``/``fit_predict_proba`` shape;
- pairwise comparisons: :class:`BradleyTerry` and :class:`NoisyBradleyTerry` take
  crowd-kit's parameters and set ``scores_`` (and ``skills_``/``biases_``);
  ``BradleyTerry`` stops when the L1 change of the strengths is below ``tol``
  (crowd-kit's check compares the strengths with themselves and always stops after two
  iterations when ``tol > 0``), and ``NoisyBradleyTerry`` is fitted by EM (crowd-kit's
  optimiser uses a gradient that is not its likelihood's: the item order agrees, the
  values do not); an outcome that is neither side raises (crowd-kit drops the row).
  Beyond crowd-kit: :class:`CrowdBT`, :class:`BradleyTerryTies`, :class:`Elo`,
  :class:`WinRate`, standard errors and ``evaluate``;
- GLAD's ``labels_priors``, ``alphas_priors_mean`` and ``betas_priors_mean`` Series are
  not supported (a non-``None`` value raises); its M-step is a Newton step, so
  ``m_step_max_iter``/``m_step_tol`` are accepted and ignored.
"""

from ._beyond import EBCC, IBCC, Auto, Candidate, MinimaxEntropy
from ._dawid_skene import DawidSkene, OneCoinDawidSkene
from ._latent import GLAD, KOS, MACE, MMSR
from ._pairwise import (
    BradleyTerry,
    BradleyTerryTies,
    CrowdBT,
    DisconnectedComparisonsWarning,
    Elo,
    NoisyBradleyTerry,
    RankingEvaluation,
    WinRate,
)
from ._votes import GoldMajorityVote, MajorityVote, Wawa, ZeroBasedSkill

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

# The classes live in private modules; pickles and help() name this public module, so
# the private layout can change without breaking saved models.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
