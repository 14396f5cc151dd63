"""Charts drawn on the server as SVG, so that the page and the PDF show the same picture.

Plain string building with every text escaped; no JavaScript, no library (three chart types do not pay for
one). Each chart is accessible on its own: role="img", a <title> and a <desc> it is labelled by, the numbers
written on the bars and cells, series told apart by more than colour (dash and marker), and the same numbers
as a table (`Chart.columns`, `Chart.rows`) that the page shows beside it. Colours are presentation attributes,
never inline style, so the web's Content-Security-Policy (no inline style) lets them through.

The output is deterministic: the same data gives the same bytes (numbers rounded to fixed decimals, ids from
the chart's key), so a finished report's stored charts can be compared with a new rendering.

A value may be a suppressed count's mark instead of a number ("< 5": fewer than the threshold; "..": hidden so
that a small count cannot be worked out; reporting's domain/suppression.py): no bar or point is drawn for it,
the mark is written where the bar would stand, and the table holds it as it is.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
TEXT_COLOUR = "#1b1b1b"
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#d9d9d9"
# Dark enough against white for graphics (WCAG 1.4.11, 3:1 and more) and apart from each other for most
# colour vision; series differ in dash and marker as well.
PALETTE = ("#1f5f8b", "#b3541e", "#2e7d32", "#6a3d9a", "#7a6200", "#4d4d4d")
DASHES = ("", "6 4", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "diamond", "triangle")
LABEL_MAX = 60  # characters of a category label drawn in the chart; the table holds the whole text

_KEY = re.compile(r"[^a-z0-9_-]+")
SUPPRESSED = re.compile(r"^(\.\.|< \d{1,3})$")  # the marks of a suppressed count


def is_suppressed(value) -> bool:
    return isinstance(value, str) and bool(SUPPRESSED.match(value))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple  # one number (or None: no value; or a suppressed count's mark) per category


@dataclass(frozen=True)
class Chart:
    """A rendered chart: its SVG and its numbers as a table (header `columns`, then `rows`)."""
    key: str
    kind: str
    title: str
    description: str
    svg: str
    columns: tuple
    rows: tuple

    def to_dict(self) -> dict:
        return {"key": self.key, "kind": self.kind, "title": self.title, "description": self.description,
                "svg": self.svg, "columns": list(self.columns), "rows": [list(row) for row in self.rows]}

    @classmethod
    def from_dict(cls, data: dict) -> "Chart":
        return cls(data["key"], data["kind"], data["title"], data["description"], data["svg"],
                   tuple(data["columns"]), tuple(tuple(row) for row in data["rows"]))


@dataclass(frozen=True)
class HeatLevel:
    """A level of the tenant's risk matrix as the chart needs it: code, Swedish label, colour (#rrggbb)."""
    code: str
    label: str
    colour: str


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def _x(text) -> str:
    """Text or attribute value, escaped for XML (quotes too)."""
    return escape(str(text), quote=True)


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros, never '-0'."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_number(value) -> str:
    """A number as a Swedish reader writes it: decimal comma, a space between thousands; None is '–'; a
    suppressed count's mark as it is."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        whole, _, decimals = f"{value:,.1f}".partition(".")
        return whole.replace(",", "\u00a0") + "," + decimals
    return f"{int(value):,}".replace(",", "\u00a0")


def _clip(label: str) -> str:
    label = str(label)
    return label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1] + "…"


def _key(key: str) -> str:
    cleaned = _KEY.sub("-", str(key).lower()).strip("-")
    return cleaned or "chart"


def nice_max(value: float) -> tuple[float, float]:
    """An axis maximum at or above `value` and its tick step: 1, 2 or 5 times a power of ten, 4-6 ticks."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = factor * power
        if step >= raw:
            break
    if step < 1 and float(value).is_integer():
        step = 1.0  # counts: no tick at half a case
    return math.ceil(value / step) * step, float(step)


