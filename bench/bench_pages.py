"""Public pages in-process, without a load generator: CPU time and SQL statements per view
(time.process_time and an SQLAlchemy ``before_cursor_execute`` counter around the Flask test
client, in one process: no HTTP server, no load generator), warm caches, for the pages on the hot path and the bare-Flask ceiling measured in the
same run. These figures do not depend on what else the machine runs, unlike bench_http.py.
Run with ``.venv/bin/python bench/bench_pages.py [VIEWS]`` (default 300 per page);
``--profile PATH`` prints a cProfile of the credential page instead.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event

from badger.achievements import service as achievements
from badger.application import build
from badger.config import load_settings
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.web import create_app
from bench.bare_flask import app as bare_app
from tests.fixtures import TEST_SECRET


def _setup(tmp: str):
    env = {
        "BADGER_DATABASE_URL": f"sqlite:///{tmp}/badger.sqlite3",
        "BADGER_SECRET_KEY": TEST_SECRET,
        "BADGER_BASE_URL": "http://127.0.0.1:5000",
        "BADGER_INSTANCE_PATH": tmp,
    }
    app = build(load_settings(environ=env))
    app.upgrade_database()
    with app.transaction() as session:
        issuer = issuers.create_issuer(app, session, name="CEC Ouest", url="https://cec-ouest.example", slug="cec")
        badge = achievements.create_achievement(
            app, session, issuer, name="Planet Champion", description="Démarche climat.", criteria="Six camps."
        )
        row = issuing.issue(
            app, session, issuer, issuing.IssueRequest(achievement=badge.id, email="camille@exemple.fr", name="Camille")
        )
    return app, row.id, badge.id


def _measure(client, url: str, accept: str, views: int, counter: list[int]) -> tuple[float, float, int]:
    """(CPU ms per view, SQL statements per view, status of the last answer): warm first, then
    the best of three rounds of ``views`` (the least disturbed by other processes)."""
    for _ in range(5):
        client.get(url, headers={"Accept": accept})
    best = float("inf")
    counter[0] = 0
    for _ in range(3):
        start = time.process_time()
        for _ in range(views):
            status = client.get(url, headers={"Accept": accept}).status_code
        best = min(best, (time.process_time() - start) * 1000 / views)
    return best, counter[0] / (3 * views), status


def main(views: int = 300, profile: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, credential_id, badge_id = _setup(tmp)
        web = create_app(badger=app)
        counter = [0]

        @event.listens_for(app.engine, "before_cursor_execute")
        def _count(*_args):
            counter[0] += 1

        client = web.test_client()
        page = f"/credentials/{credential_id}"
        if profile:
            for _ in range(5):
                client.get(page, headers={"Accept": "text/html"})
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(views):
                client.get(page, headers={"Accept": "text/html"})
            profiler.disable()
            profiler.dump_stats(profile)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
            return
        targets = [
            ("bare Flask, 2 KB JSON (ceiling)", bare_app.test_client(), "/", "application/json"),
            ("credential JSON document", client, f"{page}.json", "application/json"),
            ("credential HTML page", client, page, "text/html"),
            ("credential HTML page, English", client, f"{page}?lang=en", "text/html"),
            ("badge class page", client, f"/achievements/{badge_id}", "text/html"),
            ("issuer page", client, "/issuers/cec", "text/html"),
            ("home page", client, "/", "text/html"),
        ]
        print(f"{'':34}{'CPU ms/view':>12}{'ratio':>7}{'SQL/view':>10}")
        ceiling = None
        for label, c, url, accept in targets:
            cpu, sql, status = _measure(c, url, accept, views, counter)
            assert status == 200, (url, status)
            ceiling = ceiling or cpu
            print(f"{label:34}{cpu:12.3f}{ceiling / cpu:7.2f}{sql:10.1f}")
        print("ratio: the ceiling's CPU time per view over the page's; SQL/view counts every statement, BEGIN included")


if __name__ == "__main__":
    args = sys.argv[1:]
    prof = None
    if "--profile" in args:
        i = args.index("--profile")
        prof = args[i + 1]
        del args[i : i + 2]
    main(int(args[0]) if args else 300, prof)
