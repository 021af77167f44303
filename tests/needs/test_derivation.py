"""The consolidated needs register: derivation from answers and requests, and the decisions
taken by hand that a later derivation must leave in place."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.models import HistoricalRecords

from infobase.needs import decisions
from infobase.needs.derivation import DERIVE_REASON, needs_derive
from infobase.needs.models import (
    AssistanceRequest,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
    RequestStatus,
)
from infobase.questionnaires.models import Assignment, AssignmentStatus, Questionnaire, StatedNeed
from infobase.reference.models import Article, State
from tests.questionnaires.conftest import build_questionnaire

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def art(number: int, instrument: str = "untoc") -> Article:
    return Article.objects.get(instrument__code=instrument, number=number)


def answers(
    iso3: str,
    rows: list[tuple[int, str]],
    *,
    cycle: int = 1,
    status: str = AssignmentStatus.VALIDATED,
    validated_on: date = date(2025, 3, 1),
    priority: str = "",
    confidential: bool = False,
) -> Assignment:
    """A State's assignment in ``cycle`` with stated needs (article number, kind)."""
    code = f"q-{cycle}"
    questionnaire = Questionnaire.objects.filter(code=code).first() or build_questionnaire(
        cycle_number=cycle, code=code
    )
    state = State.objects.get(iso3=iso3)
    assignment, _ = Assignment.objects.get_or_create(
        questionnaire=questionnaire,
        state=state,
        defaults={
            "deadline": date(2025, 1, 31),
            "dispatched_at": datetime(2024, 11, 1, tzinfo=UTC),
            "status": status,
            "validated_at": datetime.combine(validated_on, datetime.min.time(), tzinfo=UTC),
        },
    )
    for number, kind in rows:
        StatedNeed.objects.create(
            assignment=assignment,
            state=state,
            article=art(number),
            kind=kind,
            priority=priority,
            confidential=confidential,
        )
    return assignment


def request(
    iso3: str,
    rows: list[tuple[int, str]],
    *,
    status: str = RequestStatus.RECEIVED,
    confidential: bool = False,
    urgency: str = "medium",
    received_on: date = date(2025, 9, 1),
) -> AssistanceRequest:
    req = AssistanceRequest.objects.create(
        state=State.objects.get(iso3=iso3),
        instrument=art(5).instrument,
        title="Request",
        description="Assistance asked for",
        urgency=urgency,
        received_on=received_on,
        status=status,
        source="web",
        confidential=confidential,
    )
    for number, kind in rows:
        RequestLine.objects.create(request=req, article=art(number), kind=kind)
    return req


def expected_register() -> dict[tuple[str, int, str], set[tuple[str, int]]]:
    """Recomputed from the raw rows, without the derivation's code: key → its sources."""
    out: dict[tuple[str, int, str], set[tuple[str, int]]] = defaultdict(set)
    from infobase.questionnaires.models import ArticleImplementation

    no_gap = set(
        ArticleImplementation.objects.filter(paragraph=0, status__in=["yes", "na"]).values_list(
            "assignment_id", "article_id"
        )
    )
    for sn in StatedNeed.objects.select_related("assignment", "state", "article"):
        if sn.assignment.status == "validated" and (sn.assignment_id, sn.article_id) not in no_gap:
            out[(sn.state.iso3, sn.article.number, sn.kind)].add(("answer", sn.pk))
    for line in RequestLine.objects.select_related("request__state", "article"):
        if line.request.status not in ("withdrawn", "declined"):
            out[(line.request.state.iso3, line.article.number, line.kind)].add(("request", line.pk))
    return dict(out)


def actual_register() -> dict[tuple[str, int, str], set[tuple[str, int]]]:
    out: dict[tuple[str, int, str], set[tuple[str, int]]] = {}
    for need in Need.objects.select_related("state", "article").prefetch_related("evidence"):
        out[(need.state.iso3, need.article.number, need.kind)] = {
            ("answer", e.stated_need_id) if e.stated_need_id else ("request", e.request_line_id)
            for e in need.evidence.all()
        }
    return out


def need_of(iso3: str, number: int, kind: str) -> Need:
    return Need.objects.exclude(status=NeedStatus.MERGED).get(
        state__iso3=iso3, article=art(number), kind=kind
    )


def history_rows() -> int:
    return Need.history.count()  # type: ignore[attr-defined]


