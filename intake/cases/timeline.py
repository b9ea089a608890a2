"""A record's trajectory as a timeline: inline SVG made on the server.

One lane per episode kind; a bar from each episode's start to its end. Dates keep
their precision: the part of a bar that is only known to lie somewhere within a span
(a year-only start, an approximate month, a season) is drawn hatched and labelled as
said ("2018", not 2018-01-01); an unknown end runs open to the right edge, dashed;
a transfer from one episode to another is a connector. Every mark has a <title> for
screen readers. No script, no style attributes (the page's CSP), no other host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _gettext
from markupsafe import Markup, escape

from intake.interview import vocab
from intake.records.derived import date_bounds

#: Kinds that are a moment when no end is given (taken, released, left China, died).
POINT_KINDS = frozenset(
    {
        "taken_by_police",
        "released",
        "released_under_restrictions",
        "lost_contact",
        "died_in_custody",
        "died",
        "left_china",
    }
)
WIDTH, LABEL_WIDTH, LANE, TOP, RIGHT = 860, 230, 30, 30, 40
BAR = 14
SOLID, HATCH, OPEN = "#1f5f8b", "url(#tl-hatch)", "#7a7a7a"


@dataclass(frozen=True)
class Bar:
    """One episode placed on the time axis (None: not known)."""

    episode_id: str
    kind: str
    start: tuple[date | None, date | None]
    end: tuple[date | None, date | None]
    start_text: str
    end_text: str | None
    is_point: bool


def gettext(message: str, **params: object) -> str:
    """The message in the UI language (typed)."""
    return str(_gettext(message, **params))


def date_text(when: object) -> str:
    """A date with its precision, as said: "2018", "about 2018-06", "summer 2019"."""
    if not isinstance(when, Mapping):
        return gettext("date not known")
    precision, value = when.get("precision"), str(when.get("value") or "")
    if precision in ("day", "month", "year") and value:
        return value
    if precision == "season" and value:
        return gettext(
            "%(season)s %(year)s", season=vocab.label("season", when.get("season")), year=value
        )
    if precision == "approximate" and value:
        return gettext("about %(date)s", date=value)
    if precision == "before" and value:
        return gettext("before %(date)s", date=value)
    if precision == "after" and value:
        return gettext("after %(date)s", date=value)
    return gettext("date not known")


def _bars(episodes: Sequence[Mapping[str, Any]]) -> list[Bar]:
    bars = []
    for number, episode in enumerate(episodes, start=1):
        kind = str(episode.get("kind") or "other")
        end = episode.get("end")
        bars.append(
            Bar(
                episode_id=str(episode.get("id") or number),
                kind=kind,
                start=date_bounds(episode.get("start")),
                end=date_bounds(end),
                start_text=date_text(episode.get("start")),
                end_text=None if end is None else date_text(end),
                is_point=end is None and kind in POINT_KINDS,
            )
        )
    return bars


def _axis(bars: Sequence[Bar]) -> tuple[int, int]:
    """First and last year on the axis; an open end runs at least to this year."""
    days = [d for bar in bars for d in (*bar.start, *bar.end) if d is not None]
    if any(not bar.is_point and bar.end == (None, None) for bar in bars):
        days.append(date.today())
    if not days:
        this_year = date.today().year
        return this_year, this_year + 1
    return min(days).year, max(days).year + 1


class _Scale:
    def __init__(self, first_year: int, last_year: int) -> None:
        self.first = date(first_year, 1, 1).toordinal()
        self.span = max(date(last_year, 1, 1).toordinal() - self.first, 1)
        self.width = WIDTH - LABEL_WIDTH - RIGHT

    def x(self, day: date) -> float:
        return round(LABEL_WIDTH + (day.toordinal() - self.first) * self.width / self.span, 1)

    @property
    def right(self) -> float:
        return float(WIDTH - RIGHT)


def _rect(x1: float, x2: float, y: float, fill: str, **extra: str) -> str:
    attrs = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in extra.items())
    width = max(x2 - x1, 3.0)
    return f'<rect x="{x1}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{fill}"{attrs}/>'


def _episode_marks(bar: Bar, scale: _Scale, y: float) -> tuple[list[str], float, float]:
    """The shapes of one bar, and where it starts and ends on the axis."""
    early, late = bar.start
    start_x = scale.x(early) if early else LABEL_WIDTH
    sure_from = scale.x(late) if late else start_x
    marks = []
    if late is None or early is None or sure_from - start_x > 0.5:
        marks.append(_rect(start_x, max(sure_from, start_x + 3), y, HATCH, stroke=SOLID))
    end_early, end_late = bar.end
    if bar.is_point:
        if not marks:
            marks.append(_rect(start_x, start_x + 4, y, SOLID))
        return marks, start_x, max(sure_from, start_x + 4)
    if end_early is None and end_late is None:
        line_y = y + BAR / 2
        marks.append(_rect(sure_from, sure_from + 6, y, SOLID))
        marks.append(
            f'<line x1="{sure_from}" y1="{line_y}" x2="{scale.right}" y2="{line_y}" '
            f'stroke="{OPEN}" stroke-width="3" stroke-dasharray="6 4" marker-end="url(#tl-open)"/>'
        )
        return marks, start_x, scale.right
    sure_to = scale.x(end_early) if end_early else sure_from
    end_x = scale.x(end_late) if end_late else scale.right
    if sure_to > sure_from:
        marks.append(_rect(sure_from, sure_to, y, SOLID))
    if end_x - sure_to > 0.5:
        marks.append(_rect(sure_to, end_x, y, HATCH, stroke=SOLID))
    return marks, start_x, end_x


def _title(bar: Bar) -> str:
    kind = vocab.label("episode_kind", bar.kind)
    if bar.is_point:
        return gettext("%(kind)s: %(start)s", kind=kind, start=bar.start_text)
    if bar.end_text is None:
        return gettext("%(kind)s: from %(start)s, end not known", kind=kind, start=bar.start_text)
    return gettext(
        "%(kind)s: from %(start)s until %(end)s",
        kind=kind,
        start=bar.start_text,
        end=bar.end_text,
    )


_DEFS = (
    "<defs>"
    '<pattern id="tl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#dbe8f1"/>'
    f'<line x1="0" y1="0" x2="0" y2="6" stroke="{SOLID}" stroke-width="2"/></pattern>'
    '<marker id="tl-open" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
    f'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{OPEN}"/></marker>'
    '<marker id="tl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
    'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#b5651d"/></marker>'
    "</defs>"
)


def timeline_svg(episodes: Sequence[Mapping[str, Any]]) -> Markup:
    """The episodes as an accessible SVG timeline (empty markup when there are none)."""
    episodes = [e for e in episodes if isinstance(e, Mapping)]
    bars = _bars(episodes)
    if not bars:
        return Markup("")
    first_year, last_year = _axis(bars)
    lanes = list(dict.fromkeys(bar.kind for bar in bars))
    height = TOP + LANE * len(lanes) + 10
    scale = _Scale(first_year, last_year)
    title = escape(gettext("Trajectory timeline"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" aria-labelledby="tl-title" '
        f'font-family="sans-serif" font-size="12">',
        f'<title id="tl-title">{title}</title>',
        _DEFS,
    ]
    step = max(1, (last_year - first_year) // 12)
    for year in range(first_year, last_year + 1, step):
        x = scale.x(date(year, 1, 1))
        parts.append(
            f'<line class="year" x1="{x}" y1="{TOP - 6}" x2="{x}" y2="{height - 6}" '
            'stroke="#d0d0d0"/>'
            f'<text x="{x + 2}" y="{TOP - 10}" fill="#444">{year}</text>'
        )
    ends: dict[str, tuple[float, float, float]] = {}
    for lane, kind in enumerate(lanes):
        y = TOP + lane * LANE + (LANE - BAR) / 2
        label = escape(vocab.label("episode_kind", kind))
        parts.append(f'<text class="lane" x="4" y="{y + BAR - 2}" fill="#222">{label}</text>')
        for bar in (b for b in bars if b.kind == kind):
            marks, x1, x2 = _episode_marks(bar, scale, y)
            ends[bar.episode_id] = (x1, x2, y + BAR / 2)
            parts.append(
                f'<g class="episode" data-episode="{escape(bar.episode_id)}">'
                f"<title>{escape(_title(bar))}</title>{''.join(marks)}"
                f'<text x="{x1}" y="{y - 2}" font-size="10" fill="#222">'
                f"{escape(bar.start_text)}</text></g>"
            )
    parts += _connectors(episodes, ends)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)


def _connectors(
    episodes: Sequence[Mapping[str, Any]], ends: Mapping[str, tuple[float, float, float]]
) -> list[str]:
    lines = []
    for episode in episodes:
        source = (episode.get("transfer_from") or {}).get("episode_id")
        target = str(episode.get("id") or "")
        if source not in ends or target not in ends:
            continue
        _, x1, y1 = ends[str(source)]
        x2, _, y2 = ends[target]
        mode = (episode.get("transfer_from") or {}).get("mode")
        text = gettext("Transferred")
        if mode:
            text += f": {vocab.label('transfer_mode', mode)}"
        lines.append(
            f'<g class="transfer"><title>{escape(text)}</title>'
            f'<path d="M{x1},{y1} C{x1 + 20},{y1} {x2 - 20},{y2} {x2},{y2}" fill="none" '
            'stroke="#b5651d" stroke-width="2" marker-end="url(#tl-arrow)"/></g>'
        )
    return lines
