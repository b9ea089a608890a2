"""Build the bundled Chinese font: Noto Sans CJK SC cut down to what the UI needs.

The app serves its own fonts (no request may leave the laptop), and the full CJK
font is about 16 MB per weight. This keeps the 6,763 Chinese characters of GB 2312
(the set nearly all modern simplified text stays within), every character of the
Chinese interface and codebook, and the CJK and full-width punctuation. Names typed
in rarer characters still show where the system has a CJK font (the stylesheet
falls back to it).

Run it with the font collection from Debian's fonts-noto-cjk package:

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb cjk
    .venv/bin/pip install fonttools brotli
    .venv/bin/python scripts/subset_cjk_font.py \
        cjk/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "intake/static/fonts/NotoSansSC-Regular.woff2"
FAMILY = "Noto Sans CJK SC"


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def interface_characters() -> set[str]:
    """Characters of the Chinese catalog and of the codebook's Chinese labels."""
    text = (ROOT / "intake/translations/zh/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    codebook = json.loads((ROOT / "schemas/codebook.json").read_text(encoding="utf-8"))
    labels = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            labels.extend(str(v) for k, v in value.items() if k == "zh")
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(codebook)
    return set(text) | set("".join(labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("collection", type=Path, help="NotoSansCJK-Regular.ttc")
    parser.add_argument("--out", type=Path, default=OUT, help=f"default: {OUT}")
    args = parser.parse_args()

    fonts = TTCollection(str(args.collection)).fonts
    font = next(f for f in fonts if f["name"].getDebugName(4) == FAMILY)
    punctuation = {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    wanted = {
        c for c in gb2312_characters() | interface_characters() | punctuation if ord(c) > 0x2E7F
    }
    cmap = font.getBestCmap()
    unicodes = sorted(ord(c) for c in wanted if ord(c) in cmap)

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(str(args.out))
    print(f"{args.out}: {len(unicodes)} characters, {args.out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