@pytest.fixture
def world() -> None:
    """Three States, answers in two cycles, requests in every state of their life."""
    answers("EGY", [(5, "legislative"), (5, "training"), (16, "training")], priority="high")
    answers(
        "SEN", [(5, "legislative"), (18, "institution_building")], validated_on=date(2025, 4, 2)
    )
    answers("MEX", [(6, "training")], status=AssignmentStatus.SUBMITTED)  # not validated
    answers("EGY", [(5, "legislative"), (28, "technology")], cycle=2, validated_on=date(2026, 2, 1))
    request("EGY", [(5, "legislative"), (18, "onsite_expert")])
    request("SEN", [(16, "training")], status=RequestStatus.MATCHED)
    request("MEX", [(6, "training")], status=RequestStatus.WITHDRAWN)
    request("MEX", [(8, "legislative")], status=RequestStatus.DECLINED)


def test_register_matches_an_independent_recomputation(world: None) -> None:
    result = needs_derive(today=TODAY)

    expected = expected_register()
    assert actual_register() == expected
    # EGY 5/legislative has answers from two cycles and a request line.
    assert len(expected[("EGY", 5, "legislative")]) == 3
    assert ("MEX", 6, "training") not in expected  # submitted answers, withdrawn request
    assert result.created == len(expected) == 8
    assert result.linked == result.sources == sum(len(s) for s in expected.values()) == 10
    assert (result.unlinked, result.updated, result.unchanged) == (0, 0, 0)
    assert NeedEvidence.objects.count() == 10
    assert set(Need.objects.values_list("status", flat=True)) == {NeedStatus.OPEN}
    assert all(h.history_change_reason == DERIVE_REASON for h in Need.history.all())  # type: ignore[attr-defined]


def test_first_seen_is_the_earliest_date_of_the_evidence(world: None) -> None:
    needs_derive(today=TODAY)
    assert need_of("EGY", 5, "legislative").first_seen == date(2025, 3, 1)
    assert need_of("EGY", 28, "technology").first_seen == date(2026, 2, 1)
    assert need_of("EGY", 18, "onsite_expert").first_seen == date(2025, 9, 1)
    assert need_of("SEN", 18, "institution_building").first_seen == date(2025, 4, 2)


def test_deriving_again_without_changes_writes_nothing(world: None) -> None:
    needs_derive(today=TODAY)
    before = (history_rows(), NeedEvidence.objects.count(), Need.objects.count())
    with CaptureQueriesContext(connection) as captured:
        result = needs_derive(today=date(2026, 7, 1))
    writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []
    assert not result.changed
    assert result.unchanged == 8
    assert (history_rows(), NeedEvidence.objects.count(), Need.objects.count()) == before


def test_new_answers_only_add_to_the_register(world: None) -> None:
    needs_derive(today=TODAY)
    links_before = dict(NeedEvidence.objects.values_list("pk", "need_id"))
    needs_before = set(Need.objects.values_list("pk", flat=True))
    history_before = history_rows()

    answers("SEN", [(5, "legislative"), (29, "training")], cycle=2)
    result = needs_derive(today=TODAY)

    assert actual_register() == expected_register()
    assert (result.created, result.linked, result.unlinked, result.updated) == (1, 2, 0, 0)
    # Old links untouched, old needs kept with the same ids.
    assert dict(NeedEvidence.objects.filter(pk__in=links_before).values_list("pk", "need_id")) == (
        links_before
    )
    assert needs_before < set(Need.objects.values_list("pk", flat=True))
    assert history_rows() == history_before + 1  # only the new need


def test_a_withdrawn_request_is_unlinked_and_its_need_kept_without_evidence(world: None) -> None:
    needs_derive(today=TODAY)
    req = AssistanceRequest.objects.get(state__iso3="EGY")
    req.status = RequestStatus.WITHDRAWN
    req.save()

    result = needs_derive(today=TODAY)

    assert actual_register() == {
        **expected_register(),
        ("EGY", 18, "onsite_expert"): set(),
    }
    assert result.unlinked == 2
    assert result.lost_evidence == 1
    lonely = need_of("EGY", 18, "onsite_expert")
    assert lonely.status == NeedStatus.OPEN and not lonely.has_evidence
    assert need_of("EGY", 5, "legislative").has_evidence  # answers still back it

    # The State files it again: the same need gets evidence back.
    req.status = RequestStatus.RECEIVED
    req.save()
    result = needs_derive(today=TODAY)
    assert (result.reopened, result.created) == (1, 0)
    assert need_of("EGY", 18, "onsite_expert").pk == lonely.pk
    assert need_of("EGY", 18, "onsite_expert").has_evidence


