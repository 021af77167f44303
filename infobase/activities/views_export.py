"""Download of the secretariat's activities as an IATI 2.03 file (secretariat only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from infobase.accounts.permissions import require
from infobase.activities.iati_export import iati_export, validate_iati
from infobase.activities.models import Activity


@login_required
def iati_export_download(request: HttpRequest) -> HttpResponse:
    require(request.user, "activities.export_iati")
    everything = request.GET.get("all") == "1"
    content = iati_export(activities=Activity.objects.all() if everything else None)
    problems = validate_iati(content)
    if problems:
        # Never hand out a file that does not validate: say what to fix instead.
        lines = [_("The IATI export does not validate against the IATI 2.03 schema and codelists:")]
        lines += problems
        return HttpResponse(
            "\n".join(lines) + "\n", status=422, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    name = f"infobase-iati-activities-{timezone.localdate():%Y%m%d}.xml"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
