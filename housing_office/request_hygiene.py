"""Request hygiene: what no view should have to check for itself.

NUL. PostgreSQL cannot hold the character with code zero in any text value
("The character with code zero (sometimes called NUL) cannot be stored",
https://www.postgresql.org/docs/current/datatype-character.html), and psycopg
refuses a parameter with one ("A string literal cannot contain NUL (0x00)
characters"), so a search for "a\\x00b" is a server error wherever it reaches
a query. Django's form `CharField` refuses NUL (`ProhibitNullCharactersValidator`),
but a view that reads `request.GET` itself does not. `RequestHygieneMiddleware`
answers 400 to every request whose path, query string, form fields or cookies
carry one, before the session, the login throttle or any view has read it.
Uploaded files are not looked at: their bytes are the importer's to judge.

Ids. `parse_id` reads an id typed into a query string or form field by hand:
ASCII digits only (`str.isdigit` also accepts "²", which `int` refuses) and
within the range of a 64-bit primary key; anything else is no id at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template import loader

NUL = "\x00"
# The largest BigAutoField (DEFAULT_AUTO_FIELD) on PostgreSQL (bigint) and SQLite (INTEGER):
# https://www.postgresql.org/docs/current/datatype-numeric.html, https://www.sqlite.org/datatype3.html
ID_MAX = 2**63 - 1
_ID_MAX_DIGITS = len(str(ID_MAX))


def parse_id(value: object) -> int | None:
    """The id in `value`, or None when it is not a positive id a table can hold."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > _ID_MAX_DIGITS:
        return None
    number = int(value)
    return number if 0 < number <= ID_MAX else None


def parse_ids(values: Iterable[object]) -> set[int]:
    """The ids among `values`; the rest are left out."""
    return {number for number in map(parse_id, values) if number is not None}


def _has_nul(data: QueryDict | dict[str, str]) -> bool:
    if isinstance(data, QueryDict):
        return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())
    return any(NUL in key or NUL in value for key, value in data.items())


def carries_nul(request: HttpRequest) -> bool:
    """Whether the path, query string, cookies or form fields hold a NUL."""
    # request.POST holds the form fields only; uploaded files are in request.FILES.
    return (
        NUL in request.path_info
        or _has_nul(request.GET)
        or _has_nul(request.COOKIES)
        or _has_nul(request.POST)
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 and the middleware's answer: the Norwegian 400 page, rendered
    without the request's context (as handler500 is), since what is wrong may be
    the request's own session cookie."""
    return HttpResponseBadRequest(loader.get_template("400.html").render())


class RequestHygieneMiddleware:
    """400 for a request with a NUL anywhere a view or the session could read it,
    and for a form body that cannot be parsed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = carries_nul(request)
        except MultiPartParserError:
            # A broken multipart body is the client's fault; Django's CSRF check
            # would otherwise meet the same error later and answer 500.
            refused = True
        if refused:
            return bad_request(request)
        return self.get_response(request)
