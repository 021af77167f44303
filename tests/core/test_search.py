"""One folded search key per searchable model, kept on every write, and one search function
behind every free-text box: Arabic spelling variants find their text everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps as live_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from infobase.activities.models import Activity, ActivitySource, ProviderKind
from infobase.core.search import rebuild_search_keys, search
from infobase.core.text import fold, query_words
from infobase.meetings.models import Document, DocumentKind
from infobase.needs.models import AssistanceRequest, LessonLearned, Need, RequestSource
from infobase.reference.models import Article, Instrument, Organization, OrganizationKind, State
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# "A central authority takes the measures of the United Nations at the level of ...": written
# without the article, so that a query with it (the usual way to write it) must still find it.
PHRASE = "سلطة مركزية تتولى إجراءات الأمم المتحدة على مستوى"

VARIANTS = {
    "as written": "السلطة المركزية",
    "without the article": "سلطة مركزية",
    "ha for ta marbuta": "السلطه المركزيه",
    "with diacritics": "السُّلْطَةُ الْمَرْكَزِيَّةُ",
    "with tatweel": "الســلطة المركـــزية",
    "conjunction and article": "والسلطة",
    "hamza dropped": "اجراءات الامم",
    "wrong hamza": "أجراءات إلأمم",
    "ya for alef maqsura": "تتولي علي مستوي",
    "inside guillemets": "«سلطة مركزية»",
}
UNRELATED = ["تهريب المهاجرين", "غسل الأموال", "سلطة قضائية"]


# --- Folding ------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS.values()), ids=list(VARIANTS))
def test_every_word_of_a_variant_is_inside_the_folded_phrase(variant: str) -> None:
    key = fold(PHRASE)
    assert query_words(variant)
    assert all(word in key for word in query_words(variant))


def test_the_article_is_stripped_only_when_a_stem_remains() -> None:
    assert query_words("السلطة") == ["سلطه"]
    assert query_words("الله") == ["الله"]  # two letters would remain
    assert query_words("A/CONF.234/1, Égypte") == ["a/conf.234/1", "egypte"]


# --- Keys on every write ------------------------------------------------------------------


def test_a_state_renamed_by_hand_is_found_by_its_new_name(egypt: State) -> None:
    egypt.name_ar = "جمهوريّة مِصرَ العربيّة"
    egypt.save()
    assert list(search(State.objects.all(), "جمهورية مصر")) == [egypt]
    egypt.refresh_from_db()
    assert "جمهوريه" in egypt.search_names


def test_an_organization_edited_in_the_admin_gets_its_key(secretariat: Any) -> None:
    org = Organization.objects.create(
        code="test-org", name_en="Central Authority Network", kind=OrganizationKind.NGO
    )
    assert "central authority network" in org.search_names
    admin = client_for(secretariat)
    secretariat.is_staff = secretariat.is_superuser = True
    secretariat.save()
    page = admin.get(reverse("admin:reference_organization_change", args=[org.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update({"name_ar": "شبكة السلطات المركزية", "state": ""})
    data.update(_inline_management(page.context))
    response = admin.post(
        reverse("admin:reference_organization_change", args=[org.pk]), data, follow=False
    )
    assert response.status_code == 302, getattr(response, "context", {}) and [
        f.errors for f in response.context["adminform"].form
    ]
    assert list(search(Organization.objects.all(), "شبكه السلطات")) == [org]


def _inline_management(context: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for formset in context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name, field in management.fields.items():
            value = management.initial.get(name, field.initial)
            data[f"{management.prefix}-{name}"] = "" if value is None else value
    return data


def test_bulk_writes_keep_the_keys(egypt: State) -> None:
    instrument = Instrument.objects.get(code="untoc")
    created = AssistanceRequest.objects.bulk_create(
        [
            AssistanceRequest(
                state=egypt,
                instrument=instrument,
                title=PHRASE,
                description="",
                urgency="high",
                received_on=date(2026, 1, 5),
                source=RequestSource.WEB,
            )
        ]
    )
    assert fold("سلطة مركزية") in AssistanceRequest.objects.get(pk=created[0].pk).search_text
    request = created[0]
    request.title = "Extradition"
    AssistanceRequest.objects.bulk_update([request], ["title"])
    assert AssistanceRequest.objects.get(pk=request.pk).search_text == "extradition"


def test_an_activity_is_found_by_its_providers_name_in_any_language() -> None:
    provider = Organization.objects.create(
        code="prov", name_en="Provider Foundation", name_ar="مؤسسة المانحين", kind="ngo"
    )
    activity = Activity.objects.create(
        iati_identifier="XM-TEST-1",
        source=ActivitySource.IATI,
        provider=provider,
        provider_kind=ProviderKind.INTERNATIONAL,
        title={"en": "Border control"},
    )
    assert list(search(Activity.objects.all(), "مؤسسه المانحين")) == [activity]
    assert list(search(Activity.objects.all(), "provider foundation")) == [activity]


def test_bulk_updates_recompute_keys_only_when_a_searched_field_changes() -> None:
    provider = Organization.objects.create(code="prov", name_en="Provider", kind="ngo")
    for n in range(3):
        Activity.objects.create(
            iati_identifier=f"XM-BULK-{n}",
            source=ActivitySource.IATI,
            provider=provider,
            provider_kind=ProviderKind.INTERNATIONAL,
            title={"en": "Old title"},
        )
    loaded = list(Activity.objects.all())  # providers not loaded
    for activity in loaded:
        activity.missing_from_source = True
    with CaptureQueriesContext(connection) as captured:
        Activity.objects.bulk_update(loaded, ["missing_from_source"])
    assert len(captured.captured_queries) == 1  # the UPDATE, no provider read for the key
    for activity in loaded:
        activity.title = {"fr": "Contrôle des frontières"}
    Activity.objects.bulk_update(loaded, ["title"])
    assert len(search(Activity.objects.all(), "controle frontieres provider")) == 3


def test_a_lesson_follows_its_states_when_they_change(egypt: State, senegal: State) -> None:
    lesson = LessonLearned.objects.create(title="Mentoring", activity="A-1")
    lesson.states.set([egypt])
    assert list(search(LessonLearned.objects.all(), "مصر")) == [lesson]
    lesson.states.set([senegal])
    assert list(search(LessonLearned.objects.all(), "مصر")) == []
    senegal.lessons.remove(lesson)
    lesson.refresh_from_db()
    assert "senegal" not in lesson.search_text


def test_the_data_migration_recomputes_stale_keys(egypt: State) -> None:
    lesson = LessonLearned.objects.create(title=PHRASE, activity="A-1")
    LessonLearned.objects.filter(pk=lesson.pk).update(search_text="stale")
    State.objects.filter(pk=egypt.pk).update(search_names="stale")
    # Only the connection of the schema editor is used (SQLite's cannot open in a transaction).
    editor: Any = SimpleNamespace(connection=connection)
    rebuild_search_keys("needs.LessonLearned", lambda: LessonLearned)(live_apps, editor)
    rebuild_search_keys("reference.State", lambda: State)(live_apps, editor)
    lesson.refresh_from_db()
    egypt.refresh_from_db()
    assert lesson.search_text == LessonLearned.objects.get(pk=lesson.pk).refresh_search_key()
    assert "سلطه" in lesson.search_text
    assert "egypt" in egypt.search_names and "مصر" in egypt.search_names


# --- Every search box ---------------------------------------------------------------------


def _page(name: str, query: str, user: Any, key: str = "page", param: str = "q") -> list[Any]:
    response = client_for(user).get(reverse(name), {param: query})
    assert response.status_code == 200
    return list(response.context[key])


def _pks(name: str, user: Any, param: str = "q") -> Callable[[str], set[int]]:
    return lambda q: {obj.pk for obj in _page(name, q, user, param=param)}


def box_lessons(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    target = LessonLearned.objects.create(title=PHRASE, activity="A-1")
    LessonLearned.objects.create(title="Asset recovery", activity="A-2")
    return target.pk, _pks("lesson_list", user)


def box_requests(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    egypt = State.objects.get(iso3="EGY")
    instrument = Instrument.objects.get(code="untoc")
    made = [
        AssistanceRequest.objects.create(
            state=egypt,
            instrument=instrument,
            title=title,
            description="",
            urgency="high",
            received_on=date(2026, 1, 5),
            source=RequestSource.WEB,
        )
        for title in (PHRASE, "Witness protection")
    ]
    return made[0].pk, _pks("request_list", user)


def box_activities(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    made = [
        Activity.objects.create(
            iati_identifier=f"XM-TEST-{n}",
            source=ActivitySource.MANUAL,
            provider_kind=ProviderKind.INTERNATIONAL,
            title={"ar": title},
        )
        for n, title in enumerate((PHRASE, "مكافحة الفساد"))
    ]
    return made[0].pk, _pks("activity_list", user, param="text")


def box_states(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    state = State.objects.get(iso3="EGY")
    state.name_ar = PHRASE
    state.save()
    return state.pk, _pks("state_list", user)


def box_organizations(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    org = Organization.objects.create(code="central", name_en="X", name_ar=PHRASE, kind="ngo")
    return org.pk, lambda q: {o.pk for o in _page("organization_list", q, user, "organizations")}


def box_documents(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    made = [
        Document.objects.create(symbol=symbol, title={"ar": title}, kind=DocumentKind.BACKGROUND)
        for symbol, title in (
            ("CTOC/COP/WG.3/2026/1", PHRASE),
            ("CTOC/COP/WG.3/2026/2", "تعزيز التعاون"),
        )
    ]
    return made[0].pk, _pks("document_list", user)


def box_register(user: Any) -> tuple[int, Callable[[str], set[int]]]:
    article = Article.objects.get(instrument__code="untoc", number=18)
    article.title_ar = PHRASE
    article.save()
    other = Article.objects.get(instrument__code="untoc", number=5)
    egypt = State.objects.get(iso3="EGY")
    target = Need.objects.create(
        state=egypt, article=article, kind="legislative", first_seen=date(2026, 1, 1)
    )
    Need.objects.create(state=egypt, article=other, kind="legislative", first_seen=date(2026, 1, 1))

    def found(q: str) -> set[int]:
        return {row[1].pk for row in _page("need_register", q, user, "rows")}

    return target.pk, found


BOXES = {
    "lessons": box_lessons,
    "requests": box_requests,
    "activities": box_activities,
    "needs register": box_register,
    "States": box_states,
    "organizations": box_organizations,
    "documents": box_documents,
}


@pytest.mark.parametrize("box", list(BOXES), ids=list(BOXES))
def test_every_spelling_variant_finds_its_text_in_every_search_box(
    box: str, secretariat: Any
) -> None:
    target, found = BOXES[box](secretariat)
    for label, variant in VARIANTS.items():
        assert target in found(variant), f"{box}: {label} ({variant}) did not find the text"
    for unrelated in UNRELATED:
        assert found(unrelated) == set(), f"{box}: {unrelated} found something"
