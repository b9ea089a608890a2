"""Changed copies of real bytes for property tests: the tamper an attacker would try."""

from hypothesis import strategies as st


@st.composite
def _changed(draw: st.DrawFn, original: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "cut", "extend", "splice"]))
    if kind == "flip":
        at = draw(st.integers(0, len(original) - 1))
        bit = draw(st.integers(0, 7))
        return original[:at] + bytes([original[at] ^ (1 << bit)]) + original[at + 1 :]
    if kind == "cut":
        return original[: draw(st.integers(0, len(original) - 1))]
    if kind == "extend":
        return original + draw(st.binary(min_size=1, max_size=64))
    at = draw(st.integers(0, len(original)))
    run = draw(st.binary(min_size=1, max_size=32))
    return original[:at] + run + original[at + len(run) :]


def mutations(original: bytes) -> st.SearchStrategy[bytes]:
    """``original`` with a flipped bit, a cut, an extension or a spliced run of bytes.

    Never ``original`` itself: a spliced run can repeat the bytes it lands on, and a
    test that tampering is refused must not be handed the untouched bytes.
    """
    return _changed(original).filter(lambda mutated: mutated != original)