def _numbers(series: list[Series]) -> list[float]:
    return [v for each in series for v in each.values if _number(v)]


def _check(categories, series: list[Series]) -> None:
    for each in series:
        if len(each.values) != len(categories):
            raise ValueError(f"series {each.label!r} has {len(each.values)} values for {len(categories)} categories")
        for value in each.values:
            if value is not None and not is_suppressed(value) and (
                    not _number(value) or not math.isfinite(value) or value < 0):
                raise ValueError("chart values are finite numbers of zero or more, None, or a suppressed count's "
                                 "mark")


def _open(key: str, width: int, height: int, title: str, description: str) -> list[str]:
    ident = f"chart-{key}"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{_x(FONT)}" font-size="12" fill="{TEXT_COLOUR}">',
        f'<title id="{ident}-title">{_x(title)}</title>',
        f'<desc id="{ident}-desc">{_x(description)}</desc>',
    ]


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def _legend(series: list[Series], x: float, y: float, *, lines: bool) -> list[str]:
    """One entry per series, left to right: its swatch (with its dash and marker for lines) and its name."""
    parts = ['<g class="legend">']
    for index, each in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        if lines:
            dash = DASHES[index % len(DASHES)]
            parts.append(f'<line x1="{_n(x)}" y1="{_n(y - 4)}" x2="{_n(x + 24)}" y2="{_n(y - 4)}" stroke="{colour}" '
                         f'stroke-width="2"{_dash(dash)}/>')
            parts.append(_marker(MARKERS[index % len(MARKERS)], x + 12, y - 4, colour))
        else:
            parts.append(f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{_n(x + 30 if lines else x + 18)}" y="{_n(y)}">{_x(_clip(each.label))}</text>')
        x += 48 + 7 * min(len(each.label), LABEL_MAX)
    parts.append("</g>")
    return parts


def _marker(shape: str, x: float, y: float, colour: str, title: str | None = None) -> str:
    """A point's marker; with a title, a pointer over it (and some screen readers) gives the value."""
    inner = f"<title>{_x(title)}</title>" if title else ""
    if shape == "square":
        tag, attrs = "rect", f'x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7"'
    elif shape == "diamond":
        tag, attrs = "polygon", (f'points="{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y)} {_n(x)},{_n(y + 4.5)} '
                                 f'{_n(x - 4.5)},{_n(y)}"')
    elif shape == "triangle":
        tag, attrs = "polygon", (f'points="{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y + 3.5)} '
                                 f'{_n(x - 4.5)},{_n(y + 3.5)}"')
    else:
        tag, attrs = "circle", f'cx="{_n(x)}" cy="{_n(y)}" r="4"'
    return f'<{tag} {attrs} fill="{colour}">{inner}</{tag}>' if inner else f'<{tag} {attrs} fill="{colour}"/>'


def _table(category_heading: str, categories, series: list[Series]) -> tuple[tuple, tuple]:
    columns = (category_heading, *(each.label for each in series))
    rows = tuple((str(category), *(each.values[i] for each in series)) for i, category in enumerate(categories))
    return columns, rows


def _describe(kind_sv: str, categories, series: list[Series], unit: str) -> str:
    """A sentence a screen reader says after the title: what is plotted, and each series' total and peak."""
    if not categories or not series:
        return f"{kind_sv} utan värden."
    parts = [f"{kind_sv} med {len(categories)} staplar per serie" if kind_sv == "Stapeldiagram"
             else f"{kind_sv} med {len(categories)} punkter per serie"]
    for each in series:
        values = [v for v in each.values if _number(v)]
        hidden = sum(1 for v in each.values if is_suppressed(v))
        not_shown = f", {hidden} dolda små tal" if hidden else ""
        if not values:
            parts.append(f"{each.label}: inga värden{not_shown}")
            continue
        peak = max(values)
        where = str(categories[each.values.index(peak)])
        counted = "totalt" if not hidden else "totalt av de visade"
        parts.append(f"{each.label}: {counted} {format_number(sum(values))} {unit}, högst {format_number(peak)} "
                     f"({where}){not_shown}")
    return "; ".join(parts) + ". Siffrorna finns också i tabellen intill."


# --------------------------------------------------------------------------
# Bar chart
# --------------------------------------------------------------------------

def bar_chart(key: str, title: str, categories, series, *, category_heading: str = "Kategori",
              unit: str = "st", horizontal: bool | None = None, description: str | None = None,
              plot_width: int = 360) -> Chart:
    """Bars per category (a month, a unit, a kind), one bar per series in each group, each with its value
    written on it. Horizontal when asked, or when the labels are long (unit names), so that they stay legible.
    `plot_width` is the horizontal bars' length at full scale: a page read on a phone (360 px) asks for less, so
    that the chart is not scaled down to text too small to read."""
    categories = [str(c) for c in categories]
    series = list(series)
    _check(categories, series)
    key = _key(key)
    if horizontal is None:
        horizontal = any(len(c) > 6 for c in categories) or len(categories) > 14
    description = description or _describe("Stapeldiagram", categories, series, unit)
    top, _step = nice_max(max(_numbers(series), default=0))
    if horizontal:
        svg = _horizontal_bars(key, title, description, categories, series, top, _step, plot_width)
    else:
        svg = _vertical_bars(key, title, description, categories, series, top, _step)
    columns, rows = _table(category_heading, categories, series)
    return Chart(key, "bar", title, description, svg, columns, rows)


def _vertical_bars(key, title, description, categories, series, top, step) -> str:
    left, right, top_margin, bottom = 48, 16, 16, 56 if len(series) > 1 else 40
    group = max(40, 12 + 18 * len(series))
    plot_w = max(320, group * len(categories))
    plot_h = 220
    width, height = left + plot_w + right, top_margin + plot_h + bottom
    out = _open(key, width, height, title, description)
    out += _value_axis_horizontal_lines(left, top_margin, plot_w, plot_h, top, step)
    slot = plot_w / max(1, len(categories))
    bar_w = min(28.0, (slot - 8) / max(1, len(series)))
    out.append('<g class="bars">')
    for i, category in enumerate(categories):
        x0 = left + i * slot + (slot - bar_w * len(series)) / 2
        for s, each in enumerate(series):
            value = each.values[i]
            if value is None:
                continue
            if is_suppressed(value):  # no bar: the mark stands on the axis
                out.append(f'<text x="{_n(x0 + s * bar_w + (bar_w - 2) / 2)}" y="{_n(top_margin + plot_h - 3)}" '
                           f'text-anchor="middle" font-size="10">{_x(value)}</text>')
                continue
            h = plot_h * value / top
            x, y = x0 + s * bar_w, top_margin + plot_h - h
            out.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bar_w - 2)}" height="{_n(h)}" '
                       f'fill="{PALETTE[s % len(PALETTE)]}"><title>{_x(category)}, {_x(each.label)}: '
                       f'{_x(format_number(value))}</title></rect>')
            out.append(f'<text x="{_n(x + (bar_w - 2) / 2)}" y="{_n(y - 3)}" text-anchor="middle" '
                       f'font-size="10">{_x(format_number(value))}</text>')
    out.append("</g>")
    out.append(f'<line x1="{left}" y1="{top_margin + plot_h}" x2="{left + plot_w}" y2="{top_margin + plot_h}" '
               f'stroke="{AXIS_COLOUR}"/>')
    out.append('<g class="categories" text-anchor="middle">')
    for i, category in enumerate(categories):
        out.append(f'<text x="{_n(left + i * slot + slot / 2)}" y="{top_margin + plot_h + 16}">'
                   f'{_x(_clip(category))}</text>')
    out.append("</g>")
    if len(series) > 1:
        out += _legend(series, left, height - 10, lines=False)
    out.append("</svg>")
    return "".join(out)


