"""The voter's page and the board explorer (issue 13), served by the board itself: no web server to install.

    GET /web/vote.html       the voting page: the voter's credential, the ballot from the manifest, encryption
                             in the browser (spec 2.0.0 section 3.3), cast or challenge, the receipt checked
    GET /web/explorer.html   the board explorer: checkpoint and size, a confirmation code's inclusion proof
                             checked in the page, the log's entries page by page, a saved receipt checked
    GET /web/...             the pages' scripts and styles as they are in engine/server/web (plain ES modules)

One Mount, no Route: the pages are files, not API operations, so the OpenAPI description (which names every
Route) stays the API's. The pages address the API relative to their own URL (``..``), so a board served under a
path prefix works.

The pages run no code from elsewhere: the Content-Security-Policy allows scripts, workers, styles and requests
from this server only.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

WEB_DIR = Path(__file__).parent / "web"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'; style-src 'self'; "
        "img-src 'self' data:; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _WebFiles(StaticFiles):
    """The pages, their scripts and styles, with the pages' headers."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers.update(PAGE_HEADERS)
        return response


def web_routes() -> list[BaseRoute]:
    """The routes create_app adds for the pages."""
    return [Mount("/web", app=_WebFiles(directory=WEB_DIR), name="web")]
