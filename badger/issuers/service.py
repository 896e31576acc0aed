"""Issuers: profiles, did:web (or did:key) identifiers, signing keys, DID documents, JWKS, rotation."""

from __future__ import annotations

import json
import re
import unicodedata

from badger.core import audit, events
from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials import builders
from badger.credentials.identity import normalise_email
from badger.errors import Conflict, InvalidInput, NotFound
from badger.issuers import repository as repo
from badger.issuers.models import Issuer, IssuerKey
from badger.keys import (
    Ed25519KeyPair,
    did_document,
    did_key,
    did_key_document,
    did_web,
    generate_jwt_key,
    jwks,
    load_private_pem,
    private_pem,
    public_jwk,
)

__all__ = [
    "STATUS_FORMS",
    "set_status_form",
    "create_issuer",
    "get_issuer",
    "get_issuer_by_did",
    "list_issuers",
    "profile_document",
    "issuer_did_document",
    "issuer_jwks",
    "rotate_keys",
    "signing_key",
    "jwt_signing_key",
    "slugify",
]

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
JWT_ALGORITHM = "RS256"  # OB 3.0 §8.2.3: the algorithm every verifier must accept


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")


def _check_url(url: str, field: str) -> str:
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
        raise InvalidInput(f"{field} must be an http(s) URL", code="input.invalid_url")
    return url


def create_issuer(
    app: Badger,
    session: Session,
    *,
    name: str,
    url: str,
    slug: str | None = None,
    email: str | None = None,
    description: str | None = None,
    image_url: str | None = None,
    did_method: str = "web",
) -> Issuer:
    """A new issuer with fresh keys (Ed25519 for Data Integrity, RS256 for VC-JWT). Raises
    InvalidInput, Conflict (slug taken)."""
    name = (name or "").strip()
    if not name or len(name) > 300:
        raise InvalidInput("name is required (300 characters at most)", code="input.invalid_name", field="name")
    _check_url(url, "url")
    slug = slug or slugify(name)
    if not _SLUG.match(slug or ""):
        raise InvalidInput("slug must be 1-64 lower-case letters, digits or dashes", code="input.invalid_slug")
    if email is not None:
        email = normalise_email(email)
    if did_method not in ("web", "key"):
        raise InvalidInput("did method must be 'web' or 'key'", code="input.invalid_did_method")
    if repo.issuer_by_slug(session, slug) is not None:
        raise Conflict(f"an issuer with slug {slug!r} exists", code="issuer.slug_taken")
    ldp_pair = Ed25519KeyPair.generate()
    did = did_web(app.base_url, "issuers", slug) if did_method == "web" else did_key(ldp_pair)
    issuer = Issuer(
        id=app.new_id(),
        slug=slug,
        did=did,
        name=name,
        url=url,
        email=email,
        description=description,
        image_url=image_url,
        created_at=app.clock(),
    )
    session.add(issuer)
    session.flush()
    _add_keys(app, session, issuer, ldp_pair)
    # Subscribers (badger.application.wire): the issuer's status lists.
    app.events.publish(events.ISSUER_CREATED, app=app, session=session, issuer=issuer)
    return issuer


def _add_keys(app: Badger, session: Session, issuer: Issuer, ldp_pair: Ed25519KeyPair) -> None:
    number = len(issuer.keys) // 2 + 1
    did_key_issuer = issuer.did.startswith("did:key:")
    # A did:key names exactly one key: it signs both proofs (VC-JWT with EdDSA).
    ldp_fragment = issuer.did[len("did:key:") :] if did_key_issuer else f"key-{number}"
    now = app.clock()
    ldp_id = app.new_id()
    session.add(
        IssuerKey(
            id=ldp_id,
            issuer_id=issuer.id,
            purpose="ldp",
            algorithm="Ed25519",
            fragment=ldp_fragment,
            public_key=ldp_pair.public_key_multibase,
            private_key=app.keystore.seal(ldp_pair.private_bytes, ldp_id),
            active=True,
            created_at=now,
        )
    )
    if did_key_issuer:
        session.flush()
        session.refresh(issuer)
        return
    jwt_key, jwt_fragment, alg = generate_jwt_key(JWT_ALGORITHM), f"jwt-{number}", JWT_ALGORITHM
    jwt_id = app.new_id()
    session.add(
        IssuerKey(
            id=jwt_id,
            issuer_id=issuer.id,
            purpose="jwt",
            algorithm=alg,
            fragment=jwt_fragment,
            public_key=json.dumps(public_jwk(jwt_key, kid=f"{issuer.did}#{jwt_fragment}")),
            private_key=app.keystore.seal(private_pem(jwt_key), jwt_id),
            active=True,
            created_at=now,
        )
    )
    session.flush()
    session.refresh(issuer)


