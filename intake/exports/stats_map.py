"""Counts by prefecture of Xinjiang as a choropleth map (SVG, matplotlib).

The shapes are open boundary data bundled with the software
(``schemas/reference/prefecture_boundaries.geojson``: geoBoundaries gbHumanitarian
CHN ADM2, from OCHA ROAP via HDX, 2020, CC BY 3.0 IGO; where they come from and how
they were simplified is in ``prefecture_boundaries.json``). A prefecture whose count
is suppressed is drawn grey and hatched with the words for it, never with a number.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from intake.exports.stats import SMALL, Cell, cell_text
from intake.exports.stats_charts import SMALL_COLOUR, _rc, to_svg
from intake.records.derived import SCHEMAS_DIR, load_reference

BOUNDARIES = SCHEMAS_DIR / "reference" / "prefecture_boundaries.geojson"
Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Shape:
    """One prefecture's outline: polygons (outer ring, then holes), where its label goes."""

    prefecture_id: str
    polygons: tuple[tuple[Ring, ...], ...]
    label: tuple[float, float]
    callout: tuple[float, float] | None


def _rings(polygon: list[list[list[float]]]) -> tuple[Ring, ...]:
    return tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)


@lru_cache(maxsize=1)
def shapes() -> dict[str, Shape]:
    """Prefecture id -> its shape, from the bundled boundaries."""
    data: dict[str, Any] = load_reference("prefecture_boundaries", path=BOUNDARIES)
    out = {}
    for feature in data["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        callout = props.get("callout")
        out[props["prefecture_id"]] = Shape(
            props["prefecture_id"],
            tuple(_rings(polygon) for polygon in polygons),
            (props["label"][0], props["label"][1]),
            (callout[0], callout[1]) if callout else None,
        )
    return out


@lru_cache(maxsize=1)
def attribution() -> str:
    """The credit the boundary data's licence asks for (source, year, licence, changed)."""
    return str(load_reference("prefecture_boundaries")["attribution"])


def credit() -> dict[str, str]:
    """Source, year, licence and licence address, for the words under the map."""
    data: dict[str, str] = load_reference("prefecture_boundaries")["credit"]
    return data


def _shade(value: int, highest: int) -> str:
    from matplotlib import colormaps

    colour = colormaps["Blues"](0.2 + 0.45 * value / max(highest, 1))
    return "#{:02x}{:02x}{:02x}".format(*(round(channel * 255) for channel in colour[:3]))


def _patch(shape: Shape, colour: str, hatched: bool) -> Any:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for polygon in shape.polygons:
        for ring in polygon:
            vertices.extend(ring)
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(ring) - 2) + [Path.CLOSEPOLY])
    patch = PathPatch(Path(vertices, codes), facecolor=colour, edgecolor="#ffffff", lw=0.8)
    if hatched:
        patch.set_hatch("///")
    return patch


def _legend(axes: Any, small_text: str) -> None:
    from matplotlib.patches import Patch

    key = Patch(facecolor=SMALL_COLOUR, edgecolor="#ffffff", hatch="///", label=small_text)
    axes.legend(handles=[key], loc="lower left", frameon=False, fontsize=8)


def choropleth(
    title: str,
    cells: Mapping[str, Cell],
    name: Callable[[str], str],
    *,
    small_text: str,
    withheld_text: str,
) -> str:
    """The map as SVG text; ``cells`` by prefecture id, ``name`` gives a label."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    outlines = shapes()
    shown = [cell.value or 0 for cell in cells.values() if cell.is_shown]
    highest = max(shown, default=0)
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(9.0, 7.0), layout="constrained")
        axes = figure.add_subplot()
        axes.set_title("\n".join(textwrap.wrap(title, 70)), loc="left")
        for prefecture_id, shape in outlines.items():
            # A prefecture nobody named counts 0: shown like any count under 5.
            cell = cells.get(prefecture_id) or Cell(SMALL)
            if cell.is_shown:
                colour, count = _shade(cell.value or 0, highest), str(cell.value)
            else:
                colour, count = SMALL_COLOUR, cell_text(cell, small_text, withheld_text)
            axes.add_patch(_patch(shape, colour, hatched=not cell.is_shown))
            _write(axes, shape, "\n".join([*_name_lines(name(prefecture_id)), count]))
        _legend(axes, small_text)
        axes.text(1.0, 0.0, attribution(), transform=axes.transAxes, ha="right", fontsize=6)
        axes.set_xlim(73.0, 97.0)
        axes.set_ylim(34.0, 49.6)
        # Longitude and latitude as they are, a degree of longitude shortened to its
        # length at the middle latitude: near enough true shape at this size.
        axes.set_aspect(1 / math.cos(math.radians(42.0)))
        axes.set_axis_off()
        return to_svg(figure)


def _name_lines(text: str, width: int = 18, most: int = 4) -> list[str]:
    lines = textwrap.wrap(text, width)
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1] + " …"]
    return lines


def _write(axes: Any, shape: Shape, label: str) -> None:
    style = {"ha": "center", "va": "center", "fontsize": 7, "linespacing": 1.1}
    if shape.callout is None:
        axes.text(*shape.label, label, **style)
        return
    arrow = {"arrowstyle": "-", "color": "#555555", "lw": 0.6}
    axes.annotate(label, xy=shape.label, xytext=shape.callout, arrowprops=arrow, **style)
