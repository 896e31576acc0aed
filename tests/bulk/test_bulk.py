"""Bulk issuance (issue 5): CSV parsing, dry runs, jobs that issue each recipient once across
re-runs, concurrent jobs and crashes, the API (upload, progress, per-row results) and the CLI.
Run on SQLite and PostgreSQL (the fixtures of tests/fixtures.py)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from badger.bulk import runner as jobs
from badger.bulk import service as bulk
from badger.bulk.models import Job, JobRow
from badger.cli import cli
from badger.core import audit
from badger.core.audit_models import AuditEvent
from badger.errors import InvalidInput, NotFound
from badger.issuance import issuing
from badger.issuance.models import Credential
from badger.issuers import service as issuers

PROBLEM = "application/problem+json"


# ---------------------------------------------------------------------------------------------
# Parsing (no database)


def test_parse_plain_rows_without_header():
    rows = bulk.parse_csv(b"camille@exemple.fr,Camille Martin\nyann@exemple.fr,Yann Le Gall,https://ex.fr/p,Bravo\n")
    assert rows == [
        bulk.BulkRow("camille@exemple.fr", "Camille Martin", line=1),
        bulk.BulkRow("yann@exemple.fr", "Yann Le Gall", "https://ex.fr/p", "Bravo", line=2),
    ]


def test_parse_french_spreadsheet_export_cp1252_semicolons_and_header():
    text = "Courriel;Prénom;Nom;Preuve;Récit\r\nelodie@exemple.fr;Élodie;Lefèvre;;A animé la fresque\r\n"
    rows = bulk.parse_csv(text.encode("cp1252"))
    assert rows == [bulk.BulkRow("elodie@exemple.fr", "Élodie Lefèvre", None, "A animé la fresque", line=2)]


@pytest.mark.parametrize("prefix,encoding", [(codecs.BOM_UTF8, "utf-8"), (b"", "utf-8"), (b"", "utf-16")])
def test_parse_utf8_with_or_without_bom_and_utf16(prefix, encoding):
    text = 'e-mail,nom,evidence_url,narrative\nzoé@exemple.fr,Zoé Ñandú,https://ex.fr/z,"Dit « bonjour », puis\n« au revoir »"\n'
    rows = bulk.parse_csv(prefix + text.encode(encoding))
    assert [(r.email, r.name, r.evidence_url, r.line) for r in rows] == [
        ("zoé@exemple.fr", "Zoé Ñandú", "https://ex.fr/z", 2)
    ]
    assert rows[0].narrative == "Dit « bonjour », puis\n« au revoir »"


def test_parse_keeps_line_numbers_across_blank_lines_and_multiline_cells():
    data = b'email,name\n\na@exemple.fr,"A\nB"\n,\n ,,\nb@exemple.fr,B\n'
    rows = bulk.parse_csv(data)
    assert [(r.email, r.line) for r in rows] == [("a@exemple.fr", 3), ("b@exemple.fr", 7)]


def test_parse_english_headers_in_any_order():
    rows = bulk.parse_csv(b"Name,Evidence URL,Email\nAnn,https://ex.fr/a,ann@exemple.fr\n")
    assert rows == [bulk.BulkRow("ann@exemple.fr", "Ann", "https://ex.fr/a", None, line=2)]


def test_parse_keeps_rows_with_problems_for_the_dry_run():
    rows = bulk.parse_csv(b"not-an-email,\n,Sans courriel\n")
    assert [(r.email, r.name, r.line) for r in rows] == [("not-an-email", None, 1), ("", "Sans courriel", 2)]


@pytest.mark.parametrize(
    "data,code,where",
    [
        (b"", "bulk.empty", ""),
        (b"\n \n;;\n", "bulk.empty", ""),
        (b"email,name\n", "bulk.empty", ""),
        (b"a@exemple.fr,A,https://x.fr,N,extra\n", "bulk.too_many_columns", "line 1"),
        (b"email,name\na@exemple.fr,A\nb@exemple.fr,B,extra\n", "bulk.too_many_columns", "line 3"),
        (b"email,name,organisation\na@exemple.fr,A,X\n", "bulk.unknown_column", "line 1"),
        (b"name,nom\nA,B\n", "bulk.duplicate_column", "line 1"),
        (b"name,preuve\nA,https://x.fr\n", "bulk.missing_column", "line 1"),
        (b'email,name\na@exemple.fr,A\nb@exemple.fr,"B\n', "bulk.malformed_csv", "line 3"),
        (b"a@exemple.fr,A\x00\n", "bulk.invalid_file", ""),
        (b"\xff\xfe\x00", "bulk.encoding", ""),
    ],
)
def test_parse_refuses_bad_files_with_a_clear_reason(data, code, where):
    with pytest.raises(InvalidInput) as caught:
        bulk.parse_csv(data)
    assert caught.value.code == code
    assert where in str(caught.value)


def test_parse_limits_size_and_rows(monkeypatch):
    with pytest.raises(InvalidInput) as caught:
        bulk.parse_csv(b"a" * (bulk.MAX_BYTES + 1))
    assert caught.value.code == "bulk.too_large"
    monkeypatch.setattr(bulk, "MAX_ROWS", 3)
    assert len(bulk.parse_csv(b"a@x.fr,A\nb@x.fr,B\nc@x.fr,C\n")) == 3
    with pytest.raises(InvalidInput) as caught:
        bulk.parse_csv(b"a@x.fr,A\nb@x.fr,B\nc@x.fr,C\nd@x.fr,D\n")
    assert caught.value.code == "bulk.too_many_rows" and "line 4" in str(caught.value)


def test_the_full_row_limit_parses_quickly():
    data = "".join(f"p{n}@exemple.fr;Personne {n}\n" for n in range(bulk.MAX_ROWS)).encode()
    started = time.perf_counter()
    assert len(bulk.parse_csv(data)) == bulk.MAX_ROWS
    assert time.perf_counter() - started < 30  # generous: a loaded CI machine; ~0.3 s here


# ---------------------------------------------------------------------------------------------
# Helpers


@pytest.fixture
def world(badger, create_issuer, create_achievement):
    issuer, token = create_issuer()
    other, other_token = create_issuer("Labo de l'ESS", slug="labo-ess", url="https://labo-ess.example")
    achievement = create_achievement(issuer)
    return {"issuer": issuer, "token": token, "other": other, "other_token": other_token, "achievement": achievement.id}


def _issuer(session, world, key="issuer"):
    return issuers.get_issuer(session, world[key].slug)


def _csv(*rows) -> bytes:
    return ("courriel;nom;preuve;recit\n" + "".join(";".join(r) + "\n" for r in rows)).encode()


def _people(n, prefix="p"):
    return [(f"{prefix}{i}@exemple.fr", f"Personne {i}") for i in range(n)]


def _start(badger, world, rows, **kw) -> str:
    with badger.transaction() as session:
        return bulk.start(
            badger,
            session,
            _issuer(session, world),
            world["achievement"],
            rows,
            actor=kw.pop("actor", audit.CLI),
            dispatch=kw.pop("dispatch", False),
            **kw,
        ).id


def _job(badger, world, job_id):
    with badger.transaction() as session:
        return bulk.get_job(session, _issuer(session, world), job_id)


def _credentials(badger, achievement_id):
    with badger.transaction() as session:
        return list(session.scalars(select(Credential).where(Credential.achievement_id == achievement_id)))


def _assert_one_each(badger, world, expected: int):
    rows = _credentials(badger, world["achievement"])
    assert len(rows) == expected
    assert len({r.recipient_lookup for r in rows}) == expected  # nobody holds it twice
    return rows


# ---------------------------------------------------------------------------------------------
# Dry run


def test_dry_run_reports_every_rows_problems_and_writes_nothing(badger, world):
    with badger.transaction() as session:
        issuing.issue(
            badger,
            session,
            _issuer(session, world),
            issuing.IssueRequest(achievement=world["achievement"], email="Deja@Exemple.fr", name="Déjà"),
        )
    rows = bulk.parse_csv(
        _csv(
            ("ok@exemple.fr", "Okay", "https://ex.fr/preuve", "Bravo"),  # line 2
            ("pas-un-courriel", "X", "", ""),  # 3
            ("sans-nom@exemple.fr", "", "", ""),  # 4
            ("url@exemple.fr", "Url", "ftp://ex.fr/p", ""),  # 5
            ("OK@exemple.fr", "Okay bis", "", ""),  # 6: same as line 2
            ("deja@exemple.fr", "Déjà", "", ""),  # 7: already holds it
            ("x@localhost", "Local", "", ""),  # 8
        )
    )
    before = len(_credentials(badger, world["achievement"]))
    with badger.transaction() as session:
        report = bulk.dry_run(badger, session, _issuer(session, world), world["achievement"], rows)
    assert (report.total, report.ok_count, report.skip_count, report.error_count) == (7, 1, 2, 4)
    problems = {r.line: [p.code for p in r.problems] for r in report.rows}
    assert problems == {
        2: [],
        3: ["bulk.invalid_email"],
        4: ["bulk.missing_name"],
        5: ["bulk.invalid_evidence_url"],
        6: ["bulk.duplicate_email"],
        7: ["bulk.already_holds"],
        8: ["bulk.invalid_email"],
    }
    assert "line 2" in report.rows[4].problems[0].message
    assert report.as_dict()["errors"] == 4 and len(report.as_dict()["rows"]) == 6
    assert len(_credentials(badger, world["achievement"])) == before
    with badger.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_an_invalid_row_does_not_make_a_later_valid_one_a_duplicate(badger, world):
    rows = [
        bulk.BulkRow("a@exemple.fr", None),
        bulk.BulkRow("A@exemple.fr", "Anne"),
        bulk.BulkRow("a@exemple.fr", "Anne"),
    ]
    with badger.transaction() as session:
        report = bulk.dry_run(badger, session, _issuer(session, world), world["achievement"], rows)
    # Rows built by a program (no line numbers) are numbered in order.
    assert [(r.line, r.outcome) for r in report.rows] == [(1, "error"), (2, "issue"), (3, "skip")]


def test_dry_run_of_another_issuers_badge_class_is_not_found(badger, world):
    with badger.transaction() as session, pytest.raises(NotFound):
        bulk.dry_run(
            badger,
            session,
            _issuer(session, world, "other"),
            world["achievement"],
            [bulk.BulkRow("a@exemple.fr", "A", line=1)],
        )


# ---------------------------------------------------------------------------------------------
# Jobs


def test_a_job_issues_every_valid_row_and_records_the_others(badger, world):
    rows = bulk.parse_csv(
        _csv(
            ("a@exemple.fr", "Anne", "https://ex.fr/a", "A fait la fresque"),
            ("b@exemple.fr", "Bruno", "", ""),
            ("nope", "Nope", "", ""),
            ("A@exemple.fr", "Anne encore", "", ""),
        )
    )
    job_id = _start(badger, world, rows, source="cec.csv")
    job = _job(badger, world, job_id)
    assert bulk.job_progress(job) == {
        "state": "queued",
        "total": 4,
        "done": 2,
        "issued": 0,
        "skipped": 1,
        "failed": 1,
        "percent": 50.0,
    }
    assert jobs.run(badger, job_id, chunk_size=1) == "done"
    job = _job(badger, world, job_id)
    assert bulk.job_progress(job) == {
        "state": "done",
        "total": 4,
        "done": 4,
        "issued": 2,
        "skipped": 1,
        "failed": 1,
        "percent": 100.0,
    }
    credentials = _assert_one_each(badger, world, 2)
    anne = next(c for c in credentials if c.recipient_lookup == issuing.recipient_lookup(badger, "a@exemple.fr"))
    assert json.loads(anne.document)["evidence"][0]["narrative"] == "A fait la fresque"
    assert "A fait la fresque" in anne.document and "https://ex.fr/a" in anne.document
    assert anne.idempotency_key == bulk.idempotency_key(world["achievement"], anne.recipient_lookup)

    with badger.transaction() as session:
        job = bulk.get_job(session, _issuer(session, world), job_id)
        result = list(csv.reader(io.StringIO("".join(bulk.result_csv(session, job, badger)))))
        report = bulk.report(session, job)
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.target == job_id))]
    assert result[0] == list(bulk.RESULT_COLUMNS)
    assert [(r[0], r[1], r[3]) for r in result[1:]] == [
        ("2", "a@exemple.fr", "issued"),
        ("3", "b@exemple.fr", "issued"),
        ("4", "nope", "failed"),
        ("5", "A@exemple.fr", "skipped"),
    ]
    assert result[1][4] == f"{badger.base_url}/credentials/{anne.id}"
    assert result[3][5].startswith("invalid e-mail") and "line 2" in result[4][5]
    assert report["issued"] == 2 and report["errors"] == [
        {"line": 4, "email": "nope", "problems": [{"code": "bulk.invalid_email", "message": result[3][5]}]}
    ]
    assert sorted(actions) == ["bulk.finish", "bulk.start"]


def test_re_running_the_same_file_issues_nothing_twice(badger, world):
    rows = [bulk.BulkRow(e, n, line=i + 1) for i, (e, n) in enumerate(_people(12))]
    first = _start(badger, world, rows)
    assert jobs.run(badger, first, chunk_size=5) == "done"
    # The same people again, one with another spelling of the name and another case of e-mail.
    again = rows[:-2] + [bulk.BulkRow("P10@Exemple.fr", "Personne Dix", line=11), rows[-1]]
    second = _start(badger, world, again)
    assert jobs.run(badger, second) == "done"
    assert bulk.job_progress(_job(badger, world, second))["skipped"] == 12
    assert bulk.job_progress(_job(badger, world, second))["issued"] == 0
    _assert_one_each(badger, world, 12)


def test_the_database_refuses_a_second_bulk_holder_even_without_the_pre_check(badger, world, monkeypatch):
    rows = [bulk.BulkRow(e, n, line=i + 1) for i, (e, n) in enumerate(_people(3))]
    assert jobs.run(badger, _start(badger, world, rows)) == "done"
    # As if another job had committed between our pre-check and our insert.
    monkeypatch.setattr(bulk.repo, "holders", lambda *a, **k: {})
    renamed = [bulk.BulkRow(r.email, r.name + " (bis)", line=r.line) for r in rows]
    job_id = _start(badger, world, renamed)
    assert jobs.run(badger, job_id) == "done"
    progress = bulk.job_progress(_job(badger, world, job_id))
    assert (progress["issued"], progress["skipped"]) == (0, 3)
    _assert_one_each(badger, world, 3)


def test_concurrent_jobs_with_overlapping_rows_issue_one_each(badger, world):
    people = _people(30)
    a = [bulk.BulkRow(e, n, line=i + 1) for i, (e, n) in enumerate(people[:20])]
    b = [bulk.BulkRow(e, n + " B", line=i + 1) for i, (e, n) in enumerate(reversed(people[10:]))]
    ids = [_start(badger, world, a), _start(badger, world, b)]
    barrier = threading.Barrier(4)
    states, errors = [], []

    def runner(job_id):
        try:
            barrier.wait()
            states.append(jobs.run(badger, job_id, chunk_size=4))
        except Exception as exc:  # noqa: BLE001 - collected and asserted empty by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(job_id,)) for job_id in ids * 2]  # two runners per job
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    _assert_one_each(badger, world, 30)
    progress = [bulk.job_progress(_job(badger, world, job_id)) for job_id in ids]
    assert [p["state"] for p in progress] == ["done", "done"]
    assert sum(p["issued"] for p in progress) == 30 and sum(p["skipped"] for p in progress) == 10
    with badger.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRow).where(JobRow.state == "pending")) == 0


class _Killed(BaseException):
    """Stands for kill -9: nothing of the runner's Python code gets to clean up."""


