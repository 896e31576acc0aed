"""The demo network (``badger demo``): three partners, their badge classes and a few credentials,
drawn from the CEC Ouest 2023 programme, the Territoire apprenant pays de Vannes and the Labo de
l'ESS (see docs: domain).

Idempotent: issuers are found by slug, badge classes by name within their issuer, credentials by
(badge class, recipient e-mail). A second run creates nothing; a run after a partial one
completes what is missing. Learners are invented; their addresses use reserved example domains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from badger.errors import NotFound
from badger.services import achievements, issuers, issuing
from badger.services.app import Badger
from badger.store.repositories import Session

__all__ = ["load_demo", "DEMO_ISSUERS", "DEMO_BADGES", "DEMO_AWARDS"]


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
        slug="cec-ouest-2023", name="CEC Ouest 2023", url="https://cec-ouest.example",
        email="contact@cec-ouest.example", colour="#1d6b5f",
        description=("Convention des Entreprises pour le Climat en Bretagne et Pays de la Loire : 62 organisations, "
                     "chacune représentée par sa dirigeante ou son dirigeant et un·e « Planet Champion », six camps "
                     "de base sur dix mois et un suivi en intersession par des binômes coach et facilitateur·rice."),
    ),
    DemoIssuer(
        slug="territoire-apprenant-vannes", name="Territoire apprenant pays de Vannes",
        url="https://territoire-apprenant-vannes.example", email="contact@territoire-apprenant-vannes.example",
        colour="#2b5c9e",
        description=("Association Printemps de l'entreprise : le territoire apprend ensemble. Sa feuille de route crée "
                     "le label Terdeskiñ et un collectif Open Badges pour « badger le pays de Vannes », de la "
                     "reconnaissance souple à la micro-certification."),
    ),
    DemoIssuer(
        slug="labo-ess", name="Labo de l'ESS", url="https://labo-ess.example", email="contact@labo-ess.example",
        colour="#a34a28",
        description=("Le Labo de l'économie sociale et solidaire anime des chantiers coopératifs : des collectifs "
                     "qui répondent à un défi par la réflexion et l'expérimentation, avec une charte et une feuille "
                     "de route par chantier."),
    ),
)

_CEC_TAGS = ("CEC Ouest 2023", "climat", "Bretagne", "Pays de la Loire")
_SESSION_CRITERIA = ("Avoir participé aux deux journées du camp de base, présence attestée par l'équipe "
                     "d'animation de la CEC Ouest 2023.")


def _session(number: int, title: str, city: str, dates: str, description: str) -> DemoBadge:
    return DemoBadge(
        key=f"S{number}", issuer="cec-ouest-2023",
        name=f"Session {number} — {title} (CEC Ouest 2023, {city})",
        description=f"Camp de base n° {number} de la CEC Ouest 2023, à {city}, {dates}. {description}",
        criteria=_SESSION_CRITERIA, achievement_type="Achievement", tags=_CEC_TAGS + (city,),
    )


def _webinar(number: int, title: str, date: str) -> DemoBadge:
    return DemoBadge(
        key=f"W{number}", issuer="cec-ouest-2023", name=f"Webinaire CEC Ouest 2023 — {title}",
        description=(f"Webinaire du parcours CEC Ouest 2023 ({date}) : « {title} ». Un temps d'apport entre deux "
                     "camps de base pour nourrir la feuille de route de son organisation."),
        criteria=f"Avoir assisté au webinaire du {date}.", achievement_type="Achievement",
        tags=_CEC_TAGS + ("webinaire",),
    )


DEMO_BADGES: tuple[DemoBadge, ...] = (
    _session(1, "Montée à bord", "Rennes", "les 20 et 21 janvier 2023",
             "Embarquer à bord du parcours : diagnostic partagé de l'urgence écologique et premières images du "
             "monde d'après."),
    _session(2, "Revenir dans le donut", "Nantes", "les 10 et 11 mars 2023",
             "Comprendre les limites planétaires et les planchers sociaux pour ramener l'activité de son "
             "organisation à l'intérieur du « donut »."),
    _session(3, "Camp de base", "Saint-Malo", "les 4 et 5 mai 2023",
             "Poursuivre la traversée entre pairs et faire avancer sa feuille de route."),
    _session(4, "Camp de base", "Brest", "les 29 et 30 juin 2023",
             "Poursuivre la traversée entre pairs et faire avancer sa feuille de route."),
    _session(5, "Camp de base", "Angers", "les 14 et 15 septembre 2023",
             "Consolider les leviers d'action avant la remise des feuilles de route."),
    _session(6, "Dernier camp de base", "Nantes", "les 12 et 13 octobre 2023",
             "Dernière escale du parcours : partager les feuilles de route et le cap choisi par chacun."),
    _webinar(1, "Bilan carbone, biodiversité et entreprise", "10 février 2023"),
    _webinar(2, "Embarquer l'équipage", "7 avril 2023"),
    _webinar(3, "Marketing éco-compatible", "26 mai 2023"),
    _webinar(4, "Co-construction politique", "13 juin 2023"),
    _webinar(5, "Numérique responsable", "22 juin 2023"),
    _webinar(6, "Résilience & coopérations territoriales", "31 août 2023"),
    _webinar(7, "Feuilles de route", "5 octobre 2023"),
    DemoBadge(
        key="FdR", issuer="cec-ouest-2023", name="Feuille de route remise",
        description=("Jalon final du parcours CEC Ouest 2023 : l'organisation a remis sa feuille de route, avec un "
                     "nouveau cap 2030, les leviers qu'elle actionne et des objectifs d'impact mesurables."),
        criteria=("Feuille de route remise à l'équipe de la CEC Ouest 2023, comprenant un cap 2030, des leviers "
                  "d'action et des objectifs d'impact mesurables."),
        achievement_type="Achievement", tags=_CEC_TAGS + ("feuille de route",),
    ),
    DemoBadge(
        key="PC", issuer="cec-ouest-2023", name="Planet Champion CEC Ouest 2023",
        description=("Rôle de Planet Champion pendant le parcours CEC Ouest 2023 : aux côtés de la dirigeante ou du "
                     "dirigeant, porter la démarche dans l'organisation et embarquer l'équipage."),
        criteria=("Avoir été désigné·e Planet Champion de son organisation et avoir suivi le parcours CEC Ouest "
                  "2023 avec sa dirigeante ou son dirigeant."),
        achievement_type="ext:Role", tags=_CEC_TAGS + ("Planet Champion",),
    ),
    DemoBadge(
        key="FC", issuer="territoire-apprenant-vannes", name="Animer une fresque du climat",
        description=("Compétence d'animation : conduire un atelier Fresque du climat, faire comprendre les causes et "
                     "les conséquences du dérèglement climatique et accompagner le débat qui suit."),
        criteria="Avoir animé au moins une fresque du climat complète devant un groupe, observée par un·e pair.",
        achievement_type="Competency", tags=("pays de Vannes", "climat", "fresque du climat"),
    ),
    DemoBadge(
        key="F23", issuer="territoire-apprenant-vannes", name="Fresquathon 2023",
        description=("Participation au fresquathon d'octobre 2023 du Territoire apprenant pays de Vannes : une "
                     "journée, dix fresques du climat animées."),
        criteria="Avoir animé ou co-animé une fresque pendant la journée du fresquathon d'octobre 2023.",
        achievement_type="Achievement", tags=("pays de Vannes", "climat", "fresquathon"),
    ),
    DemoBadge(
        key="CC", issuer="labo-ess", name="Contribuer à un chantier coopératif",
        description=("Participation aux chantiers coopératifs lancés par le Labo de l'ESS le 19 octobre 2023 : "
                     "répondre à un défi en collectif, par la réflexion et l'expérimentation."),
        criteria="Avoir contribué à la charte et à la feuille de route d'un chantier coopératif.",
        achievement_type="Competency", tags=("ESS", "coopération", "chantier coopératif"),
    ),
)

DEMO_AWARDS: tuple[DemoAward, ...] = (
    DemoAward("S1", "camille.legoff@example.org", "Camille Le Goff"),
    DemoAward("S2", "camille.legoff@example.org", "Camille Le Goff", format="jwt"),
    DemoAward("W1", "camille.legoff@example.org", "Camille Le Goff"),
    DemoAward("PC", "camille.legoff@example.org", "Camille Le Goff"),
    DemoAward("S1", "yann.kerbrat@exemple.fr", "Yann Kerbrat", format="jwt"),
    DemoAward("FdR", "yann.kerbrat@exemple.fr", "Yann Kerbrat",
              evidence=("https://cec-ouest.example/feuilles-de-route/exemple-2030",)),
    DemoAward("FC", "maelle.tanguy@exemple.fr", "Maëlle Tanguy"),
    DemoAward("F23", "maelle.tanguy@exemple.fr", "Maëlle Tanguy", format="jwt"),
    DemoAward("CC", "soizic.lebihan@example.org", "Soizic Le Bihan"),
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
    ).encode("utf-8")


def load_demo(app: Badger, session: Session) -> dict:
    """Create whatever part of the demo network is missing; the caller commits.

    Output: a summary ``{"counts", "created", "issuers", "credentials", "verify"}`` with the
    public URLs to open. Raises what the issuing services raise (InvalidInput, Conflict...).
    """
    created = {"issuers": 0, "achievements": 0, "credentials": 0}
    by_slug = {}
    for spec in DEMO_ISSUERS:
        try:
            issuer = issuers.get_issuer(session, spec.slug)
        except NotFound:
            issuer = issuers.create_issuer(app, session, name=spec.name, url=spec.url, slug=spec.slug,
                                           email=spec.email, description=spec.description)
            created["issuers"] += 1
        by_slug[spec.slug] = issuer

    colours = {spec.slug: spec.colour for spec in DEMO_ISSUERS}
    badges = {}
    for spec in DEMO_BADGES:
        issuer = by_slug[spec.issuer]
        existing = {row.name: row for row in achievements.list_achievements(session, issuer)}
        row = existing.get(spec.name)
        if row is None:
            row = achievements.create_achievement(
                app, session, issuer, name=spec.name, description=spec.description, criteria=spec.criteria,
                image=_badge_image(spec.key, spec.name, colours[spec.issuer]),
                achievement_type=spec.achievement_type, tags=spec.tags)
            created["achievements"] += 1
        badges[spec.key] = (spec, row)

    awarded = []
    for award in DEMO_AWARDS:
        spec, achievement = badges[award.badge]
        issuer = by_slug[spec.issuer]
        found = issuing.list_credentials(app, session, issuer=issuer, email=award.email, achievement=achievement.id,
                                         limit=1)
        if found:
            credential = found[0]
        else:
            credential = issuing.issue(app, session, issuer, issuing.IssueRequest(
                achievement=achievement.id, email=award.email, name=award.name, format=award.format,
                evidence=award.evidence))
            created["credentials"] += 1
        awarded.append({"url": app.url("credentials", credential.id), "achievement": spec.name,
                        "recipient": award.name, "format": credential.format})

    return {
        "counts": {"issuers": len(DEMO_ISSUERS), "achievements": len(DEMO_BADGES), "credentials": len(DEMO_AWARDS)},
        "created": created,
        "issuers": [
            {"slug": spec.slug, "name": spec.name, "did": by_slug[spec.slug].did,
             "url": app.url("issuers", spec.slug),
             "achievements": [json.loads(row.document)["id"] for s, row in badges.values() if s.issuer == spec.slug]}
            for spec in DEMO_ISSUERS
        ],
        "credentials": awarded,
        "verify": app.url("verify"),
    }
