"""The ZIP records (APPNOTE.TXT) that the project's own archives are read by directly,
without zipfile: bundles (intake.delivery.bundles) and sealed testimony archives
(intake.records.attachments)."""

from __future__ import annotations

import struct

#: A local file header (4.3.7): signature, version, system, flags, method, time, date,
#: CRC-32, sizes, name and extra field lengths.
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
LOCAL_SIGNATURE = b"PK\x03\x04"
#: A central directory entry (4.3.12).
CENTRAL_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
CENTRAL_SIGNATURE = b"PK\x01\x02"
#: The end of central directory record (4.3.16); the project's writers add no comment.
END_RECORD = struct.Struct("<4s4H2LH")
END_SIGNATURE = b"PK\x05\x06"
#: The ZIP64 end of central directory locator, just before the end record when present.
ZIP64_LOCATOR = b"PK\x06\x07"
#: General purpose flag: the name is UTF-8.
UTF8_NAMES = 0x800
