"""The `badger` command line (docs: interfaces, "Command line"): JSON on stdout, messages on
stderr, exit 0 / 1 ("no") / 2 (bad usage or input). In process with click's CliRunner on both
databases, and as a real process through the installed console script.

In-process runs either read BADGER_* like the real command, or get a service container built
from the same settings with a pinned clock (docs/architecture.md, "Time and ids are injected"), so that results do not
depend on a second boundary falling between two reads of the clock.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from badger.application import build
from badger.cli import cli
from badger.config import load_settings
from badger.core.app import Badger, utc_now
from badger.demo import DEMO_AWARDS, DEMO_BADGES, DEMO_ISSUERS
from tests.fixtures import TEST_SECRET, _postgres_schema_url

BASE = "http://127.0.0.1:5000"
CHECKS = ["format", "schema", "proof", "issuer", "dates", "status", "recipient"]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (29, 107, 95)).save(buffer, format="PNG")
    return buffer.getvalue()


def _settings_env(url: str, tmp_path: Path) -> dict:
    # None unsets a variable, so nothing leaks in from the environment running the tests.
    return {
        "BADGER_DATABASE_URL": url,
        "BADGER_SECRET_KEY": TEST_SECRET,
        "BADGER_BASE_URL": BASE,
        "BADGER_INSTANCE_PATH": str(tmp_path),
        "BADGER_ENV": None,
        "BADGER_SMTP_URL": None,
        "BADGER_QUEUE_URL": None,
    }


@pytest.fixture
def pinned(database, tmp_path):
    """A service container for a fresh database (SQLite in tmp_path, or a fresh PostgreSQL
    schema), built from BADGER_*-style settings, with the clock pinned to one instant."""

    def drop():
        return None

    if database == "postgresql":
        url, drop = _postgres_schema_url()
    else:
        url = f"sqlite:///{tmp_path / 'badger.sqlite3'}"
    environ = {k: v for k, v in _settings_env(url, tmp_path).items() if v is not None}
    instant = utc_now()
    app = build(load_settings(environ=environ), clock=lambda: instant)
    yield app
    app.engine.dispose()
    drop()


@pytest.fixture
def sqlite_env(tmp_path):
    return _settings_env(f"sqlite:///{tmp_path / 'badger.sqlite3'}", tmp_path)


def run(target: dict | Badger, *args: str, input: str | bytes | None = None, code: int = 0):
    """`badger ARGS` in process; ``target`` is BADGER_* variables or an injected container."""
    if isinstance(target, Badger):
        result = CliRunner().invoke(cli, list(args), obj=target, input=input)
    else:
        result = CliRunner().invoke(cli, list(args), env=target, input=input)
    assert result.exit_code == code, (args, result.exit_code, result.stdout, result.stderr, result.exception)
    return result


def _setup(env: dict | Badger, tmp_path: Path) -> dict:
    """db upgrade, an issuer with a token and a badge class with a PNG image."""
    assert run(env, "db", "upgrade").stdout == ""
    profile = json.loads(
        run(
            env,
            "issuer",
            "create",
            "--name",
            "CEC Ouest 2023",
            "--url",
            "https://cec-ouest.example",
            "--email",
            "contact@cec-ouest.example",
        ).stdout
    )
    image = tmp_path / "badge.png"
    image.write_bytes(_png())
    achievement = json.loads(
        run(
            env,
            "achievement",
            "create",
            "--issuer",
            "cec-ouest-2023",
            "--name",
            "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)",
            "--description",
            "Premier camp de base, à Rennes les 20 et 21 janvier 2023.",
            "--criteria",
            "Présence aux deux journées.",
            "--image",
            str(image),
            "--type",
            "Badge",
            "--tag",
            "CEC Ouest 2023",
            "--tag",
            "Rennes",
        ).stdout
    )
    return {"profile": profile, "achievement": achievement}


def test_main_flow(pinned, tmp_path):
    env = pinned
    made = _setup(env, tmp_path)
    profile, achievement = made["profile"], made["achievement"]
    assert profile["id"] == "did:web:127.0.0.1%3A5000:issuers:cec-ouest-2023"
    assert profile["name"] == "CEC Ouest 2023" and "Profile" in profile["type"]
    assert achievement["id"].startswith(BASE + "/achievements/")
    assert achievement["image"]["id"] == achievement["id"] + "/image"
    assert achievement["achievementType"] == "Badge" and achievement["tag"] == ["CEC Ouest 2023", "Rennes"]

    token = json.loads(run(env, "token", "create", "--issuer", "cec-ouest-2023", "--label", "LMS").stdout)
    assert set(token) == {"token"} and token["token"].startswith("bdg_")

    # By full URL: the JSON exactly as stored; by uuid: the compact JWS.
    ldp_text = run(
        env,
        "issue",
        "--achievement",
        achievement["id"],
        "--email",
        "Élodie.Martin@exemple.fr",
        "--name",
        "Élodie Martin",
        "--evidence",
        "https://cec-ouest.example/preuves/1",
    ).stdout
    ldp = json.loads(ldp_text)
    assert ldp["proof"]["verificationMethod"].startswith(profile["id"] + "#")
    assert ldp["credentialSubject"]["achievement"]["id"] == achievement["id"]
    assert ldp["evidence"][0]["id"] == "https://cec-ouest.example/preuves/1"
    jwt = run(
        env,
        "issue",
        "--achievement",
        achievement["id"].rsplit("/", 1)[1],
        "--email",
        "yann@exemple.fr",
        "--format",
        "jwt",
        "--valid-until",
        "2030-12-31T23:59:59Z",
    ).stdout.strip()
    assert jwt.count(".") == 2 and "\n" not in jwt

    listed = json.loads(run(env, "credentials", "list", "--issuer", "cec-ouest-2023").stdout)
    assert len(listed) == 2
    for entry in listed:
        assert set(entry) == {"id", "url", "achievement", "status"}
        assert entry["url"] == f"{BASE}/credentials/{entry['id']}"
        assert entry["achievement"] == achievement["id"] and entry["status"] == "active"
    mine = json.loads(run(env, "credentials", "list", "--email", "ÉLODIE.MARTIN@exemple.fr").stdout)
    assert [c["url"] for c in mine] == [ldp["id"]]
    assert len(json.loads(run(env, "credentials", "list", "--achievement", achievement["id"]).stdout)) == 2
    assert json.loads(run(env, "credentials", "list", "--email", "nobody@example.org").stdout) == []

    # Verify: from a file (with the recipient check), from stdin, by our own URL.
    path = tmp_path / "credential.json"
    path.write_text(ldp_text, "utf-8")
    result = json.loads(run(env, "verify", str(path), "--email", "élodie.martin@exemple.fr").stdout)
    assert result["verified"] is True
    assert [c["check"] for c in result["checks"]] == CHECKS
    assert all(c["status"] == "passed" for c in result["checks"]), result["checks"]
    french = result["checks"][2]["message"]
    english = json.loads(run(env, "verify", "-", "--lang", "en", input=jwt).stdout)
    assert english["verified"] is True and english["checks"][0]["code"] == "format.jwt"
    assert english["checks"][2]["message"] != french
    assert json.loads(run(env, "verify", ldp["id"]).stdout)["verified"] is True

    # "No" answers exit 1 with the result on stdout.
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**ldp, "name": "Un autre badge"}), "utf-8")
    result = run(env, "verify", str(tampered), code=1)
    answer = json.loads(result.stdout)
    assert answer["verified"] is False and answer["checks"][2]["status"] == "failed"
    header, payload, signature = jwt.split(".")
    forged = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    assert json.loads(run(env, "verify", "-", input=forged, code=1).stdout)["verified"] is False
    wrong = json.loads(run(env, "verify", str(path), "--email", "someone@example.org", code=1).stdout)
    assert next(c for c in wrong["checks"] if c["check"] == "recipient")["status"] == "failed"


def test_bad_input_exits_2_with_one_line(sqlite_env, tmp_path):
    env = sqlite_env
    achievement = _setup(env, tmp_path)["achievement"]
    not_png = tmp_path / "not.png"
    not_png.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    cases = [
        (
            "issue",
            "--achievement",
            BASE + "/achievements/00000000-0000-4000-8000-000000000000",
            "--email",
            "a@exemple.fr",
        ),
        ("issue", "--achievement", "nope", "--email", "a@exemple.fr"),
        ("issue", "--achievement", achievement["id"], "--email", "not-an-email"),
        ("issue", "--achievement", achievement["id"], "--did", "not-a-did"),
        ("issue", "--achievement", achievement["id"], "--email", "a@exemple.fr", "--valid-until", "demain"),
        ("issue", "--achievement", achievement["id"], "--email", "a@exemple.fr", "--evidence", "ftp://x.example/y"),
        ("issuer", "create", "--name", "CEC Ouest 2023", "--url", "https://cec-ouest.example"),  # slug taken
        ("issuer", "create", "--name", "Labo de l'ESS", "--url", "not a url"),
        ("token", "create", "--issuer", "no-such-issuer"),
        (
            "achievement",
            "create",
            "--issuer",
            "cec-ouest-2023",
            "--name",
            "N",
            "--description",
            "D",
            "--criteria",
            "C",
            "--image",
            str(not_png),
        ),
        (
            "achievement",
            "create",
            "--issuer",
            "cec-ouest-2023",
            "--name",
            "N",
            "--description",
            "D",
            "--criteria",
            "C",
            "--image",
            str(tmp_path / "missing.png"),
        ),
        ("credentials", "list", "--issuer", "no-such-issuer"),
        ("verify", str(tmp_path / "missing.json")),
    ]
    for args in cases:
        result = run(env, *args, code=2)
        assert result.stdout == "", args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("badger: "), (args, result.stderr)

    # Usage errors (click) exit 2 as well.
    for args in (
        ("issue", "--achievement", achievement["id"]),
        ("issue", "--achievement", achievement["id"], "--email", "a@exemple.fr", "--did", "did:example:1"),
        ("issue", "--achievement", achievement["id"], "--email", "a@exemple.fr", "--format", "pdf"),
        ("verify",),
        ("nonsense",),
    ):
        run(env, *args, code=2)
    assert "empty" in run(env, "verify", "-", input="", code=2).stderr

    # Nothing was written by the refused commands.
    assert json.loads(run(env, "credentials", "list").stdout) == []

    # Bad settings and a database without schema are bad input too, in one line.
    bad = run({**env, "BADGER_BASE_URL": "ftp://badges.example"}, "credentials", "list", code=2)
    assert bad.stderr.startswith("badger: BADGER_BASE_URL")
    empty = {**env, "BADGER_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    assert "badger db upgrade" in run(empty, "credentials", "list", code=2).stderr


def test_demo_is_idempotent(pinned):
    env = pinned
    run(env, "db", "upgrade")
    first = json.loads(run(env, "demo").stdout)
    counts = first["counts"]
    assert {k: counts[k] for k in ("issuers", "achievements")} == {
        "issuers": len(DEMO_ISSUERS),
        "achievements": len(DEMO_BADGES),
    }
    # The CEC network (services/demo.py, tested further in test_programmes.py): 20 badge classes,
    # the showcase awards, the confirmed milestones of the roster and 8 pathway credentials.
    assert (counts["issuers"], counts["achievements"], counts["pathway_credentials"]) == (3, 20, 8)
    assert first["created"]["credentials"] == counts["credentials"] > len(DEMO_AWARDS)
    second = json.loads(run(env, "demo").stdout)
    assert second["counts"] == counts
    assert set(second["created"].values()) == {0}
    assert second["credentials"] == first["credentials"] and second["issuers"] == first["issuers"]

    slugs = [i["slug"] for i in first["issuers"]]
    assert slugs == ["cec-ouest-2023", "territoire-apprenant-vannes", "labo-ess"]
    assert [len(i["achievements"]) for i in first["issuers"]] == [16, 3, 1]
    assert first["issuers"][0]["url"] == BASE + "/issuers/cec-ouest-2023"
    assert {c["format"] for c in first["credentials"]} == {"ldp", "jwt"}
    assert len(json.loads(run(env, "credentials", "list").stdout)) == counts["credentials"]
    assert len(json.loads(run(env, "credentials", "list", "--issuer", "labo-ess").stdout)) == 1
    assert len(json.loads(run(env, "credentials", "list", "--email", "camille.legoff@example.org").stdout)) == 4
    for credential in first["credentials"]:
        assert json.loads(run(env, "verify", credential["url"]).stdout)["verified"] is True, credential


def test_demo_programme_facts():
    sessions = [b.name for b in DEMO_BADGES if b.key.startswith("S")]
    assert sessions[0] == "Session 1 — Montée à bord (CEC Ouest 2023, Rennes)"
    assert [name.rsplit(", ", 1)[1].rstrip(")") for name in sessions] == [
        "Rennes",
        "Nantes",
        "Saint-Malo",
        "Brest",
        "Angers",
        "Nantes",
    ]
    assert len([b for b in DEMO_BADGES if b.key.startswith("W")]) == 7
    names = {b.name for b in DEMO_BADGES}
    assert {
        "Feuille de route remise",
        "Planet Champion CEC Ouest 2023",
        "Animer une fresque du climat",
        "Fresquathon 2023",
    } <= names
    assert all(a.email.endswith(("@example.org", "@exemple.fr")) for a in DEMO_AWARDS)


# --------------------------------------------------------------------------- as a real process


def _command() -> list[str]:
    script = Path(sys.executable).with_name("badger")
    return [str(script)] if script.exists() else [sys.executable, "-m", "badger.cli"]


def _process_env(tmp_path: Path, **extra: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BADGER_")}
    environ.update(
        {k: v for k, v in _settings_env(f"sqlite:///{tmp_path / 'badger.sqlite3'}", tmp_path).items() if v is not None}
    )
    environ.update(extra)
    return environ


def _failed_checks(stdout: str):
    try:
        return [(c["code"], c.get("detail")) for c in json.loads(stdout)["checks"] if c["status"] == "failed"]
    except (ValueError, KeyError, TypeError):
        return stdout[-2000:]


def test_console_script_flow(tmp_path):
    environ = _process_env(tmp_path)

    def badger(*args: str, stdin: str | None = None, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*_command(), *args],
            env=environ,
            cwd=tmp_path,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        assert done.returncode == code, (args, done.returncode, _failed_checks(done.stdout), done.stderr)
        return done

    badger("db", "upgrade")
    profile = json.loads(
        badger(
            "issuer",
            "create",
            "--name",
            "Territoire apprenant pays de Vannes",
            "--url",
            "https://territoire-apprenant-vannes.example",
            "--slug",
            "vannes",
        ).stdout
    )
    assert profile["id"] == "did:web:127.0.0.1%3A5000:issuers:vannes"
    assert json.loads(badger("token", "create", "--issuer", "vannes").stdout)["token"].startswith("bdg_")
    image = tmp_path / "fresque.png"
    image.write_bytes(_png())
    achievement = json.loads(
        badger(
            "achievement",
            "create",
            "--issuer",
            "vannes",
            "--name",
            "Animer une fresque du climat",
            "--description",
            "Conduire un atelier Fresque du climat.",
            "--criteria",
            "Avoir animé une fresque complète.",
            "--image",
            str(image),
            "--type",
            "Competency",
        ).stdout
    )
    ldp = badger("issue", "--achievement", achievement["id"], "--email", "maelle@exemple.fr", "--name", "Maëlle").stdout
    jwt = badger("issue", "--achievement", achievement["id"], "--email", "maelle@exemple.fr", "--format", "jwt").stdout
    assert {"identityType": "name", "identityHash": "Maëlle"}.items() <= json.loads(ldp)["credentialSubject"][
        "identifier"
    ][-1].items()
    listed = json.loads(badger("credentials", "list", "--email", "maelle@exemple.fr").stdout)
    assert len(listed) == 2 and {c["achievement"] for c in listed} == {achievement["id"]}

    (tmp_path / "c.json").write_text(ldp, "utf-8")
    assert json.loads(badger("verify", "c.json", "--email", "maelle@exemple.fr").stdout)["verified"] is True
    assert json.loads(badger("verify", "-", stdin=jwt).stdout)["verified"] is True
    (tmp_path / "t.json").write_text(ldp.replace("Maëlle", "Maelle"), "utf-8")
    assert json.loads(badger("verify", "t.json", code=1).stdout)["verified"] is False

    refused = badger(
        "issue", "--achievement", "00000000-0000-4000-8000-000000000000", "--email", "a@exemple.fr", code=2
    )
    assert refused.stdout == "" and refused.stderr.strip() == "badger: no such achievement"
    assert badger("issue", "--achievement", achievement["id"], "--email", "pas-un-email", code=2).stderr.startswith(
        "badger: "
    )
    assert badger("verify", "missing.json", code=2).stderr.startswith("badger: ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_healthz_and_the_wsgi_module_builds_the_app(tmp_path):
    port = _free_port()
    environ = _process_env(tmp_path, BADGER_BASE_URL=f"http://127.0.0.1:{port}")
    subprocess.run([*_command(), "db", "upgrade"], env=environ, check=True, capture_output=True, timeout=120)
    server = subprocess.Popen(
        [*_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert json.loads(response.read()) == {"status": "ok"}
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in stderr

    done = subprocess.run(
        [sys.executable, "-c", "from badger.wsgi import app; print(app.name)"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == "badger", done.stderr


def test_rotate_keys_command(tmp_path):
    import json as _json

    from click.testing import CliRunner

    from badger.cli import cli

    env = {
        "BADGER_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        "BADGER_SECRET_KEY": "rotate-test-secret-0123456789",
        "BADGER_BASE_URL": "http://127.0.0.1:5000",
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    assert (
        runner.invoke(
            cli,
            ["issuer", "create", "--name", "Crois/Sens", "--url", "https://crois-sens.example", "--slug", "crois-sens"],
            env=env,
        ).exit_code
        == 0
    )
    result = runner.invoke(cli, ["issuer", "rotate-keys", "--issuer", "crois-sens"], env=env)
    assert result.exit_code == 0, result.output
    document = _json.loads(result.stdout)
    assert len(document["verificationMethod"]) == 4
    missing = runner.invoke(cli, ["issuer", "rotate-keys", "--issuer", "nobody"], env=env)
    assert missing.exit_code == 2