def _per_request(monkeypatch, *, before=None, after=None):
    """Hook every request issuing gets, on both paths a chunk takes: the batch (the fast path,
    issuing.issue_batch) and one by one (the careful path, issuing.issue). ``before(request)``
    runs before anything is written, ``after(request)`` once the batch's credentials are."""
    real_issue, real_batch = issuing.issue, issuing.issue_batch

    def issue(app, session, issuer, request, **kwargs):
        if before:
            before(request)
        row = real_issue(app, session, issuer, request, **kwargs)
        if after:
            after(request)
        return row

    def issue_batch(app, session, issuer, requests, **kwargs):
        for request in requests if before else ():
            before(request)
        rows = real_batch(app, session, issuer, requests, **kwargs)
        for request in requests if after else ():
            after(request)
        return rows

    monkeypatch.setattr(issuing, "issue", issue)
    monkeypatch.setattr(issuing, "issue_batch", issue_batch)


def test_a_runner_killed_mid_chunk_loses_nothing_and_duplicates_nothing(badger, world, monkeypatch):
    rows = [bulk.BulkRow(e, n, line=i + 1) for i, (e, n) in enumerate(_people(10))]
    job_id = _start(badger, world, rows)
    calls = {"n": 0}

    def dying(request):
        calls["n"] += 1
        if calls["n"] == 7:  # in the second chunk of 4, after its credentials were written
            raise _Killed()

    _per_request(monkeypatch, after=dying)
    with pytest.raises(_Killed):
        jobs.run(badger, job_id, chunk_size=4)
    monkeypatch.undo()
    job = _job(badger, world, job_id)
    assert (job.state, job.done, job.issued) == ("running", 4, 4)  # the first chunk only
    _assert_one_each(badger, world, 4)
    # Its lease runs out; resume() (what `badger serve`, a new dispatch or the worker does) takes it over.
    later = badger.clock() + timedelta(seconds=jobs.LEASE_SECONDS + 1)
    monkeypatch.setattr(badger, "clock", lambda: later)
    assert jobs.resume(badger) == 1
    deadline = time.monotonic() + 60
    while _job(badger, world, job_id).state != "done" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert bulk.job_progress(_job(badger, world, job_id))["issued"] == 10
    _assert_one_each(badger, world, 10)
    assert jobs.resume(badger) == 0


