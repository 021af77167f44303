"""A reporting cycle is named in the reader's language: on the questionnaires pages, in the
secretariat's forms and in ``str``; English, marked as such, when the reader's language is not
given; the names given before (one text) are kept by the migration."""

from __future__ import annotations

import importlib
import io
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from lxml import html

from infobase.questionnaires.forms import ReportingCycleForm
from infobase.questionnaires.models import Assignment, ReportingCycle
from tests.conftest import client_for
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

NAMES = {
    "en": "Second reporting cycle (illustrative)",
    "ar": "دورة الإبلاغ الثانية (توضيحي)",
    "zh": "第二个报告周期（示例）",
}


@pytest.fixture
def named_cycle(egypt):  # type: ignore[no-untyped-def]
    questionnaire = build_questionnaire(cycle_number=62, code="q-named")
    ReportingCycle.objects.filter(pk=questionnaire.cycle_id).update(name=NAMES)
    Assignment.objects.create(
        questionnaire=questionnaire,
        state=egypt,
        deadline=date(2030, 1, 1),
        dispatched_at=timezone.now(),
    )
    return questionnaire


def _cycle_cell(client: Any, language: str) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("questionnaire_list"))
    assert response.status_code == 200
    page = html.fromstring(response.content)
    row = page.xpath('//tr[th/a[contains(@href, "/q-named")]]')[0]
    return row.xpath("./td[1]/span")[0]


@pytest.mark.parametrize("language,key", [("ar", "ar"), ("zh-hans", "zh")])
def test_focal_point_reads_the_cycle_in_its_language(
    focal_egypt, named_cycle, language, key
) -> None:  # type: ignore[no-untyped-def]
    cell = _cycle_cell(client_for(focal_egypt), language)
    assert cell.text_content() == NAMES[key]
    assert "fallback" not in (cell.get("class") or "")


def test_a_language_not_given_reads_english_marked_as_such(focal_egypt, named_cycle) -> None:  # type: ignore[no-untyped-def]
    cell = _cycle_cell(client_for(focal_egypt), "fr")
    assert cell.text_content() == NAMES["en"]
    assert (cell.get("lang"), cell.get("dir"), cell.get("class")) == ("en", "ltr", "fallback")


def test_secretariat_heading_and_detail_in_arabic(secretariat, named_cycle) -> None:  # type: ignore[no-untyped-def]
    client = client_for(secretariat)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = html.fromstring(client.get(reverse("questionnaire_list")).content)
    heading = page.xpath('//section[@data-cycle="62"]/h2')[0].text_content()
    assert NAMES["ar"] in heading and NAMES["en"] not in heading
    detail = client.get(reverse("questionnaire_detail", args=["q-named"])).content.decode()
    assert NAMES["ar"] in detail


def test_str_and_choices_follow_the_active_language(named_cycle) -> None:  # type: ignore[no-untyped-def]
    cycle = named_cycle.cycle
    cycle.refresh_from_db()
    with translation.override("ar"):
        assert str(cycle) == NAMES["ar"]
    with translation.override("ru"):
        assert str(cycle) == NAMES["en"]
        assert cycle.translated("name").is_fallback


def test_a_plain_text_name_is_kept_as_english() -> None:
    cycle = ReportingCycle.objects.create(number=63, name="Cycle 63")
    cycle.refresh_from_db()
    assert cycle.name == {"en": "Cycle 63"}


def test_the_form_gives_a_name_per_language() -> None:
    form = ReportingCycleForm(
        data={"number": 64, "name_en": "Third cycle", "name_ar": "الدورة الثالثة", "name_fr": ""}
    )
    assert form.is_valid(), form.errors
    cycle = form.save()
    cycle.refresh_from_db()
    assert cycle.name == {"en": "Third cycle", "ar": "الدورة الثالثة"}
    edit = ReportingCycleForm(instance=cycle)
    assert edit["name_ar"].value() == "الدورة الثالثة"
    assert not ReportingCycleForm(data={"number": 65, "name_ar": "الدورة"}).is_valid()


