"""Every real XLSForm survives import → XLSForm export → pyxform → XForm with all it says.

The XForm pyxform makes of the original workbook is compared with the one made of Infobase's
export: every label, hint and constraint/required message per language, every choice label per
language, and every relevance, constraint, calculation and choice filter.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from infobase.questionnaires.models import Questionnaire, ReportingCycle
from infobase.questionnaires.xlsform import (
    export_xform,
    export_xlsform,
    import_xlsform,
    language_code,
    pyxform_problems,
)
from tests.questionnaires.test_xlsform import IMPORTABLE, write_xlsform
from tests.questionnaires.xform_facts import texts_by_language, xform_facts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl"),
]


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


def facts_of(xml: bytes | str, questionnaire: Questionnaire) -> dict[str, Any]:
    # pyxform calls the language of plain label/hint columns "default": Infobase gives it the
    # code the import chose for those columns
    plain = next(
        (lang["code"] for lang in questionnaire.languages if not lang.get("column")),
        questionnaire.default_language,
    )

    def code(lang: str) -> str:
        return plain if lang == "default" else language_code(lang)

    return xform_facts(xml, code)


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Any]:
    return [
        (key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after), key=str)
        if before.get(key) != after.get(key)
    ]


@pytest.mark.parametrize("name", sorted(IMPORTABLE))
def test_real_form_keeps_every_text_and_expression_through_xform_export(
    shared: Path, cycle: ReportingCycle, name: str
) -> None:
    path = shared / "xlsform" / name
    questionnaire = import_xlsform(path, filename=name, cycle=cycle)
    problems, original = pyxform_problems(path.read_bytes(), name)
    assert not problems
    before = facts_of(original.xform, questionnaire)
    after = facts_of(export_xform(questionnaire), questionnaire)
    assert differences(before["texts"], after["texts"]) == []
    assert texts_by_language(after) == texts_by_language(before)
    assert differences(before["binds"], after["binds"]) == []
    assert differences(before["itemsets"], after["itemsets"]) == []


def assert_survives_xform_export(
    path: Path, cycle: ReportingCycle, *, beyond_pyxform: str = ""
) -> Questionnaire:
    """The export's XForm says what pyxform makes of the original; ``beyond_pyxform`` names a
    language whose texts pyxform drops from the original and the export keeps."""
    questionnaire = import_xlsform(path, filename=path.name, cycle=cycle)
    problems, original = pyxform_problems(path.read_bytes(), path.name)
    assert not problems
    before = facts_of(original.xform, questionnaire)
    after = facts_of(export_xform(questionnaire), questionnaire)
    if beyond_pyxform:
        # one language more makes pyxform write translations instead of inline texts: the
        # text ids differ, so compare each language's texts
        def by_language(texts: dict[tuple[str, str], str]) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for (lang, _id), text in texts.items():
                found.setdefault(lang, []).append(text)
            return {lang: sorted(found[lang]) for lang in found}

        kept, written = by_language(before["texts"]), by_language(after["texts"])
        assert beyond_pyxform not in kept and written.pop(beyond_pyxform)
        assert written == kept
    else:
        assert differences(before["texts"], after["texts"]) == []
        assert texts_by_language(after) == texts_by_language(before)
    assert differences(before["binds"], after["binds"]) == []
    assert differences(before["itemsets"], after["itemsets"]) == []
    return questionnaire


INDONESIAN_SURVEY = [
    ["begin group", "rumah", "Rumah tangga", "Household"],
    ["select_one ya_tidak", "listrik", "Ada listrik?", "Is there electricity?"],
    ["integer", "jumlah", "Berapa orang?", "How many people?"],
    ["end group", "", "", ""],
]
INDONESIAN_CHOICES = [
    ["ya_tidak", "ya", "Ya", "Yes"],
    ["ya_tidak", "tidak", "Tidak", "No"],
]


def test_plain_columns_in_the_default_language_keep_every_language(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "id.xlsx",
        [["type", "name", "label", "label::English(en)"], *INDONESIAN_SURVEY],
        [["list_name", "name", "label", "label::English(en)"], *INDONESIAN_CHOICES],
        [["form_title", "form_id", "default_language"], ["Survei", "survei", "Indonesian(id)"]],
    )
    questionnaire = assert_survives_xform_export(path, cycle)
    assert questionnaire.language_codes == ["en", "id"]
    assert questionnaire.items.get(name="listrik").label == {
        "id": "Ada listrik?",
        "en": "Is there electricity?",
    }


def test_language_columns_with_codes_only_keep_every_language(
    tmp_path: Path, cycle: ReportingCycle
) -> None:
    path = write_xlsform(
        tmp_path / "id-en.xlsx",
        [["type", "name", "label::Indonesian(id)", "label::English(en)"], *INDONESIAN_SURVEY],
        [["list_name", "name", "label::Indonesian(id)", "label::English(en)"], *INDONESIAN_CHOICES],
        [["form_title", "form_id"], ["Survei", "survei"]],
    )
    questionnaire = assert_survives_xform_export(path, cycle)
    assert questionnaire.language_codes == ["id", "en"]


# a plain column and a language column in the same or in different languages, with or without
# settings.default_language: pyxform's reading of each is what the XForm export must give again,
# except that pyxform drops every "label::X" column a plain "label" column follows, while
# Infobase keeps that language and exports the plain columns first, so pyxform keeps it too
@pytest.mark.parametrize(
    ("survey_header", "choices_header", "default_language", "beyond_pyxform"),
    [
        (["label", "label::English(en)"], ["label", "label::English(en)"], "English(en)", ""),
        (["label", "label::Indonesian(id)"], ["label", "label::Indonesian(id)"], "English(en)", ""),
        (["label", "hint"], ["label", "label::Somali(so)"], "Indonesian(id)", ""),
        (["label::Indonesian(id)", "label"], ["label::Indonesian(id)", "label"], "", "id"),
        (
            ["label", "label::English (en)"],
            ["label::Indonesian(id)", "label::English"],
            "Indonesian(id)",
            "",
        ),
    ],
    ids=["plain-repeats-default", "plain-is-default", "plain-only", "plain-apart", "mixed"],
)
def test_plain_and_language_columns_mixed_keep_every_language(
    tmp_path: Path,
    cycle: ReportingCycle,
    survey_header: list[str],
    choices_header: list[str],
    default_language: str,
    beyond_pyxform: str,
) -> None:
    path = write_xlsform(
        tmp_path / "mixed.xlsx",
        [["type", "name", *survey_header], *INDONESIAN_SURVEY],
        [["list_name", "name", *choices_header], *INDONESIAN_CHOICES],
        [["form_title", "form_id", "default_language"], ["Survei", "survei", default_language]],
    )
    questionnaire = assert_survives_xform_export(path, cycle, beyond_pyxform=beyond_pyxform)
    again = import_xlsform(
        io.BytesIO(export_xlsform(questionnaire)), filename="again.xlsx", cycle=cycle
    )
    assert again.languages == questionnaire.languages
    assert again.default_language == questionnaire.default_language
    assert list(again.items.values_list("label", flat=True)) == list(
        questionnaire.items.values_list("label", flat=True)
    )
