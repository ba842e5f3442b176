"""Test data for the DQT client and simulator tests.

`world()` builds a simulator state whose records each lead one rule to fire: the tests
name teachers by what is true of them, not by canned answers. `openapi` checks a
response against the published OpenAPI document (a copy in data/), converted to JSON
Schema, with the later additions that the real API also served.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from dqt.simulator.state import (
    ApiKey,
    IttRecord,
    Organisation,
    QtsRegistration,
    SimulatorState,
    Teacher,
)

API_KEY = "dqt-test-key"
PROVIDER = "10000001"
OTHER_PROVIDER = "10000002"
UNIVERSITY = "10000003"
BORN = dt.date(1990, 1, 31)
START, END = dt.date(2023, 9, 1), dt.date(2024, 7, 31)
OPENAPI_FILE = Path(__file__).parent / "data" / "dqt-openapi-v2.json"


def teacher(trn: str | None, **fields: Any) -> Teacher:
    """A trainee at PROVIDER on an HEI route, in training, unless told otherwise."""
    itt_fields = fields.pop("itt_fields", {})
    values: dict[str, Any] = {
        "trn": trn,
        "first_name": "Ada",
        "last_name": f"Teacher{trn}",
        "date_of_birth": BORN,
        "qts_registrations": [QtsRegistration(teacher_status=211)],
        "itt": [
            IttRecord(
                **{
                    "provider_ukprn": PROVIDER,
                    "programme_type": "HEI",
                    "programme_start_date": START,
                    "programme_end_date": END,
                    **itt_fields,
                }
            )
        ],
    }
    values.update(fields)
    return Teacher(**values)


def world() -> SimulatorState:
    hei_withdrawn = {"result": "Withdrawn"}
    aor_withdrawn = {"result": "Withdrawn", "programme_type": "AssessmentOnlyRoute"}
    return SimulatorState(
        api_keys=[ApiKey(key=API_KEY, client="register")],
        organisations=[
            Organisation(ukprn=PROVIDER, name="Example SCITT"),
            Organisation(ukprn=OTHER_PROVIDER, name="Closed SCITT", active=False),
            Organisation(ukprn=UNIVERSITY, name="University of Example",
                         is_training_provider=False),
        ],
        teachers=[
            teacher("1000001", first_name="Grace", last_name="Hopper",
                    email_address="grace@example.com", slug_id="slug-1",
                    national_insurance_number="QQ123456C"),
            teacher("1000002", active=False),
            teacher("1000003"),
            teacher("1000003", first_name="Other"),
            teacher("1000004", itt=[
                IttRecord(provider_ukprn=PROVIDER, programme_type="HEI"),
                IttRecord(provider_ukprn=PROVIDER, programme_type="HEI"),
            ]),
            teacher("1000005", itt_fields=hei_withdrawn),
            teacher("1000006", qts_registrations=[]),
            teacher("1000007", qts_registrations=[
                QtsRegistration(teacher_status=211), QtsRegistration(teacher_status=211)
            ]),
            teacher("1000008", qts_date=dt.date(2023, 7, 1),
                    qts_registrations=[QtsRegistration(teacher_status=71)]),
            teacher("1000009", itt_fields={"programme_type": "EYITTGraduateEntry"},
                    qts_registrations=[QtsRegistration(early_years_status=220)]),
            teacher("1000010", itt_fields=aor_withdrawn),
            teacher("1000011", itt_fields=hei_withdrawn,
                    qts_registrations=[QtsRegistration()]),
            teacher("1000012", itt_fields={"result": "Fail"}),
            teacher("1000013", itt_fields={"active": False, "result": "Pass"},
                    allow_pii_updates=True),
        ],
    )  # fmt: skip


# --- the OpenAPI check ------------------------------------------------------------

# What the API served after the 2023-03 document was generated (domain notes, §1).
LATER_PROPERTIES = {
    "GetTeacherResponse": {"allowPIIUpdates": {"type": "boolean"}},
    "FindTeacherResult": {"middleName": {"type": "string", "nullable": True}},
    "TrnRequestInfo": {
        "slugId": {"type": "string", "nullable": True},
        "accessYourTeachingQualificationsLink": {"type": "string"},
    },
}
LATER_ENUM_VALUES = {
    "IttProgrammeType": [
        "HighPotentialITT",
        "PrimaryAndSecondaryUndergraduateFeeFunded",
        "PrimaryAndSecondaryPostgraduateFeeFunded",
    ],
    "ClassDivision": ["Other"],
}
# Answers the code gives that the document does not list (domain notes, §1, §5).
UNLISTED_PROBLEMS = {
    ("get", "/v2/teachers/{trn}", 400),
    ("get", "/v2/teachers/{trn}", 404),
    ("put", "/v2/teachers/{trn}/itt-outcome", 400),
    ("patch", "/v2/teachers/update/{trn}", 400),
    ("patch", "/v2/teachers/update/{trn}", 404),
    ("patch", "/v2/teachers/update/{trn}", 409),
}


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema: `nullable`, and null for referenced members.

    The API writes null members (e.g. `"provider": null`, `"result": null`), which the
    3.0 document cannot say for `$ref` members; they are allowed to be null here.
    """
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _to_json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
    for name, member in list(node.get("properties", {}).items()):
        if "$ref" in member:
            node["properties"][name] = {"anyOf": [member, {"type": "null"}]}
    return node


class OpenApiCheck:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        schemas = copy.deepcopy(document["components"]["schemas"])
        for name, extra in LATER_PROPERTIES.items():
            schemas[name]["properties"].update(extra)
        for name, values in LATER_ENUM_VALUES.items():
            schemas[name]["enum"].extend(values)
        self.root = {"components": {"schemas": _to_json_schema(schemas)}}

    def __call__(self, method: str, template: str, response: httpx.Response) -> None:
        """Fail unless the response is one the document (plus additions) allows."""
        method = method.lower()
        operation = self.document["paths"][template][method]
        status = response.status_code
        declared = operation["responses"].get(str(status))
        content_type = response.headers.get("content-type", "").split(";")[0]

        if declared is None:
            assert (method, template, status) in UNLISTED_PROBLEMS, (
                f"{method.upper()} {template} answered {status}, not in the document"
            )
            self._validate("ProblemDetails", response.json())
            assert content_type == "application/problem+json"
            return

        content = declared.get("content") or {}
        if not content:
            # No content declared: empty, or the framework's ProblemDetails for errors.
            if response.content and status >= 400:
                assert content_type == "application/problem+json"
                self._validate("ProblemDetails", response.json())
            else:
                assert response.content == b""
            return

        assert content_type in content, f"{content_type} not declared for {status}"
        ref = content[content_type]["schema"].get("$ref", "")
        self._validate(ref.rsplit("/", 1)[-1], response.json())

    def _validate(self, schema_name: str, body: Any) -> None:
        schema = {**self.root, "$ref": f"#/components/schemas/{schema_name}"}
        jsonschema.Draft202012Validator(schema).validate(body)