def test_a_row_that_issuing_refuses_fails_alone(badger, world, monkeypatch):
    rows = [bulk.BulkRow(e, n, line=i + 1) for i, (e, n) in enumerate(_people(5))]
    job_id = _start(badger, world, rows)

    def picky(request):  # runs once the request's credential is written: refusing must leave nothing
        if request.email == "p2@exemple.fr":
            raise InvalidInput("refused after writing", code="test.refused")

    _per_request(monkeypatch, after=picky)
    assert jobs.run(badger, job_id) == "done"
    progress = bulk.job_progress(_job(badger, world, job_id))
    assert (progress["issued"], progress["failed"]) == (4, 1)
    _assert_one_each(badger, world, 4)
    with badger.transaction() as session:
        failed = bulk.report(session, _job(badger, world, job_id))["errors"]
    assert failed == [
        {
            "line": 3,
            "email": "p2@exemple.fr",
            "problems": [{"code": "test.refused", "message": "refused after writing"}],
        }
    ]


def test_a_row_that_breaks_its_chunk_is_found_and_failed_alone(badger, world, monkeypatch):
    rows = [bulk.BulkRow(e, n, line=i + 1) for i, (e, n) in enumerate(_people(6))]
    job_id = _start(badger, world, rows)

    def buggy(request):
        if request.email == "p3@exemple.fr":
            raise RuntimeError("a bug that only this row meets")

    _per_request(monkeypatch, before=buggy)
    monkeypatch.setattr(jobs, "MAX_FAILURES", 1)
    assert jobs.run(badger, job_id, chunk_size=4) == "done"
    progress = bulk.job_progress(_job(badger, world, job_id))
    assert (progress["issued"], progress["failed"], progress["done"]) == (5, 1, 6)
    _assert_one_each(badger, world, 5)
    with badger.transaction() as session:
        failed = bulk.report(session, _job(badger, world, job_id))["errors"]
    assert failed == [
        {
            "line": 4,
            "email": "p3@exemple.fr",
            "problems": [{"code": "bulk.internal_error", "message": "internal error: RuntimeError"}],
        }
    ]


