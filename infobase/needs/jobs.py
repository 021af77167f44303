"""Deriving the needs register on demand, as a background job."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from infobase.accounts.permissions import require
from infobase.core.jobs import JobContext, job_handler, start_job
from infobase.core.models import Job
from infobase.needs.derivation import needs_derive_exclusive

DERIVE_JOB = "needs.derive"


@job_handler(DERIVE_JOB, title=gettext_lazy("Update the needs register"))
def derive_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    ctx.progress(5, gettext_noop("Deriving the needs register"))
    # A derivation started from the command line may be running: wait for it rather than fail.
    result = needs_derive_exclusive(wait=float(params.get("wait", 300)))
    return {
        "url": reverse("need_register"),
        "summary": [
            _("%(created)s new needs, %(linked)s sources linked, %(unlinked)s unlinked.")
            % {"created": result.created, "linked": result.linked, "unlinked": result.unlinked}
        ],
    }


def needs_derive_request(*, user: Any) -> Job:
    """Queue a derivation (or return the one already queued or running)."""
    require(user, "needs.decide_need")
    return start_job(kind=DERIVE_JOB, params={}, user=user, dedupe_key="needs.derive")
