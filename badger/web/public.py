"""Public pages and documents (no login): credentials, achievements, issuers, DID documents,
JWKS, status lists, health, verification."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from badger.web import badger_app

bp = Blueprint("public", __name__)


@bp.get("/healthz")
def healthz():
    with badger_app().transaction() as session:
        session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