def test_admin_edits_the_names(secretariat) -> None:  # type: ignore[no-untyped-def]
    if not secretariat.is_superuser:
        secretariat.is_superuser = secretariat.is_staff = True
        secretariat.save()
    client = client_for(secretariat)
    url = reverse("admin:questionnaires_reportingcycle_add")
    page = client.get(url).content.decode()
    assert 'name="name_zh"' in page and 'name="name_ar"' in page
    response = client.post(url, {"number": 66, "name_en": "Sixth", "name_zh": "第六个报告周期"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReportingCycle.objects.get(number=66).name == {"en": "Sixth", "zh": "第六个报告周期"}


migration = importlib.import_module("infobase.questionnaires.migrations.0006_cycle_names")


class _Rows:
    """The few calls of a manager the migration makes, over rows held in memory."""

    def __init__(self, rows: list[SimpleNamespace]) -> None:
        self.rows = rows
        self._chosen = rows

    def only(self, *fields: str) -> list[SimpleNamespace]:
        return self.rows

    def filter(self, pk: int) -> _Rows:
        chosen = _Rows(self.rows)
        chosen._chosen = [r for r in self.rows if r.pk == pk]
        return chosen

    def update(self, **values: Any) -> None:
        for row in self._chosen:
            vars(row).update(values)


def test_the_migration_keeps_every_name() -> None:
    rows = [
        SimpleNamespace(pk=1, number=1, name="First reporting cycle (2005–2006)"),
        SimpleNamespace(pk=2, number=2, name="دورة الإبلاغ الثانية"),
        SimpleNamespace(pk=3, number=3, name="Третий цикл"),
        SimpleNamespace(pk=4, number=4, name="第四个报告周期"),
        SimpleNamespace(pk=5, number=5, name=""),
    ]
    model = SimpleNamespace(objects=_Rows(rows))
    apps = SimpleNamespace(get_model=lambda app, name: model)
    migration.to_names(apps, None)
    assert [r.names for r in rows] == [
        {"en": "First reporting cycle (2005–2006)"},
        {"ar": "دورة الإبلاغ الثانية"},
        {"ru": "Третий цикл"},
        {"zh": "第四个报告周期"},
        {"en": "Cycle 5"},
    ]
    migration.to_text(apps, None)
    assert [r.name for r in rows][:2] == [
        "First reporting cycle (2005–2006)",
        "دورة الإبلاغ الثانية",
    ]


def test_the_import_command_names_the_cycle_it_creates(tmp_path, secretariat) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import CommandError, call_command

    from tests.questionnaires.test_xlsform import small_form

    path = small_form(tmp_path / "s.xlsx")
    args = ["questionnaire-import", str(path), "--user", "alice", "--create-cycle", "--cycle"]
    with pytest.raises(CommandError, match="English"):
        call_command(*args, "67", "--cycle-name", "ar=الدورة السابعة والستون")
    with pytest.raises(CommandError, match="LANG=NAME"):
        call_command(*args, "67", "--cycle-name", "de=Zyklus")
    assert not ReportingCycle.objects.filter(number=67).exists()
    given = ["--cycle-name", "en=Cycle 67", "--cycle-name", "zh-hans=第六十七个报告周期"]
    call_command(*args, "67", *given, "--code", "c67", stdout=io.StringIO())
    assert ReportingCycle.objects.get(number=67).name == {
        "en": "Cycle 67",
        "zh": "第六十七个报告周期",
    }
    call_command(*args, "68", "--code", "c68", stdout=io.StringIO())
    named = ReportingCycle.objects.get(number=68)
    assert named.name["en"] == "Reporting cycle 68"
    assert named.name["ar"] == "دورة الإبلاغ 68"
    assert set(named.name) == {"ar", "zh", "en", "fr", "ru", "es"}
