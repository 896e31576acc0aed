"""The pages the web tests render (i18n, HTML5 validity): a small public site in every state the
pages explain, and the list of pages to fetch.

Two sources, so that pages other areas add are covered without editing the tests:

- discovery: every GET route of the app whose URL parameters are known here (``PARAMS``:
  credential_id, achievement_id, slug...) and that answers 200 ``text/html`` to an anonymous
  browser is rendered (routes that need a login redirect and are left out);
- ``PAGES``: pages that discovery cannot reach (a POSTed verdict, a state, an error, a page
  behind a login). Another area adds its own with ``register(Page(...))`` from its test
  module or conftest, e.g. a dashboard page with a ``setup`` that logs the client in.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.public import service as public_pages

__all__ = ["Page", "PAGES", "register", "PublicSite", "build_public_site", "discover_pages", "all_pages", "revoke"]


@dataclass
class PublicSite:
    badger: object
    issuer_slug: str
    achievement_id: str
    plain_achievement_id: str
    credential_id: str  # valid, PNG class image, recipient name, evidence
    jwt_credential_id: str
    revoked_id: str
    expired_id: str
    suspended_id: str | None
    revoke_reason: str = "Présence non confirmée par l'animatrice."
    extra: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        """URL parameters by name, for route discovery."""
        return {
            "credential_id": self.credential_id,
            "achievement_id": self.achievement_id,
            "slug": self.issuer_slug,
            "code": "en",
        }


@dataclass
class Page:
    name: str
    path: str  # formatted with the site's attributes: "/credentials/{credential_id}"
    method: str = "GET"
    data: Callable | dict | None = None  # form data (a callable gets the site)
    status: int = 200
    setup: Callable | None = None  # setup(client, site) before the request (e.g. log in)
    headers: dict = field(default_factory=lambda: {"Accept": "text/html"})

    def fetch(self, client, site: PublicSite, lang: str):
        if self.setup is not None:
            self.setup(client, site)
        path = self.path.format(**vars(site))
        path += ("&" if "?" in path else "?") + f"lang={lang}"
        data = self.data(site) if callable(self.data) else self.data
        if self.method == "POST":
            return client.post(path, data=data, headers=self.headers, content_type="multipart/form-data")
        return client.get(path, headers=self.headers)


def _baked_png(site: PublicSite):
    return {"file": (io.BytesIO(site.extra["baked_png"]), "badge.png")}


PAGES: list[Page] = [
    Page("credential-jwt", "/credentials/{jwt_credential_id}"),
    Page("credential-revoked", "/credentials/{revoked_id}"),
    Page("credential-expired", "/credentials/{expired_id}"),
    Page("credential-print", "/credentials/{credential_id}/print"),
    Page("achievement-plain", "/achievements/{plain_achievement_id}"),
    Page("verify-verdict-ok", "/verify", "POST", _baked_png),
    Page("verify-verdict-ko", "/verify", "POST", lambda site: {"credential": site.extra["tampered"]}),
    Page("verify-revoked", "/verify", "POST", lambda site: {"credential": site.extra["revoked_document"]}),
    Page("verify-empty-error", "/verify", "POST", {"credential": " "}, status=400),
    Page(
        "verify-not-found",
        "/verify",
        "POST",
        lambda site: {"credential": site.badger.url("credentials", "5a1f2d3e-0000-4000-8000-000000000000")},
        status=404,
    ),
    Page("error-404", "/credentials/5a1f2d3e-0000-4000-8000-000000000000", status=404),
    Page("error-404-path", "/nowhere/at/all", status=404),
]


def register(page: Page) -> None:
    """Adds a page for the i18n and HTML5 tests (other areas: call it at import time)."""
    if all(p.name != page.name for p in PAGES):
        PAGES.append(page)


def discover_pages(app, site: PublicSite) -> list[Page]:
    """GET routes whose parameters are all known (see the module docstring)."""
    out, seen = [], set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or not rule.arguments <= set(site.params):
            continue
        path = rule.build({k: "{" + k + "}" for k in rule.arguments} if rule.arguments else {}, append_unknown=False)[1]
        path = path.replace("%7B", "{").replace("%7D", "}")
        if path in seen or path.startswith("/language/"):
            continue
        seen.add(path)
        out.append(Page(rule.endpoint, path))
    return out


def all_pages(app, client, site: PublicSite) -> list[Page]:
    """Discovered pages that answer 200 text/html, then PAGES."""
    found = []
    for page in discover_pages(app, site):
        response = client.get(page.path.format(**site.params), headers={"Accept": "text/html"})
        if response.status_code == 200 and response.mimetype == "text/html":
            page.path = page.path.format(**site.params)
            found.append(page)
    return found + list(PAGES)


# ------------------------------------------------------------------------------- the site


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 110, 60)).save(out, "PNG")
    return out.getvalue()


def revoke(badger, credential_id: str, reason: str, *, suspend: bool = False) -> None:
    """Revokes (or suspends) a credential the way the dashboard does: through the status
    service when it exists (badger.issuance.revocation), else its status bit and row."""
    try:
        from badger.core import audit
        from badger.issuance import revocation
    except ImportError:
        revocation = None
    with badger.transaction() as session:
        row = issuing.get_credential(session, credential_id)
        if revocation is not None:
            change = revocation.suspend if suspend else revocation.revoke
            change(badger, session, row, reason=reason, actor=audit.SYSTEM)
            return
        from badger.issuance import status_lists

        if suspend:
            status_lists.set_status(session, row, True, "suspension")
        else:
            status_lists.set_status(session, row, True)
        row.status = "suspended" if suspend else "revoked"
        row.status_reason = reason


def build_public_site(badger, create_issuer, create_achievement) -> PublicSite:
    pinned = badger.clock()
    badger.clock = lambda: pinned  # one "now" for the verification and the status lists it signs
    issuer, _ = create_issuer(description="Convention des Entreprises pour le Climat, Bretagne et Pays de la Loire.")
    with badger.transaction() as session:
        row = issuers.get_issuer(session, issuer.slug)
        public_pages.set_show_holder_count(badger, session, row, True, actor=_actor())
    achievement = create_achievement(
        issuer,
        image=_png(),
        achievement_type="Competency",
        tags=["climat", "CEC"],
        criteria="Présence aux **deux journées** du camp de base.\n\n- atelier *donut*\n- diagnostic partagé",
        alignments=[
            {
                "target_name": "Gérer les impacts environnementaux",
                "target_framework": "ESCO",
                "target_url": "http://data.europa.eu/esco/skill/0a1b2c3d-0000-4000-8000-000000000000",
            },
            {
                "target_name": "Accompagnement de la transition écologique",
                "target_code": "RNCP36000",
                "target_url": "https://www.francecompetences.fr/recherche/rncp/36000/",
            },
        ],
    )
    plain = create_achievement(issuer, name="Webinaire — Numérique responsable")

    def issue(achievement_id, fmt="ldp", valid_until=None, name="Élodie Le Goff"):
        with badger.transaction() as session:
            return issuing.issue(
                badger,
                session,
                issuers.get_issuer(session, issuer.slug),
                issuing.IssueRequest(
                    achievement=achievement_id,
                    email="elodie@exemple.fr",
                    name=name,
                    format=fmt,
                    valid_until=valid_until,
                    evidence=[{"id": "https://exemple.fr/feuille-de-route.pdf", "name": "Feuille de route"}],
                ),
            )

    valid = issue(achievement.id)
    jwt_row = issue(plain.id, "jwt")
    revoked = issue(achievement.id, name="Camille")
    expired = issue(plain.id, valid_until=(pinned + timedelta(days=1)).isoformat().replace("+00:00", "Z"))
    expiring = issue(plain.id, valid_until=(pinned + timedelta(days=400)).isoformat().replace("+00:00", "Z"))
    site = PublicSite(
        badger=badger,
        issuer_slug=issuer.slug,
        achievement_id=achievement.id,
        plain_achievement_id=plain.id,
        credential_id=valid.id,
        jwt_credential_id=jwt_row.id,
        revoked_id=revoked.id,
        expired_id=expired.id,
        suspended_id=None,
    )
    site.extra["expiring_id"] = expiring.id
    revoke(badger, revoked.id, site.revoke_reason)
    tampered = json.loads(valid.document)
    tampered["credentialSubject"]["achievement"]["name"] = "Parcours CEC Ouest 2023 complet"
    site.extra.update(tampered=json.dumps(tampered, ensure_ascii=False), revoked_document=revoked.document)
    later = pinned + timedelta(days=2)  # the credential valid for one day has expired
    badger.clock = lambda: later
    return site


def _actor():
    from badger.core import audit

    return audit.SYSTEM
