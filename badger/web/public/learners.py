"""The learner page (/learners/<token>): everything one person holds from this instance, their
pathway progress, a one-click export (ZIP) and a button to renew the link. Public but private:
the token is the only key (badger.services.learners), so the page is never indexed and never
leaks its address in a Referer."""

from __future__ import annotations

from flask import Blueprint, Response, redirect

from badger.programmes import learners
from badger.web.auth import render
from badger.web.current import badger_app
from badger.web.errors import language
from badger.web.responses import PRIVATE as _PRIVATE

__all__ = ["bp"]

bp = Blueprint("learners", __name__)


@bp.get("/learners/<token>")
def page(token: str):
    app = badger_app()
    with app.reading() as session:
        view = learners.page(app, session, token)
    body, status = render("pages/learner.html", token=token, **view)
    return Response(body, status, headers=_PRIVATE, mimetype="text/html")


@bp.get("/learners/<token>/export.zip")
def export(token: str):
    app = badger_app()
    with app.reading() as session:
        data, name = learners.export_zip(app, session, token, language())
    return Response(
        data,
        200,
        mimetype="application/zip",
        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/learners/<token>/rotate")
def rotate(token: str):
    app = badger_app()
    with app.transaction() as session:
        url = learners.rotate(app, session, token=token)
    return redirect(url[len(app.base_url) :] or "/", 303)
