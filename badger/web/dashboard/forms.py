"""Flask-WTF forms of the partner dashboard. Every POST form carries a CSRF token (Flask-WTF);
the GET filter form does not need one. Labels and messages are English msgids of the
``dashboard`` gettext domain, shown in French by default.

Forms only check the shape of the input (required, lengths, e-mail syntax, numbers); the
services decide the rest (image content, OB 3.0 rules) and their errors are put back on the
form by the views.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from badger.achievements.service import ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES
from badger.web.fields import choices

__all__ = [
    "AchievementForm",
    "AlignmentForm",
    "IssueForm",
    "BulkUploadForm",
    "BulkConfirmForm",
    "StatusForm",
    "PublishForm",
    "CredentialFilterForm",
    "ACHIEVEMENT_TYPE_LABELS",
    "ALIGNMENT_TYPE_LABELS",
    "STATUS_LABELS",
]

# OB 3.0 AchievementType values with the words programme staff use (French by default).
ACHIEVEMENT_TYPE_LABELS = {
    "Badge": _l("Badge"),
    "Achievement": _l("Achievement (generic)"),
    "Competency": _l("Competency"),
    "MicroCredential": _l("Micro-credential"),
    "Course": _l("Course or training module"),
    "LearningProgram": _l("Learning programme"),
    "Assessment": _l("Assessment"),
    "Assignment": _l("Assignment"),
    "Award": _l("Award"),
    "CertificateOfCompletion": _l("Certificate of completion or attendance"),
    "Certificate": _l("Certificate"),
    "Certification": _l("Certification"),
    "CoCurricular": _l("Co-curricular activity"),
    "CommunityService": _l("Community service or volunteering"),
    "Membership": _l("Membership"),
    "Fieldwork": _l("Fieldwork or work placement"),
    "License": _l("Licence to practise"),
    "QualityAssuranceCredential": _l("Quality label"),
    "ApprenticeshipCertificate": _l("Apprenticeship certificate"),
    "JourneymanCertificate": _l("Journeyman certificate"),
    "MasterCertificate": _l("Master craftsperson certificate"),
    "Diploma": _l("Diploma"),
    "Degree": _l("University degree"),
    "SecondarySchoolDiploma": _l("Secondary school diploma"),
    "GeneralEducationDevelopment": _l("Secondary school equivalency (GED)"),
    "AssociateDegree": _l("Two-year higher education degree"),
    "BachelorDegree": _l("Bachelor's degree"),
    "MasterDegree": _l("Master's degree"),
    "DoctoralDegree": _l("Doctorate"),
    "ProfessionalDoctorate": _l("Professional doctorate"),
    "ResearchDoctorate": _l("Research doctorate"),
}
assert set(ACHIEVEMENT_TYPE_LABELS) == set(ACHIEVEMENT_TYPES)

ALIGNMENT_TYPE_LABELS = {
    "CFItem": _l("Framework item (CASE)"),
    "ceasn:Competency": _l("Competency (CTDL-ASN)"),
    "ceterms:Credential": _l("Credential (CTDL)"),
    "CTDL": _l("CTDL framework"),
    "CFRubric": _l("Rubric (CASE)"),
    "CFRubricCriterion": _l("Rubric criterion (CASE)"),
    "CFRubricCriterionLevel": _l("Rubric criterion level (CASE)"),
}
assert set(ALIGNMENT_TYPE_LABELS) == set(ALIGNMENT_TARGET_TYPES)

STATUS_LABELS = {"active": _l("Active"), "revoked": _l("Revoked"), "suspended": _l("Suspended")}

MAX_ALIGNMENTS = 20


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _one_line(value):
    # A status reason is one line of text (shown on pages and in CSV exports).
    return " ".join(value.split()) if isinstance(value, str) else value


class AlignmentForm(Form):
    """One alignment to a competency framework (OB 3.0 Alignment); a row left empty is ignored.
    A plain wtforms Form: it lives inside AchievementForm, whose CSRF token covers it."""

    target_name = StringField(
        _l("Name of the competency or certification"), filters=[_strip], validators=[Optional(), Length(max=300)]
    )
    target_url = StringField(
        _l("Address (URL)"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000), URL(message=_l("Enter an address starting with https://"))],
    )
    target_code = StringField(_l("Code"), filters=[_strip], validators=[Optional(), Length(max=100)])
    target_framework = StringField(_l("Framework"), filters=[_strip], validators=[Optional(), Length(max=200)])
    target_type = SelectField(
        _l("Type of target"),
        choices=choices([("", _l("Not specified"))] + list(ALIGNMENT_TYPE_LABELS.items())),
        default="",
    )

    def is_empty(self) -> bool:
        return not any((self.target_name.data, self.target_url.data, self.target_code.data, self.target_framework.data))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.is_empty():
            if not self.target_name.data:
                self.target_name.errors = list(self.target_name.errors) + [
                    _l("Give the name of the competency or certification.")
                ]
                ok = False
            if not self.target_url.data:
                self.target_url.errors = list(self.target_url.errors) + [
                    _l("Give the address (URL) of its description.")
                ]
                ok = False
        return ok

    def value(self) -> dict:
        return {
            "target_name": self.target_name.data,
            "target_url": self.target_url.data,
            "target_code": self.target_code.data or None,
            "target_framework": self.target_framework.data or None,
            "target_type": self.target_type.data or None,
        }


class AchievementForm(FlaskForm):
    """Create or edit a badge class. French texts are the signed ones; English ones optional."""

    name = StringField(
        _l("Name"), filters=[_strip], validators=[DataRequired(_l("Give the badge a name.")), Length(max=300)]
    )
    description = TextAreaField(
        _l("Description"), filters=[_strip], validators=[DataRequired(_l("Describe the badge.")), Length(max=5000)]
    )
    criteria = TextAreaField(
        _l("Criteria (Markdown)"),
        filters=[_strip],
        validators=[DataRequired(_l("Say what a person must do to earn it.")), Length(max=10000)],
    )
    name_en = StringField(_l("Name in English"), filters=[_strip], validators=[Optional(), Length(max=300)])
    description_en = TextAreaField(
        _l("Description in English"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    criteria_en = TextAreaField(
        _l("Criteria in English (Markdown)"), filters=[_strip], validators=[Optional(), Length(max=10000)]
    )
    achievement_type = SelectField(
        _l("Kind of badge"), choices=choices(ACHIEVEMENT_TYPE_LABELS.items()), default="Badge"
    )
    tags = StringField(_l("Keywords"), filters=[_strip], validators=[Optional(), Length(max=2000)])
    valid_for_days = IntegerField(
        _l("Validity period (days)"),
        validators=[Optional(), NumberRange(1, 36500, message=_l("Enter a number of days between 1 and 36500."))],
    )
    image = FileField(
        _l("Image (PNG or SVG)"),
        validators=[FileAllowed(["png", "svg"], _l("The image must be a PNG or an SVG file."))],
    )
    remove_image = BooleanField(_l("Remove the image and use the generated one"))
    # The image chosen in a previous submission that came back with an error
    # (badger.achievements.uploads): used unless another file is chosen.
    image_token = HiddenField()
    alignments = FieldList(FormField(AlignmentForm), min_entries=1, max_entries=MAX_ALIGNMENTS)

    def tag_list(self) -> list[str]:
        return [t.strip() for t in (self.tags.data or "").split(",") if t.strip()]

    def alignment_values(self) -> list[dict]:
        return [entry.form.value() for entry in self.alignments if not entry.form.is_empty()]

    def changes(self) -> dict:
        """The service's field names -> values (empty optional texts become None)."""
        return {
            "name": self.name.data,
            "description": self.description.data,
            "criteria": self.criteria.data,
            "name_en": self.name_en.data or None,
            "description_en": self.description_en.data or None,
            "criteria_en": self.criteria_en.data or None,
            "achievement_type": self.achievement_type.data,
            "tags": self.tag_list(),
            "alignments": self.alignment_values(),
            "valid_for_days": self.valid_for_days.data,
        }


