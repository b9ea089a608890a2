"""Attachments: type by content, disguised and oversized files refused."""

from __future__ import annotations

import io

import pytest

from intake.interview.uploads import sniff
from tests.intake.conftest import csrf_token
from tests.intake.interview.conftest import SMALL_ATTACHMENT_LIMIT
from tests.intake.interview.journey import start_draft, tiny_png


def _upload(client, base: str, content: bytes, filename: str):
    page = client.get(f"{base}/attachments").get_data(as_text=True)
    return client.post(
        f"{base}/attachments",
        data={
            "csrf_token": csrf_token(page),
            "action": "save",
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "photo.png", "content is application/pdf"),
        (b"just some text, not a photo\n", "photo.jpg", "judging by its content"),
        (b"MZ\x90\x00 windows program", "report.pdf", "judging by its content"),
    ],
)
def test_disguised_or_unknown_files_are_refused(station_interviewer, content, filename, message):
    base = start_draft(station_interviewer)
    # When a file whose content does not match an accepted type or its name is sent
    page = _upload(station_interviewer, base, content, filename).get_data(as_text=True)
    # Then it is refused with a clear message, and nothing is attached
    assert message in page
    assert "No file attached yet." in page


def test_oversized_files_are_refused(station_interviewer):
    base = start_draft(station_interviewer)
    big = tiny_png() + b"\x00" * SMALL_ATTACHMENT_LIMIT
    page = _upload(station_interviewer, base, big, "big.png").get_data(as_text=True)
    assert "larger than" in page and "No file attached yet." in page


def test_a_png_is_attached_with_its_hash_and_can_be_removed(station_interviewer):
    import hashlib

    base = start_draft(station_interviewer)
    assert _upload(station_interviewer, base, tiny_png(), "scan.PNG").status_code == 302
    page = station_interviewer.get(f"{base}/attachments").get_data(as_text=True)
    digest = hashlib.sha256(tiny_png()).hexdigest()
    assert digest in page and "image/png" in page
    station_interviewer.post(
        f"{base}/attachments", data={"csrf_token": csrf_token(page), "remove": digest}
    )
    assert digest not in station_interviewer.get(f"{base}/attachments").get_data(as_text=True)


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00\x00\x00\x00", "audio/mpeg"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00", "audio/mp4"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00", "video/mp4"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"GIF89a", None),
    ],
)
def test_types_are_read_from_magic_bytes(head, media_type):
    assert sniff(head) == media_type
