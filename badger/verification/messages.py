"""Human messages for verification codes, in French (default) and English.

Codes are stable (partners' scripts and the API rely on them); messages may be improved freely.
A code without its own message falls back to the message of its family (the part before the dot).

The message ids below are the English text; the translations live in the gettext domain
``verification`` (``badger/translations/<lang>/LC_MESSAGES/verification.po``, compiled to
``.mo``), the same catalogues the web pages use through Flask-Babel. This package is domain
code and must not import Flask, so it reads the compiled catalogues with the standard library's
``gettext``: API results, the command line and the pages all say the same words.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

__all__ = ["message", "MESSAGES", "LANGUAGES", "DOMAIN", "translations"]

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DOMAIN = "verification"
_TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def N_(text: str) -> str:
    """Marks a message id for extraction (``pybabel extract -k N_``); translated later."""
    return text


MESSAGES: dict[str, str] = {
    # format
    "format.ok": N_("The badge format is recognised."),
    "format.json": N_("Badge in JSON form (embedded proof)."),
    "format.jwt": N_("Badge in JWT form (VC-JWT)."),
    "format.png": N_("Badge extracted from a PNG image."),
    "format.svg": N_("Badge extracted from an SVG image."),
    "format.unrecognised": N_("This content is neither a JSON badge, nor a JWT, nor a badge image."),
    "format.invalid_json": N_("The badge JSON is malformed."),
    "format.not_baked": N_("This image does not contain a badge."),
    "format.image_too_large": N_("The image is too large to be verified."),
    "format.invalid_image": N_("The image is unreadable or corrupt."),
    "format.too_large": N_("The badge is too large to be verified."),
    "format.enveloped": N_("Credential enveloped as a VC-JOSE-COSE JWT (vc+jwt)."),
    "format.invalid_envelope": N_("The enveloped credential is not a data:application/vc+jwt URL holding a JWT."),
    "jwt": N_("The badge JWT is invalid."),
    "jwt.malformed": N_("The badge JWT is malformed."),
    "jwt.alg_not_allowed": N_("The JWT signature algorithm is not accepted."),
    "jwt.signature_mismatch": N_("The signature does not match the badge content."),
    "jwt.key_unresolved": N_("The JWT signing key cannot be found."),
    "jwt.claims_mismatch": N_("The JWT claims contradict the badge it carries."),
    # schema
    "schema.ok": N_("The badge follows the Open Badges 3.0 data model."),
    "schema": N_("The badge does not follow the Open Badges 3.0 data model."),
    "schema.unknown_schema": N_("The badge names an extra schema that Badger cannot consult."),
    "schema.vc_ok": N_("The credential follows the Verifiable Credentials data model."),
    "vc": N_("The credential does not follow the Verifiable Credentials data model."),
    "vc.type": N_("The credential's type does not include VerifiableCredential."),
    "vc.issuer": N_("The credential names no issuer."),
    "vc.subject": N_("The credential has no subject (credentialSubject)."),
    "context": N_("The badge's JSON-LD contexts are wrong."),
    "dates.inverted": N_("The end of validity precedes its start."),
    # proof
    "proof.ok": N_("The signature is valid: the badge has not been changed since it was issued."),
    "proof": N_("The badge signature is invalid."),
    "proof.missing": N_("The badge is not signed."),
    "proof.signature_mismatch": N_("The signature does not match the badge content."),
    "proof.key_unresolved": N_("The issuer's signing key cannot be found."),
    "proof.unsupported_type": N_("This signature type is not supported."),
    "proof.unsupported_cryptosuite": N_("This cryptosuite is not supported."),
    "proof.purpose_mismatch": N_("The signature was not made to assert this badge."),
    "proof.malformed": N_("The badge signature is malformed."),
    "proof.context_mismatch": N_("The signature was made with other JSON-LD contexts than the badge's."),
    "proof.previous_missing": N_("A chained signature refers to a signature that is not there."),
    "proof.previous_invalid": N_("A chained signature rests on a signature that is invalid."),
    "proof.sd_base_proof": N_(
        "This is the issuer's base signature for selective disclosure: the holder must derive a proof to present."
    ),
    "proof.jcs_invalid": N_("The badge holds numbers that cannot be canonicalized (JCS)."),
    "jsonld": N_("The badge cannot be interpreted (JSON-LD)."),
    "jsonld.unknown_context": N_("The badge uses an unknown JSON-LD context."),
    "jsonld.dropped_term": N_("The badge contains fields that would not be signed (undefined terms)."),
    "jsonld.canonicalization_limit": N_("The badge is too complex to be verified safely."),
    # issuer key binding
    "issuer.ok": N_("The signing key belongs to the issuer."),
    "issuer": N_("The signing key does not belong to the stated issuer."),
    "issuer.key_not_controlled": N_("The signing key does not belong to the stated issuer."),
    "issuer.key_not_bound": N_("The key embedded in the JWT is not published by the issuer."),
    "issuer.missing": N_("The badge names no issuer."),
    "issuer.signer_not_issuer": N_(
        "The signing key is not controlled by the stated issuer (required for Open Badges only): "
        "decide whether you trust the signer."
    ),
    # dates
    "dates.ok": N_("The badge is within its validity period."),
    "dates": N_("The badge dates are invalid."),
    "dates.not_yet_valid": N_("The badge is not valid yet."),
    "dates.expired": N_("The badge has expired."),
    "dates.invalid": N_("The badge dates are unreadable."),
    # status
    "status.ok": N_("The badge is neither revoked nor suspended."),
    "status": N_("The badge status could not be checked."),
    "status.none": N_("This badge publishes no status (it cannot be revoked)."),
    "status.not_checked": N_("The revocation status was not checked."),
    "status.revoked": N_("The badge has been revoked by its issuer."),
    "status.suspended": N_("The badge is suspended by its issuer."),
    "status.unavailable": N_("The issuer's status list is unreachable or invalid."),
    # recipient
    "recipient.ok": N_("The badge was issued to this e-mail address."),
    "recipient": N_("The badge holder could not be checked."),
    "recipient.not_checked": N_("No e-mail address to compare was given."),
    "recipient.mismatch": N_("The badge was not issued to this e-mail address."),
    "recipient.invalid_email": N_("The e-mail address given is invalid."),
    # skipped
    "skipped": N_("Check not run: an earlier step failed."),
    # VC Data Model 2.0 MUSTs (badger.credentials.vcdm; issue 11, issuer side)
    "vcdm": N_("The credential does not follow the W3C Verifiable Credentials data model."),
    "vcdm.context_missing": N_("The credential has no JSON-LD context (@context)."),
    "vcdm.context_first": N_("The first JSON-LD context is not the Verifiable Credentials one."),
    "vcdm.context_invalid": N_("A JSON-LD context entry is neither a URL nor an object."),
    "vcdm.id_not_url": N_("An identifier (id) is not a URL."),
    "vcdm.type_missing": N_("The type does not say it is a verifiable credential or presentation."),
    "vcdm.type_invalid": N_("A type is neither a term nor a URL."),
    "vcdm.type_required": N_("A status, schema, evidence, terms of use, refresh service or proof has no type."),
    "vcdm.object_required": N_("A property that holds objects holds something else."),
    "vcdm.name_invalid": N_("A name or description is neither text nor language-tagged text."),
    "vcdm.issuer_missing": N_("The credential names no issuer."),
    "vcdm.issuer_invalid": N_("The issuer is neither a URL nor an object with a URL id."),
    "vcdm.subject_missing": N_("The credential has no subject (credentialSubject)."),
    "vcdm.subject_invalid": N_("The credential subject is not an object."),
    "vcdm.subject_empty": N_("A credential subject makes no claim."),
    "vcdm.date_invalid": N_("A validity date is not a date and time with a time zone."),
    "vcdm.schema_id_missing": N_("A credential schema has no id."),
    "vcdm.related_resource_id": N_("A related resource has no id."),
    "vcdm.related_resource_duplicate": N_("Two related resources have the same id."),
    "vcdm.related_resource_digest": N_("A related resource has no digest (digestSRI or digestMultibase)."),
    "vcdm.holder_invalid": N_("The presentation's holder is neither a URL nor an object with a URL id."),
    "vcdm.presentation_credential": N_("A credential in the presentation is not an object."),
}


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled ``verification`` catalogue of ``lang`` (loaded once per process); a missing
    catalogue falls back to the English message ids rather than failing a verification."""
    return gettext.translation(DOMAIN, localedir=str(_TRANSLATIONS_DIR), languages=[lang], fallback=True)


def message(code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The human message for ``code`` in ``lang`` (``fr`` or ``en``; French for anything else)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    msgid = (
        MESSAGES.get(code)
        or MESSAGES.get(code.split(".", 1)[0])
        or MESSAGES["proof" if code.startswith("key.") else "schema"]
    )
    return translations(lang).gettext(msgid)
