"""Badge classes (OB 3.0 Achievements) with a size-limited, sanitised image.

Drafts: a badge class made in the dashboard starts as a draft (``published`` false) and is
published once, when its staff are happy with the preview; it cannot go back to draft (a
credential may embed it). A draft cannot be issued and has no public page: ``get_achievement``
and ``list_achievements`` leave drafts out unless asked (``drafts=True``, the dashboard).
Badge classes made by the API, the command line or the demo are published at once.

Languages: the signed Achievement document carries the French name, description and criteria
(the programmes are French) and says so with ``inLanguage: "fr"`` when the dashboard made it.
The English name, description and criteria are stored beside it (``name_en``,
``description_en``, ``criteria_en``) and are only shown on English pages (``texts(row,
"en")``); a verifier sees the French text, the one that was signed.

Editing a published badge class changes the document that FUTURE credentials embed; a
credential already issued keeps the copy it was signed with.
"""

from __future__ import annotations

import json

from defusedxml import ElementTree

from badger.achievements import repository as repo
from badger.achievements.models import Achievement
from badger.achievements.svg_safety import MAX_SIDE, sanitize_svg
from badger.baking import PNG_SIGNATURE, image_kind, unbake_png
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.core.listing import ListQuery, Page
from badger.credentials import builders
from badger.errors import BakingError, ImageTooLarge, InvalidInput, NotFound
from badger.issuers.models import Issuer
from badger.issuers.service import profile_document

__all__ = [
    "create_achievement",
    "get_achievement",
    "issuer_of",
    "list_achievements",
    "update_achievement",
    "check_image",
    "publish_achievement",
    "texts",
    "editable_fields",
    "preview_document",
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
]

# OB 3.0 AchievementType enumeration (1EdTech schema; "ext:" extensions are allowed too).
ACHIEVEMENT_TYPES = (
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
)
# OB 3.0 AlignmentTargetType enumeration.
ALIGNMENT_TARGET_TYPES = (
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
)
_ALIGNMENT_KEYS = ("target_name", "target_url", "target_description", "target_code", "target_framework", "target_type")
_SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed"}


def check_image(data: bytes, max_bytes: int) -> str:
    """-> media type of a PNG or SVG badge image. Raises InvalidInput: too large, not an image,
    an SVG with scripts, event handlers or external references (it is served on our origin)."""
    if not data:
        raise InvalidInput("the image is empty", code="image.empty", field="image")
    if len(data) > max_bytes:
        raise InvalidInput(f"the image is larger than {max_bytes // 1024} KiB", code="image.too_large", field="image")
    kind = image_kind(data)
    try:
        if kind == "png" and data.startswith(PNG_SIGNATURE):
            # Walks and CRC-checks every chunk; a badge needs no more than MAX_SIDE pixels a side.
            unbake_png(data, max_bytes=max_bytes, max_dimension=MAX_SIDE)
            return "image/png"
        if kind == "svg":
            root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
            if not root.tag.endswith("svg"):
                raise InvalidInput("the SVG has no <svg> root", code="image.invalid", field="image")
            for element in root.iter():
                local = element.tag.rsplit("}", 1)[-1]
                if local in _SVG_FORBIDDEN:
                    raise InvalidInput(
                        f"SVG <{local}> elements are not allowed", code="image.unsafe_svg", field="image"
                    )
                for attr, value in element.attrib.items():
                    name = attr.rsplit("}", 1)[-1].lower()
                    if name.startswith("on") or (name == "href" and not value.startswith(("#", "data:image/"))):
                        raise InvalidInput(
                            f"SVG attribute {name!r} is not allowed", code="image.unsafe_svg", field="image"
                        )
            sanitize_svg(data)  # dimensions; what it would drop is dropped when stored
            return "image/svg+xml"
    except ImageTooLarge as exc:
        raise InvalidInput(str(exc), code="image.too_large", field="image") from exc
    except BakingError as exc:
        raise InvalidInput(f"unreadable image: {exc}", code="image.invalid", field="image") from exc
    except ElementTree.ParseError as exc:
        raise InvalidInput(f"unreadable SVG: {exc}", code="image.invalid", field="image") from exc
    except Exception as exc:
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"unreadable image: {type(exc).__name__}", code="image.invalid", field="image") from exc
    raise InvalidInput("the image must be a PNG or an SVG", code="image.unsupported_type", field="image")


