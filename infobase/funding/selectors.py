"""Reads of projects that more than one screen, command or service asks the same way."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from infobase.funding.models import Project
from infobase.reference.models import State
from infobase.reference.selectors import states_by_name


def beneficiaries_to_review() -> QuerySet[Any]:
    """The (project, State) rows of the projects' beneficiary States whose presence rests only
    on confidential needs: the project addresses needs of that State, every one of them
    confidential (``Need.confidential``), and the secretariat has not named the State on
    purpose (``Project.states_on_purpose``). A project's States are published, so each such
    State tells everyone that it stated a need in confidence; projects saved before
    ``services.default_beneficiaries`` took them by default. The one rule of the project page's
    notice, the secretariat's queue and list filter, ``project-beneficiaries-review`` and the
    services that settle a row. Only the secretariat may be shown what it finds."""
    through = Project.states.through
    linked = Project.needs.through.objects.filter(
        project_id=OuterRef("project_id"), need__state_id=OuterRef("state_id")
    )
    on_purpose = Project.states_on_purpose.through.objects.filter(
        project_id=OuterRef("project_id"), state_id=OuterRef("state_id")
    )
    return (
        through.objects.filter(Exists(linked))
        .exclude(Exists(linked.filter(need__confidential=False)))
        .exclude(Exists(on_purpose))
    )


def projects_to_review() -> QuerySet[Project]:
    """The projects with a beneficiary State to review (``beneficiaries_to_review``)."""
    return Project.objects.filter(pk__in=beneficiaries_to_review().values("project_id"))


def states_to_review(project: Project) -> list[State]:
    """The beneficiary States of ``project`` to review, in the reader's order of names."""
    rows = beneficiaries_to_review().filter(project_id=project.pk).values("state_id")
    return states_by_name(State.objects.filter(pk__in=rows))
