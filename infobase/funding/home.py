"""Home-page work queues for a donor: its own pledges, and the projects still looking for
funding (with the funding gaps one link away); for the secretariat, the projects naming a
beneficiary State to review."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from infobase.core import home
from infobase.core.home import Queue, QueueItem
from infobase.core.i18n import format_money
from infobase.funding.models import Pledge, Project, ProjectStatus
from infobase.funding.selectors import projects_to_review

SEEKING_FUNDS = (ProjectStatus.CONCEPT, ProjectStatus.APPROVED)


def _pledge(p: Pledge) -> QueueItem:
    return QueueItem(
        title=format_money(p.amount, p.currency),
        title_dir="",  # the page's: the code after the number as the page's language reads
        url=reverse("pledge_detail", args=[p.pk]),
        detail=p.get_earmark_display(),
        when=p.pledged_on,
        when_label=_("Pledged on"),
        status=p.status,
        status_label=p.get_status_display(),
    )


def _project(p: Project) -> QueueItem:
    return QueueItem(
        title=str(p),
        url=reverse("project_detail", args=[p.pk]),
        status=p.status,
        status_label=p.get_status_display(),
    )


@home.register(home.DONOR, order=10)
def donor_pledges(user: Any) -> Queue:
    return home.queue_of(
        Pledge.objects.filter(donor_id=user.organization_id).order_by("-pledged_on", "-pk"),
        _pledge,
        key="pledges",
        title=_("Your pledges"),
        more_url=reverse("pledge_list"),
        more_label=_("All your pledges"),
        empty=_("Your organization has no pledge recorded."),
    )


@home.register(home.DONOR, order=20)
def projects_to_fund(user: Any) -> Queue:
    return home.queue_of(
        Project.objects.filter(status__in=SEEKING_FUNDS).order_by("code"),
        _project,
        key="fundable",
        title=_("Projects looking for funding"),
        more_url=reverse("funding_gaps"),
        more_label=_("Funding gaps"),
        empty=_("No project is looking for funding."),
    )


@home.register(home.SECRETARIAT, order=45)
def beneficiaries_to_review(user: Any) -> Queue:
    return home.queue_of(
        projects_to_review().order_by("code"),
        _project,
        key="beneficiaries-review",
        title=_("Beneficiary States to review"),
        more_url=reverse("project_list") + "?review=on",
        more_label=_("All projects with beneficiary States to review"),
        empty=_("No project names a State through confidential needs alone."),
    )
