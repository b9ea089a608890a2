"""A strict reader for age v1 files sealed to X25519 recipients (c2sp.org/age).

Written from the specification (c2sp.org/age, "age-encryption.org/v1") with the
``cryptography`` package's X25519, HKDF-SHA-256, HMAC-SHA-256 and ChaCha20-Poly1305.
It opens the binary format only; ASCII-armored files are not age v1 headers and are
refused here.

Protects against: tampering anywhere in the file (the header MAC and every payload
chunk are authenticated, and the MAC is checked, in constant time, before any payload
is decrypted); truncation, dropped, reordered or duplicated chunks, a final chunk that
is not last, and trailing bytes (the STREAM construction plus explicit length rules);
malleable encodings (base64 must be canonical and unpadded, lines wrapped exactly as
the specification says); low-order ephemeral shares (an all-zero shared secret aborts).
Does not protect against: a holder of a matching identity; learning the payload size;
a sender who encrypts to other recipients as well.

:func:`decrypt` never releases a partial plaintext: everything is checked before
anything is returned. :func:`open_stream` checks the header and then releases a range
of the plaintext at a time, each only after the chunks holding it are authenticated
(the STREAM construction lets any chunk be checked alone, given its index); damage in
chunks not read yet is found when they are read, so a caller that needs the whole
file intact reads or verifies every chunk before it acts on it.
"""

from __future__ import annotations

import binascii
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import bech32
from crypto.errors import KeyFormatError, OpenError

VERSION_LINE = b"age-encryption.org/v1\n"
_STANZA_PREFIX = b"-> "
_MAC_PREFIX = b"--- "
_COLUMNS = 64
_MAC_LINE_LENGTH = len(_MAC_PREFIX) + 43  # 43 unpadded base64 characters: 32 bytes
_ARGUMENT = re.compile(rb"[\x21-\x7e]+")  # 1*VCHAR
_X25519_TYPE = b"X25519"
_X25519_LABEL = b"age-encryption.org/v1/X25519"
_SCRYPT_TYPE = b"scrypt"
_KEY_BYTES = 32
_FILE_KEY_BYTES = 16
_TAG_BYTES = 16
_NONCE_BYTES = 16
_CHUNK_BYTES = 64 * 1024
_SEALED_CHUNK_BYTES = _CHUNK_BYTES + _TAG_BYTES
_ZERO_NONCE = bytes(12)
_ZERO_SECRET = bytes(_KEY_BYTES)
_SECRET_KEY_HRP = "age-secret-key-"  # noqa: S105 (the Bech32 prefix, not a secret)


