"""The world map, drawn on the server as an inline SVG: no JavaScript, no network, no tiles.

Shapes: Natural Earth admin-0 countries at 1:110m as quantized TopoJSON
(``data/countries-110m.topojson.json``, public domain, see ``data/SOURCES.md``).

Decoding (``decode_arcs``, ``geometry_polygons``) follows the TopoJSON specification: arcs are
quantized and delta-encoded (each position after the first is the difference from the previous
one); the ``transform`` turns the integers back into longitude/latitude; a negative arc index
``~i`` means arc ``i`` reversed; consecutive arcs of a ring share their end points, so the first
point of every arc after the first is dropped. Rings that cross the antimeridian (Russia, Fiji)
are cut there into pieces on either side (``split_at_antimeridian``). Nothing is simplified
beyond what the file holds (points that fall on the same SVG coordinate after rounding to
0.1 unit are written once).

Projection: Equal Earth (Šavrič, Patterson and Jenny, 2018), an equal-area projection, so that
the areas coloured compare fairly. Antarctica is left out (no State, and a large white band).

Joining shapes to our States (``state_for``): by ``isoA3``; where Natural Earth has no ISO code
(France and Norway carry ISO_A3 "-99" in Natural Earth because of their overseas parts and
Svalbard) by the feature id, which is the M49 numeric code; then by ``adm0A3``. Shapes that are
none of our States (Greenland, Western Sahara, Taiwan Province of China, Falkland Islands
(Malvinas), Puerto Rico, New Caledonia …) are drawn grey, without a value. States too small
for the 1:110m shapes (29 of them: Andorra, Bahrain, Malta, Singapore, the small island
States …) are listed under the map by ``unmapped`` so that none is silently missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

TOPOLOGY_PATH = Path(__file__).resolve().parent / "data" / "countries-110m.topojson.json"
OBJECT = "countries"
LEFT_OUT = frozenset({"ATA"})  # Antarctica

Point = tuple[float, float]
Ring = list[Point]
Polygon = list[Ring]

# --- TopoJSON -----------------------------------------------------------------------------


def decode_arcs(topology: Mapping[str, Any]) -> list[list[Point]]:
    """Every arc as absolute (longitude, latitude) points."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform:
            sx, sy = transform["scale"]
            tx, ty = transform["translate"]
            x = y = 0
            points: list[Point] = []
            for position in arc:
                x += position[0]
                y += position[1]
                points.append((x * sx + tx, y * sy + ty))
            arcs.append(points)
        else:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
    return arcs


def ring_points(indexes: Sequence[int], arcs: Sequence[Sequence[Point]]) -> Ring:
    """One ring from its arc indexes (``~i``: arc ``i`` reversed)."""
    ring: Ring = []
    for k, index in enumerate(indexes):
        arc = list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))
        ring.extend(arc if k == 0 else arc[1:])
    return ring


