"""Property: any small well-formed XLSForm survives import → XLSForm export → import.

Hypothesis draws forms with text/number/date/select questions, groups and a repeat, labels and
hints in several languages (Arabic and Chinese among them; plain ``label`` columns with and
without ``settings.default_language``), relevance and constraints that reference earlier
fields, and choice filters. Each form is imported; the import must say what the workbook says
(labels per language, types, lists, expressions); the exported workbook must be accepted by
pyxform, give the same XForm facts as the original, and import again as the same questionnaire.
The search is derandomized and bounded, so every run checks the same forms.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infobase.questionnaires.models import Choice, ItemKind, Questionnaire, ReportingCycle
from infobase.questionnaires.xlsform import (
    UNDETERMINED,
    export_xform,
    export_xlsform,
    import_xlsform,
    pyxform_problems,
)
from tests.questionnaires.test_xlsform import structure
from tests.questionnaires.test_xlsform_roundtrip import differences, facts_of
from tests.questionnaires.xform_facts import texts_by_language

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::UserWarning:openpyxl"),
]

# (header language part, code the import must give it)
LANGUAGES = [  # Hypothesis favours the first ones: the scripts most likely to break first
    ("العربية (ar)", "ar"),
    ("中文 (zh)", "zh"),
    ("English (en)", "en"),
    ("Français", "fr"),
    ("Русский (ru)", "ru"),
    ("Español (es)", "es"),
]
PLAIN_LANGUAGE = ("Indonesian (id)", "id")  # a default_language no column names

WORDS = {
    "en": ["Is", "there", "a", "law", "on", "trafficking", "how", "many", "cases", "year"],
    "ar": ["هل", "يوجد", "قانون", "بشأن", "الاتجار", "بالأشخاص", "كم", "عدد", "القضايا", "؟"],
    "zh": ["是否", "有", "关于", "贩运", "人口", "的", "法律", "多少", "案件", "？"],
    "fr": ["Existe-t-il", "une", "loi", "sur", "la", "traite", "combien", "d’affaires", "année"],
    "ru": ["Есть", "ли", "закон", "о", "торговле", "людьми", "сколько", "дел", "год"],
    "es": ["¿Existe", "una", "ley", "sobre", "la", "trata", "cuántos", "casos", "año?"],
    "id": ["Apakah", "ada", "undang-undang", "tentang", "perdagangan", "orang", "berapa"],
}

VALUE_TYPES = ["text", "integer", "decimal", "date", "select_one", "select_multiple"]


@dataclass
class Question:
    type: str  # the type word; selects get " <list>" added
    name: str
    labels: dict[str, str]  # column key ("" for the plain column, else header language part)
    hints: dict[str, str] = field(default_factory=dict)
    list_name: str = ""
    relevant: str = ""
    constraint: str = ""
    constraint_messages: dict[str, str] = field(default_factory=dict)
    choice_filter: str = ""
    container: str = ""  # "group"/"repeat" for begin rows
    children: list[Question] = field(default_factory=list)

    @property
    def type_cell(self) -> str:
        if self.container:
            return f"begin {self.container}"
        return f"{self.type} {self.list_name}" if self.list_name else self.type


@dataclass
class Form:
    columns: list[tuple[str, str]]  # (column key, code); key "" is the plain column
    default_language: str  # as written on the settings sheet ("" for none)
    lists: dict[str, list[tuple[str, dict[str, str], str]]]  # list → (name, labels, region)
    questions: list[Question]

    def flat(self) -> list[Question]:
        out: list[Question] = []

        def walk(items: list[Question]) -> None:
            for item in items:
                out.append(item)
                walk(item.children)

        walk(self.questions)
        return out


@st.composite
def sentences(draw: st.DrawFn, code: str) -> str:
    words = draw(st.lists(st.sampled_from(WORDS[code]), min_size=1, max_size=5))
    return " ".join(words)


@st.composite
def columns_and_default(draw: st.DrawFn) -> tuple[list[tuple[str, str]], str]:
    """Language columns as real forms have them: ``label::X`` only, a plain ``label`` column in
    the default language, or both, with or without ``default_language``."""
    chosen = draw(st.lists(st.sampled_from(LANGUAGES), max_size=3, unique=True))
    plain = draw(st.booleans()) or not chosen
    columns = [(header, code) for header, code in chosen]
    if not plain:
        default = draw(st.sampled_from(["", *(header for header, _code in chosen)]))
        return columns, default
    default_header = draw(st.sampled_from(["", PLAIN_LANGUAGE[0]]))
    if default_header:
        plain_code = PLAIN_LANGUAGE[1]
    elif chosen:
        # pyxform reads plain columns as a language of their own ("default") then
        plain_code = UNDETERMINED
    else:
        plain_code = "en"
    return [("", plain_code), *columns], default_header


def texts(draw: st.DrawFn, columns: list[tuple[str, str]], *, required: bool) -> dict[str, str]:
    result = {}
    for position, (key, code) in enumerate(columns):
        if (required and position == 0) or draw(st.booleans()):
            result[key] = draw(sentences("id" if code in {UNDETERMINED, "id"} else code))
    return result


def reference(question: Question) -> str:
    """A relevance condition on an earlier answer, as form authors write them."""
    ref = "${" + question.name + "}"
    kind = question.type
    if kind == "select_one":
        return f"{ref} = 'c1'"
    if kind == "select_multiple":
        return f"selected({ref}, 'c2')"
    if kind in {"integer", "decimal"}:
        return f"{ref} > 2"
    if kind == "date":
        return f"{ref} < today()"
    return f"string-length({ref}) > 0"


CONSTRAINTS = {
    "text": ["string-length(.) <= 40", "regex(., '^[A-Za-z ]*$')"],
    "integer": [". >= 0", ". >= 0 and . < 1000"],
    "decimal": [". > 0.5", ". != 3.14"],
    "date": [". <= today()"],
    "select_one": [". != 'c3'"],
    "select_multiple": ["not(selected(., 'c1') and selected(., 'c3'))", "count-selected(.) < 3"],
}


@st.composite
def forms(draw: st.DrawFn) -> Form:
    columns, default = draw(columns_and_default())
    lists: dict[str, list[tuple[str, dict[str, str], str]]] = {}
    for list_number in range(1, draw(st.integers(1, 2)) + 1):
        size = draw(st.integers(3, 4))
        lists[f"list{list_number}"] = [
            (f"c{n}", texts(draw, columns, required=True), draw(st.sampled_from(["n", "s"])))
            for n in range(1, size + 1)
        ]
    counter = iter(range(1, 1000))
    earlier: list[Question] = []  # answerable outside any repeat, in order

    def question(inside_repeat: list[Question] | None) -> Question:
        kind = draw(st.sampled_from(VALUE_TYPES))
        q = Question(kind, f"q{next(counter)}", texts(draw, columns, required=True))
        q.hints = texts(draw, columns, required=False)
        visible = earlier + (inside_repeat or [])
        if kind.startswith("select"):
            q.list_name = draw(st.sampled_from(sorted(lists)))
            if draw(st.booleans()):
                q.choice_filter = draw(
                    st.sampled_from(
                        ["region = 'n'", "region = 'n' or name = 'c1'"]
                        + [f"name != ${{{v.name}}}" for v in visible if v.type == "select_one"]
                        + [f"region = 's' or {reference(v)}" for v in visible]
                    )
                )
        if visible and draw(st.booleans()):
            q.relevant = reference(draw(st.sampled_from(visible)))
        if draw(st.booleans()):
            q.constraint = draw(st.sampled_from(CONSTRAINTS[kind]))
            if visible and draw(st.booleans()):  # e.g. "allowed when an earlier answer says so"
                q.constraint = f"({q.constraint}) or {reference(draw(st.sampled_from(visible)))}"
            q.constraint_messages = texts(draw, columns, required=False)
        (earlier if inside_repeat is None else inside_repeat).append(q)
        return q

    questions: list[Question] = []
    repeat_used = False
    for _block in range(draw(st.integers(1, 4))):
        shape = draw(st.sampled_from(["question", "question", "group", "repeat"]))
        if shape == "question":
            questions.append(question(None))
            continue
        if shape == "repeat" and repeat_used:
            shape = "group"
        repeat_used = repeat_used or shape == "repeat"
        container = Question("", f"{shape[0]}{next(counter)}", texts(draw, columns, required=True))
        container.container = shape
        if shape == "group" and earlier and draw(st.booleans()):
            container.relevant = reference(draw(st.sampled_from(earlier)))
        inside: list[Question] | None = [] if shape == "repeat" else None
        container.children = [question(inside) for _n in range(draw(st.integers(1, 3)))]
        questions.append(container)
    if draw(st.booleans()):
        questions.append(Question("note", f"n{next(counter)}", texts(draw, columns, required=True)))
    return Form(columns, default, lists, questions)


def header(field_name: str, key: str) -> str:
    return f"{field_name}::{key}" if key else field_name


def workbook(form: Form) -> bytes:
    keys = [key for key, _code in form.columns]
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            *(header("label", k) for k in keys),
            *(header("hint", k) for k in keys),
            "relevant",
            "constraint",
            *(header("constraint_message", k) for k in keys),
            "choice_filter",
        ]
    )

    def rows(items: list[Question]) -> None:
        for q in items:
            survey.append(
                [
                    q.type_cell,
                    q.name,
                    *(q.labels.get(k, "") for k in keys),
                    *(q.hints.get(k, "") for k in keys),
                    q.relevant,
                    q.constraint,
                    *(q.constraint_messages.get(k, "") for k in keys),
                    q.choice_filter,
                ]
            )
            if q.container:
                rows(q.children)
                survey.append([f"end {q.container}"])

    rows(form.questions)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *(header("label", k) for k in keys), "region"])
    for list_name, entries in form.lists.items():
        for name, labels, region in entries:
            choices.append([list_name, name, *(labels.get(k, "") for k in keys), region])
    settings_sheet = book.create_sheet("settings")
    settings_sheet.append(["form_title", "form_id", "default_language"])
    settings_sheet.append(["Generated", "generated", form.default_language])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def by_code(texts_by_key: dict[str, str], form: Form) -> dict[str, str]:
    codes = dict(form.columns)
    return {codes[key]: text for key, text in texts_by_key.items()}


def assert_import_says_what_the_workbook_says(form: Form, questionnaire: Questionnaire) -> None:
    # language columns in their order, then the language of the plain columns
    codes = [code for key, code in form.columns if key] + [
        code for key, code in form.columns if not key
    ]
    assert questionnaire.language_codes == codes
    items = {item.name: item for item in questionnaire.items.select_related("parent")}
    expected = form.flat()
    assert list(questionnaire.items.order_by("position").values_list("name", flat=True)) == [
        q.name for q in expected
    ]
    for q in expected:
        item = items[q.name]
        assert item.xlsform_type == q.type_cell
        assert item.label == by_code(q.labels, form)
        assert item.hint == by_code(q.hints, form)
        assert item.constraint_message == by_code(q.constraint_messages, form)
        assert (item.relevant, item.constraint, item.choice_filter) == (
            q.relevant,
            q.constraint,
            q.choice_filter,
        )
        assert (item.choice_list.name if item.choice_list else "") == q.list_name
        for child in q.children:
            assert items[child.name].parent == item
    kinds = {item.kind for item in items.values()}
    assert not kinds & {ItemKind.OTHER, ""}
    for list_name, entries in form.lists.items():
        stored = Choice.objects.filter(
            choice_list__questionnaire=questionnaire, choice_list__name=list_name
        ).order_by("position")
        assert [(c.name, c.label, c.extra) for c in stored] == [
            (name, by_code(labels, form), {"region": region}) for name, labels, region in entries
        ]


@pytest.fixture
def cycle() -> ReportingCycle:
    return ReportingCycle.objects.get_or_create(number=7, defaults={"name": "Cycle 7"})[0]


def constructs(form: Form) -> set[str]:
    """What a drawn form exercises, to prove the search covered what the property claims."""
    keys = [key for key, _code in form.columns]
    found = {f"code:{code}" for _key, code in form.columns}
    found.add("plain" if "" in keys else "only-language-columns")
    found.add("default_language" if form.default_language else "no-default_language")
    for q in form.flat():
        found.add(q.container or q.type)
        found.update(
            name
            for name, value in (
                ("relevant", q.relevant),
                ("constraint", q.constraint),
                ("choice_filter", q.choice_filter),
            )
            if value
        )
        if "${" in q.constraint:
            found.add("constraint-reference")
        if "${" in q.choice_filter:
            found.add("choice_filter-reference")
    return found


def test_generated_forms_survive_import_export_and_import_again(cycle: ReportingCycle) -> None:
    seen: set[str] = set()

    @settings(
        derandomize=True,
        database=None,
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(form=forms())
    def survives(form: Form) -> None:
        seen.update(constructs(form))
        original = workbook(form)
        with transaction.atomic():
            first = import_xlsform(io.BytesIO(original), filename="generated.xlsx", cycle=cycle)
            assert_import_says_what_the_workbook_says(form, first)

            exported = export_xlsform(first)
            problems, converted = pyxform_problems(exported, "exported.xlsx")
            assert problems == []
            before = facts_of(pyxform_problems(original, "generated.xlsx")[1].xform, first)
            after = facts_of(converted.xform, first)
            assert differences(before["texts"], after["texts"]) == []
            assert texts_by_language(after) == texts_by_language(before)
            assert differences(before["binds"], after["binds"]) == []
            assert differences(before["itemsets"], after["itemsets"]) == []
            assert export_xform(first) == str(converted.xform).encode("utf-8")

            second = import_xlsform(io.BytesIO(exported), filename="again.xlsx", cycle=cycle)
            assert structure(second) == structure(first)
            transaction.set_rollback(True)  # each drawn form starts from the same database

    survives()
    assert {
        "code:ar",
        "code:zh",
        "plain",
        "only-language-columns",
        "default_language",
        "no-default_language",
        "group",
        "repeat",
        "select_one",
        "select_multiple",
        "relevant",
        "constraint",
        "choice_filter",
        "constraint-reference",
        "choice_filter-reference",
    } <= seen
