"""The ``badger`` command line (docs: interfaces, "Command line").

Thin edge (docs/architecture.md, "Thin edges"): parse the arguments, call one service inside one
transaction (docs/architecture.md, "The caller owns the transaction"), print. Machine-readable output is one JSON document on stdout,
messages go to stderr. Exit codes: 0 success, 1 the command ran and the answer is "no" (a
credential that does not verify), 2 bad usage or bad input, with a one-line reason.
"""

from __future__ import annotations

import json
import sys
import traceback
import warnings
from pathlib import Path

import click

from badger.accounts import service as accounts
from badger.accounts import tokens
from badger.achievements import service as achievements
from badger.application import build
from badger.bulk import runner as jobs
from badger.bulk import service as bulk
from badger.config import load_settings
from badger.core import audit, queue
from badger.core.app import Badger
from badger.core.runtime import settled_for_batches
from badger.demo import load_demo
from badger.errors import BadgerError, NotFound
from badger.issuance import issuing, revocation
from badger.issuers import service as issuers
from badger.verifying import service as verifying

__all__ = ["cli", "main"]

EXIT_OK, EXIT_NO, EXIT_BAD = 0, 1, 2
# Largest input `badger verify` reads; the verifier refuses anything bigger anyway.
_MAX_VERIFY_INPUT = 16 * 1024 * 1024


def _say(message: str) -> None:
    click.echo(f"badger: {message}", err=True)