class X25519Identity:
    """An age X25519 identity, ready to unwrap file keys. Warning: it holds the secret."""

    __slots__ = ("_private", "_public")

    def __init__(self, private: X25519PrivateKey) -> None:
        self._private = private
        self._public = private.public_key().public_bytes_raw()

    @classmethod
    def from_secret_string(cls, text: str) -> X25519Identity:
        """Parse ``AGE-SECRET-KEY-1...``; :class:`KeyFormatError` if malformed."""
        hrp, secret = bech32.decode(text.strip())
        if hrp != _SECRET_KEY_HRP or len(secret) != _KEY_BYTES:
            raise KeyFormatError("not an age X25519 identity")
        return cls(X25519PrivateKey.from_private_bytes(secret))

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte recipient (public key)."""
        return self._public

    def unwrap(self, share: bytes, body: bytes) -> bytes | None:
        """The file key from an X25519 stanza addressed to us, or None if it is not ours.

        Raises :class:`OpenError` when the share yields an all-zero secret (a low-order
        point), which the specification says must abort rather than be skipped.
        """
        try:
            shared = self._private.exchange(X25519PublicKey.from_public_bytes(share))
        except ValueError:
            # OpenSSL refuses to return an all-zero X25519 output.
            raise OpenError("the X25519 share is a low-order point") from None
        if shared == _ZERO_SECRET:
            raise OpenError("the X25519 share is a low-order point")
        wrap_key = _hkdf(shared, share + self._public, _X25519_LABEL)
        try:
            return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, body, None)
        except InvalidTag:
            return None

    def __repr__(self) -> str:
        return "X25519Identity(<secret>)"


@dataclass(frozen=True, slots=True)
class _Stanza:
    arguments: list[bytes]
    body: bytes


def decrypt(blob: bytes, identities: Sequence[X25519Identity]) -> bytes:
    """The plaintext of an age v1 file sealed to one of ``identities``.

    Raises :class:`OpenError` for any failure: a malformed or non-canonical header, no
    stanza for these identities, a wrong header MAC, or any damage to the payload. No
    part of the plaintext is returned unless the whole file verifies.
    """
    return open_stream(blob, identities)._whole()


def open_stream(blob: bytes, identities: Sequence[X25519Identity]) -> Stream:
    """The payload of an age v1 file sealed to one of ``identities``, to read by ranges.

    The header is checked here as :func:`decrypt` checks it (format, a stanza for these
    identities, the header MAC) and so are the payload's length rules; :class:`OpenError`
    if any fails. The chunks are checked only as they are read: see :class:`Stream`.
    """
    if not isinstance(blob, bytes):
        raise OpenError("an age file is bytes")
    stanzas, mac_offset, mac, payload_offset = _parse_header(blob)
    file_key = _unwrap_file_key(stanzas, identities)
    _check_header_mac(file_key, memoryview(blob)[:mac_offset], mac)
    return _payload_stream(file_key, blob, payload_offset)


class Stream:
    """The payload of an age file whose header verified, decrypted a range at a time.

    Made by :func:`open_stream`. Each read decrypts and authenticates every 64 KiB chunk
    that holds part of the range, each with its own index and with the final flag on
    the file's last chunk only, so a chunk that was changed, moved, dropped or repeated,
    or a file cut short, raises :class:`OpenError` as soon as a read touches it.

    Warning: a read proves the chunks it covers and nothing else. ``size`` is what
    the file's length implies, proven only once the final chunk is read. A caller that
    needs the file whole must read or :meth:`verify` every chunk before trusting it.
    The stream holds the payload key and the last chunk of plaintext it read: a forked
    process may inherit it; it is never pickled (it would carry the key elsewhere).
    """

    __slots__ = ("_aead", "_count", "_last", "_sealed", "size")

    def __init__(self, aead: ChaCha20Poly1305, sealed: memoryview, count: int) -> None:
        self._aead = aead
        self._sealed = sealed
        self._count = count
        # The last chunk a read authenticated, kept for the next read: ranges read in
        # order (a bundle's records, each about a chunk long) share a chunk at each edge.
        self._last: tuple[int, bytes] = (-1, b"")
        #: Bytes of plaintext, as the file's length says.
        self.size = len(sealed) - count * _TAG_BYTES

    @classmethod
    def of_plaintext(cls, plaintext: bytes) -> Stream:
        """A stream over ``plaintext`` that was authenticated whole by other means (an
        ASCII-armored file opened by pyrage), sealed again in STREAM chunks under a
        fresh random key that never leaves this object, so it is read, range by range,
        like any other stream."""
        aead = ChaCha20Poly1305(ChaCha20Poly1305.generate_key())
        count = max(1, -(-len(plaintext) // _CHUNK_BYTES))
        sealed = b"".join(
            aead.encrypt(
                _chunk_nonce(index, count),
                plaintext[index * _CHUNK_BYTES : (index + 1) * _CHUNK_BYTES],
                None,
            )
            for index in range(count)
        )
        return cls(aead, memoryview(sealed), count)

    @property
    def chunk_count(self) -> int:
        """How many chunks the payload has (the last one is the final chunk)."""
        return self._count

    def chunks(self, start: int, end: int) -> range:
        """The indexes of the chunks that :meth:`read` authenticates for ``[start, end)``.

        :class:`OpenError` if the range is not within the plaintext; none for an empty one.
        """
        if not 0 <= start <= end <= self.size:
            raise OpenError("the range is outside the age payload")
        if start == end:
            return range(0)
        return range(start // _CHUNK_BYTES, (end - 1) // _CHUNK_BYTES + 1)

    def read(self, start: int, end: int) -> bytes:
        """Plaintext bytes ``[start, end)``, after the chunks holding them authenticate.

        Each chunk is decrypted, except one the read before ended in: its plaintext,
        authenticated then, is kept until the next read (so a stream holds one chunk of
        plaintext between reads). :class:`OpenError` for a range outside the plaintext
        or any damaged chunk in it.
        """
        indexes = self.chunks(start, end)
        kept, kept_plaintext = self._last
        pieces = [kept_plaintext if index == kept else self._chunk(index) for index in indexes]
        if not pieces:
            return b""
        self._last = (indexes[-1], pieces[-1])
        # Cut the first and last chunks to the range before joining: one copy.
        views = [memoryview(piece) for piece in pieces]
        views[-1] = views[-1][: end - indexes[-1] * _CHUNK_BYTES]
        views[0] = views[0][start - indexes.start * _CHUNK_BYTES :]
        return b"".join(views)

    def verify(self, indexes: Iterable[int]) -> None:
        """Authenticate the chunks ``indexes`` and drop their plaintext.

        :class:`OpenError` for a damaged chunk or an index the payload does not have.
        """
        for index in indexes:
            if not 0 <= index < self._count:
                raise OpenError("the age payload has no such chunk")
            self._chunk(index)

    def _chunk(self, index: int) -> bytes:
        """The chunk ``index`` decrypted and authenticated (STREAM: :func:`_chunk_nonce`)."""
        sealed = self._sealed[index * _SEALED_CHUNK_BYTES : (index + 1) * _SEALED_CHUNK_BYTES]
        try:
            return self._aead.decrypt(_chunk_nonce(index, self._count), sealed, None)
        except InvalidTag:
            raise OpenError("the age payload is damaged, reordered or cut short") from None

    def _whole(self) -> bytes:
        if self._count == 1:
            # One chunk (a sealed record padded to 64 KiB): it is the plaintext, uncopied.
            return self._chunk(0)
        # Chunks are written into one growing buffer and each freed at once, so the
        # allocator reuses its memory; CPython's getvalue() then hands over that buffer
        # without a copy. On 100 MiB this is about 40% less CPU than joining a list.
        plaintext = io.BytesIO()
        for index in range(self._count):
            plaintext.write(self._chunk(index))
        return plaintext.getvalue()


def _parse_header(blob: bytes) -> tuple[list[_Stanza], int, bytes, int]:
    """The stanzas, where the MAC'd header ends, the MAC and where the payload starts."""
    if not blob.startswith(VERSION_LINE):
        raise OpenError("not an age v1 file")
    position = len(VERSION_LINE)
    stanzas: list[_Stanza] = []
    while blob.startswith(_STANZA_PREFIX, position):
        line, position = _line(blob, position)
        arguments = line[len(_STANZA_PREFIX) :].split(b" ")
        if not all(_ARGUMENT.fullmatch(argument) for argument in arguments):
            raise OpenError("a stanza argument is empty or not printable ASCII")
        body, position = _stanza_body(blob, position)
        stanzas.append(_Stanza(arguments, body))
    if not stanzas or not blob.startswith(_MAC_PREFIX, position):
        raise OpenError("the age header is malformed")
    mac_offset = position + len(_MAC_PREFIX) - 1  # the MAC covers "---", not the space
    line, position = _line(blob, position)
    if len(line) != _MAC_LINE_LENGTH:
        raise OpenError("the header MAC line is malformed")
    return stanzas, mac_offset, _base64(line[len(_MAC_PREFIX) :]), position


