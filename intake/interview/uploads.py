"""Attached files: the type is read from the content (magic bytes), never the name.

A file whose name claims another type than its content (a PDF named .png, text
named .jpg) is refused as disguised: someone may be hiding what it is.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import IO, Any

from intake.errors import N_, IntakeError
from intake.records.attachments import Attachment

#: Media type → the family of name endings that may carry it.
_EXTENSIONS = {
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
    "audio/mpeg": {"mp3"},
    "audio/mp4": {"m4a", "mp4", "aac"},
    "video/mp4": {"mp4", "m4v", "mov"},
    "audio/ogg": {"ogg", "oga", "opus"},
    "audio/wav": {"wav", "wave"},
    "video/webm": {"webm", "weba"},
}
_KNOWN_EXTENSIONS = set().union(*_EXTENSIONS.values()) | {
    "txt",
    "html",
    "htm",
    "exe",
    "zip",
    "doc",
    "docx",
    "gif",
    "svg",
    "js",
}
#: The longest file name kept for an attachment.
MAX_FILENAME = 200
#: Source kind suggested by the media type.
SOURCE_KINDS = {"image": "photo", "application": "document", "audio": "audio", "video": "video"}


class UnsupportedFileError(IntakeError):
    """The content is not one of the accepted file types."""


class DisguisedFileError(IntakeError):
    """The file's name claims another type than its content."""


class FileTooLargeError(IntakeError):
    """The file is larger than the workspace allows."""

    status = 413


def sniff(head: bytes) -> str | None:
    """The media type of content starting with ``head`` (at least 64 bytes if available)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm"
    return None


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """Read at most ``limit`` bytes; :class:`FileTooLargeError` if there is more."""
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise FileTooLargeError(
            N_("The file is larger than %(limit)s MB, the most this workspace accepts."),
            limit=f"{limit / 1_000_000:g}",
        )
    return content


def plain_filename(filename: str) -> str:
    """The name to keep for an uploaded file: its last path component, without control
    or format characters (a right-to-left override can make "exe.png" look like
    "png.exe"), at most :data:`MAX_FILENAME` characters with the ending kept."""
    visible = "".join(c for c in filename if unicodedata.category(c) not in ("Cc", "Cf"))
    name = visible.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        return "file"
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, ending = name.rpartition(".")
    if not dot or len(ending) > 10:
        return name[:MAX_FILENAME]
    return stem[: MAX_FILENAME - len(ending) - 1].rstrip() + "." + ending


def checked_attachment(content: bytes, filename: str) -> Attachment:
    """An attachment of ``content`` after its type is read and matched against its name.

    The name is reduced to :func:`plain_filename` before it is checked or stored.
    """
    filename = plain_filename(filename)
    media_type = sniff(content[:64])
    if media_type is None:
        raise UnsupportedFileError(
            N_(
                "This file is not a photo (JPEG, PNG, WebP), a PDF document or an audio or "
                "video recording (MP3, M4A/MP4, OGG, WAV, WebM), judging by its content."
            )
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in _KNOWN_EXTENSIONS and extension not in _EXTENSIONS[media_type]:
        raise DisguisedFileError(
            N_(
                "The file's name ends in .%(extension)s but its content is %(media_type)s. "
                "Disguised files are not accepted; check where it came from."
            ),
            extension=extension,
            media_type=media_type,
        )
    return Attachment.of(content, media_type=media_type, filename=filename)


def source_entry(item: Attachment, kind: str | None, description: str | None) -> dict[str, Any]:
    """The record's ``sources`` entry for an attachment (SHA-256 at capture)."""
    entry: dict[str, Any] = {
        "sha256": item.sha256,
        "media_type": item.media_type,
        "captured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kind": kind or SOURCE_KINDS.get(item.media_type.split("/")[0], "other"),
    }
    if description:
        entry["description"] = description
    return entry
