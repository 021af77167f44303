"""The derivation's shortcuts: a run after no change reads almost nothing and writes nothing,
and a run after some changes derives only what they touch yet leaves the register exactly as a
full derivation from every source would."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from infobase.needs import decisions
from infobase.needs.derivation import STATE_NAME, STATE_VERSION, DeriveResult, needs_derive
from infobase.needs.models import (
    AssistanceRequest,
    DerivationState,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
    RequestStatus,
    SourceChange,
)
from infobase.questionnaires.models import (
    ArticleImplementation,
    Assignment,
    AssignmentStatus,
    StatedNeed,
)
from tests.needs.test_derivation import answers, art, request, world  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)
KINDS = ["legislative", "training", "technology", "onsite_expert"]
NUMBERS = [5, 6, 16, 18]

Key = tuple[int, int, str]


def register() -> dict[str, Any]:
    """The register by keys (not primary keys, which a rolled-back run may not give back)."""
    needs = {
        n.pk: (n.state_id, n.article_id, n.kind, n.status) for n in Need.objects.order_by("pk")
    }
    rows = {
        needs[n.pk]: (
            n.has_evidence,
            n.confidential,
            n.first_seen,
            needs[n.merged_into_id] if n.merged_into_id else None,
        )
        for n in Need.objects.all()
    }
    links = {
        (e.stated_need_id, e.request_line_id): needs[e.need_id] for e in NeedEvidence.objects.all()
    }
    history: dict[Any, list[tuple[str, str | None, bool, bool]]] = {}
    for h in Need.history.order_by("history_id"):  # type: ignore[attr-defined]
        key = (h.state_id, h.article_id, h.kind, h.id)
        history.setdefault(key, []).append(
            (h.history_type, h.history_change_reason, h.has_evidence, h.confidential)
        )
    by_need_key = {needs.get(k[3], k[:3]): v for k, v in history.items()}
    return {"needs": rows, "links": links, "history": by_need_key}


def outcome(result: DeriveResult) -> dict[str, Any]:
    keys = dict(Need.objects.values_list("pk", "kind"))
    return {**result.as_dict(), "closed": sorted(keys[pk] for pk in result.new_evidence_on_closed)}


def full_in_savepoint() -> tuple[dict[str, Any], dict[str, Any]]:
    """The full derivation's result and register, then everything rolled back."""
    with transaction.atomic():
        result = needs_derive(today=TODAY, full=True)
        assert result.mode == "full"
        seen = (outcome(result), register())
        transaction.set_rollback(True)
    return seen


