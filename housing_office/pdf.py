"""PDF rendering with WeasyPrint, shared by letters and reports.

Every resource a document names (an image, a stylesheet, an attachment) goes
through the URL fetcher made by `make_url_fetcher`. It serves only the exact
URLs the rendering code allows for that one document, such as the logo of the
municipality whose letter or report is being made, and refuses everything
else: other files under the shared MEDIA_ROOT (another municipality's letters,
print files, start-loan summaries), local files, `data:` URIs and the network.
A letter template is written by an office leader, so nothing it names may
decide what the worker reads from disk.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

_FONT_CONFIG = None

# PDF/A-2 level A (ISO 19005-2, conformance "a"): the archive format — a
# letter is its own archive copy, journaled as it is made (arkivforskrifta;
# Riksarkivarens forskrift § 5-17 takes PDF/A for documents deposited from
# Noark 5) — and level A is the tagged ("accessible") level, so screen readers
# get the same structure tree PDF/UA-1 asked for: the universal design rules
# (forskrift om universell utforming av IKT-løsninger) apply to letters and
# reports alike. WeasyPrint writes one conformance claim per file; PDF/A-2a's
# is the one the archive checks. Before this release letters were PDF/UA-1.
PDF_VARIANT = "pdf/a-2a"
MEDIA_SCHEME = "media:"
STATIC_SCHEME = "static:"

UrlFetcher = Callable[..., Any]


def font_config():
    """One FontConfiguration per process: building it scans the system's
    fonts, and reusing it lets WeasyPrint reuse the font subsets."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def media_url(name: str) -> str:
    """The URL a layout uses for a stored file, e.g. a municipality's logo."""
    return MEDIA_SCHEME + name


def _resolve(url: str) -> str | None:
    """The file behind an allowed `media:` or `static:` URL, if it exists."""
    if url.startswith(MEDIA_SCHEME):
        root = Path(settings.MEDIA_ROOT).resolve()
        path = (root / url[len(MEDIA_SCHEME) :]).resolve()
        found = str(path) if path.is_relative_to(root) else None
    elif url.startswith(STATIC_SCHEME):
        found = finders.find(url[len(STATIC_SCHEME) :])
    else:
        found = None
    return found if found and Path(found).is_file() else None


def _response(url: str, path: str) -> Any:
    mime, _ = mimetypes.guess_type(path)
    from weasyprint.urls import URLFetcherResponse

    return URLFetcherResponse(
        url,
        body=open(path, "rb"),  # noqa: SIM115 - WeasyPrint closes it
        headers={"Content-Type": mime or "application/octet-stream"},
    )


def make_url_fetcher(allowed: Iterable[str] = ()) -> UrlFetcher:
    """A fetcher that serves exactly the `allowed` URLs (`media:NAME` or
    `static:NAME`, as given by the rendering code) and refuses all others.

    The URL WeasyPrint asks for is only compared with the allow-list; the
    file read is always the one behind the allowed entry, so no spelling of
    a URL (`..`, percent-escapes) reaches another file.
    """
    allowed_urls = frozenset(url for url in allowed if url)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        for candidate in (url, unquote(url)):
            if candidate in allowed_urls:
                path = _resolve(candidate)
                if path:
                    return _response(url, path)
        raise ValueError(f"Refused to fetch {url[:200]!r} while rendering a PDF")

    # WeasyPrint >= 70 reads this attribute when a fetch fails; False turns
    # the failure into a warning and the resource is left out.
    fetch._fail_on_errors = False  # type: ignore[attr-defined]
    return fetch


def html_to_pdf(html: str, *, resources: Iterable[str] = ()) -> bytes:
    """Render one HTML document to a tagged PDF/A-2a with embedded fonts.
    Its title and language come from the document's own `<title>` and
    `<html lang>`.

    `resources`: the only URLs the document may load (see `make_url_fetcher`).
    """
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=make_url_fetcher(resources), base_url=str(settings.BASE_DIR))
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        font_config=font_config(),
        uncompressed_pdf=False,
        custom_metadata=True,
    )


def _municipality_logo(context: dict[str, Any]) -> list[str]:
    municipality = context.get("municipality")
    logo = getattr(municipality, "logo", None)
    return [media_url(logo.name)] if logo else []


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    resources: Iterable[str] | None = None,
) -> bytes:
    """Render a site template (never a user-written one) to PDF.

    Unless `resources` says otherwise, the document may load the logo of the
    municipality in `context["municipality"]` and nothing else.
    """
    html = render_to_string(template_name, context)
    allowed = _municipality_logo(context) if resources is None else resources
    return html_to_pdf(html, resources=allowed)
