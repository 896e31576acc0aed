"""The role matrix of the partner dashboard (issue 5): EVERY route under /dashboard/<slug>/,
read from the app's url_map (so pages other areas add are covered without touching this
file), for every kind of visitor, on the visitor's own partner and on another partner.

- Every such route carries ``required_role`` (set by ``auth.membership_required``).
- anonymous: redirected to the sign-in page, on any partner;
- a member (viewer < issuer < owner) on their own partner: allowed when the role is high
  enough for the method (``required_role`` for GET, ``required_write_role`` for POST), else 403;
  on another partner: 404 (the dashboard does not reveal which partners exist);
- signed in but member of no partner: 404 everywhere;
- platform administrator: allowed everywhere (acts as an owner).

"Allowed" means the decorator let the request through: not 401/403, not a redirect to the
sign-in page, no server error, and no 404 either unless the URL names an object this test
cannot create for the page (then the page's own "no such object" is a fine answer).
POSTs carry a valid CSRF token, so a refusal is the role check, not CSRF; a refused POST
must change nothing in the database (every table is compared before and after).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy

from badger.accounts import service as accounts
from badger.core import audit
from badger.issuance import issuing
from badger.issuers import service as issuers

PASSWORD = "correct horse battery staple"
VISITORS = ("viewer", "issuer", "owner", "non-member", "anonymous", "admin")
PREFIX = "/dashboard/<slug>/"
# Values for URL parts this test cannot create objects for; pages may answer 404 to them.
STATIC_VALUES = {"template": "invitation", "lang": "fr"}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def partners(badger, create_issuer, create_achievement):
    """Two partners, "alpha" (the visitor's own) and "beta", each with a badge class and a
    credential; staff of alpha in every role, an owner of beta, an administrator and a
    person without partner. Returns the objects each partner's URLs can name."""
    objects = {}
    for slug in ("alpha", "beta"):
        issuer, _token = create_issuer(name=f"Partner {slug}", slug=slug)
        badge = create_achievement(issuer, name=f"Badge of {slug}")
        with badger.transaction() as session:
            row = issuers.get_issuer(session, slug)
            credential = issuing.issue(
                badger,
                session,
                row,
                issuing.IssueRequest(achievement=badge.id, email=f"learner@{slug}.example.org", name="Learner"),
            )
            objects[slug] = {"achievement_id": badge.id, "credential_id": credential.id}
    with badger.transaction() as session:
        alpha, beta = issuers.get_issuer(session, "alpha"), issuers.get_issuer(session, "beta")
        for role in accounts.ROLES:
            user = accounts.create_user(
                badger, session, email=f"{role}@alpha.example.org", name=role, password=PASSWORD
            )
            accounts.add_membership(badger, session, user, alpha, role, actor=audit.SYSTEM)
        owner_b = accounts.create_user(badger, session, email="owner@beta.example.org", name="B", password=PASSWORD)
        accounts.add_membership(badger, session, owner_b, beta, "owner", actor=audit.SYSTEM)
        accounts.create_user(
            badger, session, email="admin@badger.example.org", name="Admin", password=PASSWORD, is_admin=True
        )
        accounts.create_user(badger, session, email="nobody@example.org", name="Nobody", password=PASSWORD)
    return objects


def _csrf(html: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert field, "no CSRF token in the page"
    return re.search(r'value="([^"]+)"', field.group(0)).group(1)


def _visitor_client(app, visitor: str):
    client = app.test_client()
    if visitor == "anonymous":
        return client, _csrf(client.get("/account/login").get_data(as_text=True))
    email = {"non-member": "nobody@example.org", "admin": "admin@badger.example.org"}.get(
        visitor, f"{visitor}@alpha.example.org"
    )
    page = client.get("/account/login")
    signed_in = client.post(
        "/account/login", data={"email": email, "password": PASSWORD, "csrf_token": _csrf(page.get_data(as_text=True))}
    )
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
    return client, _csrf(client.get("/account").get_data(as_text=True))


def dashboard_routes(app) -> list[tuple]:
    """(rule, method, view) for every GET/POST route under /dashboard/<slug>/."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods & {"GET", "POST"}):
            out.append((rule, method, view))
    return sorted(out, key=lambda r: (r[0].rule, r[1]))


def _url(rule, slug: str, objects: dict) -> tuple[str, bool]:
    """The URL of ``rule`` for partner ``slug`` and whether every part names a real object."""
    values, complete = {"slug": slug}, True
    for name in rule.arguments - {"slug"}:
        if name in objects[slug]:
            values[name] = objects[slug][name]
        elif name in STATIC_VALUES:
            values[name] = STATIC_VALUES[name]
        else:
            values[name], complete = UNKNOWN_ID, False
    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", value, path)
    return path, complete


def _snapshot(badger) -> dict:
    """Every row of every table (order-independent)."""
    out = {}
    with badger.engine.connect() as connection:
        tables = [t for t in sqlalchemy.inspect(connection).get_table_names() if t != "alembic_version"]
        if connection.dialect.name == "postgresql":
            # One round trip for the whole database (each row as PostgreSQL's text of the record):
            # the matrix takes a snapshot before and after every refused POST.
            query = " UNION ALL ".join(f"SELECT '{table}', r::text FROM \"{table}\" r" for table in tables)
            for table in tables:
                out[table] = []
            for table, row in connection.execute(sqlalchemy.text(query)):
                out[table].append(row)
            return {table: sorted(rows) for table, rows in out.items()}
        for table in tables:
            rows = connection.execute(sqlalchemy.text(f'SELECT * FROM "{table}"')).fetchall()
            out[table] = sorted(repr(tuple(r)) for r in rows)
    return out


def test_every_dashboard_route_declares_its_role(app):
    routes = dashboard_routes(app)
    assert len(routes) >= 8  # staff, tokens, keys and the other areas' pages
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method, view in routes
        if getattr(view, "required_role", None) not in accounts.ROLES
    ]
    assert missing == [], "dashboard routes without auth.membership_required"


def _expected(visitor: str, partner: str, needed: str) -> str:
    if visitor == "anonymous":
        return "login"
    if visitor == "admin":
        return "allowed"
    if visitor == "non-member" or partner == "beta":
        return "404"
    return "allowed" if accounts.has_role(visitor, needed) else "403"


@pytest.mark.parametrize("visitor", VISITORS)
def test_role_matrix(badger, app, partners, visitor):
    client, token = _visitor_client(app, visitor)
    failures, checked = [], 0
    for rule, method, view in dashboard_routes(app):
        needed = view.required_write_role if method == "POST" else view.required_role
        for partner in ("alpha", "beta"):
            url, complete = _url(rule, partner, partners)
            expected = _expected(visitor, partner, needed)
            before = _snapshot(badger) if (method == "POST" and expected != "allowed") else None
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            response.get_data()  # read and close streamed bodies (a CSV export holds its transaction)
            response.close()
            status, location = response.status_code, response.headers.get("Location", "")
            checked += 1
            if expected == "allowed":
                ok = (
                    status not in (401, 403)
                    and status < 500
                    and "/account/login" not in location
                    and (status != 404 or not complete)
                )
            elif expected == "login":
                ok = status == 302 and location.startswith("/account/login")
            else:
                ok = status == int(expected)
            if not ok:
                failures.append(f"{visitor} {method} {url}: expected {expected}, got {status} {location}")
            if before is not None and _snapshot(badger) != before:
                failures.append(f"{visitor} {method} {url}: refused ({status}) but the database changed")
    assert checked >= 16
    assert failures == []