def _text(value, field: str, limit: int, required: bool = True, *, argument: str | None = None) -> str | None:
    """``value`` as one clean text of at most ``limit`` characters. ``field`` names it in the
    error codes; ``argument`` is the argument it came in (``field`` unless said)."""
    argument = argument or field
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field} is required", code=f"input.missing_{field}", field=argument)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", code=f"input.invalid_{field}", field=argument)
    value = value.replace("\t", " ").strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", code=f"input.invalid_{field}", field=argument)
    return value


def _build(
    app: Badger, issuer: Issuer, achievement_id: str, fields: dict, has_image: bool, in_language: str | None = None
) -> dict:
    url = app.url("achievements", achievement_id)
    return builders.achievement(
        id=url,
        name=fields["name"],
        description=fields["description"],
        criteria_narrative=fields["criteria"],
        image=builders.image(id=url + "/image", caption=fields["name"]) if has_image else None,
        achievement_type=fields.get("achievement_type"),
        tags=tuple(fields.get("tags") or ()),
        alignments=[builders.alignment(**a) for a in fields.get("alignments") or ()],
        creator=profile_document(issuer),
        in_language=in_language,
    )


def _fields(name, description, criteria, achievement_type, tags, alignments) -> dict:
    if (
        achievement_type is not None
        and achievement_type not in ACHIEVEMENT_TYPES
        and not str(achievement_type).startswith("ext:")
    ):
        raise InvalidInput(
            f"unknown achievement type {achievement_type!r}", code="input.invalid_type", field="achievement_type"
        )
    tags = [_text(t, "tag", 100, argument="tags") for t in (tags or [])]
    checked = []
    for a in alignments or []:
        if (
            not isinstance(a, dict)
            or not a.get("target_name")
            or not str(a.get("target_url", "")).startswith(("http://", "https://"))
        ):
            raise InvalidInput(
                "an alignment needs target_name and an http(s) target_url",
                code="input.invalid_alignment",
                field="alignments",
            )
        target_type = a.get("target_type")
        if target_type and target_type not in ALIGNMENT_TARGET_TYPES and not str(target_type).startswith("ext:"):
            raise InvalidInput(
                f"unknown alignment target type {target_type!r}", code="input.invalid_alignment", field="alignments"
            )
        clean = {k: v for k, v in a.items() if k in _ALIGNMENT_KEYS and v not in (None, "")}
        for key in clean:
            clean[key] = _text(clean[key], "alignment", 2000, argument="alignments")
        checked.append(clean)
    return {
        "name": _text(name, "name", 300),
        "description": _text(description, "description", 5000),
        "criteria": _text(criteria, "criteria", 10000),
        "achievement_type": achievement_type,
        "tags": tags,
        "alignments": checked,
    }


def _english(name_en, description_en, criteria_en) -> dict:
    return {
        "name_en": _text(name_en, "name_en", 300, required=False),
        "description_en": _text(description_en, "description_en", 5000, required=False),
        "criteria_en": _text(criteria_en, "criteria_en", 10000, required=False),
    }


def _alignments_of(document: dict) -> list[dict]:
    """The document's alignments back in the snake_case form _fields takes."""
    out = []
    for a in document.get("alignment") or []:
        if isinstance(a, dict):
            out.append(
                {
                    key: a[camel]
                    for key, camel in zip(
                        _ALIGNMENT_KEYS,
                        ("targetName", "targetUrl", "targetDescription", "targetCode", "targetFramework", "targetType"),
                        strict=True,
                    )
                    if a.get(camel) is not None
                }
            )
    return out


