"""Human messages for verification codes, in French (default) and English.

Codes are stable (partners' scripts and the API rely on them); messages may be improved freely.
A code without its own message falls back to the message of its family (the part before the dot).
"""

from __future__ import annotations

__all__ = ["message", "MESSAGES", "LANGUAGES"]

LANGUAGES = ("fr", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # format
    "format.ok": ("Le format du badge est reconnu.", "The badge format is recognised."),
    "format.json": ("Badge au format JSON (preuve intégrée).", "Badge in JSON form (embedded proof)."),
    "format.jwt": ("Badge au format JWT (VC-JWT).", "Badge in JWT form (VC-JWT)."),
    "format.png": ("Badge extrait d'une image PNG.", "Badge extracted from a PNG image."),
    "format.svg": ("Badge extrait d'une image SVG.", "Badge extracted from an SVG image."),
    "format.unrecognised": ("Ce contenu n'est ni un badge JSON, ni un JWT, ni une image de badge.",
                            "This content is neither a JSON badge, nor a JWT, nor a badge image."),
    "format.invalid_json": ("Le JSON du badge est mal formé.", "The badge JSON is malformed."),
    "format.not_baked": ("Cette image ne contient aucun badge.", "This image does not contain a badge."),
    "format.image_too_large": ("L'image est trop volumineuse pour être vérifiée.", "The image is too large to be verified."),
    "format.invalid_image": ("L'image est illisible ou corrompue.", "The image is unreadable or corrupt."),
    "format.too_large": ("Le badge est trop volumineux pour être vérifié.", "The badge is too large to be verified."),
    "jwt": ("Le JWT du badge est invalide.", "The badge JWT is invalid."),
    "jwt.malformed": ("Le JWT du badge est mal formé.", "The badge JWT is malformed."),
    "jwt.alg_not_allowed": ("L'algorithme de signature du JWT n'est pas accepté.", "The JWT signature algorithm is not accepted."),
    "jwt.signature_mismatch": ("La signature ne correspond pas au contenu du badge.", "The signature does not match the badge content."),
    "jwt.key_unresolved": ("La clé de signature du JWT est introuvable.", "The JWT signing key cannot be found."),
    "jwt.claims_mismatch": ("Les champs du JWT contredisent le badge qu'il contient.", "The JWT claims contradict the badge it carries."),
    # schema
    "schema.ok": ("Le badge respecte le modèle Open Badges 3.0.", "The badge follows the Open Badges 3.0 data model."),
    "schema": ("Le badge ne respecte pas le modèle Open Badges 3.0.", "The badge does not follow the Open Badges 3.0 data model."),
    "schema.unknown_schema": ("Le badge cite un schéma supplémentaire que Badger ne peut pas consulter.",
                              "The badge names an extra schema that Badger cannot consult."),
    "context": ("Les contextes JSON-LD du badge sont incorrects.", "The badge's JSON-LD contexts are wrong."),
    "dates.inverted": ("La date de fin de validité précède la date de début.", "The end of validity precedes its start."),
    # proof
    "proof.ok": ("La signature est valide : le badge n'a pas été modifié depuis son émission.",
                 "The signature is valid: the badge has not been changed since it was issued."),
    "proof": ("La signature du badge est invalide.", "The badge signature is invalid."),
    "proof.missing": ("Le badge n'est pas signé.", "The badge is not signed."),
    "proof.signature_mismatch": ("La signature ne correspond pas au contenu du badge.", "The signature does not match the badge content."),
    "proof.key_unresolved": ("La clé de signature de l'émetteur est introuvable.", "The issuer's signing key cannot be found."),
    "proof.unsupported_type": ("Ce type de signature n'est pas pris en charge.", "This signature type is not supported."),
    "proof.unsupported_cryptosuite": ("Cette suite cryptographique n'est pas prise en charge.", "This cryptosuite is not supported."),
    "proof.purpose_mismatch": ("La signature n'a pas été faite pour attester ce badge.", "The signature was not made to assert this badge."),
    "proof.malformed": ("La signature du badge est mal formée.", "The badge signature is malformed."),
    "jsonld": ("Le badge ne peut pas être interprété (JSON-LD).", "The badge cannot be interpreted (JSON-LD)."),
    "jsonld.unknown_context": ("Le badge utilise un contexte JSON-LD inconnu.", "The badge uses an unknown JSON-LD context."),
    "jsonld.dropped_term": ("Le badge contient des champs qui ne seraient pas signés (termes non définis).",
                            "The badge contains fields that would not be signed (undefined terms)."),
    "jsonld.canonicalization_limit": ("Le badge est trop complexe pour être vérifié en sécurité.",
                                      "The badge is too complex to be verified safely."),
    # issuer key binding
    "issuer.ok": ("La clé de signature appartient bien à l'émetteur.", "The signing key belongs to the issuer."),
    "issuer": ("La clé de signature n'appartient pas à l'émetteur annoncé.", "The signing key does not belong to the stated issuer."),
    "issuer.key_not_controlled": ("La clé de signature n'appartient pas à l'émetteur annoncé.",
                                  "The signing key does not belong to the stated issuer."),
    "issuer.key_not_bound": ("La clé intégrée au JWT n'est pas publiée par l'émetteur.",
                             "The key embedded in the JWT is not published by the issuer."),
    "issuer.missing": ("Le badge n'indique pas d'émetteur.", "The badge names no issuer."),
    # dates
    "dates.ok": ("Le badge est dans sa période de validité.", "The badge is within its validity period."),
    "dates": ("Les dates du badge sont invalides.", "The badge dates are invalid."),
    "dates.not_yet_valid": ("Le badge n'est pas encore valide.", "The badge is not valid yet."),
    "dates.expired": ("Le badge a expiré.", "The badge has expired."),
    "dates.invalid": ("Les dates du badge sont illisibles.", "The badge dates are unreadable."),
    # status
    "status.ok": ("Le badge n'est ni révoqué ni suspendu.", "The badge is neither revoked nor suspended."),
    "status": ("Le statut du badge n'a pas pu être vérifié.", "The badge status could not be checked."),
    "status.none": ("Ce badge ne publie pas de statut (il ne peut pas être révoqué).",
                    "This badge publishes no status (it cannot be revoked)."),
    "status.not_checked": ("Le statut de révocation n'a pas été vérifié.", "The revocation status was not checked."),
    "status.revoked": ("Le badge a été révoqué par son émetteur.", "The badge has been revoked by its issuer."),
    "status.suspended": ("Le badge est suspendu par son émetteur.", "The badge is suspended by its issuer."),
    "status.unavailable": ("La liste de statut de l'émetteur est inaccessible ou invalide.",
                           "The issuer's status list is unreachable or invalid."),
    # recipient
    "recipient.ok": ("Le badge a bien été délivré à cette adresse e-mail.", "The badge was issued to this e-mail address."),
    "recipient": ("Le titulaire du badge n'a pas pu être vérifié.", "The badge holder could not be checked."),
    "recipient.not_checked": ("Aucune adresse e-mail à comparer n'a été fournie.", "No e-mail address to compare was given."),
    "recipient.mismatch": ("Le badge n'a pas été délivré à cette adresse e-mail.", "The badge was not issued to this e-mail address."),
    "recipient.invalid_email": ("L'adresse e-mail fournie est invalide.", "The e-mail address given is invalid."),
    # skipped
    "skipped": ("Vérification non effectuée : une étape précédente a échoué.", "Check not run: an earlier step failed."),
}


def message(code: str, lang: str = "fr") -> str:
    """The human message for ``code`` in ``lang`` (``fr`` or ``en``; French for anything else)."""
    index = 1 if lang == "en" else 0
    entry = MESSAGES.get(code) or MESSAGES.get(code.split(".", 1)[0]) or MESSAGES["proof" if code.startswith("key.") else "schema"]
    return entry[index]
