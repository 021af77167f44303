"""The world map: TopoJSON decoding, the projection, joining shapes to States, the SVG."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from infobase.accounts.models import Role, User
from infobase.activities.selectors import map_figures
from infobase.needs.models import Need, NeedStatus
from infobase.reference.models import Article, State
from infobase.reports import worldmap
from tests.conftest import client_for

# A tiny topology: two squares sharing an edge, quantized and delta-encoded.
# transform: x = q * 0.5 + 10, y = q * 0.25 - 5.
#   arc 0: the shared edge (2,0)→(2,4) i.e. (11,-5)→(11,-4)
#   arc 1: left square's other sides (2,4)→(0,4)→(0,0)→(2,0)
#   arc 2: right square's other sides (2,0)→(4,0)→(4,4)→(2,4)
TINY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.25], "translate": [10, -5]},
    "arcs": [
        [[2, 0], [0, 4]],
        [[2, 4], [-2, 0], [0, -4], [2, 0]],
        [[2, 0], [2, 0], [0, 4], [-2, 0]],
    ],
    "objects": {
        "countries": {
            "type": "GeometryCollection",
            "geometries": [
                {
                    "type": "Polygon",
                    "id": "818",
                    "arcs": [[0, 1]],
                    "properties": {"isoA3": "EGY", "adm0A3": "EGY", "name": "Egypt"},
                },
                {
                    "type": "MultiPolygon",
                    "id": "250",
                    "arcs": [[[~0, 2]]],
                    "properties": {"isoA3": "-99", "adm0A3": "FRA", "name": "France"},
                },
                {"type": None, "id": "999", "properties": {"name": "Nothing"}},
            ],
        }
    },
}


def test_arcs_are_delta_decoded_and_transformed() -> None:
    arcs = worldmap.decode_arcs(TINY)
    assert arcs[0] == [(11.0, -5.0), (11.0, -4.0)]
    assert arcs[1] == [(11.0, -4.0), (10.0, -4.0), (10.0, -5.0), (11.0, -5.0)]
    assert arcs[2] == [(11.0, -5.0), (12.0, -5.0), (12.0, -4.0), (11.0, -4.0)]


def test_rings_join_arcs_and_reverse_negative_indexes() -> None:
    arcs = worldmap.decode_arcs(TINY)
    geometries = TINY["objects"]["countries"]["geometries"]  # type: ignore[index]
    left = worldmap.geometry_polygons(geometries[0], arcs)
    assert left == [[[(11.0, -5.0), (11.0, -4.0), (10.0, -4.0), (10.0, -5.0), (11.0, -5.0)]]]
    right = worldmap.geometry_polygons(geometries[1], arcs)
    # ~0 is arc 0 reversed: (11,-4)→(11,-5), then arc 2 without its first point.
    assert right == [[[(11.0, -4.0), (11.0, -5.0), (12.0, -5.0), (12.0, -4.0), (11.0, -4.0)]]]
    assert worldmap.geometry_polygons(geometries[2], arcs) == []


def test_topology_without_transform_is_read_as_plain_coordinates() -> None:
    plain = {"arcs": [[[1.5, 2.5], [3.0, 4.0]]]}
    assert worldmap.decode_arcs(plain) == [[(1.5, 2.5), (3.0, 4.0)]]


def test_equal_earth_projection_known_points() -> None:
    assert worldmap.equal_earth(0, 0) == (0.0, 0.0)
    x, _y = worldmap.equal_earth(180, 0)
    assert x == pytest.approx(2.7066, abs=1e-3)
    _x, y = worldmap.equal_earth(0, 90)
    assert y == pytest.approx(1.3173, abs=1e-3)
    # Symmetric about the equator and the central meridian.
    a = worldmap.equal_earth(30, 45)
    b = worldmap.equal_earth(-30, -45)
    assert a[0] == pytest.approx(-b[0]) and a[1] == pytest.approx(-b[1])


def _map_state(state: State, value: int | None = 0) -> worldmap.MapState:
    return worldmap.MapState(
        iso3=state.iso3,
        m49=state.m49,
        name=state.name_en,
        lang="en",
        value=value,
        label=str(value),
        url=f"/x/{state.iso3}",
    )


@pytest.mark.django_db
def test_tiny_topology_joins_by_iso3_then_m49(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    states = [_map_state(s) for s in State.objects.filter(iso3__in=["EGY", "FRA", "SEN"])]
    assert worldmap.mapped_iso3(states, str(path)) == {"EGY", "FRA"}
    assert [s.iso3 for s in worldmap.unmapped(states, str(path))] == ["SEN"]


@pytest.mark.django_db
def test_every_state_is_on_the_map_or_in_the_small_states_list() -> None:
    states = [_map_state(s) for s in State.objects.all()]
    drawn = worldmap.mapped_iso3(states)
    small = {s.iso3 for s in worldmap.unmapped(states)}
    everyone = {s.iso3 for s in states}
    assert drawn | small == everyone
    assert not drawn & small
    # France and Norway carry "-99" in Natural Earth: joined by their M49 codes.
    assert {"FRA", "NOR", "EGY", "BRA", "RUS", "FJI"} <= drawn
    assert {"MLT", "SGP", "TUV", "BHR"} <= small


@pytest.mark.django_db
def test_svg_paths_carry_codes_titles_and_scale_colours() -> None:
    states = [_map_state(s, 3 if s.iso3 == "EGY" else 0) for s in State.objects.all()]
    scale = worldmap.count_scale(
        [s.value for s in states],
        label=lambda lo, hi: f"{lo}-{hi}",
        zero_label="none",
        no_value_label="no data",
    )
    out = str(worldmap.svg(states=states, scale=scale, title="Open needs"))
    assert out.startswith("<svg") and 'dir="ltr"' in out.split(">", 1)[0]
    egypt = re.search(r'<path data-iso3="EGY" fill="([^"]+)"', out)
    assert egypt and egypt.group(1) == worldmap.PALETTE[-1]
    assert re.search(r'<path data-iso3="SEN" fill="' + worldmap.ZERO, out)
    assert '<title lang="en">Egypt: 3</title>' in out
    # The drawing is well-formed XML.
    from lxml import etree

    etree.fromstring(out.encode())


def test_count_scale_classes_cover_the_values() -> None:
    scale = worldmap.count_scale(
        [0, 1, 7, 12, None], label=lambda lo, hi: f"{lo}-{hi}", zero_label="0", no_value_label="-"
    )
    assert [(int(c.low), int(c.high)) for c in scale.classes] == [
        (1, 3),
        (4, 6),
        (7, 9),
        (10, 12),
    ]
    assert scale.colour(None) == worldmap.NO_VALUE
    assert scale.colour(0) == worldmap.ZERO
    assert scale.colour(12) == worldmap.PALETTE[-1]
    assert scale.colour(1) == worldmap.PALETTE[0]


# --- The page ------------------------------------------------------------------------------


def _need(state: State, number: int, *, status: str = NeedStatus.OPEN, **kw: object) -> Need:
    from datetime import date

    return Need.objects.create(
        state=state,
        article=Article.objects.get(instrument__code="untoc", number=number),
        kind="training",
        status=status,
        first_seen=date(2007, 1, 1),
        **kw,
    )


@pytest.mark.django_db
def test_needs_figures_recomputed_independently(
    egypt: State, senegal: State, focal_senegal: User
) -> None:
    _need(egypt, 16)
    _need(egypt, 18)
    _need(egypt, 20, status=NeedStatus.MET)
    _need(senegal, 20)
    _need(egypt, 24, confidential=True)
    figures = map_figures(measure="needs", user=focal_senegal)
    # Counted by hand: open, not merged, confidential ones of other States hidden.
    expected = {}
    for need in Need.objects.all():
        if need.status != NeedStatus.OPEN:
            continue
        if need.confidential and need.state_id != focal_senegal.state_id:
            continue
        expected[need.state.iso3] = expected.get(need.state.iso3, 0) + 1
    assert {k: v for k, v in figures.items() if v} == expected == {"EGY": 2, "SEN": 1}
    assert figures["FRA"] == 0
    assert len(figures) == State.objects.count()


@pytest.mark.django_db
def test_map_page_in_arabic_keeps_the_svg_left_to_right(egypt: State) -> None:
    user = User.objects.create_user("sec-ar", password="x", role=Role.SECRETARIAT, language="ar")
    _need(egypt, 16)
    client = client_for(user)
    with translation.override("ar"):
        response = client.get("/activities/map/?measure=needs", HTTP_ACCEPT_LANGUAGE="ar")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html.split("<body", 1)[0]
    svg_open = re.search(r"<svg[^>]*>", html)
    assert svg_open and 'dir="ltr"' in svg_open.group(0)
    # Egypt's title is in Arabic on an Arabic page, and every State is reachable.
    assert f'<title lang="ar">{egypt.name_ar}: 1</title>' in html
    for iso3 in State.objects.values_list("iso3", flat=True):
        assert f'data-iso3="{iso3}"' in html


@pytest.mark.django_db
def test_map_page_lists_small_states_with_values_and_links(secretariat: User) -> None:
    malta = State.objects.get(iso3="MLT")
    _need(malta, 16)
    html = client_for(secretariat).get("/activities/map/?measure=needs").content.decode()
    small = html.split("States too small for the map", 1)[1].split("<h2>", 1)[0]
    assert 'data-iso3="MLT"' in small and "?state=MLT" in small and ": <bdi>1</bdi>" in small
    assert 'data-iso3="EGY"' not in small


@pytest.mark.django_db
def test_map_measures_coverage_and_funding_render(secretariat: User, egypt: State) -> None:
    client = client_for(secretariat)
    for measure in ("coverage", "funding"):
        response = client.get(f"/activities/map/?measure={measure}")
        assert response.status_code == 200
        assert b"<svg" in response.content
    # The coverage map's classes are written as a report's map writes them («20–40%»).
    page = client.get("/activities/map/?measure=coverage").content.decode()
    assert "20–40%" in page and "20–40 %" not in page


def test_rings_crossing_the_antimeridian_are_cut_in_two() -> None:
    # A square from 170°E to 170°W: one piece on each side, none spanning the map.
    ring = [(170.0, 0.0), (-170.0, 0.0), (-170.0, 10.0), (170.0, 10.0), (170.0, 0.0)]
    pieces = worldmap.split_at_antimeridian(ring)
    assert len(pieces) == 2
    spans = sorted((min(p[0] for p in piece), max(p[0] for p in piece)) for piece in pieces)
    assert spans == [(-180.0, -170.0), (170.0, 180.0)]
    inside = [(10.0, 0.0), (20.0, 0.0), (20.0, 5.0), (10.0, 0.0)]
    assert worldmap.split_at_antimeridian(inside) == [inside]


def test_no_drawn_ring_jumps_across_the_map() -> None:
    # Russia and Fiji cross the antimeridian: no segment of the drawing may be wider than a
    # quarter of the map (the horizontal stripe a naive drawing makes).
    shapes, width, _height = worldmap.projected_shapes()
    widest = 0.0
    for shape in shapes:
        for ring in shape.path.split("M")[1:]:
            xs = [float(p.split()[0]) for p in ring.rstrip("Z").split("L")]
            widest = max(widest, *(abs(b - a) for a, b in itertools.pairwise(xs)))
    assert widest < width / 4
