"""The background job that computes allocation proposals (``funding.allocation``): the
optimizer, the greedy baseline and the trade-off curve, out of the web request."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from infobase.core.jobs import JobContext, job_handler, start_job
from infobase.core.models import Job
from infobase.funding.allocation import AllocationRequest, compute_allocation

ALLOCATION_JOB = "funding.allocation"


@job_handler(ALLOCATION_JOB, title=gettext_lazy("Allocation proposal"))
def allocation_job(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Compute and store the proposals of the request in ``params``; the result links to them
    side by side."""
    request = AllocationRequest.from_job_params(params)
    proposals = compute_allocation(params=request, user=ctx.user, progress=ctx.progress)
    query = "&".join(f"p={p.pk}" for p in proposals)
    return {
        "proposal_ids": [p.pk for p in proposals],
        "url": f"{reverse('allocation')}?{query}",
    }


def allocation_start(*, request: AllocationRequest, user: Any) -> Job:
    """Queue the computation of ``request`` (or return the same request's job still running)."""
    params = request.as_job_params()
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:32]
    return start_job(
        kind=ALLOCATION_JOB, params=params, user=user, dedupe_key=f"allocation:{digest}"
    )
