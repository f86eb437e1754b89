"""PDF rendering with WeasyPrint, shared by letters and reports.

Static files (the stylesheet, the logo) are read straight from disk through
a URL fetcher, so the worker never makes an HTTP request to itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

_FONT_CONFIG = None


def _font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def _media_path(relative: str) -> str | None:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    # A template a leader can edit must not reach files outside MEDIA_ROOT.
    return str(path) if path.is_relative_to(root) else None


def url_fetcher(url: str, *args: Any, **kwargs: Any) -> Any:
    """Serve `static:` and `media:` URLs from disk; refuse everything else.

    Refusing remote URLs keeps a template (which a leader can edit) from
    making the worker fetch anything from the network.
    """
    import mimetypes

    for prefix, resolve in (
        ("static:", lambda p: finders.find(p)),
        ("media:", _media_path),
        ("file://" + str(settings.BASE_DIR / "static") + "/", lambda p: finders.find(p)),
    ):
        if url.startswith(prefix):
            path = resolve(url[len(prefix) :])
            if path and Path(path).is_file():
                mime, _ = mimetypes.guess_type(path)
                try:
                    from weasyprint.urls import URLFetcherResponse
                except ImportError:  # WeasyPrint < 70 takes a dict
                    return {"file_obj": open(path, "rb"), "mime_type": mime, "filename": path}  # noqa: SIM115
                # WeasyPrint >= 70 accepts only its response object.
                return URLFetcherResponse(
                    url,
                    body=open(path, "rb"),  # noqa: SIM115 - WeasyPrint closes it
                    headers={"Content-Type": mime or "application/octet-stream"},
                )
    raise ValueError(f"Refused to fetch {url!r} while rendering a PDF")


# WeasyPrint >= 70 reads this attribute of the fetcher when a fetch fails
# (a plain function has none); False turns the failure into a warning.
url_fetcher._fail_on_errors = False  # type: ignore[attr-defined]


def html_to_pdf(html: str, *, title: str = "", lang: str = "nb") -> bytes:
    """Render one HTML document to a tagged PDF (PDF/UA) with embedded fonts."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=url_fetcher, base_url=str(settings.BASE_DIR))
    return document.write_pdf(
        pdf_variant="pdf/ua-1",
        font_config=_font_config(),
        uncompressed_pdf=False,
        custom_metadata=True,
    )


def render_pdf(template_name: str, context: dict[str, Any], *, lang: str = "nb") -> bytes:
    html = render_to_string(template_name, context)
    return html_to_pdf(html, lang=lang)
