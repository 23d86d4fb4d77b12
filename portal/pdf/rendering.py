"""Django templates to PDF with WeasyPrint: the house stylesheet, an embedded Japanese font, no network.

Each thread keeps one WeasyPrint FontConfiguration and the house stylesheet parsed once (docs/pdf.md,
"Speed"): loading fonts and parsing CSS are the costs a render can share with the next one.
"""

import logging
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, OpenerDirector, Request

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.pdf.fonts import GlyphMissingError, missing_characters, require_font

logger = logging.getLogger(__name__)

# The house stylesheet (a static file, found like any other).
HOUSE_STYLESHEET = "pdf/official.css"
# Documents are parsed as if they lived here. Nothing is ever fetched from this host: a URL under
# it that names a static file (`{% static %}`) is read from the local disk, every other URL is refused.
BASE_URL = "https://pdf.invalid/"


class ResourceBlockedError(ValueError):
    """A PDF template referred to something that is not a local static file (WeasyPrint skips it)."""


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads static files from the local disk and refuses everything else.

    Allowed: `data:` URLs and URLs under STATIC_URL (resolved against BASE_URL), looked up with the
    static files finders and then in STATIC_ROOT (where collectstatic puts hashed names). Refused with
    a warning: any other http(s), file or ftp URL. WeasyPrint leaves a refused image or stylesheet out.
    """

    def __init__(self):
        # Deliberately not URLFetcher.__init__: it builds an urllib opener with HTTP, FTP and file
        # handlers (and an SSL context, ~20 ms), none of which this fetcher may use.
        OpenerDirector.__init__(self)
        self._fail_on_errors = False

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            with DataHandler().data_open(Request(url)) as response:  # noqa: S310 (data: URLs only)
                return URLFetcherResponse(url, response.read(), dict(response.headers.items()))
        path = static_file_path(url)
        if path is None:
            logger.warning("PDF rendering refused to fetch %s: only local static files may be used.", url)
            raise ResourceBlockedError(f"not a local static file: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def static_file_path(url: str) -> Path | None:
    """The local file of a static URL as seen by a PDF (BASE_URL + STATIC_URL + path), else None."""
    prefix = urlsplit(urljoin(BASE_URL, settings.STATIC_URL))
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc) or not parts.path.startswith(prefix.path):
        return None
    relative = unquote(parts.path[len(prefix.path) :])
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts or "\\" in relative:
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    root = Path(settings.STATIC_ROOT).resolve()
    candidate = (root / relative).resolve()
    if candidate.is_relative_to(root) and candidate.is_file():
        return candidate
    return None


@dataclass(frozen=True)
class _Renderer:
    font_config: FontConfiguration
    fetcher: StaticFilesFetcher
    stylesheet: CSS


_thread_state = threading.local()


def _renderer() -> _Renderer:
    """This thread's font configuration, fetcher and parsed house stylesheet (made on first use)."""
    renderer = getattr(_thread_state, "renderer", None)
    if renderer is None:
        path = finders.find(HOUSE_STYLESHEET) or Path(settings.STATIC_ROOT) / HOUSE_STYLESHEET
        font_config = FontConfiguration()
        fetcher = StaticFilesFetcher()
        stylesheet = CSS(filename=path, base_url=BASE_URL, url_fetcher=fetcher, font_config=font_config)
        renderer = _thread_state.renderer = _Renderer(font_config, fetcher, stylesheet)
    return renderer


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document, with the house stylesheet; raises PdfFontError (see render_pdf)."""
    require_font()
    renderer = _renderer()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=renderer.fetcher).render(
        font_config=renderer.font_config, stylesheets=[renderer.stylesheet]
    )
    pdf = document.write_pdf()
    if missing := missing_characters(document):
        raise GlyphMissingError(missing)
    return pdf


def pdf_context(context: dict) -> dict:
    """The context a PDF template sees: the agency's names from settings, overridden by `context`."""
    return {"agency_name": settings.AGENCY_NAME, "agency_head_title": settings.AGENCY_HEAD_TITLE, **context}


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render a Django template (normally one under templates/pdf/) to PDF bytes.

    The context is escaped as in any Django template. `agency_name` and `agency_head_title` default to
    the settings. With `request`, the context processors run too. The PDF embeds a subset of the pinned
    Japanese font (fonts.FONT_FAMILY); its dates come from the template (`document_date`), so the same
    input gives the same bytes. Only local static files and data: URLs are read; other URLs are left out
    with a warning. Raises FontMissingError when the font is not installed and GlyphMissingError when a
    character exists in no installed font (both PdfFontError), instead of printing empty boxes.
    """
    return html_to_pdf(render_to_string(template_name, pdf_context(context), request=request))


def render_pdf_response(
    template_name: str, context: dict, *, filename: str, request=None, as_attachment: bool = False
) -> HttpResponse:
    """An HttpResponse with the PDF of render_pdf(); `filename` may be Japanese (RFC 6266 encoded)."""
    response = HttpResponse(render_pdf(template_name, context, request=request), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response
