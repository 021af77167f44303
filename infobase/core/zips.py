"""Office files (XLSX, DOCX) whose bytes depend only on their content.

Both formats are zip archives whose entries carry the time they were written; rewriting them
with one fixed time makes the same content give the same bytes (checksums, caches, tests).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime


def stable_zip(data: bytes, moment: datetime) -> bytes:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    stamp = moment.timetuple()[:6]
    stamp = (max(stamp[0], 1980), *stamp[1:])  # zip times start in 1980
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