def test_a_job_whose_badge_class_is_gone_fails(badger, world, monkeypatch):
    job_id = _start(badger, world, [bulk.BulkRow("a@exemple.fr", "A", line=1)])

    def gone(*args, **kwargs):
        raise NotFound("no such badge class", code="achievement.not_found")

    monkeypatch.setattr(bulk, "get_achievement", gone)
    assert jobs.run(badger, job_id) == "failed"
    job = _job(badger, world, job_id)
    assert job.state == "failed" and "achievement.not_found" in job.error


def test_another_issuers_job_is_not_found(badger, world):
    job_id = _start(badger, world, [bulk.BulkRow("a@exemple.fr", "A", line=1)])
    with badger.transaction() as session:
        with pytest.raises(NotFound):
            bulk.get_job(session, _issuer(session, world, "other"), job_id)
        with pytest.raises(NotFound):
            bulk.get_job(session, _issuer(session, world), "not-a-job")


def test_start_dispatches_after_commit_to_the_in_process_runners(badger, world):
    with badger.transaction() as session:
        job_id = bulk.start(
            badger,
            session,
            _issuer(session, world),
            world["achievement"],
            [bulk.BulkRow("a@exemple.fr", "A", line=1)],
            actor=audit.CLI,
        ).id
    _wait_done(badger, world, job_id)
    _assert_one_each(badger, world, 1)