def geometry_polygons(
    geometry: Mapping[str, Any], arcs: Sequence[Sequence[Point]]
) -> list[Polygon]:
    """The polygons of a Polygon or MultiPolygon geometry (other types have no area: [])."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [[ring_points(r, arcs) for r in geometry["arcs"]]]
    if kind == "MultiPolygon":
        return [[ring_points(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
    return []


# --- The antimeridian ---------------------------------------------------------------------


def _unwrap(ring: Ring) -> Ring:
    """The ring with longitudes made continuous: a step of more than 180° is the ring crossing
    the antimeridian (Russia's Chukotka, Fiji), so 360° is added or taken away."""
    out: Ring = []
    shift = 0.0
    previous = None
    for lon, lat in ring:
        if previous is not None:
            step = lon + shift - previous
            if step > 180:
                shift -= 360
            elif step < -180:
                shift += 360
        previous = lon + shift
        out.append((lon + shift, lat))
    return out


def _cross(a: Point, b: Point, edge: float) -> Point:
    t = (edge - a[0]) / (b[0] - a[0])
    return edge, a[1] + t * (b[1] - a[1])


def _clip(ring: Ring, edge: float, keep_below: bool) -> Ring:
    """Sutherland–Hodgman: the part of the ring on one side of the meridian ``edge``."""

    def inside(p: Point) -> bool:
        return p[0] <= edge if keep_below else p[0] >= edge

    out: Ring = []
    for i, current in enumerate(ring):
        before = ring[i - 1]
        if inside(current):
            if not inside(before):
                out.append(_cross(before, current, edge))
            out.append(current)
        elif inside(before):
            out.append(_cross(before, current, edge))
    return out


def split_at_antimeridian(ring: Ring) -> list[Ring]:
    """A ring crossing the antimeridian as the pieces on either side of it (each within
    −180…180); other rings unchanged."""
    unwrapped = _unwrap(ring)
    if all(-180 <= lon <= 180 for lon, _lat in unwrapped):
        return [ring]
    pieces = []
    for offset in (-360.0, 0.0, 360.0):
        moved = [(lon + offset, lat) for lon, lat in unwrapped]
        piece = _clip(_clip(moved, 180.0, keep_below=True), -180.0, keep_below=False)
        if len(piece) >= 3:
            pieces.append(piece)
    return pieces


# --- Projection ---------------------------------------------------------------------------

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> Point:
    """Equal Earth, unit sphere: x in about ±2.707, y in about ±1.317 (north up, y grows up)."""
    lam = math.radians(longitude)
    theta = math.asin(_M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


# SVG user units: the projected world is WIDTH units wide.
WIDTH = 1000.0
_X_MAX = equal_earth(180.0, 0.0)[0]
_UNIT = WIDTH / (2 * _X_MAX)


@dataclass(frozen=True)
class Shape:
    """One Natural Earth feature, projected: its codes, its English name and its SVG path."""

    iso_a3: str
    adm0_a3: str
    m49: str
    name: str
    path: str


def _path(polygons: Iterable[Polygon], top: float) -> str:
    parts: list[str] = []
    for polygon in polygons:
        for ring in (piece for whole in polygon for piece in split_at_antimeridian(whole)):
            last = None
            coords: list[str] = []
            for lon, lat in ring:
                x, y = equal_earth(lon, lat)
                point = f"{(x + _X_MAX) * _UNIT:.1f} {(top - y) * _UNIT:.1f}"
                if point != last:
                    coords.append(point)
                    last = point
            if len(coords) >= 3:
                parts.append("M" + "L".join(coords) + "Z")
    return "".join(parts)


def _code(value: Any) -> str:
    value = str(value or "")
    return "" if value in ("-99", "None") else value


@lru_cache(maxsize=4)
def projected_shapes(path: str = str(TOPOLOGY_PATH)) -> tuple[tuple[Shape, ...], float, float]:
    """The projected shapes of a topology file, with the drawing's width and height.

    Cached: the file is read and projected once per process."""
    topology = json.loads(Path(path).read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    geometries = topology["objects"][OBJECT]["geometries"]
    kept = []
    for geometry in geometries:
        props = geometry.get("properties") or {}
        if props.get("isoA3") in LEFT_OUT or props.get("adm0A3") in LEFT_OUT:
            continue
        polygons = geometry_polygons(geometry, arcs)
        if polygons:
            kept.append((geometry, props, polygons))
    ys = [
        equal_earth(lon, lat)[1]
        for _g, _p, polygons in kept
        for polygon in polygons
        for ring in polygon
        for lon, lat in ring
    ]
    north, south = max(ys, default=1.317), min(ys, default=-1.317)
    margin = 0.02
    top = north + margin
    shapes = tuple(
        Shape(
            iso_a3=_code(props.get("isoA3")),
            adm0_a3=_code(props.get("adm0A3")),
            m49=str(geometry.get("id") or props.get("isoN3") or ""),
            name=str(props.get("name") or ""),
            path=_path(polygons, top),
        )
        for geometry, props, polygons in kept
    )
    height = (top - south + margin) * _UNIT
    return shapes, WIDTH, round(height, 1)


# --- Joining shapes and States ------------------------------------------------------------


@dataclass(frozen=True)
class MapState:
    """A State on the map: its figure for the measure shown, already labelled."""

    iso3: str
    m49: str
    name: str
    lang: str
    value: Decimal | int | None
    label: str  # the value as shown ("12", "40 %", "—")
    url: str


def state_for(shape: Shape, by_iso3: Mapping[str, Any], by_m49: Mapping[str, Any]) -> Any:
    """The State a shape draws, or None (see the module's docstring for the order)."""
    if shape.iso_a3 and shape.iso_a3 in by_iso3:
        return by_iso3[shape.iso_a3]
    if shape.m49 and shape.m49 in by_m49:
        return by_m49[shape.m49]
    if shape.adm0_a3 and shape.adm0_a3 in by_iso3:
        return by_iso3[shape.adm0_a3]
    return None


def mapped_iso3(states: Sequence[MapState], path: str = str(TOPOLOGY_PATH)) -> set[str]:
    by_iso3 = {s.iso3: s for s in states}
    by_m49 = {s.m49: s for s in states if s.m49}
    shapes, _w, _h = projected_shapes(path)
    found = (state_for(shape, by_iso3, by_m49) for shape in shapes)
    return {s.iso3 for s in found if s is not None}


def unmapped(states: Sequence[MapState], path: str = str(TOPOLOGY_PATH)) -> list[MapState]:
    """The States the shapes cannot show: to be listed beside the map."""
    drawn = mapped_iso3(states, path)
    return [s for s in states if s.iso3 not in drawn]


# --- Colours ------------------------------------------------------------------------------

# A sequential blue scale (light to dark), readable by people with the common colour-vision
# deficiencies; zero and "no value" have their own colours.
PALETTE = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
SEA = "#ffffff"
ZERO = "#efe9dc"  # a count of zero: light beige, apart from the blues and the greys
UNCOVERED = "#f4a261"  # coverage 0 %: the gaps, in orange so that they stand out
NO_VALUE = "#c4c4c4"
OTHER = "#e8e8e8"  # shapes that are not one of our States


@dataclass(frozen=True)
class ScaleClass:
    low: Decimal
    high: Decimal
    colour: str
    label: str


@dataclass(frozen=True)
class Scale:
    """Classes of values ``low <= v <= high`` (the last class includes its top)."""

    classes: tuple[ScaleClass, ...]
    zero_label: str
    no_value_label: str
    zero_colour: str = ZERO

    def colour(self, value: Decimal | int | None) -> str:
        if value is None:
            return NO_VALUE
        if value <= 0:
            return self.zero_colour
        for cls in self.classes:
            if value <= cls.high:
                return cls.colour
        return self.classes[-1].colour if self.classes else self.zero_colour


def count_scale(
    values: Iterable[Decimal | int | None],
    *,
    label: Callable[[int, int], str],
    zero_label: str,
    no_value_label: str,
) -> Scale:
    """Whole numbers in at most five classes of equal width, starting at 1."""
    top = int(max((v for v in values if v is not None), default=0))
    n = len(PALETTE)
    step = max(1, math.ceil(top / n))
    bounds = []
    low = 1
    while low <= top:
        high = min(top, low + step - 1)
        bounds.append((low, high))
        low = high + 1
    # Spread the classes used over the palette, so that few classes still go light to dark.
    last = len(bounds) - 1
    classes = tuple(
        ScaleClass(
            Decimal(lo),
            Decimal(hi),
            PALETTE[round(i * (n - 1) / last)] if last else PALETTE[-1],
            label(lo, hi),
        )
        for i, (lo, hi) in enumerate(bounds)
    )
    return Scale(classes, zero_label, no_value_label)


def share_scale(*, label: Callable[[int, int], str], zero_label: str, no_value_label: str) -> Scale:
    """Shares 0–1 in five fixed classes of 20 percentage points (0 has its own colour)."""
    classes = tuple(
        ScaleClass(Decimal(i) / 5, Decimal(i + 1) / 5, PALETTE[i], label(i * 20, (i + 1) * 20))
        for i in range(5)
    )
    return Scale(classes, zero_label, no_value_label, zero_colour=UNCOVERED)


# --- SVG ----------------------------------------------------------------------------------


def svg(
    *,
    states: Sequence[MapState],
    scale: Scale,
    title: str,
    path: str = str(TOPOLOGY_PATH),
    links: bool = True,
) -> SafeString:
    """The map as an inline ``<svg>``. Each State drawn is a link with ``data-iso3`` and a
    ``<title>`` (its name in the page's language and its value). The SVG is always laid out left
    to right (``dir="ltr"``), also on Arabic pages: it is a picture of the world, not text.

    ``links=False`` draws the same map without the links and titles, for paper and pictures."""
    shapes, width, height = projected_shapes(path)
    by_iso3 = {s.iso3: s for s in states}
    by_m49 = {s.m49: s for s in states if s.m49}
    out = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="worldmap" dir="ltr" '
            'viewBox="0 0 {} {}" role="group" aria-label="{}">',
            f"{width:g}",
            f"{height:g}",
            title,
        ),
        format_html("<title>{}</title>", title),
        f'<rect class="sea" x="0" y="0" width="100%" height="100%" fill="{SEA}"/>',
        '<g stroke="#ffffff" stroke-width="0.4" stroke-linejoin="round" fill-rule="evenodd">',
    ]
    for shape in shapes:
        state = state_for(shape, by_iso3, by_m49)
        if state is None:
            out.append(
                format_html('<path class="other" fill="{}" d="{}"/>', OTHER, mark_safe(shape.path))
            )
            continue
        if not links:
            out.append(
                format_html(
                    '<path data-iso3="{}" fill="{}" d="{}"/>',
                    state.iso3,
                    scale.colour(state.value),
                    mark_safe(shape.path),
                )
            )
            continue
        out.append(
            format_html(
                '<a href="{}"><path data-iso3="{}" fill="{}" d="{}">'
                '<title lang="{}">{}: {}</title></path></a>',
                state.url,
                state.iso3,
                scale.colour(state.value),
                mark_safe(shape.path),  # numbers and the letters M, L, Z only
                state.lang,
                state.name,
                state.label,
            )
        )
    out.append("</g></svg>")
    return mark_safe("".join(out))


def legend(scale: Scale, other_label: str = "") -> list[tuple[str, str, bool]]:
    """(colour, label, numeric) for the legend under the map, in order. Numeric labels (ranges
    such as "1–7") are to be shown left to right also on Arabic pages."""
    entries = [
        (NO_VALUE, scale.no_value_label, False),
        (scale.zero_colour, scale.zero_label, False),
    ]
    entries.extend((cls.colour, cls.label, True) for cls in scale.classes)
    if other_label:
        entries.append((OTHER, other_label, False))
    return entries
