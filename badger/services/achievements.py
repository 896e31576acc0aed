"""Badge classes (OB 3.0 Achievements) with a size-limited, sanitised image."""

from __future__ import annotations

import json

from defusedxml import ElementTree

from badger.baking import PNG_SIGNATURE, image_kind, unbake_png
from badger.credentials import builders
from badger.errors import BakingError, InvalidInput, NotFound
from badger.services.app import Badger
from badger.services.issuers import profile_document
from badger.store import Achievement, Issuer, repositories as repo
from badger.store.repositories import Session

__all__ = ["create_achievement", "get_achievement", "issuer_of", "list_achievements", "update_achievement", "check_image",
           "ACHIEVEMENT_TYPES"]

# OB 3.0 AchievementType vocabulary (a subset partners use; "ext:" extensions are allowed too).
ACHIEVEMENT_TYPES = ("Achievement", "Assessment", "Award", "Badge", "Certificate", "Certification", "Competency",
                     "CoCurricular", "Course", "Diploma", "License", "Membership", "MicroCredential")
_SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed"}


def check_image(data: bytes, max_bytes: int) -> str:
    """-> media type of a PNG or SVG badge image. Raises InvalidInput: too large, not an image,
    an SVG with scripts, event handlers or external references (it is served on our origin)."""
    if not data:
        raise InvalidInput("the image is empty", code="image.empty")
    if len(data) > max_bytes:
        raise InvalidInput(f"the image is larger than {max_bytes // 1024} KiB", code="image.too_large")
    kind = image_kind(data)
    try:
        if kind == "png" and data.startswith(PNG_SIGNATURE):
            unbake_png(data, max_bytes=max_bytes)  # walks and CRC-checks every chunk, bounds dimensions
            return "image/png"
        if kind == "svg":
            root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
            if not root.tag.endswith("svg"):
                raise InvalidInput("the SVG has no <svg> root", code="image.invalid")
            for element in root.iter():
                local = element.tag.rsplit("}", 1)[-1]
                if local in _SVG_FORBIDDEN:
                    raise InvalidInput(f"SVG <{local}> elements are not allowed", code="image.unsafe_svg")
                for attr, value in element.attrib.items():
                    name = attr.rsplit("}", 1)[-1].lower()
                    if name.startswith("on") or (name == "href" and not value.startswith(("#", "data:image/"))):
                        raise InvalidInput(f"SVG attribute {name!r} is not allowed", code="image.unsafe_svg")
            return "image/svg+xml"
    except BakingError as exc:
        raise InvalidInput(f"unreadable image: {exc}", code="image.invalid") from exc
    except ElementTree.ParseError as exc:  # type: ignore[attr-defined]
        raise InvalidInput(f"unreadable SVG: {exc}", code="image.invalid") from exc
    except Exception as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"unreadable image: {type(exc).__name__}", code="image.invalid") from exc
    raise InvalidInput("the image must be a PNG or an SVG", code="image.unsupported_type")


def _text(value, field: str, limit: int, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field} is required", code=f"input.missing_{field}")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", code=f"input.invalid_{field}")
    value = value.replace("\t", " ").strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", code=f"input.invalid_{field}")
    return value


def _build(app: Badger, issuer: Issuer, achievement_id: str, fields: dict, has_image: bool) -> dict:
    url = app.url("achievements", achievement_id)
    return builders.achievement(
        id=url, name=fields["name"], description=fields["description"], criteria_narrative=fields["criteria"],
        image=builders.image(id=url + "/image", caption=fields["name"]) if has_image else None,
        achievement_type=fields.get("achievement_type"), tags=tuple(fields.get("tags") or ()),
        alignments=[builders.alignment(**a) for a in fields.get("alignments") or ()],
        creator=profile_document(issuer),
    )