def rotate_keys(app: Badger, session: Session, issuer: Issuer) -> Issuer:
    """New active keys; old ones stay published (inactive) so credentials they signed verify."""
    if issuer.did.startswith("did:key:"):
        raise Conflict("a did:key issuer cannot rotate its key (the key is the identifier)", code="issuer.no_rotation")
    for key in issuer.keys:
        key.active = False
    session.flush()
    _add_keys(app, session, issuer, Ed25519KeyPair.generate())
    return issuer


def get_issuer(session: Session, slug: str) -> Issuer:
    issuer = repo.issuer_by_slug(session, slug)
    if issuer is None:
        raise NotFound(f"no issuer {slug!r}", code="issuer.not_found")
    return issuer


def get_issuer_by_did(session: Session, did: str) -> Issuer | None:
    return repo.issuer_by_did(session, did)


def list_issuers(session: Session) -> list[Issuer]:
    return repo.issuers(session)


def profile_document(issuer: Issuer) -> dict:
    """The OB 3.0 Profile of the issuer (its id is the DID)."""
    return builders.profile(
        id=issuer.did,
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
        image=builders.image(id=issuer.image_url) if issuer.image_url else None,
    )


def issuer_did_document(issuer: Issuer) -> dict:
    """DID document listing every key ever used (active first), all for assertionMethod."""
    if issuer.did.startswith("did:key:"):
        return did_key_document(issuer.did)
    keys = sorted(issuer.keys, key=lambda k: (not k.active, k.created_at))
    multikeys = [(f"#{k.fragment}", Ed25519KeyPair.from_multikey(k.public_key)) for k in keys if k.purpose == "ldp"]
    jwk_list = [(f"#{k.fragment}", json.loads(k.public_key)) for k in keys if k.purpose == "jwt"]
    return did_document(issuer.did, multikeys=multikeys, jwks=jwk_list)


def issuer_jwks(issuer: Issuer) -> dict:
    if issuer.did.startswith("did:key:"):
        pair = Ed25519KeyPair.from_multikey(issuer.keys[0].public_key)
        return jwks([public_jwk(pair.public_key, kid=f"{issuer.did}#{issuer.keys[0].fragment}")])
    return jwks([json.loads(k.public_key) for k in issuer.keys if k.purpose == "jwt"])


def _active(issuer: Issuer, purpose: str) -> IssuerKey:
    for key in issuer.keys:
        if key.purpose == purpose and key.active:
            return key
    raise NotFound(f"issuer {issuer.slug} has no active {purpose} key", code="issuer.no_key")


def signing_key(app: Badger, issuer: Issuer) -> tuple[str, Ed25519KeyPair]:
    """(verification method id, Ed25519 pair) of the active Data Integrity key."""
    key = _active(issuer, "ldp")
    pair = Ed25519KeyPair.from_private_bytes(app.keystore.open(key.private_key, key.id))
    return f"{issuer.did}#{key.fragment}", pair


def jwt_signing_key(app: Badger, issuer: Issuer):
    """(kid, private key) of the active VC-JWT key."""
    if issuer.did.startswith("did:key:"):
        vm, pair = signing_key(app, issuer)
        return vm, pair.private_key
    key = _active(issuer, "jwt")
    return f"{issuer.did}#{key.fragment}", load_private_pem(app.keystore.open(key.private_key, key.id))


# credentialStatus form of the issuer's Open Badges (badger.issuance.status_lists): "ob3", one
# revocation entry (the published 1EdTech schema's single object, the default), or "vc2", the
# revocation and suspension entries (VC Data Model 2.0 §4.10; other OB validators refuse it).
STATUS_FORMS = ("ob3", "vc2")


def set_status_form(app: Badger, session: Session, issuer: Issuer, form: str, *, actor: audit.Actor) -> None:
    """Choose the credentialStatus form of the credentials ``issuer`` issues from now on
    (credentials already signed keep theirs); audited as ``issuer.status_form``. Raises
    InvalidInput for an unknown form."""
    if form not in STATUS_FORMS:
        raise InvalidInput(f"status form must be one of {', '.join(STATUS_FORMS)}", code="input.invalid_status_form")
    previous = issuer.status_form
    issuer.status_form = form
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="issuer.status_form",
        target=issuer.slug,
        detail={"from": previous, "to": form},
    )