def _valid_for_days(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 36_500:
        raise InvalidInput(
            "the validity period is a number of days between 1 and 36500",
            code="input.invalid_valid_for_days",
            field="valid_for_days",
        )
    return value


def create_achievement(
    app: Badger,
    session: Session,
    issuer: Issuer,
    *,
    name: str,
    description: str,
    criteria: str,
    image: bytes | None = None,
    achievement_type: str | None = None,
    tags=(),
    alignments=(),
    valid_for_days: int | None = None,
    published: bool = True,
    in_language: str | None = None,
    name_en: str | None = None,
    description_en: str | None = None,
    criteria_en: str | None = None,
    actor: audit.Actor = audit.SYSTEM,
) -> Achievement:
    """A new badge class for ``issuer``; ``valid_for_days`` gives its credentials a default
    validUntil; ``published=False`` makes a draft (the dashboard); ``in_language`` ("fr") is
    the language of the signed texts, ``*_en`` the English texts kept for English pages.
    Recorded in the audit log as done by ``actor``. Raises InvalidInput."""
    fields = _fields(name, description, criteria, achievement_type, tags, alignments)
    english = _english(name_en, description_en, criteria_en)
    valid_for_days = _valid_for_days(valid_for_days)
    image_type = check_image(image, app.settings.max_upload_bytes) if image is not None else None
    if image is not None and image_type == "image/svg+xml":
        image = sanitize_svg(image)  # stored as rebuilt from the allow-list (svg_safety)
    achievement_id = app.new_id()
    document = _build(app, issuer, achievement_id, fields, image is not None, in_language)
    now = app.clock()
    row = Achievement(
        id=achievement_id,
        issuer_id=issuer.id,
        name=fields["name"],
        document=json.dumps(document),
        image=image,
        image_type=image_type,
        valid_for_days=valid_for_days,
        created_at=now,
        updated_at=now,
        published=bool(published),
        **english,
    )
    session.add(row)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="achievement.create",
        target=row.id,
        detail={"name": row.name, "published": row.published},
    )
    return row