def _line(blob: bytes, start: int) -> tuple[bytes, int]:
    end = blob.find(b"\n", start)
    if end < 0:
        raise OpenError("the age header is truncated")
    return blob[start:end], end + 1


def _stanza_body(blob: bytes, position: int) -> tuple[bytes, int]:
    """Full 64-column lines, then one shorter (possibly empty) line ends the body."""
    lines = []
    while True:
        line, position = _line(blob, position)
        if len(line) > _COLUMNS:
            raise OpenError("a stanza body line is too long")
        lines.append(line)
        if len(line) < _COLUMNS:
            return _base64(b"".join(lines)), position


def _base64(text: bytes) -> bytes:
    """Decode canonical, unpadded standard base64; anything else is refused."""
    if b"=" in text:
        raise OpenError("base64 in an age header is unpadded")
    try:
        raw = binascii.a2b_base64(text + b"=" * (-len(text) % 4), strict_mode=True)
    except binascii.Error:
        raise OpenError("invalid base64 in the age header") from None
    # Re-encoding catches non-zero unused bits (RFC 4648, section 3.5).
    if binascii.b2a_base64(raw, newline=False).rstrip(b"=") != text:
        raise OpenError("non-canonical base64 in the age header")
    return raw


def _unwrap_file_key(stanzas: list[_Stanza], identities: Sequence[X25519Identity]) -> bytes:
    types = [stanza.arguments[0] for stanza in stanzas]
    if _SCRYPT_TYPE in types:
        # Identities here are X25519; the specification also forbids mixing scrypt.
        raise OpenError("passphrase-sealed age files are not accepted here")
    candidates = [
        _x25519_stanza(stanza) for stanza in stanzas if stanza.arguments[0] == _X25519_TYPE
    ]
    for share, body in candidates:
        for identity in identities:
            file_key = identity.unwrap(share, body)
            if file_key is not None:
                return file_key
    raise OpenError("no identity here opens this age file")


