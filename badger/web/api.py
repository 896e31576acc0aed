"""The authenticated API under /api/v1 (a bearer token acts for one issuer only)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