class _BadgerGroup(click.Group):
    """Maps Badger's refusals to exit 2 with one line on stderr, for every subcommand."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BadgerError as exc:
            _say(str(exc) or exc.code)
            ctx.exit(EXIT_BAD)
        except OSError as exc:
            # Unreadable files and the like: bad input from the caller's side.
            _say(f"{exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else ""))
            ctx.exit(EXIT_BAD)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the edge turns anything else into a clear exit
            if _is_database_error(exc):
                _say(
                    f"database error: {_first_line(exc)} (is the database reachable, and did `badger db upgrade` run?)"
                )
                ctx.exit(EXIT_BAD)
            traceback.print_exc()
            _say(f"internal error: {type(exc).__name__}: {_first_line(exc)}")
            ctx.exit(EXIT_BAD)


def _is_database_error(exc: Exception) -> bool:
    return any(
        cls.__module__.startswith("sqlalchemy.") and cls.__name__ in ("OperationalError", "ProgrammingError")
        for cls in type(exc).__mro__
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _badger(ctx: click.Context):
    """The service container: the one given by the caller (tests) or built once from BADGER_*."""
    root = ctx.find_root()
    if isinstance(root.obj, Badger):
        return root.obj
    app = root.meta.get("badger.app")
    if app is None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            settings = load_settings()
        for warning in caught:
            _say(f"warning: {warning.message}")
        app = build(settings)
        root.meta["badger.app"] = app
        root.call_on_close(app.engine.dispose)
    return app


def _print_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


@click.group(cls=_BadgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli():
    """Badger: an Open Badges 3.0 issuer. Settings come from BADGER_* environment variables."""


# ------------------------------------------------------------------------------------- database


@cli.group()
def db():
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx):
    """Create or migrate the schema (Alembic)."""
    _badger(ctx).upgrade_database()
    _say("database is up to date")


# ----------------------------------------------------------------------------------------- demo


@cli.command()
@click.pass_context
def demo(ctx):
    """Load the demo network from the CEC programmes (idempotent)."""
    app = _badger(ctx)
    with app.transaction() as session:
        summary = load_demo(app, session)
    _print_json(summary)
    created = summary["created"]
    click.echo(
        f"Demo: {created['issuers']} issuers, {created['achievements']} badge classes and "
        f"{created['credentials']} credentials created "
        f"({summary['counts']['credentials']} credentials in the demo).",
        err=True,
    )
    click.echo("Issuer pages:", err=True)
    for issuer in summary["issuers"]:
        click.echo(f"  {issuer['url']}", err=True)
    click.echo("Credentials:", err=True)
    for credential in summary["credentials"]:
        click.echo(f"  {credential['url']}  ({credential['recipient']}, {credential['format']})", err=True)
    click.echo(f"Verify page: {summary['verify']}", err=True)
    login = summary.get("login")
    if login:
        click.echo(f"Partner dashboard: {login['url']} (demo password: {login['password']})", err=True)
        for account in login["accounts"]:
            click.echo(f"  {account['email']}  ({account['partner']}, {account['role']})", err=True)
    for learner in summary.get("learners", ()):
        click.echo(f"Learner page: {learner['url']}", err=True)


# ---------------------------------------------------------------------------------------- serve


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.pass_context
def serve(ctx, host, port):
    """Run the web app with the development server (production: gunicorn badger.wsgi:app)."""
    app = _badger(ctx)
    # Loaded here: the web layer (Flask, WTForms, pydantic, Babel) takes about a second to import,
    # which every other command (and every worker) would otherwise pay for nothing.
    from badger.web import create_app

    flask_app = create_app(badger=app)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"Badger on http://{shown}:{port}/ (public base URL {app.base_url}); development server, stop with Ctrl+C",
        err=True,
    )
    if not app.settings.queue_url:  # resume the bulk jobs a previous run left unfinished
        jobs.resume(app)
    flask_app.run(host=host, port=port, debug=False, use_reloader=False)


# --------------------------------------------------------------------------------------- issuer


@cli.group()
def issuer():
    """Issuer profiles."""


@issuer.command("create")
@click.option("--name", required=True, help="Display name of the partner.")
@click.option("--url", required=True, help="The partner's web site (http or https).")
@click.option("--slug", help="URL name (default: derived from the name).")
@click.option("--email", help="Contact e-mail shown in the profile.")
@click.option(
    "--did-method",
    type=click.Choice(["web", "key"]),
    default="web",
    show_default=True,
    help="did:web under BADGER_BASE_URL, or a did:key.",
)
@click.pass_context
def issuer_create(ctx, name, url, slug, email, did_method):
    """New issuer profile with fresh keys; prints the Profile JSON."""
    app = _badger(ctx)
    with app.transaction() as session:
        row = issuers.create_issuer(app, session, name=name, url=url, slug=slug, email=email, did_method=did_method)
        profile = issuers.profile_document(row)
        slug = row.slug
    _print_json(profile)
    _say(f"issuer {slug!r} created: {app.url('issuers', slug)}")


@issuer.command("rotate-keys")
@click.option("--issuer", "slug", required=True, help="Slug of the issuer.")
@click.pass_context
def issuer_rotate_keys(ctx, slug):
    """New signing keys; the old ones stay in the DID document so earlier credentials verify.
    Prints the DID document."""
    app = _badger(ctx)
    with app.transaction() as session:
        # accounts.rotate_keys records key.rotate in the audit log (the dashboard calls it too).
        row = accounts.rotate_keys(app, session, issuers.get_issuer(session, slug), actor=audit.CLI)
        document = issuers.issuer_did_document(row)
    _print_json(document)
    _say(f"issuer {slug!r}: keys rotated; {len(document['verificationMethod'])} keys published")


@issuer.command("status-form")
@click.option("--issuer", "slug", required=True, help="Slug of the issuer.")
@click.option(
    "--form",
    type=click.Choice(list(issuers.STATUS_FORMS)),
    required=True,
    help="ob3: one revocation entry (the 1EdTech schema's form); vc2: revocation and suspension entries "
    "(VC 2.0; other Open Badges validators refuse it).",
)
@click.pass_context
def issuer_status_form(ctx, slug, form):
    """The credentialStatus form of the issuer's credentials from now on; prints {issuer, statusForm}."""
    app = _badger(ctx)
    with app.transaction() as session:
        issuers.set_status_form(app, session, issuers.get_issuer(session, slug), form, actor=audit.CLI)
    _print_json({"issuer": slug, "statusForm": form})


# ---------------------------------------------------------------------------------------- token


@cli.group()
def token():
    """API tokens."""


@token.command("create")
@click.option("--issuer", "slug", required=True, help="Slug of the issuer the token acts for.")
@click.option("--label", help="What the token is for (shown in listings).")
@click.pass_context
def token_create(ctx, slug, label):
    """API token for one issuer, shown once."""
    app = _badger(ctx)
    with app.transaction() as session:
        secret = tokens.create_token(app, session, issuers.get_issuer(session, slug), label, actor=audit.CLI)
    _print_json({"token": secret})
    _say("keep this token now: it is not stored and cannot be shown again")