def _value_axis_horizontal_lines(left, top_margin, plot_w, plot_h, top, step) -> list[str]:
    out = ['<g class="value-axis" text-anchor="end">']
    ticks = int(round(top / step))
    for t in range(ticks + 1):
        value = step * t
        y = top_margin + plot_h - plot_h * value / top
        out.append(f'<line x1="{left}" y1="{_n(y)}" x2="{left + plot_w}" y2="{_n(y)}" stroke="{GRID_COLOUR}"/>')
        out.append(f'<text x="{left - 6}" y="{_n(y + 4)}">{_x(format_number(value))}</text>')
    out.append("</g>")
    return out


def _horizontal_bars(key, title, description, categories, series, top, step, plot_w: int = 360) -> str:
    longest = max((len(_clip(c)) for c in categories), default=4)
    left = min(360, 16 + 7 * longest)
    right, top_margin = 48, 24
    row = max(22, 6 + 16 * len(series))
    plot_h = row * max(1, len(categories))
    bottom = 44 if len(series) > 1 else 20
    width, height = left + plot_w + right, top_margin + plot_h + bottom
    out = _open(key, width, height, title, description)
    out.append('<g class="value-axis" text-anchor="middle">')
    for t in range(int(round(top / step)) + 1):
        value = step * t
        x = left + plot_w * value / top
        out.append(f'<line x1="{_n(x)}" y1="{top_margin}" x2="{_n(x)}" y2="{top_margin + plot_h}" '
                   f'stroke="{GRID_COLOUR}"/>')
        out.append(f'<text x="{_n(x)}" y="{top_margin - 8}">{_x(format_number(value))}</text>')
    out.append("</g>")
    bar_h = (row - 6) / max(1, len(series))
    out.append('<g class="bars">')
    for i, category in enumerate(categories):
        y0 = top_margin + i * row + 3
        out.append(f'<text x="{left - 6}" y="{_n(y0 + (row - 6) / 2 + 4)}" text-anchor="end">'
                   f'{_x(_clip(category))}</text>')
        for s, each in enumerate(series):
            value = each.values[i]
            if value is None:
                continue
            if is_suppressed(value):  # no bar: the mark stands at the axis
                out.append(f'<text x="{left + 4}" y="{_n(y0 + s * bar_h + bar_h / 2 + 3)}" font-size="10">'
                           f'{_x(value)}</text>')
                continue
            w = plot_w * value / top
            y = y0 + s * bar_h
            out.append(f'<rect x="{left}" y="{_n(y)}" width="{_n(w)}" height="{_n(bar_h - 1)}" '
                       f'fill="{PALETTE[s % len(PALETTE)]}"><title>{_x(category)}, {_x(each.label)}: '
                       f'{_x(format_number(value))}</title></rect>')
            out.append(f'<text x="{_n(left + w + 4)}" y="{_n(y + bar_h / 2 + 3)}" font-size="10">'
                       f'{_x(format_number(value))}</text>')
    out.append("</g>")
    out.append(f'<line x1="{left}" y1="{top_margin}" x2="{left}" y2="{top_margin + plot_h}" stroke="{AXIS_COLOUR}"/>')
    if len(series) > 1:
        out += _legend(series, left, height - 10, lines=False)
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------
# Line chart
# --------------------------------------------------------------------------

