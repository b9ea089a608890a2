"""Attachments: encrypted storage beside drafts and testimonies, and the sealed payload.

A sealed record is a ZIP archive inside the age file: ``testimony.json`` and
``attachments/<sha256>``, so `age -d` followed by any unzip tool recovers everything.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import Context, KeyChain, Purpose, SymmetricKey, decrypt_field, encrypt_field
from crypto.aead import padded_size
from intake.db import scrub_after_commit
from intake.errors import N_, IntakeError
from intake.records.jsontext import parse_json
from intake.records.models import DraftAttachment, TestimonyAttachment
from intake.workspace.vault import UnlockedKeys
from intake.ziplayout import (
    CENTRAL_ENTRY,
    CENTRAL_SIGNATURE,
    END_RECORD,
    END_SIGNATURE,
    LOCAL_HEADER,
    LOCAL_SIGNATURE,
    UTF8_NAMES,
    ZIP64_LOCATOR,
)

PAYLOAD_RECORD = "testimony.json"
PAYLOAD_ATTACHMENTS = "attachments/"
PAYLOAD_PADDING = "padding"
# What the padding entry adds besides its content: a local header and a central
# directory entry, each with the name.
_PADDING_OVERHEAD = LOCAL_HEADER.size + CENTRAL_ENTRY.size + 2 * len(PAYLOAD_PADDING)
#: Largest unpacked payload accepted from a sealed file (guards against zip bombs).
MAX_PAYLOAD_BYTES = 512 * 1024 * 1024
#: Most entries a sealed testimony archive may hold (the record, padding, attachments).
MAX_PAYLOAD_ENTRIES = 202
#: An entry that expands more than this many times is treated as a zip bomb.
MAX_EXPANSION = 200


class PayloadError(IntakeError):
    """A sealed payload is not a well-formed testimony archive."""


class AttachmentMismatchError(IntakeError):
    """Attachments and the record's sources do not match."""


@dataclass(frozen=True)
class Attachment:
    """One attached file and what is known of it."""

    sha256: str
    media_type: str
    filename: str
    content: bytes

    @classmethod
    def of(cls, content: bytes, *, media_type: str, filename: str) -> Attachment:
        """An attachment with its SHA-256 computed now (at capture)."""
        digest = hashlib.sha256(content).hexdigest()
        return cls(sha256=digest, media_type=media_type, filename=filename, content=content)


def _place(parent_id: uuid.UUID, row_id: uuid.UUID) -> str:
    # Both ids are bound: a row moved to another draft or testimony does not open.
    return f"{parent_id}/{row_id}"


def _encrypt(
    key: SymmetricKey, item: Attachment, namespace: str, place: str
) -> tuple[bytes, bytes]:
    meta = json.dumps(
        {"sha256": item.sha256, "media_type": item.media_type, "filename": item.filename},
        ensure_ascii=False,
    ).encode()
    return (
        encrypt_field(key, meta, context=Context(namespace, place, "meta")),
        encrypt_field(key, item.content, context=Context(namespace, place, "content")),
    )


def _decrypt(keys: KeyChain | SymmetricKey, namespace: str, place: str, row: Any) -> Attachment:
    meta = json.loads(decrypt_field(keys, row.meta, context=Context(namespace, place, "meta")))
    content = decrypt_field(keys, row.content, context=Context(namespace, place, "content"))
    return Attachment(content=content, **meta)


def add_draft_attachment(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, item: Attachment
) -> None:
    """Store ``item`` encrypted beside draft ``draft_id`` (the draft row must exist)."""
    row_id = uuid.uuid4()
    meta, content = _encrypt(
        keys.keyring.chain(Purpose.ATTACHMENTS).current,
        item,
        "draft-attachment",
        _place(draft_id, row_id),
    )
    session.add(DraftAttachment(id=row_id, draft_id=draft_id, meta=meta, content=content))


def draft_attachments(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID
) -> list[Attachment]:
    """Every attachment of a draft, decrypted."""
    chain = keys.keyring.chain(Purpose.ATTACHMENTS)
    rows = session.scalars(select(DraftAttachment).where(DraftAttachment.draft_id == draft_id))
    return [_decrypt(chain, "draft-attachment", _place(draft_id, row.id), row) for row in rows]


