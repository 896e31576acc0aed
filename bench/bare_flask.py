"""The ceiling for bench_http.py: a bare Flask app answering 2 KB of JSON (no database, no
templates), served by the same gunicorn as Badger."""

from __future__ import annotations

import json

from flask import Flask, Response

app = Flask(__name__)
_BODY = json.dumps({"items": [{"id": i, "name": f"item {i:04d}", "ok": True} for i in range(48)]})[:2048]


@app.get("/")
def index() -> Response:
    return Response(_BODY, mimetype="application/json")