def form_field(form: object, exc: Exception) -> str | None:
    """The field of ``form`` that a service's InvalidInput is about: the field named like the
    argument the error carries, or the one the form declares for it (``ARGUMENT_FIELDS``)."""
    argument = getattr(exc, "field", None)
    if not argument:
        return None
    name = getattr(form, "ARGUMENT_FIELDS", {}).get(argument, argument)
    return name if hasattr(form, name) else None


class IssueForm(FlaskForm):
    # The issuing arguments whose form field has another name.
    ARGUMENT_FIELDS = {"recipient": "email", "evidence": "evidence_url"}

    """Issue one credential: to an e-mail address or a DID."""
    achievement = SelectField(_l("Badge"), validators=[DataRequired(_l("Choose a badge."))], choices=[])
    email = StringField(
        _l("Recipient's e-mail address"),
        filters=[_strip],
        validators=[Optional(), Length(max=320), Email(_l("This e-mail address is not valid."))],
    )
    did = StringField(_l("or the recipient's DID"), filters=[_strip], validators=[Optional(), Length(max=500)])
    name = StringField(_l("Recipient's name"), filters=[_strip], validators=[Optional(), Length(max=300)])
    evidence_url = StringField(
        _l("Evidence: address (URL)"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000), URL(message=_l("Enter an address starting with https://"))],
    )
    narrative = TextAreaField(
        _l("Evidence: what the person did"), filters=[_strip], validators=[Optional(), Length(max=5000)]
    )
    format = RadioField(
        _l("Format"), choices=choices([("ldp", _l("Signed JSON (recommended)")), ("jwt", _l("JWT"))]), default="ldp"
    )
    notify = BooleanField(_l("Send the badge to the recipient by e-mail"), default=True)
    awarded_date = DateField(_l("Awarded on (optional)"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Cross-field rules run here: Optional() stops a field's own chain when it is empty.
        if bool(self.email.data) == bool(self.did.data) and not self.email.errors:
            self.email.errors = list(self.email.errors) + [
                _l("Give the recipient's e-mail address or DID (one of them).")
            ]
            ok = False
        if self.did.data and not self.did.data.startswith("did:"):
            self.did.errors = list(self.did.errors) + [_l("A DID starts with did:")]
            ok = False
        return ok

    def evidence(self) -> tuple:
        if not (self.evidence_url.data or self.narrative.data):
            return ()
        return ({"id": self.evidence_url.data or None, "narrative": self.narrative.data or None},)


class BulkUploadForm(FlaskForm):
    achievement = SelectField(_l("Badge"), validators=[DataRequired(_l("Choose a badge."))], choices=[])
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("The file must be a CSV file.")),
        ],
    )


