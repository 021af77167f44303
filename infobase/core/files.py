"""Serving stored files: one place that turns a missing file into a translated 404."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


class Unavailable(Http404):
    """A 404 whose message is written for the reader (translated): the 404 page shows it, where
    it shows no other 404's technical message."""


def stored_file_response(
    field_file: FieldFile,
    *,
    filename: str | None = None,
    as_attachment: bool = True,
    content_type: str | None = None,
) -> FileResponse:
    """A response streaming ``field_file``; 404 (not 500) when the record has no file or the
    file is gone from the store (a restore without files, a cleaned folder)."""
    if not field_file or not field_file.name:
        raise Unavailable(_("This file is not available."))
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, IsADirectoryError):
        raise Unavailable(_("This file is no longer in the file store.")) from None
    return FileResponse(
        handle, as_attachment=as_attachment, filename=filename or "", content_type=content_type
    )