def test_history_says_who_when_and_what_for_created_and_changed_needs(
    world: None, secretariat: Any
) -> None:
    """Run from a request (the "derive now" button), the history names its user."""
    request_with_user = RequestFactory().get("/")
    request_with_user.user = secretariat
    HistoricalRecords.context.request = request_with_user
    try:
        started = timezone.now()
        needs_derive(today=TODAY)
        AssistanceRequest.objects.filter(state__iso3="EGY").update(status=RequestStatus.WITHDRAWN)
        needs_derive(today=TODAY)
    finally:
        del HistoricalRecords.context.request
    lonely = need_of("EGY", 18, "onsite_expert")
    rows = list(lonely.history.order_by("history_id"))  # type: ignore[attr-defined]
    assert [(h.history_type, h.has_evidence) for h in rows] == [("+", True), ("~", False)]
    for h in rows:
        assert (h.history_user_id, h.history_change_reason) == (secretariat.pk, DERIVE_REASON)
        assert (h.state_id, h.article_id, h.kind, h.status) == (
            lonely.state_id,
            lonely.article_id,
            lonely.kind,
            NeedStatus.OPEN,
        )
        assert h.history_date >= started
    # Each need created has exactly one creation row, each change one change row.
    assert Need.history.filter(history_type="+").count() == Need.objects.count()  # type: ignore[attr-defined]
    assert Need.history.filter(history_type="~").count() == 1  # type: ignore[attr-defined]


def test_the_history_of_needs_is_indexed_only_for_its_reads() -> None:
    """A need's history is read by the need (``id``) and by date, and its user is cleared when
    the user is deleted: only these columns have an index. Each further index would be one
    more place every history row written by the derivation has to go into."""
    table = Need.history.model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = {
        tuple(c["columns"])
        for c in constraints.values()
        if c["index"] and not c["primary_key"] and not c["unique"]
    }
    assert indexed == {("id",), ("history_date",), ("history_user_id",)}


def test_answers_no_longer_stated_leave_the_need_without_evidence(world: None) -> None:
    needs_derive(today=TODAY)
    StatedNeed.objects.filter(state__iso3="SEN", article=art(18)).delete()  # re-derived answers
    returned = Assignment.objects.get(state__iso3="EGY", questionnaire__code="q-2")
    returned.status = AssignmentStatus.RETURNED  # no longer validated
    returned.save()

    result = needs_derive(today=TODAY)

    assert result.unlinked == 2  # EGY cycle 2 (the cascade took the SEN link with it)
    assert not need_of("SEN", 18, "institution_building").has_evidence
    assert not need_of("EGY", 28, "technology").has_evidence
    assert result.lost_evidence == 2
    register = actual_register()
    assert {k: v for k, v in register.items() if v} == expected_register()


def test_confidential_when_every_source_is_confidential(world: None) -> None:
    answers("FRA", [(5, "training")], confidential=True)
    request("FRA", [(5, "training"), (6, "training")], confidential=True)
    request("FRA", [(6, "training")])
    needs_derive(today=TODAY)
    assert need_of("FRA", 5, "training").confidential
    assert not need_of("FRA", 6, "training").confidential
    assert not need_of("EGY", 5, "legislative").confidential

    request("FRA", [(5, "training")])  # a public source arrives
    result = needs_derive(today=TODAY)
    assert not need_of("FRA", 5, "training").confidential
    assert result.updated == 1


def test_the_number_of_queries_does_not_grow_with_the_register(world: None) -> None:
    def count() -> tuple[int, int]:
        """(reads, all statements); the database splits bulk inserts into batches."""
        with CaptureQueriesContext(connection) as captured:
            needs_derive(today=TODAY)
        sql = [q["sql"] for q in captured.captured_queries]
        # PostgreSQL reads through server-side cursors (DECLARE … CURSOR FOR SELECT).
        # PostgreSQL also sets and clears the setting that quiets the change log's triggers.
        reads = sum(
            1
            for s in sql
            if s.startswith(("SELECT", "DECLARE")) and not s.startswith("SELECT set_config")
        )
        statements = [s for s in sql if not s.startswith(("SAVEPOINT", "RELEASE", "CLOSE"))]
        return reads, len(statements)

    small = count()
    StatedNeed.objects.all().delete()
    Need.objects.all().delete()
    for iso3 in ["FRA", "DEU", "ITA", "ESP", "NGA", "KEN", "BRA", "ARG", "JPN", "IND"]:
        answers(iso3, [(n, k) for n in (5, 6, 8, 11) for k in ("training", "legislative")])
    large = count()
    assert Need.objects.count() > 80
    # 5 reads derive (sources of both kinds, links, needs, the needs written), one reads the
    # stored state; the second run also looks at the change log first (the first has no state
    # that would let it trust the log). SQLite takes the log with a read and a delete (one
    # DELETE … RETURNING on PostgreSQL).
    taken = 1 if connection.vendor == "sqlite" else 0
    assert (small[0], large[0]) == (6 + taken, 7 + taken)
    assert large[1] < 27  # a few batches, not a query per need


