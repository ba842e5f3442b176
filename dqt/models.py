"""Pydantic models of the DQT v2 requests and responses Register used.

Members are snake_case in Python and camelCase on the wire (aliases). Incoming keys are
matched case-insensitively, as the API's ASP.NET Core binder does: Register sends
`husid` and `slugid` for `husId` and `slugId`.

The API's enums grew over the years, so an enum member here is a plain `str` checked
against the names known to us: an unknown name is kept as it came, with a warning in
the log, and never fails validation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

log = logging.getLogger(__name__)


def _known(name: str, values: tuple[str, ...]) -> Callable[[str], str]:
    """A check that keeps any value but logs one the API did not list."""
    known = frozenset(values)

    def check(value: str) -> str:
        if value not in known:
            log.warning("DQT sent %s value %r, unknown to this version", name, value)
        return value

    return check


ITT_OUTCOMES = (
    "Pass",
    "Fail",
    "Withdrawn",
    "Deferred",
    "DeferredForSkillsTests",
    "ApplicationReceived",
    "ApplicationUnsuccessful",
    "Approved",
    "Info",
    "InTraining",
    "NoResultSubmitted",
    "UnderAssessment",
)
EARLY_YEARS_PROGRAMME_TYPES = (
    "EYITTAssessmentOnly",
    "EYITTGraduateEmploymentBased",
    "EYITTGraduateEntry",
    "EYITTSchoolDirectEarlyYears",
    "EYITTUndergraduate",
)
ITT_PROGRAMME_TYPES = (
    "Apprenticeship",
    "AssessmentOnlyRoute",
    "Core",
    "CoreFlexible",
    *EARLY_YEARS_PROGRAMME_TYPES,
    "FutureTeachingScholars",
    "GraduateTeacherProgramme",
    "HEI",
    "LicensedTeacherProgramme",
    "OverseasTrainedTeacherProgramme",
    "RegisteredTeacherProgramme",
    "SchoolDirectTrainingProgramme",
    "SchoolDirectTrainingProgrammeSalaried",
    "SchoolDirectTrainingProgrammeSelfFunded",
    "TeachFirstProgramme",
    "TeachFirstProgrammeCC",
    "UndergraduateOptIn",
    "ProviderLedPostgrad",
    "ProviderLedUndergrad",
    "InternationalQualifiedTeacherStatus",
    "HighPotentialITT",
    "PrimaryAndSecondaryUndergraduateFeeFunded",
    "PrimaryAndSecondaryPostgraduateFeeFunded",
)
GENDERS = ("Male", "Female", "Other", "NotProvided", "NotAvailable")
CLASS_DIVISIONS = (
    "FirstClassHonours",
    "UpperSecondClassHonours",
    "LowerSecondClassHonours",
    "UndividedSecondClassHonours",
    "ThirdClassHonours",
    "FourthClassHonours",
    "UnclassifiedHonours",
    "Aegrotat",
    "PassFollowingAnHonoursCourse",
    "Ordinary",
    "GeneralDegree",
    "Distinction",
    "Merit",
    "Pass",
    "Notapplicable",
    "NotKnown",
    "HigherDegree",
    "Other",
)
ITT_QUALIFICATION_AIMS = (
    "ProfessionalStatusOnly",
    "ProfessionalStatusAndAcademicAward",
    "ProfessionalStatusByAssessmentOnly",
)
# The ITT and HE qualification type lists are long (about 60 and 95 names); only the
# names Register sent are listed, others are kept with a warning like any unknown.
ITT_QUALIFICATION_TYPES = (
    "BA",
    "BAHons",
    "BEd",
    "BEdHons",
    "BSc",
    "BScHons",
    "PostgraduateCertificateInEducation",
    "PostgraduateDiplomaInEducation",
    "UndergraduateMasterOfTeaching",
    "ProfessionalGraduateCertificateInEducation",
    "MastersNotByResearch",
    "AssessmentOnlyRoute",
    "InternationalQualifiedTeacherStatus",
    "EYTSOnly",
    "Degree",
    "HigherDegree",
    "DegreeEquivalent",
    "Unknown",
)
TRN_REQUEST_STATUSES = ("Pending", "Completed")
TEACHER_TYPES = ("TraineeTeacher", "OverseasQualifiedTeacher")
RECOGNITION_ROUTES = (
    "Scotland",
    "NorthernIreland",
    "EuropeanEconomicArea",
    "OverseasTrainedTeachers",
)

IttOutcome = Annotated[str, AfterValidator(_known("IttOutcome", ITT_OUTCOMES))]
IttProgrammeType = Annotated[
    str, AfterValidator(_known("IttProgrammeType", ITT_PROGRAMME_TYPES))
]
Gender = Annotated[str, AfterValidator(_known("Gender", GENDERS))]
ClassDivision = Annotated[str, AfterValidator(_known("ClassDivision", CLASS_DIVISIONS))]
IttQualificationAim = Annotated[
    str, AfterValidator(_known("IttQualificationAim", ITT_QUALIFICATION_AIMS))
]
IttQualificationType = Annotated[
    str, AfterValidator(_known("IttQualificationType", ITT_QUALIFICATION_TYPES))
]
HeQualificationType = Annotated[str, Field(description="HE qualification type name")]
TrnRequestStatus = Annotated[
    str, AfterValidator(_known("TrnRequestStatus", TRN_REQUEST_STATUSES))
]
CreateTeacherType = Annotated[
    str, AfterValidator(_known("CreateTeacherType", TEACHER_TYPES))
]
RecognitionRoute = Annotated[
    str, AfterValidator(_known("CreateTeacherRecognitionRoute", RECOGNITION_ROUTES))
]


def is_early_years(programme_type: str | None) -> bool:
    return programme_type in EARLY_YEARS_PROGRAMME_TYPES


class DqtModel(BaseModel):
    """Base: camelCase aliases, keys matched without regard to case, extras ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
    )

    @model_validator(mode="before")
    @classmethod
    def _match_keys_ignoring_case(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        by_lower: dict[str, str] = {}
        for name, info in cls.model_fields.items():
            wire = info.alias or name
            by_lower[wire.lower()] = wire
        return {by_lower.get(str(k).lower(), k): v for k, v in data.items()}

    def to_wire(self) -> dict[str, Any]:
        """The JSON body as the API expects it: camelCase, unset members omitted."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


# --- GET /v2/teachers/{trn} ---------------------------------------------------------


class Provider(DqtModel):
    ukprn: str | None = None


class EarlyYearsStatus(DqtModel):
    value: str | None = None
    name: str | None = None


class TeacherItt(DqtModel):
    programme_start_date: dt.date | None = None
    programme_end_date: dt.date | None = None
    programme_type: IttProgrammeType | None = None
    result: IttOutcome | None = None
    provider: Provider | None = None
    hus_id: str | None = None
    active: bool = True


class GetTeacherResponse(DqtModel):
    trn: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    date_of_birth: dt.date | None = None
    national_insurance_number: str | None = None
    has_active_sanctions: bool = False
    qts_date: dt.date | None = None
    eyts_date: dt.date | None = None
    hus_id: str | None = None
    early_years_status: EarlyYearsStatus | None = None
    initial_teacher_training: list[TeacherItt] = Field(default_factory=list)
    allow_pii_updates: bool = Field(default=False, alias="allowPIIUpdates")

    @model_validator(mode="before")
    @classmethod
    def _itt_null_is_empty(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("initialTeacherTraining", []) is None:
            data = {**data, "initialTeacherTraining": []}
        return data


# --- GET /v2/teachers/find ----------------------------------------------------------


class FindTeacherResult(DqtModel):
    trn: str | None = None
    email_addresses: list[str] = Field(default_factory=list)
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    date_of_birth: dt.date | None = None
    national_insurance_number: str | None = None
    uid: str | None = None
    has_active_sanctions: bool = False


class FindTeachersResponse(DqtModel):
    results: list[FindTeacherResult] = Field(default_factory=list)


# --- TRN requests -------------------------------------------------------------------


class Address(DqtModel):
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


class TrnRequestItt(DqtModel):
    provider_ukprn: str | None = None
    programme_start_date: dt.date | None = None
    programme_end_date: dt.date | None = None
    programme_type: IttProgrammeType | None = None
    subject1: str | None = None
    subject2: str | None = None
    subject3: str | None = None
    age_range_from: int | None = None
    age_range_to: int | None = None
    itt_qualification_type: IttQualificationType | None = None
    itt_qualification_aim: IttQualificationAim | None = None
    training_country_code: str | None = None


class TrnRequestQualification(DqtModel):
    provider_ukprn: str | None = None
    country_code: str | None = None
    subject: str | None = None
    subject2: str | None = None
    subject3: str | None = None
    class_division: ClassDivision | None = Field(default=None, alias="class")
    date: dt.date | None = None
    he_qualification_type: HeQualificationType | None = None


class GetOrCreateTrnRequest(DqtModel):
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    birth_date: dt.date | None = None
    email_address: str | None = None
    address: Address | None = None
    gender_code: Gender | None = None
    initial_teacher_training: TrnRequestItt | None = None
    qualification: TrnRequestQualification | None = None
    hus_id: str | None = None
    slug_id: str | None = None
    teacher_type: CreateTeacherType | None = None
    recognition_route: RecognitionRoute | None = None
    qts_date: dt.date | None = None
    induction_required: bool | None = None
    under_new_overseas_regulations: bool | None = None


class TrnRequestInfo(DqtModel):
    request_id: str
    status: TrnRequestStatus
    trn: str | None = None
    potential_duplicate: bool = False
    qts_date: dt.date | None = None
    slug_id: str | None = None
    access_your_teaching_qualifications_link: str | None = None


# --- PUT /v2/teachers/{trn}/itt-outcome ---------------------------------------------


class SetIttOutcomeRequest(DqtModel):
    itt_provider_ukprn: str | None = None
    outcome: IttOutcome | None = None
    assessment_date: dt.date | None = None


class SetIttOutcomeResponse(DqtModel):
    trn: str
    qts_date: dt.date | None = None


# --- PATCH /v2/teachers/update/{trn} ------------------------------------------------


class UpdateTeacherItt(TrnRequestItt):
    outcome: IttOutcome | None = None


class UpdateTeacherRequest(DqtModel):
    initial_teacher_training: UpdateTeacherItt | None = None
    qualification: TrnRequestQualification | None = None
    hus_id: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    gender_code: Gender | None = None
    date_of_birth: dt.date | None = None


# --- errors -------------------------------------------------------------------------


class ProblemDetails(DqtModel):
    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    error_code: int | None = None
    errors: dict[str, list[str]] = Field(default_factory=dict)