class BulkConfirmForm(FlaskForm):
    """Confirms a dry run: the upload token names the file kept server-side for this user."""

    upload = HiddenField(validators=[DataRequired()])
    achievement = HiddenField(validators=[DataRequired()])
    filename = HiddenField(validators=[Optional(), Length(max=300)])
    notify = BooleanField(_l("Send each badge to its recipient by e-mail"), default=False)


class StatusForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), filters=[_one_line], validators=[Length(max=500)])

    def validate_reason(self, field):
        if self.action.data in ("revoke", "suspend") and not field.data:
            raise ValidationError(_l("Give a reason: it is shown on the badge's public page."))


class ResendForm(FlaskForm):
    """Send a badge's e-mail again: Badger keeps no address once an e-mail is sent, so the
    address is typed again (it must be the one the badge was issued to)."""

    email = StringField(
        _l("E-mail address of the recipient"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Give the address the badge was issued to.")),
            Length(max=320),
            Email(_l("This e-mail address is not valid.")),
        ],
    )


class PublishForm(FlaskForm):
    pass


class CredentialFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    achievement = SelectField(_l("Badge"), choices=[], validators=[Optional()])
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    email = StringField(_l("Recipient's e-mail address"), filters=[_strip], validators=[Optional(), Length(max=320)])


class RevokeSelectionForm(FlaskForm):
    """The badges ticked in the credentials list (``credential`` values, read from the request)."""


class RevokeUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file of the badges to revoke"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("The file must be a CSV file.")),
        ],
    )


class RevokeConfirmForm(FlaskForm):
    """Confirms a bulk revocation: ``plan`` names the reviewed list kept server-side."""

    plan = HiddenField(validators=[DataRequired()])
    reason = StringField(
        _l("Reason"),
        filters=[_one_line],
        validators=[
            DataRequired(_l("Give a reason: it is shown on each badge's public page.")),
            Length(max=500, message=_l("Give a reason of at most 500 characters, on one line.")),
        ],
    )
