"""The workspace keyring: root keys wrapped by a passphrase, purpose keys derived by HKDF.

A keyring holds one or more random 256-bit root keys. The newest is *current*; older
ones remain after a rotation so that data sealed under them still opens. Every key
the application uses is derived from a root with HKDF-SHA256 (RFC 5869) and a distinct
label, so a key for one purpose is useless for another.

At rest the roots are wrapped (AES-256-GCM) under a key derived from the workspace
passphrase with Argon2id; the parameters and salt are stored beside the wrapped roots
and bound into each wrapping. Changing the passphrase re-wraps only the roots.

Protects against: reading keys from a stolen or seized disk without the passphrase;
one purpose's key being used for another; a swapped or edited wrapped root.
Does not protect against: a coerced or guessed passphrase; an attacker who reads the
memory of the unlocked process (Python cannot reliably erase key bytes; locking drops
every reference so the memory can be reclaimed).
"""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.aead import Context as _Context
from crypto.aead import KeyChain, SymmetricKey, decrypt_field, encrypt_field
from crypto.blind_index import BlindIndexKey, plan_bits
from crypto.encoding import b64decode, b64encode
from crypto.errors import KeyFormatError, OpenError, UnlockError
from crypto.kdf import MIN_MEMORY_KIB, Argon2idParams
from crypto.pseudonym import PseudonymKey
from crypto.signing import SigningKey, VerifyKey

FORMAT = "intake-keyring-v1"
_LABEL_PREFIX = b"intake/v1/"


class Purpose(Enum):
    """Purposes that take an encryption key chain from the keyring."""

    RECORD_KEY_WRAP = "record-key-wrap"
    DRAFT = "draft"
    IDENTITY = "identity"
    SIGNING_KEY = "signing-key"
    AUDIT = "audit"
    RECIPIENTS = "recipients"
    ACCOUNTS = "accounts"
    ATTACHMENTS = "attachments"
    AUDIT_CHAIN = "audit-chain"
    CASE_NOTES = "case-notes"
    CASE_INDEX = "case-index"
    #: A station's per-bundle keys that seal the case database's receipt for it.
    RECEIPTS = "receipts"


def hkdf_sha256(ikm: bytes, *, salt: bytes | None, info: bytes, length: int) -> bytes:
    """HKDF with SHA-256 as RFC 5869 defines it (extract, then expand)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def derived_chain(chain: KeyChain, label: str) -> KeyChain:
    """A chain of one-off keys for ``label`` (one thing, e.g. one bundle), one derived
    from each key of ``chain``, key id included: handing out its current key, or
    showing its key id in a ciphertext, gives away nothing of ``chain`` (not even
    which keyring it came from), and deriving again from any of ``chain``'s keys
    opens what it sealed."""

    def derived(key: SymmetricKey) -> SymmetricKey:
        key_id = derive_subkey(key.material, f"{label}/key-id")[: len(key.key_id)]
        return SymmetricKey(key_id=key_id, material=derive_subkey(key.material, label))

    current = derived(chain.current)
    older = [derived(key) for key in chain.members() if key is not chain.current]
    return KeyChain(current, older)


def derive_subkey(root: bytes, label: str) -> bytes:
    """The 32-byte key for ``label``: HKDF-SHA256 of ``root`` with info ``intake/v1/<label>``."""
    if not label:
        raise KeyFormatError("a key label is required")
    return hkdf_sha256(root, salt=None, info=_LABEL_PREFIX + label.encode("utf-8"), length=32)


class Keyring:
    """An unlocked keyring. Hold it only while the workspace is unlocked."""

    def __init__(self, roots: list[SymmetricKey]) -> None:
        if not roots:
            raise KeyFormatError("a keyring needs at least one root key")
        self._roots = list(roots)

    @classmethod
    def create(cls) -> Keyring:
        """A new keyring with one random root key."""
        return cls([SymmetricKey.generate()])

    @property
    def current_key_id(self) -> str:
        """Hex id of the current root, the one new data is sealed under."""
        return self._roots[-1].hex_id

    @property
    def key_ids(self) -> list[str]:
        """Hex ids of every root, oldest first."""
        return [root.hex_id for root in self._roots]

    def rotate(self) -> Keyring:
        """A keyring with a new current root; the old roots still open old data."""
        return Keyring([*self._roots, SymmetricKey.generate()])

    def chain(self, purpose: Purpose) -> KeyChain:
        """The encryption keys for ``purpose``: one per root, sharing the root's key id."""
        keys = [
            SymmetricKey(key_id=root.key_id, material=derive_subkey(root.material, purpose.value))
            for root in self._roots
        ]
        return KeyChain(keys[-1], keys[:-1])

    def blind_index_key(self, name: str, *, expected_rows: int) -> BlindIndexKey:
        """The key of the blind index ``name``, sized for ``expected_rows``.

        Derived from the current root: after a rotation every blind index is rebuilt.
        """
        material = derive_subkey(self._roots[-1].material, f"blind-index/{name}")
        return BlindIndexKey(material=material, bits=plan_bits(expected_rows))

    def signing_key(self, name: str) -> SigningKey:
        """The Ed25519 key ``name`` (e.g. audit checkpoints), derived from the current root.

        Nothing is stored: whoever unlocks the keyring can sign; after a rotation new
        signatures come from the new root and :meth:`verify_keys` still checks old ones.
        """
        return SigningKey(derive_subkey(self._roots[-1].material, f"signing/{name}"))

    def verify_keys(self, name: str) -> list[VerifyKey]:
        """The public keys of :meth:`signing_key` ``name`` under every root, oldest first."""
        return [
            SigningKey(derive_subkey(root.material, f"signing/{name}")).verify_key
            for root in self._roots
        ]

    def pseudonym_key(self) -> PseudonymKey:
        """The key for keyed pseudonyms (current root)."""
        return PseudonymKey(derive_subkey(self._roots[-1].material, "pseudonym"))

    def lock(self, passphrase: str, params: Argon2idParams) -> LockedKeyring:
        """Wrap every root under ``passphrase`` with ``params`` for storage."""
        kek = params.derive(passphrase)
        order = self.key_ids
        wrapped = []
        for root in self._roots:
            wrapping = SymmetricKey(key_id=root.key_id, material=kek)
            sealed = encrypt_field(
                wrapping, root.material, context=_root_context(root.hex_id, params, order)
            )
            wrapped.append((root.hex_id, sealed))
        return LockedKeyring(params=params, wrapped_roots=wrapped)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_key_id}, roots={len(self._roots)})"


