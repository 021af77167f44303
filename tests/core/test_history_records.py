"""The history pages of the records kept with their parents (budget lines, coverage links, agenda
items …): each shows who changed what and why, in the reader's language, only to whom may see
the record, and the page that shows the record links to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Model
from django.urls import reverse

from infobase.accounts.models import Role, User
from infobase.activities.models import Activity, ActivitySource, LinkStatus, NeedLink, ProviderKind
from infobase.funding.models import Allocation, BudgetLine, ExchangeRate, Pledge, Project
from infobase.meetings.models import (
    AgendaItem,
    Body,
    Document,
    DocumentFile,
    Mandate,
    MandateEvidence,
    Outcome,
    Session,
    SessionParticipant,
)
from infobase.needs.models import Need, PriorityTheme, ScoringWeights, WorkProgramme
from infobase.questionnaires.models import Questionnaire, ReportingCycle
from infobase.reference.models import Article, Organization, State
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

REASON = "Corrected after the session"


def _changed(obj: Model, user: User, **fields: Any) -> Model:
    """``obj`` changed by ``user`` for ``REASON``, as a service records it."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj._history_user = user  # type: ignore[attr-defined]
    obj._change_reason = REASON  # type: ignore[attr-defined]
    obj.save()
    return obj


def _need(iso3: str, *, confidential: bool = False) -> Need:
    return Need.objects.create(
        state=State.objects.get(iso3=iso3),
        article=Article.objects.get(instrument__code="untoc", number=18),
        kind="training",
        first_seen=date(2025, 1, 1),
        confidential=confidential,
    )


def _activity() -> Activity:
    return Activity.objects.get_or_create(
        iati_identifier="XM-HIST-1",
        defaults={
            "source": ActivitySource.MANUAL,
            "provider_kind": ProviderKind.INTERNATIONAL,
            "title": {"en": "Extradition workshop", "ar": "حلقة عمل عن تسليم المطلوبين"},
        },
    )[0]


def _session() -> Session:
    body = Body.objects.get_or_create(
        code="wg-hist", defaults={"kind": "working_group", "name": {"en": "Working group"}}
    )[0]
    return Session.objects.get_or_create(
        body=body,
        number=1,
        defaults={
            "kind": "intersessional",
            "starts_on": date(2026, 5, 4),
            "ends_on": date(2026, 5, 6),
            "title": {"en": "First meeting"},
        },
    )[0]


def _mandate(session: Session) -> Mandate:
    decision = Outcome.objects.create(
        kind="decision", number="9/9", session=session, title={"en": "Technical assistance"}
    )
    return Mandate.objects.create(
        decision=decision, paragraph="a", actor="working_group", text={"en": "Review needs"}
    )


def _project(code: str = "hist", title: str = "Border control") -> Project:
    return Project.objects.get_or_create(code=code, defaults={"title": {"en": title}})[0]


def _pledge(donor: Organization) -> Pledge:
    return Pledge.objects.create(
        donor=donor,
        amount=D("100000"),
        currency="USD",
        pledged_on=date(2026, 1, 5),
        status="agreed",
    )


# Each model: how to make a record, change it (by ``user``), and what its changed value reads
# as on the page (in English).
Made = tuple[Model, str]


def _questionnaire(user: User) -> Made:
    cycle = ReportingCycle.objects.create(number=9, name="Ninth cycle")
    record = Questionnaire.objects.create(cycle=cycle, code="q-hist", title={"en": "Self-check"})
    return _changed(record, user, status="published"), "Published"


def _priority_theme(user: User) -> Made:
    programme = WorkProgramme.objects.create(
        name_en="Programme 2026–2028", approved_at="WG 1", starts=2026, ends=2028
    )
    record = PriorityTheme.objects.create(programme=programme, title_en="Extradition")
    return _changed(record, user, regional_group="african"), "African States"


def _scoring_weights(user: User) -> Made:
    record = ScoringWeights.objects.create(session="WG 2026")
    return _changed(record, user, is_active=True), "yes"


def _need_link(user: User) -> Made:
    record = NeedLink.objects.create(
        need=_need("EGY"), activity=_activity(), status=LinkStatus.SUGGESTED, confidence=D("0.5")
    )
    return _changed(record, user, status=LinkStatus.REJECTED, decided_by=user), "Rejected"