def remove_draft_attachment(
    session: Session, keys: UnlockedKeys, draft_id: uuid.UUID, sha256: str
) -> None:
    """Delete the draft's attachment(s) with this SHA-256."""
    chain = keys.keyring.chain(Purpose.ATTACHMENTS)
    rows = session.scalars(select(DraftAttachment).where(DraftAttachment.draft_id == draft_id))
    for row in rows:
        if _decrypt(chain, "draft-attachment", _place(draft_id, row.id), row).sha256 == sha256:
            session.delete(row)
            scrub_after_commit(session)  # the journal's copy goes too


def encrypt_testimony_attachments(
    data_key: SymmetricKey, testimony_id: uuid.UUID, items: Iterable[Attachment]
) -> list[dict[str, Any]]:
    """Rows of a testimony's attachments encrypted under its data key, for a bulk insert."""
    rows = []
    for item in items:
        row_id = uuid.uuid4()
        meta, content = _encrypt(
            data_key, item, "testimony-attachment", _place(testimony_id, row_id)
        )
        rows.append({"id": row_id, "testimony_id": testimony_id, "meta": meta, "content": content})
    return rows


def testimony_attachments(
    session: Session, data_key: SymmetricKey, testimony_id: uuid.UUID
) -> list[Attachment]:
    """Every attachment of a testimony, decrypted."""
    rows = session.scalars(
        select(TestimonyAttachment).where(TestimonyAttachment.testimony_id == testimony_id)
    )
    return [
        _decrypt(data_key, "testimony-attachment", _place(testimony_id, row.id), row)
        for row in rows
    ]


def check_against_sources(document: dict[str, Any], items: Iterable[Attachment]) -> None:
    """Every attachment is listed in the record's sources with the same SHA-256."""
    listed = {source.get("sha256") for source in document.get("sources") or []}
    for item in items:
        if hashlib.sha256(item.content).hexdigest() != item.sha256:
            raise AttachmentMismatchError(N_("An attachment's content does not match its SHA-256."))
        if item.sha256 not in listed:
            raise AttachmentMismatchError(
                N_("An attachment is not listed in the record's sources; add it there first.")
            )