def _wait_done(badger, world, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = _job(badger, world, job_id)
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {bulk.job_progress(job)}")


# ---------------------------------------------------------------------------------------------
# API


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_api_bulk_upload_multipart_then_progress_rows_and_csv(client, badger, world):
    data = _csv(("a@exemple.fr", "Anne", "", ""), ("b@exemple.fr", "Bruno", "", ""), ("mauvais", "M", "", ""))
    response = client.post(
        "/api/v1/credentials/bulk",
        headers=_auth(world["token"]),
        data={"file": (io.BytesIO(data), "cec.csv"), "achievement": world["achievement"]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"] == body["url"] == f"{badger.base_url}/api/v1/jobs/{body['id']}"
    assert body["total"] == 3
    _wait_done(badger, world, body["id"])
    page = client.get(f"/api/v1/jobs/{body['id']}?perPage=2", headers=_auth(world["token"])).get_json()
    assert (page["state"], page["issued"], page["failed"], page["percent"]) == ("done", 2, 1, 100.0)
    assert [r["outcome"] for r in page["rows"]] == ["issued", "issued"] and page["totalRows"] == 3
    assert page["rows"][0]["credentialUrl"].startswith(f"{badger.base_url}/credentials/")
    assert page["next"].endswith("?page=2&perPage=2")
    rest = client.get(page["next"].replace(badger.base_url, ""), headers=_auth(world["token"])).get_json()
    assert [(r["line"], r["outcome"], r["problem"]["code"]) for r in rest["rows"]] == [
        (4, "failed", "bulk.invalid_email")
    ]
    assert rest["next"] is None
    failed = client.get(f"/api/v1/jobs/{body['id']}?outcome=failed", headers=_auth(world["token"])).get_json()
    assert failed["totalRows"] == 1
    result = client.get(f"/api/v1/jobs/{body['id']}/result.csv", headers=_auth(world["token"]))
    assert result.status_code == 200 and result.mimetype == "text/csv"
    assert result.get_data(as_text=True).splitlines()[0] == ",".join(bulk.RESULT_COLUMNS)
    with badger.transaction() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "bulk.start"))
    assert event.actor.startswith("token:")


def test_api_bulk_upload_text_csv_with_a_dry_run(client, badger, world):
    response = client.post(
        f"/api/v1/credentials/bulk?achievement={world['achievement']}&dryRun=true",
        headers={**_auth(world["token"]), "Content-Type": "text/csv"},
        data=b"a@exemple.fr,Anne\nb@exemple.fr,\n",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert (report["dryRun"], report["total"], report["ok"], report["errors"]) == (True, 2, 1, 1)
    assert report["rows"] == [
        {
            "line": 2,
            "email": "b@exemple.fr",
            "name": None,
            "outcome": "error",
            "problems": [{"code": "bulk.missing_name", "message": "the name is missing"}],
        }
    ]
    assert _credentials(badger, world["achievement"]) == []


@pytest.mark.parametrize(
    "kwargs,status,code",
    [
        ({"data": b"a@exemple.fr,A\n", "content_type": "application/json"}, 415, "input.unsupported_media_type"),
        ({"data": b"a@exemple.fr,A\n", "content_type": "text/csv", "query": ""}, 400, "input.invalid_fields"),
        ({"data": b"a@exemple.fr,A,x,y,z\n", "content_type": "text/csv"}, 400, "bulk.too_many_columns"),
        ({"data": b"", "content_type": "text/csv"}, 400, "bulk.empty"),
        (
            {"data": b"a@exemple.fr,A\n", "content_type": "text/csv", "query": "&colour=red"},
            400,
            "input.invalid_fields",
        ),
        ({"data": {"achievement": "{ach}"}, "content_type": "multipart/form-data"}, 400, "input.invalid_fields"),
    ],
)
def test_api_bulk_refuses_bad_input_without_writing(client, badger, world, kwargs, status, code):
    kwargs = dict(kwargs)  # shared by both databases' runs
    query = kwargs.pop("query", None)
    query = (
        f"?achievement={world['achievement']}"
        if query is None
        else (f"?achievement={world['achievement']}{query}" if query else "")
    )
    if isinstance(kwargs["data"], dict):
        kwargs["data"] = {k: v.format(ach=world["achievement"]) for k, v in kwargs["data"].items()}
    response = client.post("/api/v1/credentials/bulk" + query, headers=_auth(world["token"]), **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM and response.get_json()["code"] == code
    with badger.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_api_bulk_accepts_files_larger_than_other_uploads(client, badger, world):
    assert badger.settings.max_upload_bytes < 2 * 1024 * 1024
    data = b"".join(f"p{n}@exemple.fr,{'N' * 90}\n".encode() for n in range(25_000))
    response = client.post(
        f"/api/v1/credentials/bulk?achievement={world['achievement']}&dryRun=1",
        headers={**_auth(world["token"]), "Content-Type": "text/csv"},
        data=data,
    )
    assert len(data) > 2 * 1024 * 1024
    assert response.status_code == 200 and response.get_json()["ok"] == 25_000
    too_big = client.post(
        f"/api/v1/credentials/bulk?achievement={world['achievement']}",
        headers={**_auth(world["token"]), "Content-Type": "text/csv"},
        data=b"a" * (bulk.MAX_BYTES + 512 * 1024),
    )
    assert too_big.status_code == 413 and too_big.get_json()["code"] == "bulk.too_large"


def test_api_jobs_of_another_issuer_are_not_found(client, badger, world):
    job_id = _start(badger, world, [bulk.BulkRow("a@exemple.fr", "A", line=1)])
    jobs.run(badger, job_id)
    for path in (f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/result.csv"):
        response = client.get(path, headers=_auth(world["other_token"]))
        assert response.status_code == 404 and response.get_json()["code"] == "job.not_found"
        assert "a@exemple.fr" not in response.get_data(as_text=True)
        assert client.get(path, headers=_auth(world["token"])).status_code == 200
    response = client.post(
        f"/api/v1/credentials/bulk?achievement={world['achievement']}",
        headers={**_auth(world["other_token"]), "Content-Type": "text/csv"},
        data=b"a@exemple.fr,A\n",
    )
    assert response.status_code == 404 and response.get_json()["code"] == "achievement.not_found"


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_issue_bulk_dry_run_then_run_then_re_run(badger, world, tmp_path):
    path = tmp_path / "cec.csv"
    path.write_bytes(_csv(("a@exemple.fr", "Anne", "", ""), ("b@exemple.fr", "Bruno", "", ""), ("oops", "O", "", "")))
    runner = CliRunner()
    dry = runner.invoke(
        cli, ["issue-bulk", "--achievement", world["achievement"], "--csv", str(path), "--dry-run"], obj=badger
    )
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert (report["wouldIssue"], report["issued"], report["job"]) == (2, 0, None)
    assert report["errors"] == [
        {
            "line": 4,
            "email": "oops",
            "problems": [{"code": "bulk.invalid_email", "message": report["errors"][0]["problems"][0]["message"]}],
        }
    ]
    assert _credentials(badger, world["achievement"]) == []

    for issued, skipped in ((2, 0), (0, 2)):
        result = runner.invoke(
            cli, ["issue-bulk", "--achievement", world["achievement"], "--csv", str(path)], obj=badger
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert (report["issued"], report["skipped"], report["failed"], report["state"]) == (issued, skipped, 1, "done")
        assert [e["line"] for e in report["errors"]] == [4]
    _assert_one_each(badger, world, 2)


def test_cli_issue_bulk_bad_input_exits_2(badger, world, tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"email,name,colour\na@exemple.fr,A,red\n")
    result = runner.invoke(cli, ["issue-bulk", "--achievement", world["achievement"], "--csv", str(bad)], obj=badger)
    assert result.exit_code == 2 and "unknown column" in result.stderr
    good = tmp_path / "good.csv"
    good.write_bytes(b"a@exemple.fr,A\n")
    result = runner.invoke(
        cli, ["issue-bulk", "--achievement", "00000000-0000-4000-8000-000000000000", "--csv", str(good)], obj=badger
    )
    assert result.exit_code == 2
    result = runner.invoke(
        cli, ["issue-bulk", "--achievement", world["achievement"], "--csv", str(tmp_path / "none.csv")], obj=badger
    )
    assert result.exit_code == 2


def test_cli_worker_needs_a_queue(badger):
    result = CliRunner().invoke(cli, ["worker", "--burst"], obj=badger)
    assert result.exit_code == 2 and "BADGER_QUEUE_URL" in result.output
