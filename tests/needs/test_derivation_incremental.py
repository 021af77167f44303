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
from infobase.needs.derivation import (
    _ANSWERS,
    BUCKET,
    PARTS,
    STATE_NAME,
    STATE_VERSION,
    DeriveResult,
    _pack,
    _Rows,
    _unpack,
    _unpack_buckets,
    needs_derive,
)
from infobase.needs.models import (
    AssistanceRequest,
    DerivationState,
    Need,
    NeedEvidence,
    NeedStatus,
    RequestLine,
    RequestStatus,
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
    # The stored state, three small tables, and one aggregate per large table.
    assert len([s for s in sql if s in ("SELECT", "DECLARE")]) == 8


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


# --- The stored state, bucket by bucket -------------------------------------------------------


def many_answers() -> list[int]:
    """Enough stated needs for several buckets: five kinds of four articles in four cycles of
    two States the world fixture leaves alone (their primary keys, in order)."""
    kinds = ["legislative", "training", "technology", "onsite_expert", "good_practices"]
    for cycle in range(1, 5):
        for iso3 in ("FRA", "DEU"):
            answers(iso3, [(n, k) for n in NUMBERS for k in kinds], cycle=cycle)
    pks = list(StatedNeed.objects.order_by("pk").values_list("pk", flat=True))
    assert len(pks) > 8 * BUCKET
    return pks


def stored_part(part: str) -> dict[str, Any]:
    data: dict[str, Any] = DerivationState.objects.get(name=f"{STATE_NAME}.{part}").data
    return data


def test_a_change_in_one_bucket_reads_only_that_bucket(world: None) -> None:  # noqa: F811
    pks = many_answers()
    needs_derive(today=TODAY)
    part = stored_part("answers")
    rows, sums = _Rows.unpacked(part["rows"]), _unpack_buckets(part["buckets"])
    assert list(rows.keys) == sorted(StatedNeed.objects.values_list("pk", flat=True))
    changed = pks[len(pks) // 2]
    StatedNeed.objects.filter(pk=changed).update(confidential=True)
    diff, figures = _ANSWERS.compare(sums, rows.between)
    # The row that changed, with its new hash; and the figures of its bucket only, from the
    # rows read: no other row was read.
    assert list(diff) == [changed] and diff[changed] != rows.get(changed)
    bucket = changed // BUCKET
    assert list(figures) == [bucket]
    in_bucket = [pk for pk in pks if pk // BUCKET == bucket]
    assert figures[bucket][0] == len(in_bucket) <= BUCKET
    # Deleted and added rows show too, with nothing read beyond their buckets.
    StatedNeed.objects.filter(pk=pks[0]).delete()
    added = StatedNeed.objects.get(assignment=answers("MEX", [(5, "training")], cycle=3)).pk
    diff, figures = _ANSWERS.compare(sums, rows.between)
    assert set(diff) == {changed, pks[0], added} and diff[pks[0]] is None
    assert set(figures) == {changed // BUCKET, pks[0] // BUCKET, added // BUCKET}


def test_the_derivation_reads_and_writes_only_the_parts_that_changed(
    world: None,  # noqa: F811
) -> None:
    many_answers()
    needs_derive(today=TODAY)
    before = dict(DerivationState.objects.values_list("name", "pk"))
    assert set(before) == {STATE_NAME, *(f"{STATE_NAME}.{p}" for p in PARTS)}
    req = AssistanceRequest.objects.get(state__iso3="EGY")
    req.status = RequestStatus.WITHDRAWN
    req.save()
    expected = full_in_savepoint()
    with CaptureQueriesContext(connection) as captured:
        result = needs_derive(today=TODAY)
    assert result.mode == "incremental" and result.unlinked == 2
    assert (outcome(result), register()) == expected
    after = dict(DerivationState.objects.values_list("name", "pk"))
    # Replaced: the main row and the links; left alone: the stated needs and the pairs
    # without a gap, neither of which changed (nor was read in full).
    assert after[STATE_NAME] != before[STATE_NAME]
    assert after[f"{STATE_NAME}.links"] != before[f"{STATE_NAME}.links"]
    for part in ("answers", "no_gap"):
        assert after[f"{STATE_NAME}.{part}"] == before[f"{STATE_NAME}.{part}"], part
    grouped = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    assert not [sql for sql in grouped if "questionnaires_" in sql]
    assert needs_derive(today=TODAY).mode == "unchanged"


def test_a_state_of_an_older_version_or_a_part_missing_means_a_full_run(
    world: None,  # noqa: F811
) -> None:
    needs_derive(today=TODAY)
    expected = register()
    old = DerivationState.objects.get(name=STATE_NAME)
    # The state as version 3 stored it: one row, every part in it.
    DerivationState.objects.all().delete()
    DerivationState.objects.create(
        name=STATE_NAME,
        fingerprint=old.fingerprint,
        data={**old.data, "v": STATE_VERSION - 1, "answers": ["", ""], "links": ["", "", "", ""]},
    )
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=True)
    result = needs_derive(today=TODAY)
    assert result.mode == "full" and result.updated == 2  # SEN's two needs of answers
    assert DerivationState.objects.get(name=STATE_NAME).data["v"] == STATE_VERSION
    assert DerivationState.objects.filter(name__startswith=f"{STATE_NAME}.").count() == len(PARTS)
    # A part lost, or left by another run than the one the main row names: a full run.
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=False)
    DerivationState.objects.filter(name=f"{STATE_NAME}.links").delete()
    assert needs_derive(today=TODAY).mode == "full"
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=True)
    DerivationState.objects.filter(name=f"{STATE_NAME}.answers").update(fingerprint="0.0")
    assert needs_derive(today=TODAY).mode == "full"
    StatedNeed.objects.filter(state__iso3="SEN").update(confidential=False)
    assert needs_derive(today=TODAY).mode == "incremental"
    assert register()["needs"] == expected["needs"]


def test_packed_integers_and_rows_updated_by_slices() -> None:
    assert list(_unpack(_pack([3, 1, 2**31 - 1]))) == [3, 1, 2**31 - 1]
    wide = [0, -(2**40), 2**62]
    assert _pack(wide)[0] == "8" and list(_unpack(_pack(wide))) == wide
    rows = _Rows.of({5: 50, 1: 10, 9: 90})
    updated = rows.updated({1: None, 4: 40, 9: 91, 12: 120})
    assert list(updated.keys) == [4, 5, 9, 12] and list(updated.values) == [40, 50, 91, 120]
    assert (updated.get(9), updated.get(1), updated.between(5, 12)) == (91, None, {5: 50, 9: 91})
    assert list(rows.keys) == [1, 5, 9]  # unchanged