def _zip(canonical_record: bytes, items: Sequence[Attachment], padding: int | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(PAYLOAD_RECORD, canonical_record)
        for item in items:
            archive.writestr(PAYLOAD_ATTACHMENTS + item.sha256, item.content)
        if padding is not None:
            entry = zipfile.ZipInfo(PAYLOAD_PADDING, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(entry, bytes(padding), compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


#: Every sealed record is at least this large: a testimony without attachments (a few
#: to a few dozen KiB of text) then shows nothing of its length on a seized station.
MIN_SEALED_PAYLOAD = 64 * 1024


def sealed_bucket(length: int) -> int:
    """The padded size of a payload of ``length`` bytes: at least MIN_SEALED_PAYLOAD,
    a power of two up to 1 MiB, a Padmé bucket above (under 12% overhead for large files)."""
    if length <= MIN_SEALED_PAYLOAD:
        return MIN_SEALED_PAYLOAD
    if length <= 1024 * 1024:
        return 1 << (length - 1).bit_length()
    return padded_size(length)


def pack_payload(canonical_record: bytes, items: Iterable[Attachment]) -> bytes:
    """The ZIP archive that is sealed: the record JSON, each attachment by hash, and a
    stored (uncompressed) run of zeros that pads the archive to a bucket
    (:func:`sealed_bucket`), so the sealed file's size reveals little about what is inside.
    """
    items = list(items)
    bare = len(_zip(canonical_record, items, None)) + _PADDING_OVERHEAD
    return _zip(canonical_record, items, sealed_bucket(bare) - bare)


#: What reading a damaged archive can raise: zipfile's own errors, the decompressors'
#: (zlib, bz2 as OSError, lzma, truncated streams as EOFError), an entry flagged as
#: encrypted or compressed in an unsupported way (RuntimeError, NotImplementedError),
#: and JSON that is malformed or too deeply nested (ValueError, RecursionError).
_UNREADABLE_ARCHIVE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,
    EOFError,
    OSError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
)


_ATTACHMENT_ENTRY = re.compile(re.escape(PAYLOAD_ATTACHMENTS) + "[0-9a-f]{64}")


def _expected_entry(name: str) -> bool:
    # An unknown name is refused, not skipped: a renamed entry would otherwise drop an
    # attachment without a word.
    return name in (PAYLOAD_RECORD, PAYLOAD_PADDING) or bool(_ATTACHMENT_ENTRY.fullmatch(name))


def _declared_entries(payload: bytes) -> int | None:
    # zipfile reads central-directory entries until the directory's size is used up
    # and never compares their number with the one declared at the end, so a damaged
    # length field can make an entry vanish; comparing the two catches it.
    if len(payload) < END_RECORD.size:
        return None
    signature, *_disks, total, _size, _offset, comment = END_RECORD.unpack_from(
        payload, len(payload) - END_RECORD.size
    )
    return int(total) if signature == END_SIGNATURE and comment == 0 else None


def check_entries(infos: Sequence[zipfile.ZipInfo]) -> None:
    """Refuse a hostile archive by its directory alone, before anything is unpacked:
    too many entries, a name that is not the record, the padding or an attachment by
    hash (a path, "..", an absolute name), or an entry that expands too far."""
    if len(infos) > MAX_PAYLOAD_ENTRIES:
        raise PayloadError(N_("The sealed archive has too many files."))
    for info in infos:
        refusal = _entry_refusal(info.filename, info.file_size, info.compress_size)
        if refusal is not None:
            raise PayloadError(refusal)


def _entry_refusal(name: str, size: int, packed: int) -> str | None:
    """Why one entry is refused by its directory entry alone (its name, its size once
    unpacked, its size packed), or None."""
    if not _expected_entry(name):
        return N_("The sealed archive holds a file with a disallowed name.")
    expanded = size > 1_000_000 and size > MAX_EXPANSION * max(packed, 1)
    if expanded or size > MAX_PAYLOAD_BYTES:
        return N_("The sealed archive expands too far (a zip bomb).")
    return None


def unpack_payload(payload: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The record and the attachments (by SHA-256) of a sealed payload, read with one
    parse of the archive that makes every check first (:func:`check_entries`, then
    names given twice, a damaged directory, the total size).

    An archive laid out exactly as :func:`pack_payload` writes it is read directly
    (:func:`_read_packed`); any other is read by :mod:`zipfile`, which gives the same
    content or refuses it with the reason.
    """
    read = _read_packed(payload)
    try:
        record_text, files = read if read is not None else _read_with_zipfile(payload)
        record = parse_json(record_text)
    except _UNREADABLE_ARCHIVE as exc:
        raise PayloadError(N_("The sealed file is not a testimony archive.")) from exc
    if not isinstance(record, dict):
        raise PayloadError(N_("The sealed file is not a testimony archive."))
    for digest, content in files.items():
        if hashlib.sha256(content).hexdigest() != digest:
            raise PayloadError(
                N_("An attachment in the sealed archive does not match its SHA-256.")
            )
    return record, files


def _read_with_zipfile(payload: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The record's JSON text and the attachments of any ZIP archive, read by
    :mod:`zipfile` after the checks; raises PayloadError or one of
    ``_UNREADABLE_ARCHIVE``."""
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        infos = archive.infolist()
        check_entries(infos)
        names = [info.filename for info in infos]
        if len(names) != len(set(names)):
            raise PayloadError(N_("The sealed archive names a file twice."))
        if _declared_entries(payload) != len(infos):
            raise PayloadError(N_("The sealed archive is damaged."))
        if sum(info.file_size for info in infos) > MAX_PAYLOAD_BYTES:
            raise PayloadError(N_("The sealed archive is too large."))
        record = archive.read(PAYLOAD_RECORD)
        files = {
            info.filename[len(PAYLOAD_ATTACHMENTS) :]: archive.read(info)
            for info in infos
            if info.filename.startswith(PAYLOAD_ATTACHMENTS)
        }
    return record, files


#: The "version needed to extract" zipfile writes for stored and deflated entries (2.0).
_PACKED_VERSION = 20


class _NotPackedError(Exception):
    """The archive is not laid out as pack_payload writes it (zipfile reads it)."""


def _read_packed(payload: bytes) -> tuple[bytes, dict[str, bytes]] | None:
    """The record's JSON text and the attachments of an archive laid out exactly as
    :func:`pack_payload` writes it, read without :mod:`zipfile`; None for any other.

    Taken only when everything is as the packer makes it: one disk, no comment, no
    ZIP64, nothing before the first entry; entries back to back in directory order,
    each local header agreeing with its directory entry (flags, method, name) with no
    extra field; only the names, sizes and expansion :func:`check_entries` allows,
    none twice; stored or deflated content that ends exactly at its declared size and
    matches its CRC-32. So whatever it reads, :mod:`zipfile` reads the same (a test
    compares them on mutated archives); whatever it declines, :mod:`zipfile` reads
    or refuses with the reason. It never inflates beyond a declared size.
    """
    try:
        return _packed_entries(payload)
    except (_NotPackedError, struct.error, zlib.error, UnicodeDecodeError):
        return None


def _packed_entries(payload: bytes) -> tuple[bytes, dict[str, bytes]]:
    end = len(payload) - END_RECORD.size
    if end < 0:
        raise _NotPackedError
    signature, disk, directory_disk, here, total, size, offset, comment = END_RECORD.unpack_from(
        payload, end
    )
    if (
        signature != END_SIGNATURE
        or disk
        or directory_disk
        or here != total
        or comment
        or total > MAX_PAYLOAD_ENTRIES
        or offset + size != end
        or payload[max(end - 20, 0) : end - 16] == ZIP64_LOCATOR
    ):
        raise _NotPackedError
    view = memoryview(payload)
    position, next_local, expanded = offset, 0, 0
    record: bytes | None = None
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    for _ in range(total):
        fields = CENTRAL_ENTRY.unpack_from(payload, position)
        flags, method, crc = fields[5], fields[6], fields[9]
        packed, unpacked = fields[10], fields[11]
        name_length, extra_length, comment_length = fields[12], fields[13], fields[14]
        name_start = position + CENTRAL_ENTRY.size
        raw_name = payload[name_start : name_start + name_length]
        name = raw_name.decode("ascii")
        position = name_start + name_length
        if (
            fields[0] != CENTRAL_SIGNATURE
            or fields[3] > _PACKED_VERSION
            or flags & ~UTF8_NAMES
            or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or extra_length
            or comment_length
            or fields[15]
            or fields[18] != next_local
            or _entry_refusal(name, unpacked, packed) is not None
            or name in seen
        ):
            raise _NotPackedError
        local = LOCAL_HEADER.unpack_from(payload, next_local)
        start = next_local + LOCAL_HEADER.size + name_length
        if (
            local[0] != LOCAL_SIGNATURE
            or local[3] != flags
            or local[4] != method
            or local[10] != name_length
            or local[11]
            or payload[next_local + LOCAL_HEADER.size : start] != raw_name
        ):
            raise _NotPackedError
        next_local = start + packed
        expanded += unpacked
        if expanded > MAX_PAYLOAD_BYTES:
            # Checked before this entry is inflated, as zipfile's path checks the total
            # before it reads any: entries each within the limit add up to no more.
            raise _NotPackedError
        seen.add(name)
        if name == PAYLOAD_PADDING:
            continue
        content = _content(view[start:next_local], method, crc, unpacked)
        if name == PAYLOAD_RECORD:
            record = content
        else:
            files[name[len(PAYLOAD_ATTACHMENTS) :]] = content
    if next_local != offset or position != end or record is None:
        raise _NotPackedError
    return record, files


def _content(packed: memoryview, method: int, crc: int, size: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        if len(packed) != size:
            raise _NotPackedError
        content = bytes(packed)
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        # One byte more than declared at most: room to reach the end of the stream
        # (which the declared size alone might stop short of), and no more.
        content = inflater.decompress(packed, size + 1)
        if len(content) != size or not inflater.eof or inflater.unused_data:
            raise _NotPackedError
    if zlib.crc32(content) != crc:
        raise _NotPackedError
    return content