def _fields(name, description, criteria, achievement_type, tags, alignments) -> dict:
    if achievement_type is not None and achievement_type not in ACHIEVEMENT_TYPES and not str(achievement_type).startswith("ext:"):
        raise InvalidInput(f"unknown achievement type {achievement_type!r}", code="input.invalid_type")
    tags = [_text(t, "tag", 100) for t in (tags or [])]
    checked = []
    for a in alignments or []:
        if not isinstance(a, dict) or not a.get("target_name") or not str(a.get("target_url", "")).startswith(("http://", "https://")):
            raise InvalidInput("an alignment needs target_name and an http(s) target_url", code="input.invalid_alignment")
        checked.append({k: v for k, v in a.items() if k in ("target_name", "target_url", "target_description", "target_code", "target_framework", "target_type")})
    return {"name": _text(name, "name", 300), "description": _text(description, "description", 5000),
            "criteria": _text(criteria, "criteria", 10000), "achievement_type": achievement_type, "tags": tags,
            "alignments": checked}


def _valid_for_days(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36_500:
        raise InvalidInput("the validity period is a number of days between 1 and 36500",
                           code="input.invalid_valid_for_days")
    return value


def create_achievement(app: Badger, session: Session, issuer: Issuer, *, name: str, description: str, criteria: str,
                       image: bytes | None = None, achievement_type: str | None = None, tags=(), alignments=(),
                       valid_for_days: int | None = None) -> Achievement:
    """A new badge class for ``issuer``; ``valid_for_days`` gives its credentials a default
    validUntil. Raises InvalidInput."""
    fields = _fields(name, description, criteria, achievement_type, tags, alignments)
    valid_for_days = _valid_for_days(valid_for_days)
    image_type = check_image(image, app.settings.max_upload_bytes) if image is not None else None
    achievement_id = app.new_id()
    document = _build(app, issuer, achievement_id, fields, image is not None)
    now = app.clock()
    row = Achievement(id=achievement_id, issuer_id=issuer.id, name=fields["name"], document=json.dumps(document),
                      image=image, image_type=image_type, valid_for_days=valid_for_days, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def update_achievement(app: Badger, session: Session, issuer: Issuer, achievement_id: str, changes: dict) -> Achievement:
    """Change fields of a badge class (credentials already issued keep their signed copy)."""
    row = get_achievement(session, achievement_id, issuer=issuer)
    current = json.loads(row.document)
    merged = {
        "name": current["name"], "description": current["description"],
        "criteria": current.get("criteria", {}).get("narrative"), "achievement_type": current.get("achievementType"),
        "tags": current.get("tag", []), "alignments": [],
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    fields = _fields(**merged)
    if "valid_for_days" in changes:
        row.valid_for_days = _valid_for_days(changes["valid_for_days"])
    if "image" in changes and changes["image"] is not None:
        row.image_type = check_image(changes["image"], app.settings.max_upload_bytes)
        row.image = changes["image"]
    document = _build(app, issuer, row.id, fields, row.image is not None)
    if "alignments" not in changes and current.get("alignment"):
        document["alignment"] = current["alignment"]
    row.document, row.name, row.updated_at = json.dumps(document), fields["name"], app.clock()
    session.flush()
    return row


def get_achievement(session: Session, achievement_id: str, *, issuer: Issuer | None = None) -> Achievement:
    """The badge class; with ``issuer``, only if it is that issuer's (else NotFound, not 403:
    another partner's badge classes are not even confirmed to exist)."""
    achievement_id = achievement_id.rsplit("/", 1)[-1] if isinstance(achievement_id, str) else ""
    row = session.get(Achievement, achievement_id) if achievement_id else None
    if row is None or (issuer is not None and row.issuer_id != issuer.id):
        raise NotFound("no such achievement", code="achievement.not_found")
    return row


def issuer_of(session: Session, achievement: Achievement) -> Issuer:
    """The issuer a badge class belongs to."""
    return session.get(Issuer, achievement.issuer_id)


def list_achievements(session: Session, issuer: Issuer) -> list[Achievement]:
    return repo.achievements_of(session, issuer.id)