def update_achievement(
    app: Badger,
    session: Session,
    issuer: Issuer,
    achievement_id: str,
    changes: dict,
    *,
    actor: audit.Actor = audit.SYSTEM,
) -> Achievement:
    """Change fields of a badge class, a draft or a published one (credentials already issued
    keep their signed copy). ``changes`` keys: name, description, criteria, achievement_type,
    tags, alignments, valid_for_days, image (bytes), remove_image (true: back to the generated
    image), name_en, description_en, criteria_en. Raises InvalidInput, NotFound."""
    row = get_achievement(session, achievement_id, issuer=issuer, drafts=True)
    current = json.loads(row.document)
    merged = {
        "name": current["name"],
        "description": current["description"],
        "criteria": current.get("criteria", {}).get("narrative"),
        "achievement_type": current.get("achievementType"),
        "tags": current.get("tag", []),
        "alignments": _alignments_of(current),
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    fields = _fields(**merged)
    english = _english(*(changes.get(k, getattr(row, k)) for k in ("name_en", "description_en", "criteria_en")))
    if "valid_for_days" in changes:
        row.valid_for_days = _valid_for_days(changes["valid_for_days"])
    if "image" in changes and changes["image"] is not None:
        row.image_type = check_image(changes["image"], app.settings.max_upload_bytes)
        row.image = sanitize_svg(changes["image"]) if row.image_type == "image/svg+xml" else changes["image"]
    elif changes.get("remove_image"):
        row.image, row.image_type = None, None
    document = _build(app, issuer, row.id, fields, row.image is not None, current.get("inLanguage"))
    if current.get("endorsement"):  # endorsements survive edits
        document["endorsement"] = current["endorsement"]
    row.document, row.name, row.updated_at = json.dumps(document), fields["name"], app.clock()
    for key, value in english.items():
        setattr(row, key, value)
    session.flush()
    audit.record(
        app,
        session,
        issuer_id=issuer.id,
        actor=actor,
        action="achievement.update",
        target=row.id,
        detail={
            "name": row.name,
            "fields": sorted(k for k in changes if k != "image")
            + (["image"] if changes.get("image") is not None else []),
        },
    )
    return row


def publish_achievement(
    app: Badger, session: Session, issuer: Issuer, achievement_id: str, *, actor: audit.Actor = audit.SYSTEM
) -> Achievement:
    """Publish a draft: from now on it can be issued and has a public page. Publishing is
    final (credentials embed the published document). Publishing a published class does
    nothing. Raises NotFound."""
    row = get_achievement(session, achievement_id, issuer=issuer, drafts=True)
    if not row.published:
        row.published, row.updated_at = True, app.clock()
        session.flush()
        audit.record(
            app,
            session,
            issuer_id=issuer.id,
            actor=actor,
            action="achievement.publish",
            target=row.id,
            detail={"name": row.name},
        )
    return row


def get_achievement(
    session: Session, achievement_id: str, *, issuer: Issuer | None = None, drafts: bool = False
) -> Achievement:
    """The badge class; with ``issuer``, only if it is that issuer's (else NotFound, not 403:
    another partner's badge classes are not even confirmed to exist). A draft is NotFound
    (code ``achievement.draft``: it cannot be issued and has no public page) unless
    ``drafts`` is true (the dashboard's editor and preview)."""
    achievement_id = achievement_id.rsplit("/", 1)[-1] if isinstance(achievement_id, str) else ""
    row = session.get(Achievement, achievement_id) if achievement_id else None
    if row is None or (issuer is not None and row.issuer_id != issuer.id):
        raise NotFound("no such achievement", code="achievement.not_found")
    if not drafts and row.published is False:
        raise NotFound("this badge class is a draft: publish it before issuing it", code="achievement.draft")
    return row


def issuer_of(session: Session, achievement: Achievement) -> Issuer:
    """The issuer a badge class belongs to."""
    issuer = session.get(Issuer, achievement.issuer_id)
    assert issuer is not None  # achievement.issuer_id is a foreign key
    return issuer


def list_achievements(session: Session, issuer: Issuer, *, drafts: bool = False) -> list[Achievement]:
    """The issuer's badge classes, oldest first; drafts only when ``drafts`` is true."""
    rows = repo.achievements_of(session, issuer.id)
    return rows if drafts else [row for row in rows if row.published is not False]


ACHIEVEMENT_SORTS = tuple(repo.ACHIEVEMENT_SORTS)


def achievement_page(session: Session, issuer: Issuer, query: ListQuery) -> Page:
    """One page of the issuer's badge classes, drafts included, searched by name (French or
    English) and sorted by a key of ACHIEVEMENT_SORTS."""
    rows, total = repo.achievement_page(
        session, issuer.id, search=query.q, sort=query.sort, desc=query.desc, offset=query.offset, limit=query.limit
    )
    return Page(rows, total, query)


def texts(row: Achievement, lang: str) -> dict:
    """The name, description and criteria (Markdown) to show on a page in ``lang``: the
    signed (French) texts, or for "en" the English texts where the editor gave them."""
    document = json.loads(row.document)
    out = {
        "name": document.get("name"),
        "description": document.get("description"),
        "criteria": (document.get("criteria") or {}).get("narrative"),
    }
    if lang == "en":
        for key in out:
            english = getattr(row, f"{key}_en", None)
            if english:
                out[key] = english
    return out


def editable_fields(row: Achievement) -> dict:
    """The editor's view of a badge class: every field it can change, as plain values."""
    document = json.loads(row.document)
    return {
        "name": document.get("name"),
        "description": document.get("description"),
        "criteria": (document.get("criteria") or {}).get("narrative"),
        "achievement_type": document.get("achievementType"),
        "tags": list(document.get("tag") or []),
        "alignments": _alignments_of(document),
        "valid_for_days": row.valid_for_days,
        "name_en": row.name_en,
        "description_en": row.description_en,
        "criteria_en": row.criteria_en,
        "has_image": row.image is not None,
        "published": row.published is not False,
        "in_language": document.get("inLanguage"),
    }


def preview_document(row: Achievement) -> dict:
    """The Achievement document as it would be embedded in a credential issued now."""
    return json.loads(row.document)
