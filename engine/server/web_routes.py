"""The voter's page and the board explorer (issue 13), served by the board itself: no web server to install.

    GET /web/vote.html       the voting page: the voter's credential, the ballot from the manifest, encryption
                             in the browser (spec 2.0.0 section 3.3), cast or challenge, the receipt checked
    GET /web/explorer.html   the board explorer: checkpoint and size, a confirmation code's inclusion proof
                             checked in the page, the log's entries page by page, a saved receipt checked
    GET /web/...             the pages' scripts and styles as they are in engine/server/web (plain ES modules)
    GET /published/...       after the election, the results and the record (engine.server.published_record);
                             404 with a reason while the board serves none

Mounts, no Route at the top: the pages and the published record are files, not API operations, so the OpenAPI
description (which names every Route) stays the API's. The pages address the API relative to their own URL
(``..``), so a board served under a path prefix works.

The pages run no code from elsewhere: the Content-Security-Policy allows scripts, workers, styles and requests
from this server only.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from engine.server.published_record import RESULTS_NAME, ZIP_NAME, PublishedRecord

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


NO_RECORD = (
    "this board serves no published record yet: the results and the record are published after voting closes "
    "and the guardians decrypt the tally (board serve --record DIR)"
)


def published_routes(published: PublishedRecord | None) -> list[BaseRoute]:
    """GET /published/results.json and /published/record.zip, or a 404 with the reason for both."""

    async def results(request: Request) -> Response:
        if published is None:
            return JSONResponse({"error": NO_RECORD}, status_code=404)
        return JSONResponse(published.results, headers={"Cache-Control": "no-cache"})

    async def record_zip(request: Request) -> Response:
        if published is None:
            return JSONResponse({"error": NO_RECORD}, status_code=404)
        return FileResponse(
            published.zip_path,
            media_type="application/zip",
            filename=published.zip_name,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    return [Route(f"/{RESULTS_NAME}", results, methods=["GET"]), Route(f"/{ZIP_NAME}", record_zip, methods=["GET"])]


def web_routes(published: PublishedRecord | None = None) -> list[BaseRoute]:
    """The routes create_app adds for the pages and the published record."""
    return [
        Mount("/web", app=_WebFiles(directory=WEB_DIR), name="web"),
        Mount("/published", routes=published_routes(published), name="published"),
    ]
