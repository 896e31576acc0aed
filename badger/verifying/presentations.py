"""Verifiable Presentations: the presentation's own proof, then each credential it carries.

VC Data Model 2.0 §4.13 "Verifiable Presentations": a presentation may be signed by its holder
(a Data Integrity proof with ``proofPurpose`` "authentication", usually with a verifier's
``challenge`` and ``domain``) or be an unsigned container. Each embedded credential is verified
on its own, exactly like one sent alone (``verifying.verify_credential``). The VC API's
``POST /presentations/verify`` (w3c-ccg/vc-api, verifier.yml) is the web edge of this.
"""

from __future__ import annotations

from dataclasses import dataclass

from badger.core.app import Badger
from badger.core.db import Session
from badger.credentials.problems import Problem
from badger.credentials.vocab import VC_V1_CONTEXT, VC_V2_CONTEXT
from badger.errors import InvalidInput
from badger.jsonld.budget import BudgetExceeded, use
from badger.proofs.data_integrity import verify_proofs
from badger.verification import ENVELOPED_JWT_PREFIX, VerificationResult, is_compact_jws
from badger.verification import message as credential_message
from badger.verifying.service import count_proofs, new_budget, resolver_for, verify_credential

__all__ = ["PresentationResult", "verify_presentation", "credential_input", "message", "ENVELOPED_JWT_PREFIX"]

PRESENTATION_TYPE = "VerifiablePresentation"


# Human messages of the presentation-level codes (French, English); credential-level codes are
# in badger.verification.messages.
MESSAGES = {
    "presentation.proof_missing": (
        "La présentation n'est pas signée alors qu'un défi (challenge) ou un domaine est demandé.",
        "The presentation is not signed although a challenge or a domain is required.",
    ),
    "presentation.challenge_mismatch": (
        "La signature de la présentation ne porte pas le défi (challenge) attendu.",
        "The presentation's signature does not carry the expected challenge.",
    ),
    "presentation.domain_mismatch": (
        "La signature de la présentation ne porte pas le domaine attendu.",
        "The presentation's signature does not carry the expected domain.",
    ),
    "presentation.holder_mismatch": (
        "La présentation n'est pas signée par son détenteur.",
        "The presentation is not signed by its holder.",
    ),
    "presentation.empty": (
        "La présentation ne contient aucun badge et n'est pas signée.",
        "The presentation contains no badge and is not signed.",
    ),
    "presentation.unsigned": (
        "La présentation n'est pas signée : seuls les badges qu'elle contient sont vérifiés.",
        "The presentation is not signed: only the badges it contains are verified.",
    ),
    "presentation.context_order": (
        "Le premier contexte JSON-LD (@context) de la présentation doit être celui des Verifiable Credentials.",
        "The presentation's first JSON-LD context (@context) must be the Verifiable Credentials one.",
    ),
    "presentation.credential_not_verified": (
        "Au moins un badge de la présentation n'est pas vérifié.",
        "At least one badge in the presentation is not verified.",
    ),
}


def message(code: str, lang: str = "fr") -> str:
    """The human message for a presentation-level or credential-level code (``fr`` or ``en``)."""
    entry = MESSAGES.get(code)
    if entry is None:
        return credential_message(code, lang)
    return entry[1] if lang == "en" else entry[0]


def _types(value) -> list:
    return value if isinstance(value, list) else [value]


def credential_input(value):
    """A credential as the VC API carries it -> what ``verify_credential`` takes.

    Input: a credential object, a compact JWS string, or an ``EnvelopedVerifiableCredential``
    whose ``id`` is a ``data:application/vc+jwt,`` URL (VC Data Model 2.0 §4.13.1). Output: the
    dict or the JWS string. Raises InvalidInput for anything else (nothing to verify), in
    particular for a JSON text where a credential object is expected: a string is a JWS or
    nothing (VC-API verifier: ``verifiableCredential`` is an object).
    """
    if isinstance(value, dict):
        if "EnvelopedVerifiableCredential" in _types(value.get("type")):
            envelope = value.get("id")
            if (
                isinstance(envelope, str)
                and envelope.startswith(ENVELOPED_JWT_PREFIX)
                and is_compact_jws(envelope[len(ENVELOPED_JWT_PREFIX) :])
            ):
                return envelope[len(ENVELOPED_JWT_PREFIX) :].strip()
            raise InvalidInput(
                "an enveloped credential's id must be a data:application/vc+jwt, URL", code="verify.invalid_envelope"
            )
        return value
    if is_compact_jws(value):
        return value.strip()
    raise InvalidInput("a credential must be an object or a VC-JWT", code="verify.invalid_credential")


