"""Charts of the statistics, drawn on the server as SVG with matplotlib.

Text is drawn as glyph outlines (``svg.fonttype = "path"``) from the fonts the app
bundles in ``intake/static/fonts``, so Kazakh, Uyghur and Chinese labels look the
same on every computer and the SVG loads nothing from anywhere. matplotlib (3.11
and later) shapes Arabic script and lays it out right to left.

A suppressed count is drawn as a hatched bar up to the threshold, labelled with the
words for it ("fewer than 5"), never with its number; there is no numeric axis.
"""

from __future__ import annotations

import io
import tempfile
import textwrap
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from intake.exports.stats import THRESHOLD, Cell, cell_text

#: How text goes into the SVG: "path" (glyph outlines). Tests set "none" to read it.
SVG_FONTTYPE = "path"
FONTS_DIR = Path(__file__).resolve().parents[1] / "static" / "fonts"
#: Bundled fonts, in fallback order: Latin and Cyrillic, Arabic script, Chinese.
FONT_FILES = ("NotoSans-Regular", "NotoNaskhArabic-Regular", "NotoSansSC-Regular")
BAR_COLOUR = "#2f5d8a"
SMALL_COLOUR = "#d9d9d9"


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """Register the bundled fonts with matplotlib once; their family names.

    The fonts ship as WOFF2 for the browser; matplotlib reads TrueType, so each is
    unpacked once per process into a temporary folder (fonts only, nothing else).
    """
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    folder = Path(tempfile.mkdtemp(prefix="intake-fonts-"))
    families = []
    for name in FONT_FILES:
        target = folder / f"{name}.ttf"
        font = TTFont(FONTS_DIR / f"{name}.woff2")
        font.flavor = None
        font.save(target)
        font_manager.fontManager.addfont(str(target))
        families.append(font_manager.FontProperties(fname=str(target)).get_name())
    # matplotlib's own DejaVu Sans last, for signs such as ≥ that Noto Sans lacks.
    return (*families, "DejaVu Sans")


def _rc() -> dict[str, object]:
    return {
        "svg.fonttype": SVG_FONTTYPE,
        "svg.hashsalt": "intake-stats",
        "font.family": list(font_families()),
        "font.size": 10,
    }


def to_svg(figure: object) -> str:
    """The figure as an SVG document (no date, stable ids)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})  # type: ignore[attr-defined]
    return buffer.getvalue()


def bar_labels(cells: Sequence[Cell], small_text: str, withheld_text: str) -> list[str]:
    """The words written at the end of each bar: the same text the tables show."""
    return [cell_text(cell, small_text, withheld_text) for cell in cells]


def bar_chart(
    title: str,
    labels: Sequence[str],
    cells: Sequence[Cell],
    *,
    small_text: str,
    withheld_text: str,
    empty_text: str,
) -> str:
    """A horizontal bar chart of suppressed counts, as SVG text."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_rc()):
        height = 1.2 + 0.38 * max(len(cells), 1)
        figure = Figure(figsize=(7.5, height), layout="constrained")
        axes = figure.add_subplot()
        axes.set_title("\n".join(textwrap.wrap(title, 60)), loc="left")
        if not cells:
            axes.text(0.5, 0.5, empty_text, ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
            return to_svg(figure)
        widths = [cell.value if cell.is_shown else THRESHOLD for cell in cells]
        positions = list(range(len(cells)))
        bars = axes.barh(positions, widths, color=BAR_COLOUR)
        for bar, cell in zip(bars, cells, strict=True):
            if not cell.is_shown:
                bar.set_facecolor(SMALL_COLOUR)
                bar.set_hatch("///")
                bar.set_edgecolor("#7f7f7f")
        texts = bar_labels(cells, small_text, withheld_text)
        axes.bar_label(bars, labels=texts, padding=4)
        axes.set_yticks(positions, labels=list(labels))
        axes.invert_yaxis()
        axes.set_xlim(0, max(widths) * 1.45)
        axes.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        return to_svg(figure)
