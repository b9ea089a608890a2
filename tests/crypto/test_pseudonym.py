"""Keyed pseudonyms: stable per recipient, unlinkable across recipients and purposes."""

import pytest

from crypto import KeyFormatError, PseudonymKey, pseudonym

KEY = PseudonymKey(b"p" * 32)


def test_stable_for_the_same_inputs_and_well_formed():
    first = pseudonym(KEY, "victim-123", purpose="research-export", recipient="uni-a")
    assert first == pseudonym(KEY, "victim-123", purpose="research-export", recipient="uni-a")
    assert len(first) == 26 and first.isalnum() and first == first.lower()


def test_recipients_purposes_and_keys_separate_pseudonyms():
    base = pseudonym(KEY, "victim-123", purpose="research-export", recipient="uni-a")
    assert base != pseudonym(KEY, "victim-123", purpose="research-export", recipient="uni-b")
    assert base != pseudonym(KEY, "victim-123", purpose="statistics", recipient="uni-a")
    assert base != pseudonym(KEY, "victim-123", purpose="research-export", recipient=None)
    assert base != pseudonym(
        PseudonymKey(b"q" * 32), "victim-123", purpose="research-export", recipient="uni-a"
    )


def test_no_recipient_differs_from_empty_recipient():
    assert pseudonym(KEY, "v", purpose="p", recipient=None) != pseudonym(
        KEY, "v", purpose="p", recipient=""
    )


def test_purpose_is_required():
    with pytest.raises(KeyFormatError):
        pseudonym(KEY, "v", purpose="", recipient=None)


def test_key_checks_and_repr():
    with pytest.raises(KeyFormatError):
        PseudonymKey(b"short")
    assert "ppp" not in repr(KEY)
