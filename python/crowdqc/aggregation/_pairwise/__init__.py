"""Pairwise comparisons: crowd-kit's ``BradleyTerry`` and ``NoisyBradleyTerry``, and
crowdqc's Crowd-BT, Davidson ties, Elo and win rate.

Input: a pandas DataFrame (or any Arrow C stream source) with ``worker``, ``left``,
``right`` and ``label`` columns, ``label`` being the winning item's id (crowd-kit's
layout; ``winner`` is accepted for ``label``, and ``worker, winner, loser`` frames too).
With crowdqc's methods an outcome may also be ``left``, ``right`` or a tie marker
(``tie``, ``draw``, ``equal``, ``=``). The statistics are computed by the Rust library
``crowdqc-pairwise``; this module converts inputs and outputs only.
"""

from ._base import WINNER_ALIASES, DisconnectedComparisonsWarning, RankingEvaluation
from ._beyond import BradleyTerryTies, CrowdBT, Elo, WinRate
from ._crowdkit import BradleyTerry, NoisyBradleyTerry

__all__ = [
    "WINNER_ALIASES",
    "BradleyTerry",
    "BradleyTerryTies",
    "CrowdBT",
    "DisconnectedComparisonsWarning",
    "Elo",
    "NoisyBradleyTerry",
    "RankingEvaluation",
    "WinRate",
]