@dataclass(frozen=True)
class PresentationResult:
    """``signed``: the presentation carries a proof; ``proof_verified``: it carries one and
    every supported proof verified; ``problems``: presentation-level failures;
    ``credentials``: one VerificationResult per embedded credential, in order."""

    signed: bool
    proof_verified: bool
    problems: tuple[Problem, ...]
    credentials: tuple[VerificationResult, ...]

    @property
    def verified(self) -> bool:
        return not self.problems and all(r.verified for r in self.credentials)


# The credentials one presentation may carry (each is a whole verification's worth of work;
# the presentation shares one budget: badger.jsonld.budget).
MAX_CREDENTIALS = 8


def verify_presentation(
    app: Badger,
    session: Session | None,
    presentation: dict,
    *,
    challenge: str | None = None,
    domain: str | None = None,
    email: str | None = None,
) -> PresentationResult:
    """Verify a presentation and the credentials it embeds.

    Input: the presentation object; the ``challenge`` and ``domain`` the verifier expects (each
    then required in a verified proof); ``email`` for the credentials' recipient check.
    Output: a PresentationResult (never raises for a presentation that fails to verify).
    Raises InvalidInput when the input is not a presentation at all (not an object, no
    VerifiablePresentation type, an embedded credential of the wrong shape).
    """
    if not isinstance(presentation, dict):
        raise InvalidInput("a presentation must be a JSON object", code="verify.invalid_presentation")
    if PRESENTATION_TYPE not in _types(presentation.get("type")):
        raise InvalidInput(
            "the presentation's type must include VerifiablePresentation", code="verify.invalid_presentation"
        )
    embedded = presentation.get("verifiableCredential", [])
    embedded = embedded if isinstance(embedded, list) else [embedded]
    if len(embedded) > MAX_CREDENTIALS:
        raise BudgetExceeded(f"{len(embedded)} credentials; a presentation may carry {MAX_CREDENTIALS}")
    inputs = [credential_input(c) for c in embedded]
    budget = new_budget()
    budget.proofs(count_proofs(presentation))

    problems: list[Problem] = []
    # VC Data Model 2.0 §4.3 (and 1.1 §4.1): the first @context entry is the VC context.
    contexts = presentation.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        problems.append(
            Problem("presentation.context_order", f"the first @context entry must be {VC_V2_CONTEXT}", "/@context")
        )
    signed = presentation.get("proof") is not None
    proof_verified = False
    if signed:
        with use(budget):
            outcomes = verify_proofs(
                presentation, resolver=resolver_for(app, session), expected_purpose="authentication"
            )
        if budget.exceeded is not None:
            raise budget.exceeded
        good = [o for o in outcomes if o.supported and o.verified]
        bad = [o for o in outcomes if o.supported and not o.verified]
        if bad or not good:
            problems += [p for o in (bad or outcomes) for p in o.problems]
        else:
            proof_verified = True
            for name, wanted in (("challenge", challenge), ("domain", domain)):
                if wanted is not None and all(o.proof.get(name) != wanted for o in good):
                    problems.append(
                        Problem(f"presentation.{name}_mismatch", f"no proof carries the expected {name}", "/proof")
                    )
            holder = presentation.get("holder")
            holder = holder.get("id") if isinstance(holder, dict) else holder
            # The holder, when named, is who signed (VC Data Model 2.0 §4.13 "holder").
            if holder and all(o.controller != holder for o in good):
                problems.append(
                    Problem("presentation.holder_mismatch", "the presentation is not signed by its holder", "/holder")
                )
    elif challenge is not None or domain is not None:
        problems.append(
            Problem("presentation.proof_missing", "a challenge or a domain needs a signed presentation", "/proof")
        )

    if not inputs and not signed:
        problems.append(Problem("presentation.empty", "an unsigned presentation without credentials proves nothing"))
    results = tuple(verify_credential(app, session, data, email=email, budget=budget) for data in inputs)
    return PresentationResult(
        signed=signed, proof_verified=proof_verified, problems=tuple(problems), credentials=results
    )