def _exchange_rate(user: User) -> Made:
    record = ExchangeRate.objects.create(
        currency="EUR", per_usd=D("0.9"), valid_from=date(2026, 1, 1)
    )
    return _changed(record, user, source="Treasury table"), "Treasury table"


def _budget_line(user: User) -> Made:
    record = BudgetLine.objects.create(project=_project(), description="Experts", amount=D("10"))
    return _changed(record, user, description="Experts and travel"), "Experts and travel"


def _allocation(user: User) -> Made:
    donor = Organization.objects.create(code="fund-h", name_en="Justice Fund", kind="fund")
    record = Allocation.objects.create(
        pledge=_pledge(donor), project=_project(), amount=D("5000"), allocated_on=date(2026, 2, 1)
    )
    other = _project("other", "Prison reform")
    return _changed(record, user, project=other), "Prison reform"


def _agenda_item(user: User) -> Made:
    record = AgendaItem.objects.create(session=_session(), number="3", title={"en": "Needs"})
    return _changed(record, user, title={"en": "Needs and priorities"}), "Needs and priorities"


def _participant(user: User) -> Made:
    record = SessionParticipant.objects.create(
        session=_session(), state=State.objects.get(iso3="EGY"), capacity="member"
    )
    return _changed(record, user, capacity="observer"), "Observer State"


def _document_file(user: User) -> Made:
    document = Document.objects.create(
        symbol="CTOC/WG/2026/1", title={"en": "Agenda"}, kind="agenda"
    )
    record = DocumentFile.objects.create(document=document, language="en", file="m/a.pdf")
    return _changed(record, user, language="fr"), "French"


def _mandate_evidence(user: User) -> Made:
    record = MandateEvidence.objects.create(
        mandate=_mandate(_session()), label="Report", url="https://example.org/r"
    )
    return _changed(record, user, label="Report of the meeting"), "Report of the meeting"


MAKERS: dict[str, Callable[[User], Made]] = {
    "questionnaires.questionnaire": _questionnaire,
    "needs.prioritytheme": _priority_theme,
    "needs.scoringweights": _scoring_weights,
    "activities.needlink": _need_link,
    "funding.exchangerate": _exchange_rate,
    "funding.budgetline": _budget_line,
    "funding.allocation": _allocation,
    "meetings.agendaitem": _agenda_item,
    "meetings.sessionparticipant": _participant,
    "meetings.documentfile": _document_file,
    "meetings.mandateevidence": _mandate_evidence,
}


