"""Finding a person by any spelling of the name: scripts, phonetic keys and comparison."""

from intake.names import compare as _compare
from intake.names import keys as _keys
from intake.names import normalise as _normalise
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
    "forget_names",
    "matching_keys",
    "rank",
]


def forget_names() -> None:
    """Empty the caches of whole names analysed, of the words read in them and their
    keys, and of names compared: what work on names not seen before would redo. (The
    caches of single letters and name pieces stay, as in a server that has run a while.)
    For benchmarks."""
    for remembered in (
        _normalise.analyse,
        _normalise._word,
        _keys._token_keys,
        _compare._compare_texts,
    ):
        remembered.cache_clear()
