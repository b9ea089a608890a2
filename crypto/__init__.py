"""The project's cryptographic library: keys passed in, context required, no I/O.

It imports nothing of Flask, SQLAlchemy or the application, and reads no environment.
Every failure raises a :class:`~crypto.errors.CryptoError`.
"""

from crypto.aead import (
    Context,
    KeyChain,
    SymmetricKey,
    decrypt_field,
    decrypt_fields,
    encrypt_field,
    encrypt_fields,
)
from crypto.age_reader import Stream
from crypto.blind_index import BlindIndexKey, blind_index, plan_bits
from crypto.chain import GENESIS, chain_link, link_matches
from crypto.datakeys import new_record_key, unwrap_record_key, wrap_record_key
from crypto.errors import CryptoError, KeyFormatError, OpenError, SignatureError, UnlockError
from crypto.kdf import Argon2idParams, calibrate
from crypto.keyring import Keyring, LockedKeyring, Purpose, derived_chain
from crypto.pseudonym import PseudonymKey, pseudonym
from crypto.sealing import (
    Identity,
    looks_sealed,
    open_sealed,
    open_sealed_stream,
    parse_recipient,
    seal,
)
from crypto.signing import SigningKey, VerifyKey

__all__ = [
    "GENESIS",
    "Argon2idParams",
    "BlindIndexKey",
    "Context",
    "CryptoError",
    "Identity",
    "KeyChain",
    "KeyFormatError",
    "Keyring",
    "LockedKeyring",
    "OpenError",
    "PseudonymKey",
    "Purpose",
    "SignatureError",
    "SigningKey",
    "Stream",
    "SymmetricKey",
    "UnlockError",
    "VerifyKey",
    "blind_index",
    "calibrate",
    "chain_link",
    "decrypt_field",
    "decrypt_fields",
    "derived_chain",
    "encrypt_field",
    "encrypt_fields",
    "link_matches",
    "looks_sealed",
    "new_record_key",
    "open_sealed",
    "open_sealed_stream",
    "parse_recipient",
    "plan_bits",
    "pseudonym",
    "seal",
    "unwrap_record_key",
    "wrap_record_key",
]
