"""Finding a person by any spelling of the name: scripts, phonetic keys and comparison."""

from intake.names.compare import Match, NameVariant, Ranked, TokenMatch, compare, rank
from intake.names.keys import matching_keys
from intake.names.normalise import RULES_VERSION
from intake.names.scripts import detect_script

__all__ = [
    "RULES_VERSION",
    "Match",
    "NameVariant",
    "Ranked",
    "TokenMatch",
    "compare",
    "detect_script",
    "matching_keys",
    "rank",
]