def _history(user: User | None, model: str, pk: int, *, language: str = "en") -> Any:
    client = client_for(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("history", args=[model, pk]), HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize("model", sorted(MAKERS))
def test_history_shows_who_changed_what_and_why(model: str, secretariat: User) -> None:
    record, shown = MAKERS[model](secretariat)
    page = _history(secretariat, model, record.pk)
    html = page.content.decode()
    assert page.status_code == 200, model
    assert "History of" in html and REASON in html and "by alice" in html, model
    assert shown in html, (model, shown)
    arabic = _history(secretariat, model, record.pk, language="ar").content.decode()
    assert "سجل التغييرات: " in arabic and REASON in arabic, model


def test_a_coverage_link_reads_as_its_page_words_it(secretariat: User) -> None:
    """The link's reasons as the coverage page words them, its field names translated, and the
    heading names the need and the activity, not their keys."""
    record, _shown = _need_link(secretariat)
    _changed(record, secretariat, reasons=[{"code": "kind", "params": {"kind": "training"}}])
    html = _history(secretariat, "activities.needlink", record.pk).content.decode()
    assert "Same kind of assistance (Capacity building" in html and '"code"' not in html
    arabic = _history(secretariat, "activities.needlink", record.pk, language="ar")
    text = arabic.content.decode()
    assert "مصر" in text and "حلقة عمل عن تسليم المطلوبين" in text
    assert "الأسباب" in text and "من قرّره" in text and "reasons" not in text


def test_a_coverage_link_goes_with_its_need(
    secretariat: User, focal_egypt: User, donor: User
) -> None:
    """A link to another State's confidential need is as hidden as the need."""
    kenya = State.objects.get(iso3="KEN")
    focal_kenya = make_user("wanjiru", role=Role.FOCAL_POINT, state=kenya)
    activity = _activity()
    secret = NeedLink.objects.create(
        need=_need("KEN", confidential=True), activity=activity, status=LinkStatus.ACCEPTED
    )
    public = NeedLink.objects.create(
        need=_need("EGY"), activity=activity, status=LinkStatus.ACCEPTED
    )
    model = "activities.needlink"
    for user in (focal_egypt, donor, None):
        assert _history(user, model, secret.pk).status_code == 404
    for user in (secretariat, focal_kenya):
        assert _history(user, model, secret.pk).status_code == 200
    assert _history(focal_egypt, model, public.pk).status_code == 200
    assert _history(None, model, public.pk).status_code == 404


def test_an_activity_page_links_to_the_history_of_the_needs_it_addresses(
    secretariat: User, focal_egypt: User
) -> None:
    """Each coverage link the activity's page lists links to its history, named by its need;
    a link to a need its reader may not see is neither listed nor linked."""
    activity = _activity()
    secret = NeedLink.objects.create(
        need=_need("KEN", confidential=True), activity=activity, status=LinkStatus.ACCEPTED
    )
    public = NeedLink.objects.create(
        need=_need("EGY"), activity=activity, status=LinkStatus.ACCEPTED
    )
    page = reverse("activity_detail", args=[activity.pk])
    html = client_for(focal_egypt).get(page, {"lang": "en"}).content.decode()
    assert _link("activities.needlink", public.pk) in html
    assert 'aria-label="History of the link to Egypt / ' in html
    assert _link("activities.needlink", secret.pk) not in html
    html = client_for(secretariat).get(page).content.decode()
    assert _link("activities.needlink", secret.pk) in html
    arabic = client_for(focal_egypt).get(page, {"lang": "ar"}).content.decode()
    assert 'aria-label="سجل التغييرات لربط النشاط بالحاجة مصر / ' in arabic


def test_money_records_go_with_their_project_and_pledge(
    secretariat: User, focal_egypt: User, donor: User
) -> None:
    """A budget line follows its project (signed-in readers); an allocation also its pledge: a
    donor sees its own, not another donor's, nor does a focal point."""
    line, _ = _budget_line(secretariat)
    assert _history(None, "funding.budgetline", line.pk).status_code == 404
    assert _history(focal_egypt, "funding.budgetline", line.pk).status_code == 200

    other, _ = _allocation(secretariat)
    own = Allocation.objects.create(
        pledge=_pledge(donor.organization),
        project=_project("own"),
        amount=D("1"),
        allocated_on=date(2026, 3, 1),
    )
    for user in (donor, focal_egypt, None):
        assert _history(user, "funding.allocation", other.pk).status_code == 404
    assert _history(donor, "funding.allocation", own.pk).status_code == 200

    rate, _ = _exchange_rate(secretariat)
    assert _history(None, "funding.exchangerate", rate.pk).status_code == 404


def test_meeting_records_are_seen_as_their_pages_show_them(
    secretariat: User, focal_egypt: User, delegate: User
) -> None:
    """Agenda items, participants and evidence are public; a document's files, as before, for
    the secretariat and the working group only."""
    item, _ = _agenda_item(secretariat)
    assert _history(None, "meetings.agendaitem", item.pk).status_code == 200
    assert "alice" not in _history(None, "meetings.agendaitem", item.pk).content.decode()
    file, _ = _document_file(secretariat)
    for user in (None, focal_egypt):
        assert _history(user, "meetings.documentfile", file.pk).status_code == 404
    assert _history(delegate, "meetings.documentfile", file.pk).status_code == 200
    questionnaire, _ = _questionnaire(secretariat)
    assert _history(None, "questionnaires.questionnaire", questionnaire.pk).status_code == 404


def _link(model: str, pk: int) -> str:
    return f'href="/history/{model}/{pk}/"'


def test_pages_link_to_the_history_of_what_they_show(
    secretariat: User, focal_egypt: User, donor: User
) -> None:
    theme, _ = _priority_theme(secretariat)
    weights, _ = _scoring_weights(secretariat)
    html = client_for(secretariat).get(reverse("programme_list")).content.decode()
    assert _link("needs.prioritytheme", theme.pk) in html
    assert 'aria-label="History of Extradition"' in html
    assert _link("needs.scoringweights", weights.pk) in html

    link, _ = _need_link(secretariat)
    page = reverse("need_links", args=[link.need_id])
    assert (
        _link("activities.needlink", link.pk) in client_for(focal_egypt).get(page).content.decode()
    )
    html = client_for(secretariat).get(page).content.decode()
    assert 'aria-label="History of Extradition workshop"' in html

    rate, _ = _exchange_rate(secretariat)
    html = client_for(focal_egypt).get(reverse("rate_list")).content.decode()
    assert _link("funding.exchangerate", rate.pk) in html

    line, _ = _budget_line(secretariat)
    html = client_for(focal_egypt).get(reverse("project_detail", args=[line.project_id]))
    assert _link("funding.budgetline", line.pk) in html.content.decode()
    allocation, _ = _allocation(secretariat)
    page = reverse("project_detail", args=[allocation.project_id])
    assert (
        _link("funding.allocation", allocation.pk)
        in client_for(secretariat).get(page).content.decode()
    )
    # Another donor's allocation is shown only in aggregate: no link to it.
    assert "funding.allocation" not in client_for(donor).get(page).content.decode()

    questionnaire, _ = _questionnaire(secretariat)
    page = reverse("questionnaire_detail", args=[questionnaire.code])
    html = client_for(focal_egypt).get(page).content.decode()
    assert _link("questionnaires.questionnaire", questionnaire.pk) in html


def test_meeting_pages_link_to_the_history_of_their_parts(
    secretariat: User, delegate: User
) -> None:
    item, _ = _agenda_item(secretariat)
    participant = SessionParticipant.objects.create(
        session=item.session, state=State.objects.get(iso3="EGY"), capacity="member"
    )
    page = reverse("session_detail", args=[item.session_id])
    html = client_for(secretariat).get(page).content.decode()
    assert _link("meetings.agendaitem", item.pk) in html
    assert _link("meetings.sessionparticipant", participant.pk) in html
    assert f'aria-label="History of {item}"' in html
    assert "/history/" not in client_for(None).get(page).content.decode()

    file, _ = _document_file(secretariat)
    page = reverse("document_detail", args=[file.document_id])
    assert (
        _link("meetings.documentfile", file.pk) in client_for(delegate).get(page).content.decode()
    )
    assert "meetings.documentfile" not in client_for(None).get(page).content.decode()

    evidence, _ = _mandate_evidence(secretariat)
    html = client_for(None).get(reverse("mandate_list")).content.decode()
    assert _link("meetings.mandateevidence", evidence.pk) in html
    assert 'aria-label="History of Report of the meeting"' in html


class _NamedLinks(HTMLParser):
    """The links and buttons named by ``aria-label``, each with its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        label = dict(attrs).get("aria-label")
        if tag in ("a", "button") and label is not None:
            self._open.append((tag, label, []))

    def handle_data(self, data: str) -> None:
        for _tag, _label, texts in self._open:
            texts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            _tag, label, texts = self._open.pop()
            self.found.append((label, " ".join("".join(texts).split())))


def test_a_named_history_link_says_its_visible_word_in_every_language(
    secretariat: User, focal_egypt: User
) -> None:
    """A link's spoken name holds its visible text (WCAG 2.5.3, label in name): someone who
    says "سجل التغييرات" to their voice control must reach the link showing it."""
    _priority_theme(secretariat)
    _exchange_rate(secretariat)
    _mandate_evidence(secretariat)
    link, _ = _need_link(secretariat)
    item, _ = _agenda_item(secretariat)
    pages = [
        reverse("programme_list"),
        reverse("rate_list"),
        reverse("need_links", args=[link.need_id]),
        reverse("activity_detail", args=[link.activity_id]),
        reverse("session_detail", args=[item.session_id]),
        reverse("mandate_list"),
        reverse("state_detail", args=["EGY"]),
    ]
    client = client_for(secretariat)
    seen = 0
    for language, _name in settings.LANGUAGES:
        for page in pages:
            parser = _NamedLinks()
            parser.feed(client.get(page, {"lang": language}).content.decode())
            for label, text in parser.found:
                seen += 1
                assert text.casefold() in label.casefold(), (language, page, label, text)
    assert seen >= len(pages) * len(settings.LANGUAGES)
