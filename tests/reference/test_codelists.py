"""IATI codelists: the shipped files load completely, faithfully, idempotently and safely.

Expected values are read independently from the shared IATI codelists
(``shared/data/iati/codelists/``, beside the repository), never from the loader.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from infobase.core.errors import InvalidInput
from infobase.reference.loaders.codelists import DEFAULT_DIRECTORY, load_codelists
from infobase.reference.models import Codelist, CodelistItem

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data" / "iati" / "codelists"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason="the shared IATI codelists are not beside the repository"
)

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<codelist name="Tiny" xml:lang="en" complete="1">
    <metadata>
        <name><narrative>Tiny list</narrative></name>
        <description><narrative>A list for tests</narrative></description>
    </metadata>
    <codelist-items>
        <codelist-item>
            <code>A</code>
            <name>
                <narrative>Alpha</narrative>
                <narrative xml:lang="fr">Alpha (fr)</narrative>
            </name>
        </codelist-item>
        <codelist-item status="withdrawn">
            <code>B</code>
            <name><narrative>Beta</narrative></name>
            <category>1</category>
        </codelist-item>
    </codelist-items>
</codelist>
"""


def shared_tree(name: str) -> etree._ElementTree:
    return etree.parse(str(SHARED / name), etree.XMLParser(resolve_entities=False, no_network=True))


def shared_item(file: str, code: str) -> etree._Element:
    items = [
        item
        for item in shared_tree(file).iterfind("codelist-items/codelist-item")
        if (item.findtext("code") or "").strip() == code
    ]
    assert len(items) == 1
    return items[0]


def narrative(parent: etree._Element, lang: str) -> str:
    for node in parent.iterfind("narrative"):
        if (node.get(XML_LANG) or "en").lower() == lang:
            return " ".join((node.text or "").split())
    return ""


def row_counts() -> tuple[int, int]:
    return Codelist.objects.count(), CodelistItem.objects.count()


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped files ------------------------------------------------------------------


@needs_shared
def test_the_shipped_files_are_unaltered_copies_of_the_shared_codelists() -> None:
    shipped = sorted(DEFAULT_DIRECTORY.glob("*.xml"))
    assert len(shipped) >= 30
    for path in shipped:
        assert path.read_bytes() == (SHARED / path.name).read_bytes(), path.name
    assert (DEFAULT_DIRECTORY / "SOURCES.md").is_file()


@needs_shared
@pytest.mark.django_db
def test_it_loads_one_row_per_codelist_item_in_every_file() -> None:
    result = load_codelists()

    shipped = sorted(DEFAULT_DIRECTORY.glob("*.xml"))
    assert result.codelists == len(shipped) == Codelist.objects.count()
    expected_total = 0
    for path in shipped:
        root = shared_tree(path.name).getroot()
        expected = len(root.findall("codelist-items/codelist-item"))
        expected_total += expected
        assert CodelistItem.objects.filter(codelist__name=root.get("name")).count() == expected, (
            path.name
        )
    # The session fixture may already have loaded the codelists: count what is there.
    assert result.items_total == expected_total
    assert result.items_created + result.items_updated + result.items_unchanged == expected_total
    assert CodelistItem.objects.count() == expected_total


@needs_shared
@pytest.mark.django_db
def test_it_loads_the_english_names() -> None:
    load_codelists()

    item = CodelistItem.objects.get(codelist__name="Sector", code="15130")
    assert item.name_en == narrative(shared_item("Sector.xml", "15130").find("name"), "en")
    assert item.name_en == "Legal and judicial development"
    status = CodelistItem.objects.get(codelist__name="ActivityStatus", code="2")
    assert status.name_en == narrative(shared_item("ActivityStatus.xml", "2").find("name"), "en")


@needs_shared
@pytest.mark.django_db
def test_it_loads_the_french_names() -> None:
    load_codelists()

    for element in shared_tree("Sector.xml").iterfind("codelist-items/codelist-item"):
        code = element.findtext("code").strip()
        item = CodelistItem.objects.get(codelist__name="Sector", code=code)
        assert item.name_fr == narrative(element.find("name"), "fr"), code
    assert CodelistItem.objects.get(codelist__name="Sector", code="15130").name_fr
    # Country carries English only: no French invented.
    assert not CodelistItem.objects.filter(codelist__name="Country").exclude(name_fr="").exists()


