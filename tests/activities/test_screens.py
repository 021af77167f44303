"""Activity screens and services: recording by hand, permissions, comments, list filters, the
who-does-what-where matrix and its export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from infobase.accounts.models import User
from infobase.activities import selectors
from infobase.activities.models import Activity, ActivitySource, Comment, Recipient, Theme
from infobase.activities.services import activity_save, comment_add
from infobase.core.errors import InvalidInput
from infobase.reference.models import Article, Instrument, Organization, State
from tests.conftest import client_for, exported

pytestmark = pytest.mark.django_db


def art(number: int, code: str = "untoc") -> Article:
    return Article.objects.get(instrument__code=code, number=number)


def record(
    user: User,
    *,
    title: dict[str, str] | None = None,
    states: tuple[str, ...] = ("EGY",),
    themes: list[tuple[Article | None, str]] | None = None,
    provider: Organization | None = None,
    budget: Decimal | None = Decimal("1000"),
    **data: object,
) -> Activity:
    fields: dict[str, object] = {
        "title": title or {"en": "Training on mutual legal assistance"},
        "default_currency": "USD",
        "budget": budget,
        **data,
    }
    if provider is not None:
        fields["provider"] = provider
    return activity_save(
        user=user,
        instance=Activity(),
        data=fields,
        # Several recipients share the activity equally (IATI: percentages adding up to 100).
        recipients=[
            (state, Decimal(100) / len(states) if len(states) > 1 else None)
            for state in State.objects.filter(iso3__in=states)
        ],
        sectors=[("15130", None)],
        themes=themes if themes is not None else [(art(18), "training")],
        participants=[("4", None, "Implementing partner")],
        instruments=[],
    )


@pytest.fixture
def unodc() -> Organization:
    return Organization.objects.get(code="unodc")


# --- Services ------------------------------------------------------------------------------


def test_secretariat_records_an_activity_with_all_its_parts(
    secretariat: User, unodc: Organization
) -> None:
    activity = record(
        secretariat,
        provider=unodc,
        title={"en": "Extradition", "ar": "تسليم المجرمين"},
        states=("EGY", "SEN"),
    )
    activity.refresh_from_db()
    assert activity.source == ActivitySource.MANUAL
    assert activity.provider == unodc and activity.provider_kind == "secretariat"
    assert activity.iati_identifier.startswith("XM-INFOBASE-")
    assert {r.state.iso3 for r in activity.recipients.all()} == {"EGY", "SEN"}
    assert list(activity.instruments.values_list("code", flat=True)) == ["untoc"]
    # Folded search text in every language.
    assert "تسليم المجرمين" in activity.search_text and "extradition" in activity.search_text
    assert activity.history.first().history_change_reason == "Recorded by hand"


def test_donor_activity_always_has_the_donor_organization(donor: User, unodc: Organization) -> None:
    activity = record(donor, provider=unodc)
    assert activity.provider == donor.organization
    assert activity.provider_kind == "other"


def test_hand_entered_identifiers_are_unique_and_well_formed(
    secretariat: User, unodc: Organization
) -> None:
    first = record(secretariat, provider=unodc, iati_identifier="XM-INFOBASE-900")
    assert first.iati_identifier == "XM-INFOBASE-900"
    with pytest.raises(InvalidInput) as duplicate:
        record(secretariat, provider=unodc, iati_identifier="XM-INFOBASE-900")
    assert "already used" in str(duplicate.value)
    with pytest.raises(InvalidInput) as malformed:
        record(secretariat, provider=unodc, iati_identifier="GB-1-123")
    assert "XM-INFOBASE-<number>" in str(malformed.value)
    nxt = record(secretariat, provider=unodc)
    # Above every number used (and every primary key, which differs between databases).
    prefix, number = nxt.iati_identifier.rsplit("-", 1)
    assert prefix == "XM-INFOBASE" and int(number) > 900


def test_invalid_activity_lists_every_problem_and_writes_nothing(
    secretariat: User, unodc: Organization
) -> None:
    before = Activity.objects.count()
    with pytest.raises(InvalidInput) as exc:
        activity_save(
            user=secretariat,
            instance=Activity(),
            data={
                "title": {"en": " "},
                "provider": unodc,
                "status": "9",
                "default_currency": "XXQ",
                "planned_start": date(2025, 1, 1),
                "planned_end": date(2024, 1, 1),
            },
            recipients=[],
            sectors=[("99999", Decimal("60"))],
            themes=[(None, "")],
            participants=[("7", None, "")],
            instruments=[],
        )
    columns = {p.column for p in exc.value.problems}
    assert {
        "title",
        "status",
        "default_currency",
        "planned_end",
        "sectors",
        "themes",
        "participants",
    } <= columns
    assert Activity.objects.count() == before


def test_imported_activities_are_not_edited_by_hand(secretariat: User) -> None:
    imported = Activity.objects.create(
        iati_identifier="GB-1-1",
        source=ActivitySource.IATI,
        provider_kind="state",
        title={"en": "x"},
    )
    with pytest.raises(PermissionDenied):
        activity_save(
            user=secretariat,
            instance=imported,
            data={"title": {"en": "y"}},
            recipients=[],
            sectors=[],
            themes=[],
            participants=[],
            instruments=[],
        )


# --- Permissions ---------------------------------------------------------------------------


def test_donor_edits_only_its_own_organizations_activities(
    donor: User, secretariat: User, unodc: Organization
) -> None:
    own = record(donor)
    other = record(secretariat, provider=unodc)
    client = client_for(donor)
    assert client.get(f"/activities/{own.pk}/edit/").status_code == 200
    assert client.get(f"/activities/{other.pk}/edit/").status_code == 403
    with pytest.raises(PermissionDenied):
        activity_save(
            user=donor,
            instance=other,
            data={"title": {"en": "taken over"}},
            recipients=[],
            sectors=[],
            themes=[],
            participants=[],
            instruments=[],
        )
    other.refresh_from_db()
    assert other.title == {"en": "Training on mutual legal assistance"}


def test_focal_point_cannot_record_activities(focal_egypt: User) -> None:
    assert client_for(focal_egypt).get("/activities/new/").status_code == 403


def test_focal_point_comments_on_activities_in_its_state_only(
    secretariat: User, unodc: Organization, focal_egypt: User, focal_senegal: User, egypt: State
) -> None:
    activity = record(secretariat, provider=unodc, states=("EGY",))
    egypt_client = client_for(focal_egypt)
    response = egypt_client.post(
        f"/activities/{activity.pk}/comment/", {"state": "EGY", "text": "Useful for us."}
    )
    assert response.status_code == 302
    assert Comment.objects.get(activity=activity).state == egypt
    # Another State's focal point: refused.
    response = client_for(focal_senegal).post(
        f"/activities/{activity.pk}/comment/", {"state": "EGY", "text": "Not my State."}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        comment_add(user=focal_senegal, activity=activity, state=egypt, text="x")
    assert Comment.objects.filter(activity=activity).count() == 1
    # The comment shows on the page.
    page = egypt_client.get(f"/activities/{activity.pk}/").content.decode()
    assert "Useful for us." in page


def test_focal_point_cannot_comment_for_another_state_on_a_shared_activity(
    secretariat: User, unodc: Organization, focal_egypt: User, senegal: State
) -> None:
    activity = record(secretariat, provider=unodc, states=("EGY", "SEN"))
    with pytest.raises(PermissionDenied):
        comment_add(user=focal_egypt, activity=activity, state=senegal, text="x")


# --- The activity's page -------------------------------------------------------------------


def test_detail_shows_every_title_language_active_first(
    secretariat: User, unodc: Organization
) -> None:
    titles = {
        "en": "Witness protection",
        "ar": "حماية الشهود",
        "es": "Protección de testigos",
        "pt": "Proteção de testemunhas",
    }
    activity = record(secretariat, provider=unodc, title=titles)
    client = client_for(secretariat)
    html = client.get(f"/activities/{activity.pk}/").content.decode()
    for text in titles.values():
        assert text in html
    assert '<span lang="ar" dir="rtl">حماية الشهود</span>' in html
    assert html.index("Witness protection") < html.index("حماية الشهود")
    assert f"/history/activities.activity/{activity.pk}/" in html
    assert client.get(f"/history/activities.activity/{activity.pk}/").status_code == 200


def test_detail_in_spanish_puts_the_spanish_title_first(
    secretariat: User, unodc: Organization
) -> None:
    from django.utils import translation

    from infobase.activities.views_screens import texts_in_order

    with translation.override("es"):
        order = [t["code"] for t in texts_in_order({"en": "a", "es": "b", "ar": "c"})]
    assert order == ["es", "ar", "en"]


# --- The list ------------------------------------------------------------------------------


def test_list_filters(secretariat: User, unodc: Organization, donor: User) -> None:
    a = record(secretariat, provider=unodc, title={"fr": "Coopération judiciaire"}, states=("SEN",))
    b = record(
        secretariat,
        provider=unodc,
        title={"en": "Firearms marking"},
        states=("CIV",),
        themes=[(art(8, "firearms"), "technology")],
        status="2",
    )
    c = record(
        donor,
        title={"en": "Witness protection"},
        states=("MEX",),
        themes=[(art(24), "legislative")],
    )

    def found(**kw: object) -> set[int]:
        return set(
            selectors.activities(filters=selectors.ActivityFilters(**kw)).values_list(  # type: ignore[arg-type]
                "pk", flat=True
            )
        )

    assert found(text="cooperation") == {a.pk}  # accents folded
    assert found(text="FIREARMS") == {b.pk}
    assert found(recipient="civ") == {b.pk}
    assert found(regional_group="african") == {a.pk, b.pk}
    assert found(instrument="firearms") == {b.pk}
    assert found(article=art(24).pk) == {c.pk}
    assert found(kind="training") == {a.pk}
    assert found(status="2") == {b.pk}
    assert found(provider=donor.organization_id) == {c.pk}
    assert found(provider_kind="secretariat") == {a.pk, b.pk}
    assert found(source="iati") == set()
    response = client_for(secretariat).get("/activities/", {"recipient": "CIV"})
    assert response.status_code == 200
    assert "Firearms marking" in response.content.decode()
    assert "Witness protection" not in response.content.decode()


# --- Who does what where -------------------------------------------------------------------


def test_matrix_counts_recomputed_from_the_rows(
    secretariat: User, unodc: Organization, donor: User
) -> None:
    record(secretariat, provider=unodc, states=("EGY", "SEN"), budget=Decimal("900"))
    record(
        secretariat,
        provider=unodc,
        states=("EGY",),
        themes=[(art(18), "training"), (art(6, "tip"), "training")],
    )
    record(donor, states=("SEN",), themes=[])
    matrix = selectors.who_what_where(filters=selectors.ActivityFilters(), axis="instrument")
    # Recomputed from the database rows, independently of the selector.
    expected: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for activity in Activity.objects.all():
        provider = f"org:{activity.provider.code}"
        instruments = {t.article.instrument.code for t in Theme.objects.filter(activity=activity)}
        instruments |= set(activity.instruments.values_list("code", flat=True))
        for recipient in Recipient.objects.filter(activity=activity):
            for code in instruments or {"-"}:
                expected[(provider, recipient.state.iso3, code)].add(activity.pk)
    got = {(r.provider_key, r.state_key, r.theme_key): r.activities for r in matrix.rows}
    assert got == {k: len(v) for k, v in expected.items()}
    assert matrix.activity_count == 3
    # The budget of the two-State activity is shared equally.
    egy_first = next(r for r in matrix.rows if r.state_key == "EGY" and r.activities == 2)
    assert egy_first.budget == {"USD": Decimal("1450.00")}  # 900/2 + 1000
    # Filters narrow the cells, not only the activities.
    only_tip = selectors.who_what_where(
        filters=selectors.ActivityFilters(instrument="tip"), axis="instrument"
    )
    assert {(r.state_key, r.theme_key) for r in only_tip.rows} == {("EGY", "tip")}
    by_kind = selectors.who_what_where(filters=selectors.ActivityFilters(), axis="kind")
    assert {r.theme_key for r in by_kind.rows} == {"training", "-"}
    again = selectors.who_what_where(filters=selectors.ActivityFilters(), axis="instrument")
    assert again.rows == matrix.rows  # deterministic


def test_matrix_page_and_csv_export(secretariat: User, unodc: Organization) -> None:
    record(secretariat, provider=unodc, title={"en": "=HYPERLINK(1)"}, states=("EGY",))
    client = client_for(secretariat)
    page = client.get("/activities/matrix/", {"axis": "article"})
    assert page.status_code == 200
    assert "UNTOC 18" in page.content.decode()
    response = exported(client, "/activities/matrix/export.csv", {"axis": "kind"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Provider"
    assert rows[1][:5] == ["UNODC", "Egypt", "EGY", "Capacity building and training", "1"]
    xlsx = exported(client, "/activities/matrix/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert exported(client, "/activities/matrix/export.pdf").status_code == 404


def test_the_matrix_export_in_arabic_lists_states_in_arabic_alphabetical_order(
    secretariat: User, unodc: Organization
) -> None:
    record(secretariat, provider=unodc, states=("EGY", "YEM", "JOR", "MAR"))
    secretariat.language = "ar"
    secretariat.save()
    client = client_for(secretariat)
    response = exported(client, "/activities/matrix/export.csv", {"axis": "kind"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # «ال» set aside: الأردن (أ), مصر (مص), المغرب (مغ), اليمن (ي); not in English order.
    assert [r[2] for r in rows[1:5]] == ["JOR", "EGY", "MAR", "YEM"]
    assert [r[1] for r in rows[1:5]] == ["الأردن", "مصر", "المغرب", "اليمن"]


def test_new_activity_form_saves_through_the_service(
    secretariat: User, unodc: Organization
) -> None:
    client = client_for(secretariat)
    assert client.get("/activities/new/").status_code == 200
    response = client.post(
        "/activities/new/",
        {
            "title_en": "Model legislation workshop",
            "title_fr": "Atelier sur la législation type",
            "provider": unodc.pk,
            "default_currency": "eur",
            "budget": "5000",
            "recipient_state_0": State.objects.get(iso3="SEN").pk,
            "instruments": [Instrument.objects.get(code="untoc").pk],
            "theme_article_0": art(5).pk,
            "theme_kind_0": "model_legislation",
            "sector_code_0": "15130",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get(title__en="Model legislation workshop")
    assert activity.title["fr"] == "Atelier sur la législation type"
    assert activity.default_currency == "EUR"
    assert [(t.article.number, t.kind) for t in activity.themes.all()] == [(5, "model_legislation")]
    bad = client.post("/activities/new/", {"provider": unodc.pk, "sector_code_0": "1"})
    assert bad.status_code == 200
    assert "Nothing was saved" in bad.content.decode()
