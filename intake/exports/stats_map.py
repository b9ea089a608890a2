"""Counts by prefecture of Xinjiang as a labelled tile map (SVG, matplotlib).

No openly licensed prefecture boundaries could be bundled (see
``schemas/reference/prefecture_tiles.json``), and no shapes are invented: each
prefecture is one square, placed roughly where it lies (north-west to south-east),
with its name and its suppressed count. Sizes and shapes are not geographic; the
page says so beside the map.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from intake.exports.stats import SMALL, Cell, cell_text
from intake.exports.stats_charts import SMALL_COLOUR, _rc, to_svg
from intake.records.derived import load_reference


@lru_cache(maxsize=1)
def tile_layout() -> dict[str, tuple[int, int]]:
    """Prefecture id -> (column, row) of its tile (schemas/reference/prefecture_tiles.json)."""
    data: dict[str, Any] = load_reference("prefecture_tiles")
    return {tile["prefecture_id"]: (tile["column"], tile["row"]) for tile in data["tiles"]}


def _shade(value: int, highest: int) -> str:
    from matplotlib import colormaps

    colour = colormaps["Blues"](0.2 + 0.45 * value / max(highest, 1))
    return "#{:02x}{:02x}{:02x}".format(*(round(channel * 255) for channel in colour[:3]))


def tile_map(
    title: str,
    cells: Mapping[str, Cell],
    name: Callable[[str], str],
    *,
    small_text: str,
    withheld_text: str,
) -> str:
    """The tile map as SVG text; ``cells`` by prefecture id, ``name`` gives a label."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    layout = tile_layout()
    shown = [cell.value or 0 for cell in cells.values() if cell.is_shown]
    highest = max(shown, default=0)
    columns = max(column for column, _row in layout.values()) + 1
    rows = max(row for _column, row in layout.values()) + 1
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(1.25 * columns, 1.1 * rows + 0.5), layout="constrained")
        axes = figure.add_subplot()
        axes.set_title("\n".join(textwrap.wrap(title, 50)), loc="left")
        for prefecture_id, (column, row) in layout.items():
            # A prefecture nobody named counts 0: shown like any count under 5.
            cell = cells.get(prefecture_id) or Cell(SMALL)
            if cell.is_shown:
                colour, count = _shade(cell.value or 0, highest), str(cell.value)
            else:
                colour, count = SMALL_COLOUR, cell_text(cell, small_text, withheld_text)
            tile = Rectangle((column, -row), 0.94, -0.94, facecolor=colour, edgecolor="#ffffff")
            if not cell.is_shown:
                tile.set_hatch("///")
            axes.add_patch(tile)
            label = "\n".join(textwrap.wrap(name(prefecture_id), 16)[:3])
            axes.text(column + 0.47, -row - 0.3, label, ha="center", va="center", fontsize=7)
            axes.text(column + 0.47, -row - 0.75, count, ha="center", va="center", fontsize=9)
        axes.set_xlim(0, columns)
        axes.set_ylim(-rows, 0)
        axes.set_aspect("equal")
        axes.set_axis_off()
        return to_svg(figure)
