"""Matching keys: the short ASCII strings a name contributes to blind indexes."""

from __future__ import annotations

import itertools
from functools import lru_cache

from intake.names.compare import NOT_NAMES
from intake.names.normalise import NAME, Token, analyse, splits
from intake.names.phonetic import skeleton

#: Longest key, in characters; longer skeletons are cut (they are HMACed afterwards).
MAX_KEY = 32

#: A Chinese name typed without separators gets keys for its possible parts only from
#: this many syllables on (a given name alone is rarely longer), and only for parts
#: whose skeleton has three classes or more: shorter keys would match half the index.
SPLIT_SYLLABLES = 5


@lru_cache(maxsize=65536)
def _token_keys(token: Token) -> frozenset[str]:
    """The keys one name part gives alone, in every reading: ``t:`` (``p:`` for a
    patronymic) of its skeletons with and without h sounds, and ``l:`` (``p:``) of its
    loose skeletons. Remembered: name parts recur across testimonies."""
    prefix = "t:" if token.role == NAME else "p:"
    loose_prefix = "l:" if token.role == NAME else "p:"
    keys = {prefix + form.skeleton for form in token.forms if form.skeleton}
    keys.update(prefix + form.soft_skeleton for form in token.forms if form.soft_skeleton)
    keys.update(loose_prefix + form.loose for form in token.forms if len(form.loose) >= 2)
    return frozenset(keys)


def matching_keys(
    text: str, *, script: str | None = None, kind: str | None = None
) -> frozenset[str]:
    """The keys of one name variant, each a short ASCII string.

    - ``t:<skeleton>`` for each given or family name part, in every reading the rules
      give it (a typed pinyin part has two), with and without its h sounds;
    - ``p:<skeleton>`` for a patronymic (-uly, -qyzy, -ovich, -ovna), kept apart so
      that a shared patronymic alone finds nothing more than a shared key;
    - ``n:<skeletons>`` for the whole name (parts sorted, so order does not matter);
    - ``t:`` keys for two neighbouring parts written together (Gul Nazar / Gulnazar);
    - ``l:<loose>`` (and ``p:`` for patronymics) with the velar and glottal classes
      taken out, for the spellings Chinese transcriptions make of them;
    - for a Chinese name typed without separators, ``t:`` keys of every two-part split
      (see :data:`SPLIT_SYLLABLES`).

    ``kind`` "pseudonym" or "description" gives no keys: such variants are not names.
    ``script`` is accepted for symmetry with stored variants; scripts are detected.
    """
    del script
    if kind in NOT_NAMES:
        return frozenset()
    name = analyse(text)
    keys: set[str] = set()
    whole = []
    for token in name.tokens:
        keys |= _token_keys(token)
        if token.role == NAME and token.forms[0].skeleton:
            whole.append(token.forms[0].skeleton)
    if len(whole) > 1:
        keys.add("n:" + "-".join(sorted(whole)))
    names = [token for token in name.tokens if token.role == NAME]
    for first, second in itertools.pairwise(names):
        # One name written as two words (Gul Nazar / Gulnazar).
        keys.add("t:" + skeleton(first.forms[0].folded + second.forms[0].folded))
    if name.unsegmented:
        keys.add("l:" + name.tokens[0].forms[0].loose)
    if len(name.unsegmented) >= SPLIT_SYLLABLES:
        for tokens in splits(name.unsegmented):
            keys.update("t:" + t.forms[0].skeleton for t in tokens if len(t.forms[0].skeleton) >= 3)
    return frozenset(key[:MAX_KEY] for key in keys if len(key) > 2)