@needs_shared
@pytest.mark.django_db
def test_it_loads_descriptions_categories_and_withdrawn_codes() -> None:
    load_codelists()

    element = shared_item("Sector.xml", "15130")
    item = CodelistItem.objects.get(codelist__name="Sector", code="15130")
    assert item.description_en == narrative(element.find("description"), "en")
    assert item.category == element.findtext("category").strip() == "151"
    assert item.withdrawn is False

    withdrawn = {
        e.findtext("code").strip()
        for e in shared_tree("Sector.xml").iterfind("codelist-items/codelist-item")
        if e.get("status") == "withdrawn"
    }
    assert withdrawn
    assert (
        set(
            CodelistItem.objects.filter(codelist__name="Sector", withdrawn=True).values_list(
                "code", flat=True
            )
        )
        == withdrawn
    )


@needs_shared
@pytest.mark.django_db
def test_it_loads_the_codelist_metadata() -> None:
    load_codelists()

    assert Codelist.objects.get(name="Sector").complete is True
    assert Codelist.objects.get(name="Country").complete is False  # complete="0" in the file
    status = Codelist.objects.get(name="ActivityStatus")
    metadata = shared_tree("ActivityStatus.xml").getroot().find("metadata")
    assert status.description == narrative(metadata.find("description"), "en")
    assert status.description


@needs_shared
@pytest.mark.django_db
def test_names_longer_than_the_column_are_shortened_and_kept_whole_in_the_description() -> None:
    load_codelists()

    longest = max(
        shared_tree("UNSDG-Targets.xml").iterfind("codelist-items/codelist-item"),
        key=lambda e: len(narrative(e.find("name"), "en")),
    )
    full = narrative(longest.find("name"), "en")
    item = CodelistItem.objects.get(
        codelist__name="UNSDG-Targets", code=longest.findtext("code").strip()
    )
    assert len(full) > 500
    assert len(item.name_en) <= 500
    assert item.name_en.endswith("…")
    assert full.startswith(item.name_en[:-1])
    assert item.description_en == full


# --- idempotency ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_second_load_creates_nothing_and_keeps_the_counts() -> None:
    first = load_codelists()
    counts = row_counts()
    ids = set(CodelistItem.objects.values_list("pk", flat=True))

    second = load_codelists()

    assert second.codelists_created == 0
    assert second.items_created == 0
    assert second.items_updated == 0
    assert second.items_deleted == 0
    assert second.items_unchanged == second.items_total == first.items_total
    assert row_counts() == counts
    assert set(CodelistItem.objects.values_list("pk", flat=True)) == ids


@pytest.mark.django_db
def test_it_updates_changed_items_in_place_and_deletes_vanished_ones(tmp_path: Path) -> None:
    write(tmp_path, "Tiny.xml", GOOD)
    first = load_codelists(directory=tmp_path)
    assert (first.codelists, first.items_created) == (1, 2)
    alpha_pk = CodelistItem.objects.get(codelist__name="Tiny", code="A").pk

    changed = GOOD.replace(">Alpha<", ">Alpha, renamed<").replace(
        """        <codelist-item status="withdrawn">
            <code>B</code>
            <name><narrative>Beta</narrative></name>
            <category>1</category>
        </codelist-item>
""",
        """        <codelist-item>
            <code>C</code>
            <name><narrative>Gamma</narrative></name>
        </codelist-item>
""",
    )
    write(tmp_path, "Tiny.xml", changed)
    second = load_codelists(directory=tmp_path)

    assert (second.items_created, second.items_updated, second.items_deleted) == (1, 1, 1)
    alpha = CodelistItem.objects.get(codelist__name="Tiny", code="A")
    assert alpha.pk == alpha_pk
    assert alpha.name_en == "Alpha, renamed"
    assert alpha.name_fr == "Alpha (fr)"
    assert sorted(
        CodelistItem.objects.filter(codelist__name="Tiny").values_list("code", flat=True)
    ) == ["A", "C"]


@pytest.mark.django_db
def test_it_reads_names_withdrawn_status_and_category_from_a_small_file(tmp_path: Path) -> None:
    write(tmp_path, "Tiny.xml", GOOD)
    load_codelists(directory=tmp_path)

    tiny = Codelist.objects.get(name="Tiny")
    assert tiny.complete is True
    assert tiny.description == "A list for tests"
    beta = CodelistItem.objects.get(codelist=tiny, code="B")
    assert (beta.name_en, beta.name_fr, beta.category, beta.withdrawn) == ("Beta", "", "1", True)


# --- refusals ---------------------------------------------------------------------------


def problems_text(excinfo: pytest.ExceptionInfo[InvalidInput]) -> str:
    return "\n".join(str(p) for p in excinfo.value.problems)