# --- Decisions taken by hand ------------------------------------------------------------


def test_merge_survives_rederivation_and_new_evidence_follows_it(
    world: None, secretariat: object
) -> None:
    needs_derive(today=TODAY)
    training = need_of("EGY", 5, "training")
    legislative = need_of("EGY", 5, "legislative")
    decisions.need_merge(
        user=secretariat, need=training, into=legislative, reason="Same project in practice"
    )
    moved = set(legislative.evidence.values_list("pk", flat=True))

    answers("EGY", [(5, "training")], cycle=3)  # new evidence of the merged key
    result = needs_derive(today=TODAY)

    training.refresh_from_db()
    assert training.status == NeedStatus.MERGED and training.merged_into_id == legislative.pk
    assert not training.evidence.exists()
    assert moved < set(legislative.evidence.values_list("pk", flat=True))
    assert result.created == 0 and result.linked == 1
    assert legislative.evidence.count() == 5  # 3 + 1 merged + 1 new
    history = history_rows()
    assert not needs_derive(today=TODAY).changed  # the decision is stable
    assert history_rows() == history
    record = training.history.first()  # type: ignore[attr-defined]
    assert record.history_change_reason == "Same project in practice"
    assert training.decision_reason == "Same project in practice"


def test_merge_follows_chains(world: None, secretariat: object) -> None:
    needs_derive(today=TODAY)
    a, b, c = (
        need_of("EGY", 5, "training"),
        need_of("EGY", 5, "legislative"),
        need_of("EGY", 16, "training"),
    )
    decisions.need_merge(user=secretariat, need=a, into=b, reason="one")
    decisions.need_merge(user=secretariat, need=b, into=c, reason="two")
    answers("EGY", [(5, "training")], cycle=3)
    needs_derive(today=TODAY)
    new_link = NeedEvidence.objects.get(stated_need__assignment__questionnaire__code="q-3")
    assert new_link.need_id == c.pk


def test_split_survives_rederivation(world: None, secretariat: object) -> None:
    needs_derive(today=TODAY)
    need = need_of("EGY", 5, "legislative")
    request_evidence = list(need.evidence.filter(kind="request"))
    target = decisions.need_split(
        user=secretariat,
        need=need,
        evidence=request_evidence,
        article=art(5),
        kind="model_legislation",
        reason="The request asks for model legislation",
    )
    assert target.split_from_id == need.pk and target.is_manual
    assert list(target.evidence.all()) == request_evidence

    answers("EGY", [(5, "legislative")], cycle=3)
    result = needs_derive(today=TODAY)

    assert list(target.evidence.all()) == request_evidence  # the moved link stays
    assert not needs_derive(today=TODAY).changed
    assert need.evidence.count() == 3  # 2 answers + the new one
    assert result.created == 0
    target.refresh_from_db()
    assert target.has_evidence and target.status == NeedStatus.OPEN


def test_split_into_an_existing_need(world: None, secretariat: object) -> None:
    needs_derive(today=TODAY)
    need = need_of("EGY", 5, "legislative")
    existing = need_of("EGY", 5, "training")
    one = need.evidence.filter(kind="answer").first()
    assert one is not None
    target = decisions.need_split(
        user=secretariat, need=need, evidence=[one], article=art(5), kind="training", reason="r"
    )
    assert target.pk == existing.pk
    assert Need.objects.filter(state__iso3="EGY", article=art(5), kind="training").count() == 1
    with pytest.raises(ValidationError):  # evidence of another need
        decisions.need_split(
            user=secretariat, need=need, evidence=[one], article=art(6), kind="training", reason="r"
        )


def test_closed_need_stays_closed_and_new_evidence_is_reported(
    world: None, secretariat: object
) -> None:
    needs_derive(today=TODAY)
    met = need_of("SEN", 18, "institution_building")
    decisions.need_close(user=secretariat, need=met, status="met", reason="Project delivered")
    gone = need_of("EGY", 28, "technology")
    decisions.need_close(user=secretariat, need=gone, status="not_relevant", reason="Law adopted")

    answers("SEN", [(18, "institution_building")], cycle=2)
    result = needs_derive(today=TODAY)

    met.refresh_from_db()
    gone.refresh_from_db()
    assert met.status == NeedStatus.MET and met.decision_reason == "Project delivered"
    assert gone.status == NeedStatus.NOT_RELEVANT
    assert met.evidence.count() == 2
    assert result.new_evidence_on_closed == [met.pk]
    assert result.created == 0

    decisions.need_reopen(user=secretariat, need=met, reason="New gap reported")
    met.refresh_from_db()
    assert met.status == NeedStatus.OPEN
    assert met.history.first().history_change_reason == "New gap reported"  # type: ignore[attr-defined]


