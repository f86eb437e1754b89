"""Files that hold personal data, on their way out of the app: every
download is checked and logged in one place.

An archived file (a letter, a print file) is handed out only while its bytes
still match the SHA-256 recorded when it was made: an altered archive copy
is never passed off as the original. Every download of a file about people
writes a row in the access log (*innsynslogg*), as the government's
guidelines on access logs recommend
(https://www.regjeringen.no/no/dokumenter/retningslinjer-om-innsynslogg/id2364187/).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse

from .models import PersonalDataAccess

Action = PersonalDataAccess.Action


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def log_access(
    *, user: Any, municipality_id: int, action: str, object_repr: str, household_id: int | None = None
) -> PersonalDataAccess:
    """Record that `user` saw or downloaded personal data; returns the row."""
    return PersonalDataAccess.objects.create(
        municipality_id=municipality_id,
        user=user,
        action=action,
        household_id=household_id,
        object_repr=str(object_repr)[:200],
    )


def file_response(
    data: bytes, filename: str, *, content_type: str = "application/pdf", inline: bool = True
) -> HttpResponse:
    """The bytes as a download that no browser or proxy keeps a copy of."""
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def serve_logged(
    stored: FieldFile,
    *,
    user: Any,
    municipality_id: int,
    action: str,
    object_repr: str,
    filename: str,
    household_id: int | None = None,
    sha256: str | None = None,
    content_type: str = "application/pdf",
    inline: bool = True,
) -> HttpResponse:
    """Hand out a stored file after checking it against its recorded
    checksum (when it has one), and log the download. 404 when there is no
    file or it no longer matches."""
    if not stored:
        raise Http404
    with stored.open("rb") as handle:
        data = handle.read()
    if sha256 is not None and sha256_hex(data) != sha256:
        raise Http404("The file does not match its checksum")
    log_access(
        user=user,
        municipality_id=municipality_id,
        action=action,
        object_repr=object_repr,
        household_id=household_id,
    )
    return file_response(data, filename, content_type=content_type, inline=inline)
