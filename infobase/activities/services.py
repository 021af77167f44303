"""Writes for activities recorded by hand, and focal points' comments.

``activity_save`` validates everything first and writes nothing when a problem is found
(``InvalidInput`` lists them all). Activities imported from IATI are changed by importing a newer
file of their publisher, not here: a hand edit would be overwritten by the next import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from infobase.accounts.permissions import is_donor, is_focal_point, is_secretariat
from infobase.activities.models import (
    PROVIDER_KIND_BY_ORGANIZATION,
    Activity,
    ActivitySource,
    Comment,
    Participant,
    ParticipantRole,
    ProviderKind,
    Recipient,
    Sector,
    Theme,
)
from infobase.core.errors import InputProblem, InvalidInput
from infobase.core.history import one_version
from infobase.reference.models import (
    Article,
    AssistanceKind,
    CodelistItem,
    Instrument,
    Organization,
    State,
)

IDENTIFIER_PREFIX = "XM-INFOBASE-"
IDENTIFIER = re.compile(r"^XM-INFOBASE-(\d+)$")
DATA_FIELDS = frozenset(
    {
        "iati_identifier",
        "title",
        "description",
        "default_language",
        "provider",
        "status",
        "planned_start",
        "actual_start",
        "planned_end",
        "actual_end",
        "default_currency",
        "budget",
        "disbursed",
        "is_demo",
    }
)
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


# (IATI OrganisationRole code, organization or None, name)
ParticipantSpec = tuple[str, Organization | None, str]
# A recipient State with its share of the activity in percent (None: not given).
RecipientSpec = tuple[State, Decimal | None]


def _codes(codelist: str) -> set[str]:
    return set(CodelistItem.objects.filter(codelist__name=codelist).values_list("code", flat=True))


def _withdrawn(codelist: str) -> set[str]:
    return set(
        CodelistItem.objects.filter(codelist__name=codelist, withdrawn=True).values_list(
            "code", flat=True
        )
    )


def _recipient_specs(recipients: Sequence[State | RecipientSpec]) -> list[RecipientSpec]:
    """Recipients as (State, percentage); a bare State has no percentage."""
    return [r if isinstance(r, tuple) else (r, None) for r in recipients]


def next_identifier() -> str:
    """The next free hand-entered identifier, "XM-INFOBASE-<number>"."""
    numbers = [
        int(m.group(1))
        for ident in Activity.objects.filter(
            iati_identifier__startswith=IDENTIFIER_PREFIX
        ).values_list("iati_identifier", flat=True)
        if (m := IDENTIFIER.match(ident))
    ]
    top = max(numbers, default=0)
    # Also above any primary key, so that numbers are never reused after a deletion.
    top = max(top, Activity.objects.aggregate(m=Max("pk"))["m"] or 0)
    return f"{IDENTIFIER_PREFIX}{top + 1}"


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v).strip() for k, v in value.items() if str(v or "").strip()}


def _validate(
    *,
    user: Any,
    instance: Activity,
    data: Mapping[str, Any],
    recipients: Sequence[RecipientSpec],
    sectors: Sequence[tuple[str, Decimal | None]],
    themes: Sequence[tuple[Article | None, str]],
    participants: Sequence[ParticipantSpec],
) -> list[InputProblem]:
    place = (
        _("Activity %(identifier)s") % {"identifier": instance.iati_identifier}
        if instance.pk
        else _("New activity")
    )
    problems: list[InputProblem] = []

    def problem(message: str, column: str) -> None:
        problems.append(InputProblem(place, message, column=column))

    for name in sorted(set(data) - DATA_FIELDS):
        problem(_("“%(field)s” is not a field of an activity.") % {"field": name}, name)
    titles = _texts(data.get("title", instance.title))
    if not titles:
        problem(_("A title is required, in at least one language."), "title")
    languages = _codes("Language")
    for name in ("title", "description"):
        for code in _texts(data.get(name, {})):
            if not LANGUAGE_CODE.match(code):
                problem(_("“%(code)s” is not a language code.") % {"code": code}, name)
            elif languages and code.split("-")[0] not in languages:
                problem(
                    _("“%(code)s” is not in the IATI Language codelist (ISO 639-1).")
                    % {"code": code},
                    name,
                )
    identifier = str(data.get("iati_identifier") or "").strip()
    if identifier and identifier != instance.iati_identifier:
        if not IDENTIFIER.match(identifier):
            problem(
                _("An identifier entered by hand has the form %(form)s, not “%(value)s”.")
                % {"form": IDENTIFIER_PREFIX + "<number>", "value": identifier},
                "iati_identifier",
            )
        elif Activity.objects.filter(iati_identifier=identifier).exclude(pk=instance.pk).exists():
            problem(
                _("The identifier %(value)s is already used by another activity.")
                % {"value": identifier},
                "iati_identifier",
            )
    status = data.get("status", instance.status)
    if status and status not in _codes("ActivityStatus"):
        problem(_("“%(code)s” is not an IATI activity status.") % {"code": status}, "status")
    currency = data.get("default_currency", instance.default_currency)
    if currency and currency not in _codes("Currency"):
        problem(
            _("“%(code)s” is not an ISO 4217 currency code.") % {"code": currency},
            "default_currency",
        )
    elif currency and currency in _withdrawn("Currency"):
        problem(
            _("“%(code)s” is withdrawn from the IATI Currency codelist.") % {"code": currency},
            "default_currency",
        )
    for name in ("budget", "disbursed"):
        value = data.get(name)
        if value is not None and (not isinstance(value, Decimal | int) or value < 0):
            problem(_("%(field)s: an amount of zero or more is required.") % {"field": name}, name)
        if value and not currency:
            problem(_("Give the currency of the amounts."), "default_currency")
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        a, b = data.get(start, getattr(instance, start)), data.get(end, getattr(instance, end))
        if isinstance(a, date) and isinstance(b, date) and b < a:
            problem(_("The end date is before the start date."), end)
    chosen = data.get("provider", instance.provider if instance.provider_id else None)
    if is_secretariat(user) and not isinstance(chosen, Organization):
        problem(_("Choose the providing organization."), "provider")
    dac = _codes("Sector")
    withdrawn = _withdrawn("Sector")
    total = Decimal(0)
    for code, percentage in sectors:
        if code not in dac:
            problem(_("“%(code)s” is not a DAC 5-digit sector code.") % {"code": code}, "sectors")
        elif code in withdrawn:
            problem(
                _("“%(code)s” is withdrawn from the IATI Sector codelist: choose its successor.")
                % {"code": code},
                "sectors",
            )
        if percentage is not None:
            if not 0 <= percentage <= 100:
                problem(_("A sector's percentage is between 0 and 100."), "sectors")
            total += percentage
    given = [p for _c, p in sectors if p is not None]
    if (given or len(sectors) > 1) and (len(given) != len(sectors) or total != 100):
        # IATI: percentages per vocabulary add up to 100; one sector alone is implicitly 100.
        problem(
            _(
                "Give a percentage for every sector, adding up to 100, when there are several "
                "(or when any is given)."
            ),
            "sectors",
        )
    _check_recipients(recipients, problem)
    for article, kind in themes:
        if article is None and not kind:
            problem(_("A theme names an article, a kind of assistance or both."), "themes")
        if kind and kind not in AssistanceKind.values:
            problem(_("“%(kind)s” is not a kind of assistance.") % {"kind": kind}, "themes")
    for role, organization, name in participants:
        if role not in ParticipantRole.values:
            problem(
                _("“%(role)s” is not an IATI organisation role.") % {"role": role}, "participants"
            )
        if organization is None and not name.strip():
            problem(_("A participant needs an organization or a name."), "participants")
    return problems


def _check_recipients(recipients: Sequence[RecipientSpec], problem: Any) -> None:
    """IATI: the percentages of the recipient countries add up to 100; one alone is 100."""
    seen: set[int] = set()
    total = Decimal(0)
    for state, percentage in recipients:
        if state.pk in seen:
            problem(
                _("%(state)s is listed twice among the recipient States.") % {"state": state},
                "recipients",
            )
        seen.add(state.pk)
        if percentage is not None:
            if not 0 <= percentage <= 100:
                problem(_("A recipient's percentage is between 0 and 100."), "recipients")
            total += percentage
    given = [p for _s, p in recipients if p is not None]
    if len(recipients) > 1 and len(given) != len(recipients):
        problem(
            _(
                "With several recipient States, give each one's percentage of the activity "
                "(together 100), as IATI requires."
            ),
            "recipients",
        )
    elif given and total != 100:
        problem(
            _("The percentages of the recipient States add up to %(total)s, not 100.")
            % {"total": f"{total.normalize():f}"},
            "recipients",
        )


@transaction.atomic
def activity_save(
    *,
    user: Any,
    instance: Activity,
    data: Mapping[str, Any],
    recipients: Sequence[State | RecipientSpec],
    sectors: Sequence[tuple[str, Decimal | None]],
    themes: Sequence[tuple[Article | None, str]],
    participants: Sequence[ParticipantSpec],
    instruments: Sequence[Instrument],
    reason: str = "",
) -> Activity:
    """Create or change an activity entered by hand, with all of its parts (replaced).

    The secretariat chooses the provider; a donor's activities are always its own
    organization's. ``recipients``: States, or (State, percentage) pairs; several recipients
    need percentages adding up to 100 (the IATI rule, so that every activity recorded here can
    be exported). Nothing is written when a problem is found."""
    recipient_specs = _recipient_specs(recipients)
    if instance.pk:
        if not user.has_perm("activities.change_activity", instance):
            raise PermissionDenied
        if instance.source != ActivitySource.MANUAL:
            raise PermissionDenied(
                _("Imported activities are updated by importing a newer file of their publisher.")
            )
    elif not user.has_perm("activities.add_activity"):
        raise PermissionDenied
    problems = _validate(
        user=user,
        instance=instance,
        data=data,
        recipients=recipient_specs,
        sectors=sectors,
        themes=themes,
        participants=participants,
    )
    if problems:
        raise InvalidInput(problems)

    created = instance.pk is None
    if is_secretariat(user):
        provider = data.get("provider", instance.provider)
    elif is_donor(user):
        provider = user.organization
    else:  # pragma: no cover - the permission check above already refused
        raise PermissionDenied
    assert isinstance(provider, Organization)
    instance.provider = provider
    instance.provider_kind = PROVIDER_KIND_BY_ORGANIZATION.get(provider.kind, ProviderKind.OTHER)
    instance.provider_state = provider.state
    instance.reporting_org_ref = provider.iati_ref
    instance.reporting_org_name = provider.name_en
    instance.source = ActivitySource.MANUAL
    nullable = {"planned_start", "actual_start", "planned_end", "actual_end", "budget", "disbursed"}
    for name in sorted(DATA_FIELDS - {"iati_identifier", "title", "description", "provider"}):
        if name in data:
            value = data[name]
            setattr(instance, name, value if value is not None or name in nullable else "")
    if "title" in data:
        instance.title = _texts(data["title"])
    if "description" in data:
        instance.description = _texts(data["description"])
    if not instance.default_language:
        instance.default_language = next(iter(instance.title), "en")
    identifier = str(data.get("iati_identifier") or "").strip()
    if identifier:
        instance.iati_identifier = identifier
    elif not instance.iati_identifier:
        instance.iati_identifier = next_identifier()
    if created:
        instance.created_by = user
    # A reason of the service's own is kept in English and shown in the reader's language.
    instance._change_reason = reason or (  # type: ignore[attr-defined]
        gettext_noop("Recorded by hand") if created else gettext_noop("Changed by hand")
    )
    wanted: set[Instrument] = set(instruments)
    wanted |= {a.instrument for a, _k in themes if a is not None}
    ordered: list[Instrument] = sorted(wanted, key=lambda i: i.pk)
    if getattr(user, "pk", None):  # who, also without a web request (a command, the demo)
        instance._history_user = user  # type: ignore[attr-defined]
    # One version: its fields, its instruments and its parts as written here.
    with one_version(instance):
        instance.save()
        instance.instruments.set(ordered)
        _write_parts(instance, recipient_specs, sectors, themes, participants)
    return instance


def _write_parts(
    instance: Activity,
    recipient_specs: Sequence[tuple[State, Any]],
    sectors: Sequence[tuple[str, Decimal | None]],
    themes: Sequence[tuple[Article | None, str]],
    participants: Sequence[ParticipantSpec],
) -> None:
    """An activity's recipients, sectors, themes and participants, replaced."""
    instance.recipients.all().delete()
    Recipient.objects.bulk_create(
        [
            Recipient(activity=instance, state=state, percentage=percentage)
            for state, percentage in recipient_specs
        ]
    )
    instance.sectors.all().delete()
    Sector.objects.bulk_create(
        [Sector(activity=instance, vocabulary="1", code=c, percentage=p) for c, p in sectors]
    )
    instance.themes.all().delete()
    Theme.objects.bulk_create(
        [Theme(activity=instance, article=a, kind=k) for a, k in dict.fromkeys(themes)]
    )
    instance.participants.all().delete()
    Participant.objects.bulk_create(
        [
            Participant(
                activity=instance,
                role=role,
                organization=org,
                ref=org.iati_ref if org else "",
                name=(name.strip() or (org.name_en if org else "")),
                org_type=org.iati_type if org else "",
            )
            for role, org, name in participants
        ]
    )


@transaction.atomic
def comment_add(*, user: Any, activity: Activity, state: State, text: str) -> Comment:
    """A comment on an activity in ``state``: by that State's focal points (or the secretariat)."""
    if not user.has_perm("activities.comment_activity", activity):
        raise PermissionDenied
    if is_focal_point(user) and not is_secretariat(user) and state.pk != user.state_id:
        raise PermissionDenied
    place = _("Comment on activity %(identifier)s") % {"identifier": activity.iati_identifier}
    problems = []
    if not activity.recipients.filter(state=state).exists():
        problems.append(
            InputProblem(
                place,
                _("%(state)s is not a recipient of this activity.") % {"state": state},
                column="state",
            )
        )
    if not text.strip():
        problems.append(InputProblem(place, _("The comment is empty."), column="text"))
    if problems:
        raise InvalidInput(problems)
    return Comment.objects.create(activity=activity, state=state, author=user, text=text.strip())