def line_chart(key: str, title: str, categories, series, *, category_heading: str = "Månad", unit: str = "st",
               description: str | None = None) -> Chart:
    """A trend: one line per series (this year, last year) over the same categories (months); a missing value
    breaks the line. Each series has its own colour, dash and marker, and a legend in words."""
    categories = [str(c) for c in categories]
    series = list(series)
    _check(categories, series)
    key = _key(key)
    description = description or _describe("Linjediagram", categories, series, unit)
    top, step = nice_max(max(_numbers(series), default=0))
    left, right, top_margin, bottom = 48, 24, 16, 56
    slot = max(40, 480 / max(1, len(categories)))
    plot_w, plot_h = slot * max(1, len(categories)), 220
    width, height = int(left + plot_w + right), top_margin + plot_h + bottom
    out = _open(key, width, height, title, description)
    out += _value_axis_horizontal_lines(left, top_margin, plot_w, plot_h, top, step)
    out.append(f'<line x1="{left}" y1="{top_margin + plot_h}" x2="{_n(left + plot_w)}" y2="{top_margin + plot_h}" '
               f'stroke="{AXIS_COLOUR}"/>')
    out.append('<g class="categories" text-anchor="middle">')
    for i, category in enumerate(categories):
        out.append(f'<text x="{_n(left + i * slot + slot / 2)}" y="{top_margin + plot_h + 16}">'
                   f'{_x(_clip(category))}</text>')
    out.append("</g>")
    for s, each in enumerate(series):
        colour, dash = PALETTE[s % len(PALETTE)], DASHES[s % len(DASHES)]
        out.append(f'<g class="series" stroke="{colour}" fill="{colour}">')
        runs: list[list[tuple[float, float]]] = [[]]
        points = []
        for i, value in enumerate(each.values):
            if value is None or is_suppressed(value):  # a gap: the table says which
                runs.append([])
                continue
            point = (left + i * slot + slot / 2, top_margin + plot_h - plot_h * value / top)
            runs[-1].append(point)
            points.append((i, value, point))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                out.append(f'<polyline points="{path}" fill="none" stroke-width="2"'
                           f'{_dash(dash)}/>')
        for i, value, (x, y) in points:
            out.append(_marker(MARKERS[s % len(MARKERS)], x, y, colour,
                               f"{categories[i]}, {each.label}: {format_number(value)}"))
        out.append("</g>")
    out += _legend(series, left, height - 10, lines=True)
    out.append("</svg>")
    columns, rows = _table(category_heading, categories, series)
    return Chart(key, "line", title, description, "".join(out), columns, rows)