def _x25519_stanza(stanza: _Stanza) -> tuple[bytes, bytes]:
    """The ephemeral share and wrapped file key, checked before any decryption."""
    if len(stanza.arguments) != 2:
        raise OpenError("an X25519 stanza has exactly one argument after its type")
    share = _base64(stanza.arguments[1])
    if len(share) != _KEY_BYTES or len(stanza.body) != _FILE_KEY_BYTES + _TAG_BYTES:
        raise OpenError("an X25519 stanza has the wrong share or body length")
    return share, stanza.body


def _check_header_mac(file_key: bytes, header: memoryview, mac: bytes) -> None:
    tag = hmac.HMAC(_hkdf(file_key, b"", b"header"), hashes.SHA256())
    tag.update(header)
    try:
        tag.verify(mac)  # constant time
    except InvalidSignature:
        raise OpenError("the age header MAC does not match") from None


def _chunk_nonce(index: int, count: int) -> bytes:
    """STREAM: the 11-byte big-endian chunk counter and the final flag (1 on the last
    of ``count`` chunks only)."""
    return index.to_bytes(11, "big") + (b"\x01" if index == count - 1 else b"\x00")


def _payload_stream(file_key: bytes, blob: bytes, start: int) -> Stream:
    """The payload after the 16-byte nonce, once its length keeps the rules: 64 KiB
    chunks (each with a 16-byte tag), the final one shorter or full, empty only alone."""
    nonce = blob[start : start + _NONCE_BYTES]
    if len(nonce) != _NONCE_BYTES:
        raise OpenError("the age payload has no nonce")
    sealed = memoryview(blob)[start + _NONCE_BYTES :]
    full, rest = divmod(len(sealed), _SEALED_CHUNK_BYTES)
    count = full + (rest > 0)
    last = rest or _SEALED_CHUNK_BYTES
    if count == 0 or last < _TAG_BYTES or (last == _TAG_BYTES and count > 1):
        # No chunk at all, a cut tag, or an empty final chunk after a full one.
        raise OpenError("the age payload is truncated or has an empty final chunk")
    return Stream(ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload")), sealed, count)


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), _KEY_BYTES, salt, info).derive(secret)
