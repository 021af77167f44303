"""Public section of the State profile: the projects for the State, listed to those who may
view projects, counted for anyone else."""

from __future__ import annotations

from typing import Any

from infobase.funding.models import Project
from infobase.reference.models import State
from infobase.reference.profile import state_section


@state_section(key="projects", order=50, template="reference/profile/projects.html")
def state_projects(state: State, user: Any) -> dict[str, Any]:
    projects = Project.objects.filter(states=state).distinct().order_by("-starts", "code")
    listed = user.has_perm("funding.view_project")
    return {
        "projects": list(projects) if listed else [],
        "total": projects.count(),
        "listed": listed,
    }