@pytest.mark.django_db
def test_it_refuses_malformed_xml_naming_the_file_and_line(tmp_path: Path) -> None:
    load_codelists()  # rows already there must survive the refusal untouched
    before = row_counts()
    write(tmp_path, "Tiny.xml", GOOD)
    write(
        tmp_path,
        "Broken.xml",
        '<codelist name="Broken">\n<codelist-items>\n<codelist-item><code>1</code>\n'
        "</codelist-items>\n</codelist>\n",
    )

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    (problem,) = excinfo.value.problems
    assert problem.file == "Broken.xml"
    assert problem.line == 4
    assert "Broken.xml, line 4" in str(excinfo.value)
    assert row_counts() == before
    assert not Codelist.objects.filter(name="Tiny").exists()


@pytest.mark.django_db
def test_it_refuses_a_duplicate_code_naming_the_file_and_line(tmp_path: Path) -> None:
    before = row_counts()
    duplicated = GOOD.replace("<code>B</code>", "<code>A</code>")
    write(tmp_path, "Tiny.xml", duplicated)
    expected_line = duplicated.splitlines().index('        <codelist-item status="withdrawn">') + 1

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    (problem,) = excinfo.value.problems
    assert (problem.file, problem.line) == ("Tiny.xml", expected_line)
    assert "“A”" in problem.message
    assert f"Tiny.xml, line {expected_line}" in str(excinfo.value)
    assert row_counts() == before


@pytest.mark.django_db
def test_it_refuses_an_item_without_a_code(tmp_path: Path) -> None:
    before = row_counts()
    write(tmp_path, "Tiny.xml", GOOD.replace("<code>A</code>", "<code>  </code>"))

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    (problem,) = excinfo.value.problems
    assert (problem.file, problem.line) == ("Tiny.xml", 8)
    assert row_counts() == before


@pytest.mark.django_db
def test_it_reports_the_problems_of_every_file_at_once_and_writes_nothing(tmp_path: Path) -> None:
    before = row_counts()
    write(tmp_path, "Good.xml", GOOD.replace('name="Tiny"', 'name="Good"'))
    write(tmp_path, "Dup.xml", GOOD.replace("<code>B</code>", "<code>A</code>"))
    write(tmp_path, "Bad.xml", "<codelist name='Bad'><oops></codelist>")

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    assert sorted(p.file for p in excinfo.value.problems) == ["Bad.xml", "Dup.xml"]
    assert all(p.line for p in excinfo.value.problems)
    assert row_counts() == before


@pytest.mark.django_db
def test_it_refuses_external_entities(tmp_path: Path) -> None:
    before = row_counts()
    write(
        tmp_path,
        "Evil.xml",
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<codelist name="Evil" xml:lang="en" complete="1">\n'
        "  <codelist-items>\n"
        "    <codelist-item><code>1</code><name><narrative>&e;</narrative></name></codelist-item>\n"
        "  </codelist-items>\n"
        "</codelist>\n",
    )

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    (problem,) = excinfo.value.problems
    assert (problem.file, problem.line) == ("Evil.xml", 2)
    assert "Evil.xml, line 2" in problems_text(excinfo)
    assert "root:" not in problems_text(excinfo)
    assert row_counts() == before
    assert not Codelist.objects.filter(name="Evil").exists()


@pytest.mark.django_db
def test_it_refuses_the_billion_laughs_and_expands_nothing(tmp_path: Path) -> None:
    before = row_counts()
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    write(
        tmp_path,
        "Laughs.xml",
        '<?xml version="1.0"?>\n'
        f"<!DOCTYPE lolz [{''.join(entities)}]>\n"
        '<codelist name="Laughs">\n'
        "  <codelist-items>\n"
        "    <codelist-item><code>1</code><name><narrative>&lol9;</narrative></name>"
        "</codelist-item>\n"
        "  </codelist-items>\n"
        "</codelist>\n",
    )

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    (problem,) = excinfo.value.problems
    assert problem.file == "Laughs.xml"
    # Refused either by libxml2's amplification guard or by the loader's DOCTYPE rule.
    assert problem.line in (1, 2)
    assert "lollol" not in problems_text(excinfo)
    assert row_counts() == before


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_a_codelist(tmp_path: Path) -> None:
    write(tmp_path, "Other.xml", "<iati-activities/>\n")

    with pytest.raises(InvalidInput) as excinfo:
        load_codelists(directory=tmp_path)

    (problem,) = excinfo.value.problems
    assert (problem.file, problem.line) == ("Other.xml", 1)
