"""Reads of reference data: who is party to what, on which date; the States directory."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import pgettext_lazy

from infobase.core.collation import sorted_by_name
from infobase.core.search import search
from infobase.reference.models import (
    CodelistItem,
    Instrument,
    LegalFamily,
    Organization,
    Participation,
    State,
    StateContact,
)

T = TypeVar("T")


def by_state_name(
    items: Iterable[T], state: Callable[[T], State], *, language_code: str | None = None
) -> list[T]:
    """``items`` in the alphabetical order of their State's name in the reader's language
    (``core.collation``), not the English order of the database."""
    return sorted_by_name(
        items,
        lambda item: state(item).translated("name", language_code).text,
        language_code=language_code,
    )


def states_by_name(states: Iterable[State], *, language_code: str | None = None) -> list[State]:
    """States in the alphabetical order of their names in the reader's language."""
    return by_state_name(states, lambda state: state, language_code=language_code)


class PartyStatus:
    PARTY = "party"
    SIGNATORY = "signatory"  # signed, not (yet) bound
    NONE = "none"


def parties_on(*, instrument: Instrument, on: date) -> QuerySet[State]:
    """States bound by ``instrument`` on ``on`` (consent to be bound given on or before it)."""
    bound = Participation.objects.filter(
        instrument=instrument, state=OuterRef("pk"), consent_date__lte=on
    )
    return State.objects.filter(Exists(bound))


def signatories_not_parties_on(*, instrument: Instrument, on: date) -> QuerySet[State]:
    signed = Participation.objects.filter(
        Q(consent_date__isnull=True) | Q(consent_date__gt=on),
        instrument=instrument,
        state=OuterRef("pk"),
        signature_date__lte=on,
    )
    return State.objects.filter(Exists(signed))


def status_filter(*, instrument: Instrument, status: str, on: date) -> QuerySet[State]:
    if status == PartyStatus.PARTY:
        return parties_on(instrument=instrument, on=on)
    if status == PartyStatus.SIGNATORY:
        return signatories_not_parties_on(instrument=instrument, on=on)
    involved = Participation.objects.filter(
        Q(signature_date__lte=on) | Q(consent_date__lte=on),
        instrument=instrument,
        state=OuterRef("pk"),
    )
    return State.objects.exclude(Exists(involved))


def family_count() -> Case | Value:
    """How many legal families a State's system draws on (more than one: mixed)."""
    total: Case | Value = Value(0)
    for family in LegalFamily:
        total = total + Case(  # type: ignore[assignment]
            When(**{f"legal_{family.value}": True}, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return total


def organization_list(*, query: str = "") -> QuerySet[Organization]:
    """Providers and funders; ``query`` matches an acronym or a name in any of the six
    languages, ignoring Arabic spelling variants, accents and case."""
    return search(Organization.objects.select_related("state"), query)


def state_list(
    *,
    query: str = "",
    regional_group: str = "",
    legal_family: str = "",
    instrument: Instrument | None = None,
    status: str = "",
    on: date | None = None,
) -> QuerySet[State]:
    """The States directory. ``query`` matches a name in any of the six languages or a code,
    ignoring Arabic spelling variants, accents and case."""
    states: QuerySet[State] = State.objects.all()
    if query:
        states = search(states, query)
    if regional_group == "none":
        states = states.filter(regional_group="")
    elif regional_group:
        states = states.filter(regional_group=regional_group)
    if legal_family == "mixed":
        states = states.alias(families=family_count()).filter(families__gt=1)
    elif legal_family in LegalFamily.values:
        states = states.filter(**{f"legal_{legal_family}": True})
    if instrument is not None and status:
        chosen = status_filter(instrument=instrument, status=status, on=on or date.today())
        states = states.filter(pk__in=chosen.values("pk"))
    return states


@dataclass(frozen=True)
class InstrumentCount:
    instrument: Instrument
    parties: int
    signatories: int


def participation_counts(*, on: date) -> list[InstrumentCount]:
    return [
        InstrumentCount(
            instrument=instrument,
            parties=parties_on(instrument=instrument, on=on).count(),
            signatories=signatories_not_parties_on(instrument=instrument, on=on).count(),
        )
        for instrument in Instrument.objects.all()
    ]


def regional_group_counts() -> dict[str, int]:
    rows = State.objects.values("regional_group").annotate(n=Count("pk"))
    return {row["regional_group"]: row["n"] for row in rows}


def snapshot_date() -> date | None:
    latest = Participation.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    return latest


def party_status(participation: Participation | None, *, on: date) -> str:
    """A State's status for one instrument on a date: party, signatory or neither."""
    if participation is None:
        return PartyStatus.NONE
    if participation.consent_date is not None and participation.consent_date <= on:
        return PartyStatus.PARTY
    if participation.signature_date is not None and participation.signature_date <= on:
        return PartyStatus.SIGNATORY
    return PartyStatus.NONE


def public_institutions(state: State) -> list[str]:
    """The State's focal institutions its contacts allow to be named publicly (institution
    names only: the people and their details stay private)."""
    names = (
        StateContact.objects.filter(state=state, institution_public=True)
        .exclude(institution="")
        .values_list("institution", flat=True)
    )
    return sorted(set(names), key=str.casefold)


# IATI's ActivityStatus codelist (IATI Standard 2.03, codelist "ActivityStatus",
# https://iatistandard.org/en/iati-standard/203/codelists/activitystatus/; the copy read here is
# ../shared/data/iati/codelists/ActivityStatus.xml). The codelist names its codes in English and
# French only; an activity's status is shown in every interface language, so its six names are
# translated here. A code the codelist adds later shows its English name until it is.
ACTIVITY_STATUS_NAMES = {
    "1": pgettext_lazy("IATI activity status", "Pipeline/identification"),
    "2": pgettext_lazy("IATI activity status", "Implementation"),
    "3": pgettext_lazy("IATI activity status", "Finalisation"),
    "4": pgettext_lazy("IATI activity status", "Closed"),
    "5": pgettext_lazy("IATI activity status", "Cancelled"),
    "6": pgettext_lazy("IATI activity status", "Suspended"),
}


def activity_statuses() -> list[tuple[str, str]]:
    """(code, name) of IATI's activity statuses loaded with the codelists, in the interface
    language (``ACTIVITY_STATUS_NAMES``)."""
    return [
        (code, str(ACTIVITY_STATUS_NAMES.get(code, name)))
        for code, name in CodelistItem.objects.filter(codelist__name="ActivityStatus")
        .order_by("code")
        .values_list("code", "name_en")
    ]


def activity_status_name(code: str) -> str:
    """The name of IATI activity status ``code`` in the interface language ("" if unknown)."""
    if code in ACTIVITY_STATUS_NAMES:
        return str(ACTIVITY_STATUS_NAMES[code])
    return (
        CodelistItem.objects.filter(codelist__name="ActivityStatus", code=code)
        .values_list("name_en", flat=True)
        .first()
        or ""
    )