# ------------------------------------------------------------------------------- user, member


@cli.group()
def user():
    """Dashboard accounts."""


@user.command("create")
@click.option("--email", required=True, help="E-mail address (the sign-in name).")
@click.option("--name", required=True, help="Display name.")
@click.option("--admin", "is_admin", is_flag=True, help="Platform administrator (creates partners).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin (else it is asked for, never an argument).",
)
@click.pass_context
def user_create(ctx, email, name, is_admin, password_stdin):
    """New account; prints {id, email, name, is_admin}."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    app = _badger(ctx)
    with app.transaction() as session:
        row = accounts.create_user(app, session, email=email, name=name, password=password, is_admin=is_admin)
        created = {"id": row.id, "email": row.email, "name": row.name, "is_admin": row.is_admin}
    _print_json(created)
    _say(f"account {created['email']} created")


@cli.group()
def member():
    """Roles of accounts in partners."""


@member.command("add")
@click.option("--issuer", "slug", required=True, help="Slug of the partner.")
@click.option("--email", required=True, help="E-mail of an existing account.")
@click.option("--role", required=True, type=click.Choice(["viewer", "issuer", "owner"]), help="Role in the partner.")
@click.pass_context
def member_add(ctx, slug, email, role):
    """Give an account a role in a partner (or change it); prints {user, email, issuer, role}."""
    app = _badger(ctx)
    with app.transaction() as session:
        partner = issuers.get_issuer(session, slug)
        account = accounts.find_user(session, email)
        if account is None:
            raise NotFound(
                f"no account with e-mail {email!r} (create it with `badger user create`)", code="account.not_found"
            )
        row = accounts.add_membership(app, session, account, partner, role, actor=audit.CLI)
        added = {"user": account.id, "email": account.email, "issuer": partner.slug, "role": row.role}
    _print_json(added)
    _say(f"{added['email']} is {added['role']} of {added['issuer']}")


# ---------------------------------------------------------------------------------- achievement


@cli.group()
def achievement():
    """Badge classes (OB 3.0 Achievements)."""


@achievement.command("create")
@click.option("--issuer", "slug", required=True, help="Slug of the issuer.")
@click.option("--name", required=True)
@click.option("--description", required=True)
@click.option("--criteria", required=True, help="Criteria narrative (Markdown).")
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path), help="PNG or SVG file.")
@click.option("--type", "achievement_type", help="achievementType, e.g. Badge, Competency or ext:Something.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for several).")
@click.pass_context
@click.option(
    "--valid-for-days",
    type=click.IntRange(1, 36_500),
    default=None,
    help="Credentials of this class are valid this many days by default.",
)
def achievement_create(ctx, slug, name, description, criteria, image, achievement_type, tags, valid_for_days):
    """New badge class; prints the Achievement JSON."""
    image_bytes = image.read_bytes() if image is not None else None
    app = _badger(ctx)
    with app.transaction() as session:
        row = achievements.create_achievement(
            app,
            session,
            issuers.get_issuer(session, slug),
            name=name,
            description=description,
            criteria=criteria,
            image=image_bytes,
            achievement_type=achievement_type,
            tags=tags,
            valid_for_days=valid_for_days,
            actor=audit.CLI,
        )
        document = json.loads(row.document)
    _print_json(document)


# ---------------------------------------------------------------------------------------- issue


@cli.command()
@click.option("--achievement", "achievement_id", required=True, help="Badge class id (its URL or uuid).")
@click.option("--email", help="Recipient e-mail (stored only as a salted hash in the credential).")
@click.option("--did", help="Recipient DID.")
@click.option("--name", help="Recipient display name.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ldp", "jwt"]),
    default="ldp",
    show_default=True,
    help="Data Integrity proof (ldp) or VC-JWT (jwt).",
)
@click.option("--evidence", multiple=True, help="Evidence URL (repeat for several).")
@click.option("--valid-until", help="Expiry, ISO 8601 date-time with a timezone.")
@click.option("--awarded-date", help="When it was achieved (OB 3.0 awardedDate): YYYY-MM-DD or a date-time.")
@click.pass_context
def issue(ctx, achievement_id, email, did, name, fmt, evidence, valid_until, awarded_date):
    """Issue one credential; prints it exactly as stored (JSON, or the compact JWS for jwt)."""
    if bool(email) == bool(did):
        raise click.UsageError("give exactly one of --email or --did")
    app = _badger(ctx)
    with app.transaction() as session:
        badge = achievements.get_achievement(session, achievement_id)
        # The badge class names its issuer; the CLI acts for it (no token on the command line).
        owner = achievements.issuer_of(session, badge)
        row = issuing.issue(
            app,
            session,
            owner,
            issuing.IssueRequest(
                achievement=badge.id,
                email=email,
                did=did,
                name=name,
                format=fmt,
                evidence=tuple(evidence),
                valid_until=valid_until,
                awarded_date=awarded_date,
            ),
            actor=audit.CLI,
        )
        stored, credential_id = row.jwt or row.document, row.id
    click.echo(stored)
    _say(f"issued {app.url('credentials', credential_id)}")


# ----------------------------------------------------------------------------- bulk, worker


@cli.command("issue-bulk")
@click.option("--achievement", "achievement_id", required=True, help="Badge class id (its URL or uuid).")
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV file: email,name[,evidence_url,narrative] (header optional, , or ; separated; with a header, also awarded_date).",
)
@click.option("--dry-run", is_flag=True, help="Check every row and report; issue nothing.")
@click.option("--notify", is_flag=True, help="E-mail each learner their badge.")
@click.pass_context
def issue_bulk(ctx, achievement_id, csv_path, dry_run, notify):
    """Issue to every row of a CSV file, here and now (through the job machinery); idempotent:
    re-running the same file issues nothing twice. Prints the report JSON {issued, skipped,
    errors: [{line, email, problems}], job}. Exit 0 when the job ran, even if rows failed
    (they are in `errors`); 2 on bad input (unreadable file, malformed CSV, unknown badge class)."""
    with open(csv_path, "rb") as handle:
        rows = bulk.parse_csv(handle.read(bulk.MAX_BYTES + 1))
    app = _badger(ctx)
    with app.transaction() as session:
        badge = achievements.get_achievement(session, achievement_id)
        owner = achievements.issuer_of(session, badge)  # the CLI acts for the badge class's issuer
        if dry_run:
            checked = bulk.dry_run(app, session, owner, badge.id, rows)
        else:
            job_id = bulk.start(
                app,
                session,
                owner,
                badge.id,
                rows,
                actor=audit.CLI,
                notify=notify,
                source=csv_path.name,
                dispatch=False,
            ).id
    if dry_run:
        errors = [
            {"line": r.line, "email": r.email, "problems": [p.as_dict() for p in r.problems]}
            for r in checked.rows
            if r.outcome == "error"
        ]
        skips = [
            {"line": r.line, "email": r.email, "problems": [p.as_dict() for p in r.problems]}
            for r in checked.rows
            if r.outcome == "skip"
        ]
        _print_json(
            {
                "dryRun": True,
                "total": checked.total,
                "wouldIssue": checked.ok_count,
                "issued": 0,
                "skipped": checked.skip_count,
                "errors": errors,
                "skips": skips,
                "job": None,
            }
        )
        _say(f"dry run: {checked.ok_count} to issue, {checked.skip_count} to skip, {checked.error_count} with errors")
        return
    shown = {"at": 0}

    def progress(p):
        if p["done"] - shown["at"] >= max(p["total"] // 20, 1) or p["done"] == p["total"]:
            shown["at"] = p["done"]
            _say(f"{p['done']}/{p['total']} ({p['percent']}%)")

    with settled_for_batches():
        jobs.run(app, job_id, on_progress=progress)  # in this process (dispatch=False)
    with app.transaction() as session:
        job = bulk.get_job(session, owner, job_id)
        report = bulk.report(session, job)
    _print_json(report)
    _say(f"job {job_id}: {report['issued']} issued, {report['skipped']} skipped, {report['failed']} failed")


@cli.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.pass_context
def worker(ctx, burst):
    """Run bulk jobs from BADGER_QUEUE_URL (RQ queue "badger"); also resumes the jobs of workers
    that died."""
    app = _badger(ctx)
    if not app.settings.queue_url:
        raise click.UsageError("BADGER_QUEUE_URL is not set (redis://...): without it, jobs run in the web process")
    _say(f"worker on queue {queue.QUEUE_NAME!r}; stop with Ctrl+C")
    queue.work(app, burst=burst)


# ---------------------------------------------------------------------------------- credentials


@cli.group()
def credentials():
    """Issued credentials."""


@credentials.command("list")
@click.option("--email", help="Recipient e-mail.")
@click.option("--achievement", "achievement_id", help="Badge class id (URL or uuid).")
@click.option("--issuer", "slug", help="Issuer slug.")
@click.pass_context
def credentials_list(ctx, email, achievement_id, slug):
    """Find issued credentials: a JSON list of {id, url, achievement, status}."""
    app = _badger(ctx)
    with app.transaction() as session:
        owner = issuers.get_issuer(session, slug) if slug else None
        rows = issuing.list_credentials(app, session, issuer=owner, email=email, achievement=achievement_id)
        found = [
            {
                "id": row.id,
                "url": app.url("credentials", row.id),
                "achievement": app.url("achievements", row.achievement_id),
                "status": row.status,
            }
            for row in rows
        ]
    _print_json(found)


# --------------------------------------------------------------------------------------- status

_REASON = "Why (1-500 characters); shown on the credential's page and kept in the audit log."
_STATUS_COMMANDS = (  # name, what it does (its --help), help of --reason
    ("revoke", "Revoke a credential for good (W3C Bitstring Status List); prints the new status JSON.", _REASON),
    ("suspend", "Suspend a credential until `badger unsuspend`; prints the new status JSON.", _REASON),
    ("unsuspend", "Lift a suspension; prints the new status JSON.", "Why (optional)."),
)


def _status_command(name: str, help_text: str, reason_help: str) -> click.Command:
    """``badger revoke|suspend|unsuspend ID [--reason R]``: one credential, any issuer's (the
    CLI acts for the instance). The reason is optional here (docs/interfaces.md)."""
    change = {"revoke": revocation.revoke, "suspend": revocation.suspend, "unsuspend": revocation.unsuspend}[name]
    options = {} if name == "unsuspend" else {"require_reason": False}

    @click.argument("credential_id", metavar="ID")
    @click.option("--reason", help=reason_help)
    @click.pass_context
    def command(ctx, credential_id, reason):
        app = _badger(ctx)
        with app.transaction() as session:
            row = issuing.get_credential(session, credential_id)
            status = change(app, session, row, reason=reason, actor=audit.CLI, **options)
        _print_json(status)
        _say(f"credential {status['id']}: {status['status']}")

    return cli.command(name, help=help_text)(command)


for _name, _help, _reason_help in _STATUS_COMMANDS:
    _status_command(_name, _help, _reason_help)


# --------------------------------------------------------------------------------------- verify


@cli.command()
@click.argument("source")
@click.option("--email", help="Also check that the credential was issued to this e-mail.")
@click.option(
    "--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True, help="Language of the messages."
)
@click.pass_context
def verify(ctx, source, email, lang):
    """Verify a credential from FILE (JSON, compact JWS, baked PNG or SVG), a URL, or - (stdin).

    Prints the verification result; exit 0 when verified, 1 when not.
    """
    data = None
    if source == "-":
        data = sys.stdin.buffer.read(_MAX_VERIFY_INPUT + 1)
    elif not source.startswith(("http://", "https://")):
        with open(source, "rb") as handle:
            data = handle.read(_MAX_VERIFY_INPUT + 1)
    if data is not None and not data.strip():
        raise click.BadParameter("nothing to verify: the input is empty", param_hint="SOURCE")
    app = _badger(ctx)
    with app.transaction() as session:
        if data is None:
            data = verifying.fetch_credential_url(app, session, source)
        result = verifying.verify_credential(app, session, data, email=email, domain_linkage=True)
    _print_json(result.as_dict(lang))
    if not result.verified:
        _say("not verified" if lang == "en" else "non vérifié")
        ctx.exit(EXIT_NO)
    _say("verified" if lang == "en" else "vérifié")


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``badger = "badger.cli:main"``)."""
    cli.main(args=argv, prog_name="badger")


if __name__ == "__main__":
    main(sys.argv[1:])