def changes(rng: random.Random, secretariat: Any) -> list[Callable[[], None]]:
    """Every kind of change the derivation must notice, each picking its rows at random."""

    def pick(qs: Any) -> Any:
        rows = list(qs.order_by("pk"))
        return rng.choice(rows) if rows else None

    def new_answers() -> None:
        iso3 = rng.choice(["EGY", "SEN", "MEX", "FRA"])
        rows = [(rng.choice(NUMBERS), rng.choice(KINDS)) for _ in range(rng.randint(1, 3))]
        cycle = rng.randint(1, 4)
        assignment = Assignment.objects.filter(
            state__iso3=iso3, questionnaire__code=f"q-{cycle}"
        ).first()
        taken = (
            set(
                StatedNeed.objects.filter(assignment=assignment).values_list(
                    "article__number", "kind"
                )
            )
            if assignment
            else set()
        )
        answers(iso3, [r for r in dict.fromkeys(rows) if r not in taken], cycle=cycle)

    def drop_answer() -> None:
        sn = pick(StatedNeed.objects.all())
        if sn:
            sn.delete()

    def answer_secret() -> None:
        sn = pick(StatedNeed.objects.all())
        if sn:
            StatedNeed.objects.filter(pk=sn.pk).update(confidential=not sn.confidential)

    def assignment_status() -> None:
        a = pick(Assignment.objects.all())
        if a:
            a.status = (
                AssignmentStatus.RETURNED
                if a.status == AssignmentStatus.VALIDATED
                else AssignmentStatus.VALIDATED
            )
            a.save()

    def implemented() -> None:
        sn = pick(StatedNeed.objects.all())
        if sn is None:
            return
        row = ArticleImplementation.objects.filter(
            assignment=sn.assignment, article=sn.article, paragraph=0
        ).first()
        if row is None:
            ArticleImplementation.objects.create(
                assignment=sn.assignment, state=sn.state, article=sn.article, status="yes"
            )
        else:  # in place, as a bulk update would
            ArticleImplementation.objects.filter(pk=row.pk).update(
                status="partly" if row.status == "yes" else "na"
            )

    def request_status() -> None:
        r = pick(AssistanceRequest.objects.all())
        if r:
            status = rng.choice([RequestStatus.WITHDRAWN, RequestStatus.RECEIVED, "declined"])
            AssistanceRequest.objects.filter(pk=r.pk).update(status=status)  # no history

    def request_secret() -> None:
        r = pick(AssistanceRequest.objects.all())
        if r:
            r.confidential = not r.confidential
            r.save()

    def new_request() -> None:
        rows = [(rng.choice(NUMBERS), rng.choice(KINDS)) for _ in range(rng.randint(1, 2))]
        request(
            rng.choice(["EGY", "SEN", "FRA"]),
            list(dict.fromkeys(rows)),
            confidential=rng.random() < 0.4,
            received_on=date(2025, rng.randint(1, 12), 1),
        )

    def drop_line() -> None:
        line = pick(RequestLine.objects.all())
        if line:
            line.delete()

    def line_kind() -> None:
        line = pick(RequestLine.objects.all())
        if line:
            RequestLine.objects.filter(pk=line.pk).update(kind=rng.choice(KINDS))

    def merge() -> None:
        need = pick(Need.objects.filter(status=NeedStatus.OPEN))
        if need is None:
            return
        into = pick(
            Need.objects.filter(state=need.state, status=NeedStatus.OPEN).exclude(pk=need.pk)
        )
        if into:
            decisions.need_merge(user=secretariat, need=need, into=into, reason="same")

    def close() -> None:
        need = pick(Need.objects.filter(status=NeedStatus.OPEN))
        if need:
            decisions.need_close(user=secretariat, need=need, status="met", reason="done")

    def move_link() -> None:  # by hand, the need's flags left as they were
        link = pick(NeedEvidence.objects.all())
        other = pick(Need.objects.exclude(status=NeedStatus.MERGED))
        if link and other:
            NeedEvidence.objects.filter(pk=link.pk).update(need=other)

    def drop_link() -> None:  # by hand, in the admin
        link = pick(NeedEvidence.objects.all())
        if link:
            link.delete()

    return [
        new_answers,
        new_answers,
        drop_answer,
        answer_secret,
        assignment_status,
        implemented,
        request_status,
        request_secret,
        new_request,
        drop_line,
        line_kind,
        merge,
        close,
        move_link,
        drop_link,
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_derivation_equals_the_full_one_after_random_changes(
    world: None,  # noqa: F811
    secretariat: Any,
    seed: int,
) -> None:
    rng = random.Random(seed)
    needs_derive(today=TODAY)
    ops = changes(rng, secretariat)
    modes = []
    for _round in range(14):
        for op in rng.sample(ops, rng.randint(1, 3)):
            op()
        expected = full_in_savepoint()
        result = needs_derive(today=TODAY)
        modes.append(result.mode)
        assert (outcome(result), register()) == expected, (seed, _round, result.mode)
    assert "incremental" in modes


def test_no_change_run_reads_a_few_tables_and_writes_nothing(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    with CaptureQueriesContext(connection) as captured:
        result = needs_derive(today=TODAY)
    assert result.mode == "unchanged" and not result.changed
    assert (result.sources, result.unchanged) == (
        NeedEvidence.objects.count(),
        Need.objects.count(),
    )
    sql = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    assert not {"INSERT", "UPDATE", "DELETE"} & set(sql)
    # The stored state and the change log (one row at most): nothing grows with the data.
    assert len([s for s in sql if s in ("SELECT", "DECLARE")]) == 2
    reads = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in reads if "questionnaires_" in q or "needs_need" in q]


def test_a_withdrawn_request_is_derived_incrementally(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    req = AssistanceRequest.objects.get(state__iso3="EGY")
    req.status = RequestStatus.WITHDRAWN
    req.save()
    result = needs_derive(today=TODAY)
    assert result.mode == "incremental"
    assert (result.unlinked, result.lost_evidence, result.linked) == (2, 1, 0)
    assert not Need.objects.get(state__iso3="EGY", article=art(18)).has_evidence


def test_a_need_changed_by_hand_makes_the_next_run_a_full_one(
    world: None,  # noqa: F811
    secretariat: Any,
) -> None:
    needs_derive(today=TODAY)
    need = Need.objects.get(state__iso3="EGY", article=art(16), kind="training")
    decisions.need_close(user=secretariat, need=need, status="met", reason="Delivered")
    assert needs_derive(today=TODAY).mode == "full"
    assert needs_derive(today=TODAY).mode == "unchanged"


def test_a_lost_or_stale_state_means_a_full_run(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    DerivationState.objects.update(data={"v": 0})
    StatedNeed.objects.filter(state__iso3="SEN").delete()
    assert needs_derive(today=TODAY).mode == "full"
    DerivationState.objects.all().delete()
    result = needs_derive(today=TODAY)
    assert result.mode == "full" and not result.changed


# --- The change log ------------------------------------------------------------------------


def test_a_change_made_by_raw_sql_is_logged_and_derived(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    req = AssistanceRequest.objects.get(state__iso3="EGY")
    table = connection.ops.quote_name(AssistanceRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s WHERE id = %s",  # noqa: S608 - a model's table
            [RequestStatus.WITHDRAWN.value, req.pk],
        )
    assert list(SourceChange.objects.values_list("origin", "row_key")) == [("R", req.pk)]
    expected = full_in_savepoint()
    result = needs_derive(today=TODAY)
    assert result.mode == "incremental" and result.unlinked == 2
    assert (outcome(result), register()) == expected
    assert not SourceChange.objects.exists()


def test_updates_of_columns_the_derivation_does_not_read_are_not_logged(
    world: None,  # noqa: F811
) -> None:
    needs_derive(today=TODAY)
    AssistanceRequest.objects.update(title="Renamed")
    Need.objects.update(decision_reason="Reviewed")
    Assignment.objects.update(deadline=date(2027, 1, 1))
    assert not SourceChange.objects.exists()
    assert needs_derive(today=TODAY).mode == "unchanged"


def test_the_derivation_does_not_log_its_own_writes(world: None) -> None:  # noqa: F811
    assert SourceChange.objects.exists()  # the fixture's rows, logged
    result = needs_derive(today=TODAY)
    assert result.mode == "full" and result.created and result.linked
    assert not SourceChange.objects.exists()
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=True)
    req = AssistanceRequest.objects.get(state__iso3="EGY")
    req.status = RequestStatus.WITHDRAWN
    req.save()
    answers("MEX", [(18, "training")], cycle=2)  # a new need, created by the run
    result = needs_derive(today=TODAY)
    assert result.mode == "incremental"
    assert result.created and result.unlinked and result.updated
    assert not SourceChange.objects.exists()


def test_a_link_moved_or_deleted_by_hand_is_derived_again(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    links = list(NeedEvidence.objects.order_by("pk"))
    other = Need.objects.exclude(pk=links[0].need_id).order_by("pk").first()
    assert other is not None
    NeedEvidence.objects.filter(pk=links[0].pk).update(need=other)
    NeedEvidence.objects.filter(pk=links[1].pk).delete()
    expected = full_in_savepoint()
    result = needs_derive(today=TODAY)
    assert result.mode == "incremental" and result.linked == 1
    assert (outcome(result), register()) == expected


def test_a_log_that_cannot_be_trusted_means_a_full_run(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    # Another version's state: the log may not name every change since it was stored.
    DerivationState.objects.filter(name=STATE_NAME).update(data={"v": STATE_VERSION - 1})
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=True)
    result = needs_derive(today=TODAY)
    assert result.mode == "full" and result.updated == 2  # SEN's two needs of answers
    assert DerivationState.objects.get(name=STATE_NAME).data["v"] == STATE_VERSION
    # No state (and an empty log): a full run, not "unchanged".
    DerivationState.objects.all().delete()
    assert not SourceChange.objects.exists()
    result = needs_derive(today=TODAY)
    assert result.mode == "full" and not result.changed
    # The parts an older version stored beside its state are dropped.
    DerivationState.objects.create(name=f"{STATE_NAME}.links", fingerprint="4.1", data={})
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=False)
    assert needs_derive(today=TODAY).mode == "incremental"
    assert list(DerivationState.objects.values_list("name", flat=True)) == [STATE_NAME]
    assert needs_derive(today=TODAY).mode == "unchanged"


def test_a_derivation_rolled_back_leaves_the_log_as_it_was(world: None) -> None:  # noqa: F811
    needs_derive(today=TODAY)
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=True)
    logged = list(SourceChange.objects.values_list("origin", "row_key"))
    assert logged
    full_in_savepoint()
    assert list(SourceChange.objects.values_list("origin", "row_key")) == logged
    assert needs_derive(today=TODAY).mode == "incremental"


def test_the_confidential_flag_follows_every_link_of_a_need_however_few_are_in_scope() -> None:
    """An incremental run reads the links of a need only when those it derived again leave the
    flags open; each step must still agree with the full run."""
    secret = answers("EGY", [(5, "training")], confidential=True).stated_needs.get()
    public = request("EGY", [(5, "training")])

    def step(change: Callable[[], Any], *, evidenced: bool, confidential: bool) -> None:
        change()
        expected = full_in_savepoint()
        result = needs_derive(today=TODAY)
        assert result.mode == "incremental"
        assert (outcome(result), register()) == expected
        need = Need.objects.get(state__iso3="EGY", article=art(5), kind="training")
        assert (need.has_evidence, need.confidential) == (evidenced, confidential)

    needs_derive(today=TODAY)
    # The public source goes, the secret one (not in scope) stays: read, now confidential.
    public_request = AssistanceRequest.objects.filter(pk=public.pk)
    step(lambda: public_request.update(status="withdrawn"), evidenced=True, confidential=True)
    # A public source comes: settled by the sources in scope.
    step(lambda: answers("EGY", [(5, "training")], cycle=2), evidenced=True, confidential=False)
    # It goes again: read.
    later = StatedNeed.objects.filter(assignment__questionnaire__code="q-2")
    step(lambda: later.delete(), evidenced=True, confidential=True)
    # The last one goes: no evidence, the flag kept.
    step(
        lambda: StatedNeed.objects.filter(pk=secret.pk).delete(), evidenced=False, confidential=True
    )
    # A need without evidence gets a public source: only the sources in scope count.
    step(lambda: public_request.update(status="received"), evidenced=True, confidential=False)


def test_new_evidence_of_a_merged_key_follows_the_merge_in_an_incremental_run(
    secretariat: Any,
) -> None:
    """The incremental run looks merged needs up by key (their own index): a new source of a
    key whose needs were all merged goes to the need at the end of the chain, as in a full
    run, and a key with no need at all gets a new one."""
    answers("EGY", [(5, "training"), (5, "legislative"), (6, "technology")])
    needs_derive(today=TODAY)
    key = {"state__iso3": "EGY", "article": art(5)}
    training = Need.objects.get(**key, kind="training")
    legislative = Need.objects.get(**key, kind="legislative")
    technology = Need.objects.get(state__iso3="EGY", article=art(6), kind="technology")
    decisions.need_merge(user=secretariat, need=training, into=legislative, reason="same")
    decisions.need_merge(user=secretariat, need=legislative, into=technology, reason="same")
    needs_derive(today=TODAY)  # the merges were made by hand: a full run

    answers("EGY", [(5, "training"), (16, "training")], cycle=2)
    expected = full_in_savepoint()
    result = needs_derive(today=TODAY)

    assert result.mode == "incremental"
    assert (outcome(result), register()) == expected
    assert (result.created, result.linked) == (1, 2)
    new = StatedNeed.objects.get(assignment__questionnaire__code="q-2", article=art(5))
    assert NeedEvidence.objects.get(stated_need=new).need_id == technology.pk
    assert Need.objects.filter(state__iso3="EGY", article=art(16), kind="training").exists()