# --------------------------------------------------------------------------
# Heat map of a risk matrix
# --------------------------------------------------------------------------

def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def text_colour_on(colour: str) -> str:
    """Black or white, whichever contrasts more with the cell's colour."""
    lum = _luminance(colour)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def heat_map(key: str, title: str, *, row_labels, column_labels, counts, cell_levels, levels,
             row_heading: str = "Sannolikhet", column_heading: str = "Konsekvens", unit: str = "risker",
             description: str | None = None) -> Chart:
    """A matrix of counts: rows (probability steps, drawn top to bottom as given), columns (consequence steps),
    each cell filled with its level's colour (the tenant's matrix, passed in as data) and showing its count and
    its level's name."""
    row_labels, column_labels = [str(r) for r in row_labels], [str(c) for c in column_labels]
    levels = {level.code: level for level in levels}
    for level in levels.values():
        if not _COLOUR.match(level.colour):
            raise ValueError("a level's colour is #rrggbb")
    if len(counts) != len(row_labels) or any(len(r) != len(column_labels) for r in counts):
        raise ValueError("counts has one row per row label and one value per column label")
    if len(cell_levels) != len(row_labels) or any(len(r) != len(column_labels) for r in cell_levels):
        raise ValueError("cell_levels has the shape of counts")
    for row in cell_levels:
        for code in row:
            if code not in levels:
                raise ValueError("every cell's level is one of the levels")
    key = _key(key)
    total = sum(sum(row) for row in counts)
    if description is None:
        busiest = max(((counts[r][c], r, c) for r in range(len(row_labels)) for c in range(len(column_labels))),
                      default=(0, 0, 0))
        description = (f"Värmekarta med {len(row_labels)} rader ({row_heading.lower()}) och {len(column_labels)} "
                       f"kolumner ({column_heading.lower()}): totalt {format_number(total)} {unit}")
        if busiest[0]:
            description += (f", flest ({format_number(busiest[0])}) i rutan {row_labels[busiest[1]]} / "
                            f"{column_labels[busiest[2]]}")
        description += ". Siffrorna finns också i tabellen intill."
    cell_w, cell_h = 96, 52
    left = min(220, 30 + 7 * max((len(_clip(r)) for r in row_labels), default=4))
    top_margin = 44
    used = {c for row in cell_levels for c in row}
    used_levels = [level for code, level in levels.items() if code in used]  # the matrix's order, lowest first
    width = max(left + cell_w * len(column_labels) + 16, 380)
    per_row = max(1, (width - 16) // 150)
    height = top_margin + cell_h * len(row_labels) + 34 + 18 * ((len(used_levels) + per_row - 1) // per_row)
    out = _open(key, width, height, title, description)
    out.append(f'<text x="{_n(left + cell_w * len(column_labels) / 2)}" y="14" text-anchor="middle" '
               f'font-weight="bold">{_x(column_heading)}</text>')
    out.append(f'<text x="10" y="{_n(top_margin + cell_h * len(row_labels) / 2)}" font-weight="bold" '
               f'transform="rotate(-90 10 {_n(top_margin + cell_h * len(row_labels) / 2)})" '
               f'text-anchor="middle">{_x(row_heading)}</text>')
    out.append('<g class="columns" text-anchor="middle">')
    for c, label in enumerate(column_labels):
        out.append(f'<text x="{_n(left + c * cell_w + cell_w / 2)}" y="{top_margin - 8}" font-size="11">'
                   f'{_x(_clip(label))}</text>')
    out.append("</g>")
    out.append('<g class="cells">')
    for r, label in enumerate(row_labels):
        y = top_margin + r * cell_h
        out.append(f'<text x="{left - 6}" y="{_n(y + cell_h / 2 + 4)}" text-anchor="end" font-size="11">'
                   f'{_x(_clip(label))}</text>')
        for c in range(len(column_labels)):
            level = levels[cell_levels[r][c]]
            count = counts[r][c]
            x = left + c * cell_w
            ink = text_colour_on(level.colour)
            out.append(f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{level.colour.lower()}" '
                       f'stroke="#ffffff" stroke-width="2"><title>{_x(label)} / {_x(column_labels[c])}: '
                       f'{_x(format_number(count))} {_x(unit)}, {_x(level.label)}</title></rect>')
            out.append(f'<text x="{_n(x + cell_w / 2)}" y="{_n(y + 24)}" text-anchor="middle" font-size="16" '
                       f'font-weight="bold" fill="{ink}">{_x(format_number(count))}</text>')
            out.append(f'<text x="{_n(x + cell_w / 2)}" y="{_n(y + 42)}" text-anchor="middle" font-size="10" '
                       f'fill="{ink}">{_x(_clip(level.label)[:16])}</text>')
    out.append("</g>")
    out.append('<g class="legend">')
    legend_top = top_margin + cell_h * len(row_labels) + 28
    for i, level in enumerate(used_levels):
        x, y = 16 + (i % per_row) * 150, legend_top + (i // per_row) * 18
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{level.colour.lower()}" '
                   f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>')
        out.append(f'<text x="{x + 18}" y="{y}">{_x(_clip(level.label))}</text>')
    out.append("</g>")
    out.append("</svg>")
    columns = (f"{row_heading} \\ {column_heading}", *column_labels)
    rows = tuple((label, *counts[r]) for r, label in enumerate(row_labels))
    return Chart(key, "heat_map", title, description, "".join(out), columns, rows)


__all__ = ["Series", "Chart", "HeatLevel", "bar_chart", "line_chart", "heat_map", "format_number", "nice_max",
           "text_colour_on", "PALETTE"]
