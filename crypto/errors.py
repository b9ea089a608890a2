"""The one exception family raised by :mod:`crypto`.

Callers catch :class:`CryptoError` (or one of its children) and never see an
exception from the underlying libraries, whose messages could name internals.
"""


class CryptoError(Exception):
    """Base of every error raised by the crypto library."""


class KeyFormatError(CryptoError):
    """A key, identity, recipient or parameter set is malformed or too weak."""


class OpenError(CryptoError):
    """A ciphertext could not be opened: tampered, wrong key, wrong context or unknown format."""


class UnlockError(CryptoError):
    """The passphrase does not unlock this keyring."""


class SignatureError(CryptoError):
    """A signature does not verify for this key, context and message."""
