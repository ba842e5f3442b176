"""The DQT models: wire names, case-insensitive keys, enums that keep unknown names."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from dqt.models import (
    GetOrCreateTrnRequest,
    GetTeacherResponse,
    TrnRequestInfo,
    UpdateTeacherRequest,
)


def test_unknown_enum_value_is_kept_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="dqt.models")

    teacher = GetTeacherResponse.model_validate(
        {
            "trn": "1234567",
            "initialTeacherTraining": [
                {"programmeType": "TeacherDegreeApprenticeship", "result": "Pass"}
            ],
        }
    )

    assert teacher.initial_teacher_training[0].programme_type == (
        "TeacherDegreeApprenticeship"
    )
    assert "IttProgrammeType value 'TeacherDegreeApprenticeship'" in caplog.text


def test_later_additions_are_read() -> None:
    teacher = GetTeacherResponse.model_validate(
        {"trn": "1234567", "allowPIIUpdates": True, "initialTeacherTraining": None}
    )
    info = TrnRequestInfo.model_validate(
        {"requestId": "r", "status": "Pending", "trn": None, "slugId": "s"}
    )

    assert teacher.allow_pii_updates is True
    assert teacher.initial_teacher_training == []
    assert info.slug_id == "s" and info.qts_date is None


def test_register_style_keys_bind_regardless_of_case() -> None:
    request = GetOrCreateTrnRequest.model_validate(
        {
            "firstName": "Ada",
            "husid": "123",
            "slugid": "abc",
            "birthDate": "1990-01-31",
            "qualification": {"class": "FirstClassHonours", "date": "2012-01-01"},
        }
    )

    assert (request.hus_id, request.slug_id) == ("123", "abc")
    assert request.birth_date == dt.date(1990, 1, 31)
    assert request.qualification is not None
    assert request.qualification.class_division == "FirstClassHonours"


def test_requests_go_out_in_camel_case_without_unset_members() -> None:
    request = UpdateTeacherRequest(
        hus_id="1", initial_teacher_training={"provider_ukprn": "10000001"}
    )

    assert request.to_wire() == {
        "initialTeacherTraining": {"providerUkprn": "10000001"},
        "husId": "1",
    }
