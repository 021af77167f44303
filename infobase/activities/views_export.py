"""Download of the secretariat's activities as an IATI 2.03 file (secretariat only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from infobase.accounts.permissions import require
from infobase.activities.iati_export import iati_export_valid
from infobase.activities.models import Activity


@login_required
def iati_export_download(request: HttpRequest) -> HttpResponse:
    """The file of every activity that validates.

    When every activity could be written, the file itself; when some were left out, a page
    with the link to the file (``?download=1`` gives it directly) and the activities left out,
    each with its reasons and where to correct it."""
    require(request.user, "activities.export_iati")
    everything = request.GET.get("all") == "1"
    result = iati_export_valid(activities=Activity.objects.all() if everything else None)
    wants_file = request.GET.get("download") == "1"
    if result.valid and result.exported and (wants_file or not result.left_out):
        response = HttpResponse(result.content, content_type="application/xml; charset=utf-8")
        name = f"infobase-iati-activities-{timezone.localdate():%Y%m%d}.xml"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = "?all=1&download=1" if everything else "?download=1"
    return render(
        request,
        "activities/iati_export.html",
        {
            "result": result,
            "everything": everything,
            "download_query": query,
        },
    )
