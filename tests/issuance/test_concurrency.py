"""Must show 3: issuing from several threads and processes at once loses no row and
duplicates no id or status index, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

from badger.issuance import issuing
from badger.issuers import service as issuers

THREADS, PER_THREAD = 6, 8


def _issue_many(badger, slug: str, achievement_id: str, count: int, tag: str) -> list[str]:
    ids = []
    for n in range(count):
        with badger.transaction() as session:
            row = issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, slug),
                issuing.IssueRequest(
                    achievement=achievement_id, email=f"{tag}-{n}@exemple.fr", format="jwt" if n % 3 == 0 else "ldp"
                ),
            )
            ids.append(row.id)
    return ids


def _check(badger, issued: list[str], expected: int) -> None:
    with badger.transaction() as session:
        rows = issuing.list_credentials(badger, session, limit=10_000)
    assert len(issued) == expected and len(set(issued)) == expected
    assert sorted(r.id for r in rows) == sorted(issued)
    assert len({r.status_index for r in rows}) == expected
    assert len({json.loads(r.document)["id"] for r in rows}) == expected


def test_threads_issue_concurrently(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [
            pool.submit(_issue_many, badger, issuer.slug, achievement.id, PER_THREAD, f"t{t}") for t in range(THREADS)
        ]
        issued = [i for f in futures for i in f.result()]
    _check(badger, issued, THREADS * PER_THREAD)


def test_processes_issue_concurrently(badger, create_issuer, create_achievement):
    issuer, _ = create_issuer()
    achievement = create_achievement(issuer)
    script = textwrap.dedent(f"""
        import json, sys
        from badger.config import load_settings
        from badger.application import build
        from tests.issuance.test_concurrency import _issue_many
        app = build(load_settings({{"database_url": {badger.settings.database_url!r},
                                     "secret_key": {badger.settings.secret_key!r},
                                     "base_url": {badger.settings.base_url!r},
                                     "instance_path": {badger.settings.instance_path!r}}}, environ={{}}))
        print(json.dumps(_issue_many(app, {issuer.slug!r}, {achievement.id!r}, {PER_THREAD}, sys.argv[1])))
    """)
    procs = [
        subprocess.Popen(
            [sys.executable, "-W", "ignore", "-c", script, f"p{p}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(3)
    ]
    issued = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        issued += json.loads(out)
    _check(badger, issued, 3 * PER_THREAD)
