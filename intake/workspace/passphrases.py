"""Passphrases: how hard one is to guess, and a generated one to offer.

Strength is estimated with zxcvbn (Dropbox's estimator, maintained on PyPI as
``zxcvbn``), which knows common words, names, keyboard patterns, repeats and dates:
"aaaaaaaaaaaa" is twelve characters long and guessed at once.

Generated passphrases are words drawn with ``secrets`` from the EFF long word list
(7,776 words; Electronic Frontier Foundation, 2016, https://www.eff.org/dice, licence
CC BY 3.0 US), as shipped by the maintained ``xkcdpass`` package. Six words give
log2(7776^6) ≈ 77.5 bits.
"""

from __future__ import annotations

import secrets
from functools import cache

#: zxcvbn's score 4: an estimated 10^10 guesses or more.
MIN_SCORE = 4
MIN_LENGTH = 12
#: Words in a generated passphrase.
GENERATED_WORDS = 6
#: zxcvbn's time grows with length; what follows the first characters adds strength anyway.
_ESTIMATED_CHARACTERS = 100


@cache
def _words() -> tuple[str, ...]:
    from xkcdpass import xkcd_password

    words = xkcd_password.generate_wordlist(
        xkcd_password.locate_wordfile("eff-long"), min_length=3, max_length=9
    )
    return tuple(words)


def generate_passphrase(words: int = GENERATED_WORDS) -> str:
    """``words`` random words from the EFF long list, separated by spaces."""
    pool = _words()
    return " ".join(secrets.choice(pool) for _ in range(words))


def is_strong(
    passphrase: str, *, context: tuple[str, ...] = (), min_score: int = MIN_SCORE
) -> bool:
    """Whether ``passphrase`` is long enough and estimated hard to guess (zxcvbn's
    score at least ``min_score``).

    ``context`` holds words a guesser would try first (the organisation's name).
    """
    from zxcvbn import zxcvbn

    text = passphrase.strip()
    if len(text) < MIN_LENGTH:
        return False
    estimate = zxcvbn(text[:_ESTIMATED_CHARACTERS], user_inputs=[c for c in context if c])
    return int(estimate["score"]) >= min_score