def _root_context(hex_id: str, params: Argon2idParams, order: list[str]) -> _Context:
    # Bound: the parameters (no editing them to cheaper ones) and the ordered list of
    # root ids (no reordering to make an old root current, no dropping a root).
    canonical = json.dumps(
        {"kdf": params.to_dict(), "roots": order}, sort_keys=True, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return _Context(namespace="keyring-root", record_id=hex_id, field=digest)


class LockedKeyring:
    """The stored form of a keyring: wrapped roots and the Argon2id parameters."""

    def __init__(self, *, params: Argon2idParams, wrapped_roots: list[tuple[str, bytes]]) -> None:
        if not wrapped_roots:
            raise KeyFormatError("a keyring needs at least one root key")
        self.params = params
        self.wrapped_roots = list(wrapped_roots)

    def unlock(self, passphrase: str) -> Keyring:
        """Unwrap every root; :class:`UnlockError` if the passphrase is wrong.

        Costs one Argon2id derivation (about half a second by design).
        """
        kek = self.params.derive(passphrase)
        order = [hex_id for hex_id, _sealed in self.wrapped_roots]
        roots = []
        for hex_id, sealed in self.wrapped_roots:
            key_id = bytes.fromhex(hex_id)
            wrapping = SymmetricKey(key_id=key_id, material=kek)
            try:
                material = decrypt_field(
                    wrapping, sealed, context=_root_context(hex_id, self.params, order)
                )
            except OpenError:
                raise UnlockError("the passphrase does not unlock this keyring") from None
            roots.append(SymmetricKey(key_id=key_id, material=material))
        return Keyring(roots)

    def to_json(self) -> str:
        """JSON text for storage: no secret in it is usable without the passphrase."""
        return json.dumps(
            {
                "format": FORMAT,
                "kdf": self.params.to_dict(),
                "roots": [
                    {"key_id": kid, "wrapped": b64encode(w)} for kid, w in self.wrapped_roots
                ],
            }
        )

    @classmethod
    def from_json(cls, text: str, *, minimum_memory_kib: int = MIN_MEMORY_KIB) -> LockedKeyring:
        """Parse stored JSON; :class:`KeyFormatError` for anything malformed or weak."""
        try:
            data: dict[str, Any] = json.loads(text)
            if data["format"] != FORMAT:
                raise KeyFormatError("unknown keyring format")
            params = Argon2idParams.from_dict(data["kdf"], minimum_memory_kib=minimum_memory_kib)
            roots = []
            for entry in data["roots"]:
                key_id = entry["key_id"]
                if len(bytes.fromhex(key_id)) != 8:
                    raise KeyFormatError("malformed key id")
                roots.append((key_id, b64decode(entry["wrapped"])))
        except (KeyError, TypeError, ValueError, RecursionError) as exc:
            raise KeyFormatError("malformed keyring") from exc
        return cls(params=params, wrapped_roots=roots)
