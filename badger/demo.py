"""The demo network (``badger demo``): the CEC (Convention des Entreprises pour le Climat)
network, public facts and synthetic people.

- CEC Ouest 2023: the programme with its six real sessions (dates, cities), seven webinars and the
  roadmap milestone, a synthetic roster of invented organisations (a dirigeant·e and a Planet
  Champion each, plus a coach and a facilitateur·rice), attendance ticked and confirmed for some
  milestones, and the pathway "Parcours CEC Ouest 2023 complet" (the six sessions + "Feuille de
  route remise"), which the participants who completed it hold;
- Territoire apprenant pays de Vannes: "Animer une fresque du climat", the fresquathon, the
  Terdeskiñ label, and its collectif Open Badges programme;
- Labo de l'ESS: a chantier coopératif badge; it endorses the CEC pathway badge class and the
  Territoire apprenant's profile ("Recommandé par Labo de l'ESS");
- staff accounts (accounts service): one coordinator per partner, all with the demo password
  ``DEMO_PASSWORD`` (documented here and printed in the summary: a demo only, never a real
  instance), and their login e-mails.

Idempotent: issuers are found by slug, badge classes by name within their issuer, programmes and
milestones by name, participants by e-mail, credentials by (badge class, recipient e-mail),
pathways by badge class, endorsements by (endorser, target), accounts by e-mail. A second run
creates nothing; a run after a partial one completes what is missing. Attendance confirmed by
the demo is issued synchronously (a command must finish its work before it exits), through the
same issuing service as the bulk jobs, so the pathway credentials are awarded by the pathway
hook as in real use. Every person is invented; every address uses a reserved example domain
(``example.org``, ``*.example``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, cast
from xml.sax.saxutils import escape, quoteattr

from badger.accounts import service as accounts
from badger.achievements import service as achievements
from badger.bulk import service as bulk
from badger.core import audit
from badger.core.app import Badger
from badger.core.db import Session
from badger.errors import NotFound
from badger.issuance import issuing
from badger.issuers import service as issuers
from badger.programmes import endorsements, learners, pathways
from badger.programmes import service as programmes

if TYPE_CHECKING:
    from badger.achievements.models import Achievement
    from badger.issuance.models import Credential
    from badger.issuers.models import Issuer
    from badger.programmes.models import Programme

__all__ = [
    "load_demo",
    "DEMO_ISSUERS",
    "DEMO_BADGES",
    "DEMO_AWARDS",
    "DEMO_ROSTER",
    "DEMO_MILESTONES",
    "DEMO_ATTENDANCE",
    "DEMO_STAFF",
    "DEMO_PASSWORD",
    "DEMO_ENDORSEMENTS",
    "PATHWAY_NAME",
]


@dataclass(frozen=True)
class DemoIssuer:
    slug: str
    name: str
    url: str
    email: str
    description: str
    colour: str  # background of the generated badge images


@dataclass(frozen=True)
class DemoBadge:
    key: str  # stable handle used by DEMO_AWARDS; also the label drawn on the image
    issuer: str  # slug
    name: str
    description: str
    criteria: str
    achievement_type: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoAward:
    badge: str  # DemoBadge.key
    email: str
    name: str
    format: str = "ldp"
    evidence: tuple[str, ...] = ()


DEMO_ISSUERS: tuple[DemoIssuer, ...] = (
    DemoIssuer(
        slug="cec-ouest-2023",
        name="CEC Ouest 2023",
        url="https://cec-ouest.example",
        email="contact@cec-ouest.example",
        colour="#1d6b5f",
        description=(
            "Convention des Entreprises pour le Climat en Bretagne et Pays de la Loire : 62 organisations, "
            "chacune représentée par sa dirigeante ou son dirigeant et un·e « Planet Champion », six camps "
            "de base sur dix mois et un suivi en intersession par des binômes coach et facilitateur·rice."
        ),
    ),
    DemoIssuer(
        slug="territoire-apprenant-vannes",
        name="Territoire apprenant pays de Vannes",
        url="https://territoire-apprenant-vannes.example",
        email="contact@territoire-apprenant-vannes.example",
        colour="#2b5c9e",
        description=(
            "Association Printemps de l'entreprise : le territoire apprend ensemble. Sa feuille de route crée "
            "le label Terdeskiñ et un collectif Open Badges pour « badger le pays de Vannes », de la "
            "reconnaissance souple à la micro-certification."
        ),
    ),
    DemoIssuer(
        slug="labo-ess",
        name="Labo de l'ESS",
        url="https://labo-ess.example",
        email="contact@labo-ess.example",
        colour="#a34a28",
        description=(
            "Le Labo de l'économie sociale et solidaire anime des chantiers coopératifs : des collectifs "
            "qui répondent à un défi par la réflexion et l'expérimentation, avec une charte et une feuille "
            "de route par chantier."
        ),
    ),
)

_CEC_TAGS = ("CEC Ouest 2023", "climat", "Bretagne", "Pays de la Loire")
_SESSION_CRITERIA = (
    "Avoir participé aux deux journées du camp de base, présence attestée par l'équipe "
    "d'animation de la CEC Ouest 2023."
)


def _session(number: int, title: str, city: str, dates: str, description: str) -> DemoBadge:
    return DemoBadge(
        key=f"S{number}",
        issuer="cec-ouest-2023",
        name=f"Session {number} — {title} (CEC Ouest 2023, {city})",
        description=f"Camp de base n° {number} de la CEC Ouest 2023, à {city}, {dates}. {description}",
        criteria=_SESSION_CRITERIA,
        achievement_type="Achievement",
        tags=_CEC_TAGS + (city,),
    )


def _webinar(number: int, title: str, date: str) -> DemoBadge:
    return DemoBadge(
        key=f"W{number}",
        issuer="cec-ouest-2023",
        name=f"Webinaire CEC Ouest 2023 — {title}",
        description=(
            f"Webinaire du parcours CEC Ouest 2023 ({date}) : « {title} ». Un temps d'apport entre deux "
            "camps de base pour nourrir la feuille de route de son organisation."
        ),
        criteria=f"Avoir assisté au webinaire du {date}.",
        achievement_type="Achievement",
        tags=_CEC_TAGS + ("webinaire",),
    )


DEMO_BADGES: tuple[DemoBadge, ...] = (
    _session(
        1,
        "Montée à bord",
        "Rennes",
        "les 20 et 21 janvier 2023",
        "Embarquer à bord du parcours : diagnostic partagé de l'urgence écologique et premières images du "
        "monde d'après.",
    ),
    _session(
        2,
        "Revenir dans le donut",
        "Nantes",
        "les 10 et 11 mars 2023",
        "Comprendre les limites planétaires et les planchers sociaux pour ramener l'activité de son "
        "organisation à l'intérieur du « donut ».",
    ),
    _session(
        3,
        "Camp de base",
        "Saint-Malo",
        "les 4 et 5 mai 2023",
        "Poursuivre la traversée entre pairs et faire avancer sa feuille de route.",
    ),
    _session(
        4,
        "Camp de base",
        "Brest",
        "les 29 et 30 juin 2023",
        "Poursuivre la traversée entre pairs et faire avancer sa feuille de route.",
    ),
    _session(
        5,
        "Camp de base",
        "Angers",
        "les 14 et 15 septembre 2023",
        "Consolider les leviers d'action avant la remise des feuilles de route.",
    ),
    _session(
        6,
        "Dernier camp de base",
        "Nantes",
        "les 12 et 13 octobre 2023",
        "Dernière escale du parcours : partager les feuilles de route et le cap choisi par chacun.",
    ),
    _webinar(1, "Bilan carbone, biodiversité et entreprise", "10 février 2023"),
    _webinar(2, "Embarquer l'équipage", "7 avril 2023"),
    _webinar(3, "Marketing éco-compatible", "26 mai 2023"),
    _webinar(4, "Co-construction politique", "13 juin 2023"),
    _webinar(5, "Numérique responsable", "22 juin 2023"),
    _webinar(6, "Résilience & coopérations territoriales", "31 août 2023"),
    _webinar(7, "Feuilles de route", "5 octobre 2023"),
    DemoBadge(
        key="FdR",
        issuer="cec-ouest-2023",
        name="Feuille de route remise",
        description=(
            "Jalon final du parcours CEC Ouest 2023 : l'organisation a remis sa feuille de route, avec un "
            "nouveau cap 2030, les leviers qu'elle actionne et des objectifs d'impact mesurables."
        ),
        criteria=(
            "Feuille de route remise à l'équipe de la CEC Ouest 2023, comprenant un cap 2030, des leviers "
            "d'action et des objectifs d'impact mesurables."
        ),
        achievement_type="Achievement",
        tags=_CEC_TAGS + ("feuille de route",),
    ),
    DemoBadge(
        key="PC",
        issuer="cec-ouest-2023",
        name="Planet Champion CEC Ouest 2023",
        description=(
            "Rôle de Planet Champion pendant le parcours CEC Ouest 2023 : aux côtés de la dirigeante ou du "
            "dirigeant, porter la démarche dans l'organisation et embarquer l'équipage."
        ),
        criteria=(
            "Avoir été désigné·e Planet Champion de son organisation et avoir suivi le parcours CEC Ouest "
            "2023 avec sa dirigeante ou son dirigeant."
        ),
        achievement_type="ext:Role",
        tags=_CEC_TAGS + ("Planet Champion",),
    ),
    DemoBadge(
        key="FC",
        issuer="territoire-apprenant-vannes",
        name="Animer une fresque du climat",
        description=(
            "Compétence d'animation : conduire un atelier Fresque du climat, faire comprendre les causes et "
            "les conséquences du dérèglement climatique et accompagner le débat qui suit."
        ),
        criteria="Avoir animé au moins une fresque du climat complète devant un groupe, observée par un·e pair.",
        achievement_type="Competency",
        tags=("pays de Vannes", "climat", "fresque du climat"),
    ),
    DemoBadge(
        key="F23",
        issuer="territoire-apprenant-vannes",
        name="Fresquathon 2023",
        description=(
            "Participation au fresquathon d'octobre 2023 du Territoire apprenant pays de Vannes : une "
            "journée, dix fresques du climat animées."
        ),
        criteria="Avoir animé ou co-animé une fresque pendant la journée du fresquathon d'octobre 2023.",
        achievement_type="Achievement",
        tags=("pays de Vannes", "climat", "fresquathon"),
    ),
    DemoBadge(
        key="CC",
        issuer="labo-ess",
        name="Contribuer à un chantier coopératif",
        description=(
            "Participation aux chantiers coopératifs lancés par le Labo de l'ESS le 19 octobre 2023 : "
            "répondre à un défi en collectif, par la réflexion et l'expérimentation."
        ),
        criteria="Avoir contribué à la charte et à la feuille de route d'un chantier coopératif.",
        achievement_type="Competency",
        tags=("ESS", "coopération", "chantier coopératif"),
    ),
    DemoBadge(
        key="PCO",
        issuer="cec-ouest-2023",
        name="Parcours CEC Ouest 2023 complet",
        description=(
            "Parcours complet de la CEC Ouest 2023 : les six camps de base, de la montée à bord à Rennes "
            "au dernier camp de base à Nantes, et la feuille de route remise. Délivré automatiquement "
            "lorsque le dernier badge du parcours est obtenu."
        ),
        criteria=("Détenir les badges des six sessions de la CEC Ouest 2023 et le badge « Feuille de route remise »."),
        achievement_type="Achievement",
        tags=_CEC_TAGS + ("parcours",),
    ),
    DemoBadge(
        key="TK",
        issuer="territoire-apprenant-vannes",
        name="Label Terdeskiñ",
        description=(
            "Label du Territoire apprenant pays de Vannes (levier 3 de sa feuille de route) : reconnaître "
            "les acteurs qui font apprendre le territoire, de la reconnaissance souple à la "
            "micro-certification."
        ),
        criteria="Être reconnu·e par le collectif Open Badges du pays de Vannes pour une action apprenante.",
        achievement_type="ext:Label",
        tags=("pays de Vannes", "Terdeskiñ", "Open Badges"),
    ),
)

DEMO_AWARDS: tuple[DemoAward, ...] = (
    DemoAward("S1", "camille.legoff@example.org", "Camille Le Goff"),
    DemoAward("S2", "camille.legoff@example.org", "Camille Le Goff", format="jwt"),
    DemoAward("W1", "camille.legoff@example.org", "Camille Le Goff"),
    DemoAward("PC", "camille.legoff@example.org", "Camille Le Goff"),
    DemoAward("S1", "yann.kerbrat@exemple.fr", "Yann Kerbrat", format="jwt"),
    DemoAward(
        "FdR",
        "yann.kerbrat@exemple.fr",
        "Yann Kerbrat",
        evidence=("https://cec-ouest.example/feuilles-de-route/exemple-2030",),
    ),
    DemoAward("FC", "maelle.tanguy@exemple.fr", "Maëlle Tanguy"),
    DemoAward("F23", "maelle.tanguy@exemple.fr", "Maëlle Tanguy", format="jwt"),
    DemoAward("CC", "soizic.lebihan@example.org", "Soizic Le Bihan"),
)


PATHWAY_NAME = "Parcours CEC Ouest 2023 complet"
DEMO_PASSWORD = "badger-demo-2023"  # demo only: printed in the summary, documented in README


@dataclass(frozen=True)
class DemoMilestone:
    programme: str
    name: str
    kind: str
    badge: str  # DemoBadge.key
    starts_on: date | None
    ends_on: date | None = None
    place: str | None = None


_CEC = "CEC Ouest 2023"
_VANNES = "Collectif Open Badges pays de Vannes"
DEMO_PROGRAMMES = (
    (
        _CEC,
        "cec-ouest-2023",
        "Convention des Entreprises pour le Climat, Bretagne et Pays de la Loire, 2023 : six "
        "camps de base sur dix mois, des webinaires entre les sessions, une feuille de route "
        "par organisation.",
        ("dirigeant·e", "Planet Champion", "coach", "facilitateur·rice"),
    ),
    (
        _VANNES,
        "territoire-apprenant-vannes",
        "Badgeons le pays de Vannes : de la reconnaissance souple à la micro-certification.",
        ("animateur·rice", "participant·e"),
    ),
)

DEMO_MILESTONES: tuple[DemoMilestone, ...] = (
    DemoMilestone(_CEC, "Session 1 — Montée à bord", "session", "S1", date(2023, 1, 20), date(2023, 1, 21), "Rennes"),
    DemoMilestone(
        _CEC, "Session 2 — Revenir dans le donut", "session", "S2", date(2023, 3, 10), date(2023, 3, 11), "Nantes"
    ),
    DemoMilestone(_CEC, "Session 3", "session", "S3", date(2023, 5, 4), date(2023, 5, 5), "Saint-Malo"),
    DemoMilestone(_CEC, "Session 4", "session", "S4", date(2023, 6, 29), date(2023, 6, 30), "Brest"),
    DemoMilestone(_CEC, "Session 5", "session", "S5", date(2023, 9, 14), date(2023, 9, 15), "Angers"),
    DemoMilestone(
        _CEC, "Session 6 — Dernier camp de base", "session", "S6", date(2023, 10, 12), date(2023, 10, 13), "Nantes"
    ),
    DemoMilestone(_CEC, "Webinaire — Bilan carbone, biodiversité et entreprise", "webinar", "W1", date(2023, 2, 10)),
    DemoMilestone(_CEC, "Webinaire — Embarquer l'équipage", "webinar", "W2", date(2023, 4, 7)),
    DemoMilestone(_CEC, "Webinaire — Marketing éco-compatible", "webinar", "W3", date(2023, 5, 26)),
    DemoMilestone(_CEC, "Webinaire — Co-construction politique", "webinar", "W4", date(2023, 6, 13)),
    DemoMilestone(_CEC, "Webinaire — Numérique responsable", "webinar", "W5", date(2023, 6, 22)),
    DemoMilestone(_CEC, "Webinaire — Résilience & coopérations territoriales", "webinar", "W6", date(2023, 8, 31)),
    DemoMilestone(_CEC, "Webinaire — Feuilles de route", "webinar", "W7", date(2023, 10, 5)),
    DemoMilestone(_CEC, "Feuille de route remise", "roadmap", "FdR", date(2023, 12, 10)),
    DemoMilestone(_VANNES, "Fresquathon d'octobre 2023", "other", "F23", None, None, "Pays de Vannes"),
)

# Invented organisations (reserved ".example" domains): a leader and a Planet Champion each.
_ORGANISATIONS = (
    ("Biscuiterie des Abers", "abers-biscuits", ("Gaëlle Morvan", "Tristan Le Hir")),
    ("Menuiserie Le Floc'h", "menuiserie-lefloch", ("Erwan Le Floc'h", "Nolwenn Guillou")),
    ("Transports Kerjean", "transports-kerjean", ("Sophie Kerjean", "Mathieu Riou")),
    ("Coopérative Ar Vro", "ar-vro", ("Katell Jaouen", "Loïc Bodénès")),
    ("Imprimerie du Blavet", "imprimerie-blavet", ("Hervé Le Du", "Anaïs Corre")),
    ("Brasserie de l'Erdre", "brasserie-erdre", ("Claire Musset", "Julien Praud")),
    ("Atelier textile de Cholet", "textile-cholet", ("Isabelle Gaborit", "Romain Bretaudeau")),
    ("Maraîchers de la Vilaine", "maraichers-vilaine", ("Anne Rolland", "Yannick Hamon")),
)


def _roster() -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for organisation, domain, (leader, champion) in _ORGANISATIONS:
        for person, role in ((leader, "dirigeant·e"), (champion, "Planet Champion")):
            local = issuers.slugify(person).replace("-", ".")
            rows.append((organisation, person, role, f"{local}@{domain}.example"))
    rows.append(("CEC Ouest", "Bertrand Quéré", "coach", "bertrand.quere@cec-ouest.example"))
    rows.append(("CEC Ouest", "Lucie Tanguy", "facilitateur·rice", "lucie.tanguy@cec-ouest.example"))
    return tuple(rows)


DEMO_ROSTER = _roster()  # (organisation, name, role, e-mail)
_COMPLETE = 4  # the first four organisations attended everything and handed in their roadmap


def _attendance() -> dict[str, tuple[str, ...]]:
    """Milestone name -> e-mails of the attendees the demo ticks and confirms."""
    staff = [r[3] for r in DEMO_ROSTER if r[2] in ("coach", "facilitateur·rice")]
    members = [r[3] for r in DEMO_ROSTER if r[2] not in ("coach", "facilitateur·rice")]
    complete = members[: 2 * _COMPLETE]
    out: dict[str, tuple[str, ...]] = {}
    for number, milestone in enumerate([m for m in DEMO_MILESTONES if m.kind == "session"], start=1):
        # The others each missed one session (or more): they hold some badges, not the pathway.
        partial = [e for i, e in enumerate(members[2 * _COMPLETE :]) if (i + number) % 4 != 0]
        out[milestone.name] = tuple(complete + partial + staff)
    out["Feuille de route remise"] = tuple(complete)
    out["Webinaire — Bilan carbone, biodiversité et entreprise"] = tuple(members[::2])
    out["Webinaire — Embarquer l'équipage"] = tuple(members[1::3])
    return out


DEMO_ATTENDANCE = _attendance()

# (slug, e-mail, name, role): one coordinator per partner, and a viewer.
DEMO_STAFF = (
    ("cec-ouest-2023", "coordination@cec-ouest.example", "Coordination CEC Ouest", "owner"),
    ("cec-ouest-2023", "equipe@cec-ouest.example", "Équipe d'animation CEC Ouest", "issuer"),
    (
        "territoire-apprenant-vannes",
        "collectif@territoire-apprenant-vannes.example",
        "Collectif Open Badges pays de Vannes",
        "owner",
    ),
    ("labo-ess", "chantiers@labo-ess.example", "Chantiers coopératifs du Labo de l'ESS", "owner"),
)

# (endorser slug, target badge key or None, target issuer slug or None, comment)
DEMO_ENDORSEMENTS = (
    (
        "labo-ess",
        "PCO",
        None,
        "Un parcours exigeant et coopératif : dix mois entre pairs pour changer de cap. Le Labo de l'ESS le "
        "recommande aux organisations qui veulent faire écosystème.",
    ),
    (
        "labo-ess",
        None,
        "territoire-apprenant-vannes",
        "Un territoire qui apprend ensemble et reconnaît ce que chacun y apporte, de la reconnaissance souple à la "
        "micro-certification.",
    ),
)


def _badge_image(label: str, name: str, colour: str) -> bytes:
    """A plain SVG medal (no script, no external reference: it passes check_image)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" '
        f'role="img" aria-label={quoteattr(name)}>'
        f'<circle cx="128" cy="128" r="120" fill={quoteattr(colour)}/>'
        '<circle cx="128" cy="128" r="100" fill="none" stroke="#ffffff" stroke-width="6"/>'
        '<text x="128" y="144" font-family="sans-serif" font-size="48" font-weight="bold" '
        f'text-anchor="middle" fill="#ffffff">{escape(label)}</text></svg>'
    ).encode()