def test_pin_and_exclude_survive_rederivation(
    world: None, secretariat: object, delegate: object
) -> None:
    needs_derive(today=TODAY)
    pinned = need_of("EGY", 16, "training")
    excluded = need_of("SEN", 5, "legislative")
    decisions.need_pin(user=delegate, need=pinned, pinned=True, reason="Urgent for the region")
    decisions.need_exclude(user=secretariat, need=excluded, excluded=True, reason="Covered")
    answers("EGY", [(16, "training")], cycle=2)
    answers("SEN", [(5, "legislative")], cycle=2)
    needs_derive(today=TODAY)
    pinned.refresh_from_db()
    excluded.refresh_from_db()
    assert pinned.pinned and pinned.ranking_reason == "Urgent for the region"
    assert excluded.excluded and excluded.ranking_reason == "Covered"

    decisions.need_pin(user=secretariat, need=excluded, pinned=True, reason="Back on the list")
    excluded.refresh_from_db()
    assert excluded.pinned and not excluded.excluded


def test_decisions_need_a_reason_and_the_permission(
    world: None, secretariat: object, delegate: object, focal_egypt: object
) -> None:
    needs_derive(today=TODAY)
    need = need_of("EGY", 5, "training")
    into = need_of("EGY", 5, "legislative")
    with pytest.raises(ValidationError) as problem:
        decisions.need_close(user=secretariat, need=need, status="met", reason="  ")
    assert "reason" in problem.value.message_dict
    with pytest.raises(PermissionDenied):
        decisions.need_merge(user=focal_egypt, need=need, into=into, reason="r")
    with pytest.raises(PermissionDenied):
        decisions.need_close(user=delegate, need=need, status="met", reason="r")  # chair ranks only
    with pytest.raises(PermissionDenied):
        decisions.need_pin(user=focal_egypt, need=need, pinned=True, reason="r")
    with pytest.raises(ValidationError):
        decisions.need_merge(
            user=secretariat, need=need, into=need_of("SEN", 5, "legislative"), reason="r"
        )
    with pytest.raises(ValidationError):
        decisions.need_close(user=secretariat, need=need, status="merged", reason="r")
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN and need.history.count() == 1  # type: ignore[attr-defined]


def test_command_prints_the_counts(world: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("needs-derive", "--today", "2026-06-01")
    out = capsys.readouterr().out
    assert "created: 8" in out
    assert "linked: 10" in out
    call_command("needs-derive")
    assert "created: 0" in capsys.readouterr().out


def test_the_full_option_derives_what_the_change_log_missed(
    world: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from infobase.needs.models import NeedEvidence, SourceChange

    call_command("needs-derive", "--today", "2026-06-01")
    # A link removed behind the log's back (as with the triggers removed): only a full run
    # reads every source again.
    NeedEvidence.objects.filter(pk=NeedEvidence.objects.order_by("pk").first().pk).delete()  # type: ignore[union-attr]
    SourceChange.objects.all().delete()
    capsys.readouterr()
    call_command("needs-derive")
    assert "linked: 0" in capsys.readouterr().out
    call_command("needs-derive", "--full")
    assert "linked: 1" in capsys.readouterr().out


def test_assistance_asked_for_an_implemented_article_is_not_a_need(world: None) -> None:
    """Issue 4: a need comes from a gap (no or partly) and assistance asked for."""
    from infobase.questionnaires.models import ArticleImplementation

    sn = StatedNeed.objects.select_related("assignment").first()
    assert sn is not None
    ArticleImplementation.objects.update_or_create(
        assignment=sn.assignment,
        article=sn.article,
        paragraph=0,
        defaults={"state": sn.state, "status": "yes"},
    )
    needs_derive(today=TODAY)
    assert not NeedEvidence.objects.filter(stated_need=sn).exists()
    ArticleImplementation.objects.filter(assignment=sn.assignment, article=sn.article).update(
        status="partly"
    )
    needs_derive(today=TODAY)
    assert NeedEvidence.objects.filter(stated_need=sn).exists()
