"""The GOV.UK Frontend assets, served by the app itself: nothing is fetched from the
internet at run time.

``govuk-frontend`` comes from the npm registry, pinned by ``package-lock.json`` and
installed into ``node_modules/`` by ``npm ci`` (the Makefile's set-up). Its compiled
stylesheet refers to fonts and images under ``/assets/``; served here under
``/mash/assets/``, the stylesheet is rewritten once, in memory, to say so, rather than
compiling the Sass with another asset path at set-up.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from .pages import PREFIX

log = logging.getLogger(__name__)

REPOSITORY = Path(__file__).resolve().parents[2]
GOVUK_FRONTEND = REPOSITORY / "node_modules" / "govuk-frontend" / "dist" / "govuk"
OWN_STATIC = Path(__file__).resolve().parent / "static"
STYLESHEET = "govuk-frontend.min.css"
SCRIPT = "govuk-frontend.min.js"
_ONE_HOUR = "public, max-age=3600"


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


def _stylesheet(govuk: Path) -> bytes:
    """GOV.UK Frontend's CSS with its asset URLs moved under ``/mash/assets/``."""
    css = _read(govuk / STYLESHEET)
    return css.replace(b"url(/assets/", f"url({PREFIX}/assets/".encode("ascii"))


def mount_assets(app: FastAPI, govuk: Path | None = None) -> None:
    """Serve GOV.UK Frontend at ``/mash/assets`` and our own files at ``/mash/static``.

    ``app`` is the MASH sub-application, mounted at ``/mash``. Without ``npm ci`` the
    pages still answer, unstyled, and the start-up log says what to run.
    """
    govuk = govuk or GOVUK_FRONTEND
    if not (govuk / STYLESHEET).is_file():
        log.warning(
            "GOV.UK Frontend is not installed at %s: the MASH pages will be unstyled. "
            "Run `npm ci` (or `make run`) in the repository.",
            govuk,
        )

    @app.get(f"/assets/{STYLESHEET}", include_in_schema=False)
    def stylesheet() -> Response:
        try:
            body = _stylesheet(govuk)
        except FileNotFoundError:
            return Response(status_code=404)
        return Response(body, media_type="text/css", headers={"Cache-Control": _ONE_HOUR})

    @app.get(f"/assets/{SCRIPT}", include_in_schema=False)
    def script() -> Response:
        try:
            body = _read(govuk / SCRIPT)
        except FileNotFoundError:
            return Response(status_code=404)
        return Response(body, media_type="text/javascript", headers={"Cache-Control": _ONE_HOUR})

    if (govuk / "assets").is_dir():  # else its fonts and images answer the 404 page
        app.mount("/assets", StaticFiles(directory=govuk / "assets"), name="govuk-assets")
    app.mount("/static", StaticFiles(directory=OWN_STATIC), name="mash-static")