def _issue_once(
    app: Badger,
    session: Session,
    issuer,
    achievement,
    email: str,
    name: str,
    fmt: str = "ldp",
    evidence=(),
    *,
    milestone: bool = False,
    awarded_date: str | None = None,
) -> tuple[Credential, bool]:
    found = issuing.list_credentials(app, session, issuer=issuer, email=email, achievement=achievement.id, limit=1)
    if found:
        return found[0], False
    # A milestone's badge carries the bulk service's key: confirming the milestone later from the
    # dashboard sees it as already held (one holder per badge class, as for bulk jobs).
    key = bulk.idempotency_key(achievement.id, issuing.recipient_lookup(app, email)) if milestone else None
    return issuing.issue(
        app,
        session,
        issuer,
        issuing.IssueRequest(
            achievement=achievement.id, email=email, name=name, format=fmt, evidence=evidence, awarded_date=awarded_date
        ),
        idempotency_key=key,
    ), True


def _session_day(badge_key: str) -> str | None:
    """The real 2023 date of the milestone awarding this badge (its last day), if any."""
    for spec in DEMO_MILESTONES:
        if spec.badge == badge_key and spec.starts_on is not None:
            return (spec.ends_on or spec.starts_on).isoformat()
    return None


def _roster_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["organisation", "name", "role", "email"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def load_demo(app: Badger, session: Session) -> dict:
    """Create whatever part of the demo network is missing; the caller commits.

    Output: a summary ``{"counts", "created", "issuers", "programmes", "pathway", "staff",
    "learners", "credentials", "verify", "login"}`` with the public URLs to open, the demo logins
    and the private page of a learner who completed the pathway. Raises what the services raise.
    """
    created = {
        "issuers": 0,
        "achievements": 0,
        "credentials": 0,
        "programmes": 0,
        "milestones": 0,
        "participants": 0,
        "pathways": 0,
        "endorsements": 0,
        "accounts": 0,
    }
    actor = audit.Actor("cli", "badger demo")
    credentials_before = len(issuing.list_credentials(app, session, limit=100_000))
    # One name for the loop variables of different loops below.
    spec: DemoIssuer | DemoBadge | DemoMilestone
    row: Achievement | Programme | None
    by_slug: dict[str, Issuer] = {}
    for spec in DEMO_ISSUERS:
        try:
            issuer = issuers.get_issuer(session, spec.slug)
        except NotFound:
            issuer = issuers.create_issuer(
                app,
                session,
                name=spec.name,
                url=spec.url,
                slug=spec.slug,
                email=spec.email,
                description=spec.description,
            )
            created["issuers"] += 1
        by_slug[spec.slug] = issuer

    colours = {spec.slug: spec.colour for spec in DEMO_ISSUERS}
    badges: dict[str, tuple[DemoBadge, Achievement]] = {}
    for spec in DEMO_BADGES:
        issuer = by_slug[spec.issuer]
        existing = {row.name: row for row in achievements.list_achievements(session, issuer)}
        row = existing.get(spec.name)
        if row is None:
            row = achievements.create_achievement(
                app,
                session,
                issuer,
                name=spec.name,
                description=spec.description,
                criteria=spec.criteria,
                image=_badge_image(spec.key, spec.name, colours[spec.issuer]),
                achievement_type=spec.achievement_type,
                tags=spec.tags,
            )
            created["achievements"] += 1
        badges[spec.key] = (spec, row)

    # The pathway, then the endorsements (before any credential of the pathway badge class is
    # issued, so that those credentials embed the endorsement).
    cec = by_slug["cec-ouest-2023"]
    pathway_achievement = badges["PCO"][1]
    pathway = None
    for candidate in pathways.list_pathways(session, cec):
        if candidate.achievement_id == pathway_achievement.id:
            pathway = candidate
    if pathway is None:
        pathway = pathways.create_pathway(
            app,
            session,
            cec,
            achievement_id=pathway_achievement.id,
            requirement_ids=[badges[k][1].id for k in ("S1", "S2", "S3", "S4", "S5", "S6", "FdR")],
            actor=actor,
        )
        created["pathways"] += 1
    given = {
        (e["kind"], e["target"])
        for slug in {e[0] for e in DEMO_ENDORSEMENTS}
        for e in endorsements.given(session, by_slug[slug])
    }
    for endorser, badge_key, target_slug, comment in DEMO_ENDORSEMENTS:
        target = (
            ("achievement", badges[badge_key][1].id) if badge_key else ("profile", by_slug[cast(str, target_slug)].id)
        )
        if target not in given:
            endorsements.endorse(
                app,
                session,
                by_slug[endorser],
                comment=comment,
                achievement_id=badges[badge_key][1].id if badge_key else None,
                issuer_slug=target_slug,
                actor=actor,
            )
            created["endorsements"] += 1

    # The showcase credentials.
    awarded = []
    for award in DEMO_AWARDS:
        spec, achievement = badges[award.badge]
        credential, new = _issue_once(
            app,
            session,
            by_slug[spec.issuer],
            achievement,
            award.email,
            award.name,
            award.format,
            award.evidence,
            awarded_date=_session_day(award.badge),
        )
        created["credentials"] += new
        awarded.append(
            {
                "url": app.url("credentials", credential.id),
                "achievement": spec.name,
                "recipient": award.name,
                "format": credential.format,
            }
        )

    # Programmes, roster, attendance; confirmed milestones issue to their attendees.
    programme_rows: dict[str, tuple[Issuer, Programme]] = {}
    for name, slug, description, roles in DEMO_PROGRAMMES:
        issuer = by_slug[slug]
        row = programmes.find_programme(session, issuer, name)
        if row is None:
            row = programmes.create_programme(
                app, session, issuer, name=name, description=description, roles=roles, actor=actor
            )
            created["programmes"] += 1
        programme_rows[name] = (issuer, row)
    cec_programme = programme_rows[_CEC][1]
    before = len(programmes.participants(session, cec_programme))
    report = programmes.import_roster(app, session, cec, cec_programme, _roster_csv(DEMO_ROSTER), actor=actor)
    assert report.ok, report.problems  # the demo roster is valid by construction
    created["participants"] += len(programmes.participants(session, cec_programme)) - before
    people = {p.email: p for p in programmes.participants(session, cec_programme)}
    confirmed = 0
    for spec in DEMO_MILESTONES:
        issuer, programme = programme_rows[spec.programme]
        milestone = programmes.find_milestone(session, programme, spec.name)
        if milestone is None:
            milestone = programmes.add_milestone(
                app,
                session,
                issuer,
                programme,
                name=spec.name,
                kind=spec.kind,
                achievement_id=badges[spec.badge][1].id,
                starts_on=spec.starts_on,
                ends_on=spec.ends_on,
                place=spec.place,
                actor=actor,
            )
            created["milestones"] += 1
        attendees = DEMO_ATTENDANCE.get(spec.name)
        if not attendees:
            continue
        ids = {people[email].id for email in attendees}
        current = {p.id for p in programmes.attendees(session, milestone)}
        if not ids <= current:
            programmes.mark_attendance(app, session, issuer, programme, milestone, ids | current, actor=actor)
        for email in sorted(attendees):
            # The real date of the session (OB 3.0 awardedDate), not the day the demo was loaded.
            _, new = _issue_once(
                app,
                session,
                issuer,
                badges[spec.badge][1],
                email,
                people[email].name,
                milestone=True,
                awarded_date=programmes.milestone_awarded_date(milestone),
            )
            created["credentials"] += new
        if milestone.confirmed_at is None:
            milestone.confirmed_at = app.clock()
            audit.record(
                app,
                session,
                issuer_id=issuer.id,
                actor=actor,
                action="milestone.confirm",
                target=milestone.id,
                detail={"attendees": len(attendees), "job": None},
            )
        confirmed += 1

    # Staff accounts (accounts service).

    staff = []
    for slug, email, name, role in DEMO_STAFF:
        user = accounts.find_user(session, email)
        if user is None:
            user = accounts.create_user(app, session, email=email, name=name, password=DEMO_PASSWORD)
            created["accounts"] += 1
        accounts.add_membership(app, session, user, by_slug[slug], role, actor=actor)
        staff.append({"email": email, "partner": slug, "role": role})

    # Pathway credentials are issued by the pathway hook, not counted above: count them all.
    created["credentials"] = len(issuing.list_credentials(app, session, limit=100_000)) - credentials_before
    holders = [email for email in DEMO_ATTENDANCE["Feuille de route remise"]]
    progress = pathways.progress(session, issuing.recipient_lookup(app, holders[0]), pathway)
    partial = next(r[3] for r in DEMO_ROSTER[2 * _COMPLETE :] if r[2] not in ("coach", "facilitateur·rice"))
    awards = pathways.awards(session, pathway)
    return {
        "counts": {
            "issuers": len(DEMO_ISSUERS),
            "achievements": len(DEMO_BADGES),
            "credentials": len(issuing.list_credentials(app, session, limit=100_000)),
            "programmes": len(DEMO_PROGRAMMES),
            "milestones": len(DEMO_MILESTONES),
            "participants": len(DEMO_ROSTER),
            "confirmed_milestones": confirmed,
            "pathway_credentials": len(awards),
            "endorsements": len(DEMO_ENDORSEMENTS),
            "accounts": len(DEMO_STAFF),
        },
        "created": created,
        "issuers": [
            {
                "slug": spec.slug,
                "name": spec.name,
                "did": by_slug[spec.slug].did,
                "url": app.url("issuers", spec.slug),
                "achievements": [json.loads(row.document)["id"] for s, row in badges.values() if s.issuer == spec.slug],
            }
            for spec in DEMO_ISSUERS
        ],
        "programmes": [
            {
                "name": name,
                "issuer": slug,
                "dashboard": app.url("dashboard", slug, "programmes", programme_rows[name][1].id),
            }
            for name, slug, _d, _r in DEMO_PROGRAMMES
        ],
        "pathway": {
            "name": PATHWAY_NAME,
            "achievement": json.loads(pathway_achievement.document)["id"],
            "awarded": len(awards),
            "credentials": [app.url("credentials", a.credential_id) for a in awards],
            "required": progress["required"],
        },
        "learners": [
            {"email": holders[0], "url": learners.link_url(app, session, email=holders[0]), "pathway_complete": True},
            {"email": partial, "url": learners.link_url(app, session, email=partial), "pathway_complete": False},
        ],
        "login": {"url": app.url("account", "login"), "password": DEMO_PASSWORD, "accounts": staff},
        "credentials": awarded,
        "verify": app.url("verify"),
    }
