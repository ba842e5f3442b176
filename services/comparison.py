"""A trainee as Register holds it, beside the teacher as DQT holds it, field by field.

How DQT is asked, as Register itself asked it:
- with a TRN: GET /v2/teachers/{trn}?birthdate=…&includeInactive=true
  (Register's RetrieveTeacher). DQT ignores the birth date there, so a date of
  birth mismatch shows up here as a difference, not as a 404;
- without one: GET /v2/teachers/find with the first word of first_names, the
  last name, the date of birth and the email (Register's FindTeacher). When
  exactly one teacher comes back its record is then read by TRN, so that the
  ITT row and award dates can be compared too.

"Register's" ITT row is chosen as Register's RetrieveTraining chooses it: the
row whose provider UKPRN is the trainee's provider's and whose programme type
is the one the trainee's route maps to (under any DQT-era name).

Nothing here raises for a DQT problem: every outcome (not found, several found,
unreachable, an API error, a TRN in Register that is not 7 digits) is a
`Comparison` whose Register side is present, with a sentence saying what
happened.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Literal

from dqt.client import DqtClient, DqtUnavailable, InvalidTrn
from dqt.errors import DqtApiError
from dqt.models import FindTeacherResult, GetTeacherResponse, TeacherItt
from services.register import enums
from services.register.enums import StudyMode, TraineeState, TrainingRoute
from services.register.trainees import TraineeRecord

log = logging.getLogger(__name__)

ComparisonOutcome = Literal[
    "found",
    "not_found",
    "no_trn_found_by_search",
    "several_found_by_search",
    "invalid_trn",
    "dqt_unavailable",
    "dqt_error",
]
LookedUpBy = Literal["trn", "search"]
IttSelection = Literal["matched", "provider_only", "none", "several", "no_teacher"]


@dataclass(frozen=True)
class FieldComparison:
    """One field on both sides.

    `matches` is None when the field could not be compared (DQT did not answer,
    or one side has no value that can be judged); `note` says why, or explains
    a difference in words ("Register has 1990-05-02, DQT has 1990-02-05").
    """

    name: str
    label: str
    register: str | None
    dqt: str | None
    matches: bool | None
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    record: TraineeRecord
    outcome: ComparisonOutcome
    message: str
    looked_up_by: LookedUpBy
    fields: tuple[FieldComparison, ...]
    teacher: GetTeacherResponse | None = None
    search_results: tuple[FindTeacherResult, ...] = ()
    itt_row: TeacherItt | None = None
    itt_selection: IttSelection = "no_teacher"
    itt_note: str = ""
    error: str | None = None
    checked_on: date | None = None

    @property
    def differences(self) -> list[FieldComparison]:
        return [f for f in self.fields if f.matches is False]

    @property
    def has_differences(self) -> bool:
        return any(f.matches is False for f in self.fields)

    @property
    def found(self) -> bool:
        return self.outcome == "found"

    def by_name(self, name: str) -> FieldComparison | None:
        return next((f for f in self.fields if f.name == name), None)


# --- values, words and dates -----------------------------------------------


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _words(*parts: str | None) -> list[str]:
    return " ".join(p for p in parts if p).casefold().split()


def _say(label: str, register: str | None, dqt: str | None) -> str:
    left = f"Register has {register}" if register else f"Register has no {label}"
    right = f"DQT has {dqt}" if dqt else "DQT has none"
    return f"{left}, {right}"


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def estimated_end_date(record: TraineeRecord) -> date | None:
    """Register's estimate of the ITT end date, sent when itt_end_date is empty."""
    start = record["trainee_start_date"] or record["itt_start_date"]
    if start is None:
        return None
    route = enums.coerce(TrainingRoute, record.training_route)
    part_time = record["study_mode"] == StudyMode.part_time
    if route == TrainingRoute.provider_led_undergrad:
        months = 70 if part_time else 34
    elif route == TrainingRoute.opt_in_undergrad or part_time:
        months = 22
    else:
        months = 10
    return _add_months(start, months)


# --- personal details ------------------------------------------------------


def _compare_simple(
    name: str, label: str, register: Any, dqt: Any, *, fold: bool = False
) -> FieldComparison:
    left, right = _text(register), _text(dqt)
    if left is None and right is None:
        return FieldComparison(name, label, None, None, True)
    if fold and left and right and _words(left) == _words(right):
        note = "" if left == right else "differs only in case or spacing"
        return FieldComparison(name, label, left, right, True, note)
    if left == right:
        return FieldComparison(name, label, left, right, True)
    return FieldComparison(name, label, left, right, False, _say(label, left, right))


def _compare_given_names(
    record: TraineeRecord, teacher_first: str | None, teacher_middle: str | None
) -> list[FieldComparison]:
    """First and middle names; DQT re-splits first + middle names on spaces."""
    same_overall = _words(record.first_names, record.middle_names) == _words(
        teacher_first, teacher_middle
    )
    results = []
    for name, label, ours, theirs in (
        ("first_names", "first names", record.first_names, teacher_first),
        ("middle_names", "middle names", record.middle_names, teacher_middle),
    ):
        field_result = _compare_simple(name, label, ours, theirs, fold=True)
        if field_result.matches is False and same_overall:
            field_result = FieldComparison(
                name,
                label,
                field_result.register,
                field_result.dqt,
                True,
                "same names split differently between first and middle names"
                " (DQT re-splits them on spaces)",
            )
        results.append(field_result)
    return results


def _compare_date_of_birth(record: TraineeRecord, dqt: date | None) -> FieldComparison:
    result = _compare_simple(
        "date_of_birth", "date of birth", record.date_of_birth, dqt
    )
    ours = record.date_of_birth
    swapped = (
        result.matches is False
        and ours is not None
        and dqt is not None
        and (ours.year, ours.month, ours.day) == (dqt.year, dqt.day, dqt.month)
    )
    if swapped:
        note = result.note + " (day and month look swapped)"
        return replace(result, note=note)
    return result


# --- award -----------------------------------------------------------------


def _compare_award(
    record: TraineeRecord, teacher: GetTeacherResponse, today: date
) -> FieldComparison:
    award = record.award_type
    name = "eyts_date" if award == "EYTS" else "qts_date"
    label = f"{award} date"
    dqt_date = teacher.eyts_date if award == "EYTS" else teacher.qts_date
    other_date = teacher.qts_date if award == "EYTS" else teacher.eyts_date
    awarded_at = record["awarded_at"]
    awarded_on = awarded_at.date() if isinstance(awarded_at, datetime) else awarded_at
    state = enums.coerce(TraineeState, record.state)

    # The award date Register holds; the state is worded in the ITT result row.
    if awarded_on is not None:
        register_text = awarded_on.isoformat()
    elif state == TraineeState.awarded:
        register_text = "awarded, no date"
    else:
        register_text = "not awarded"
    dqt_text = dqt_date.isoformat() if dqt_date else None
    notes: list[str] = []
    if other_date is not None:
        other = "QTS" if award == "EYTS" else "EYTS"
        notes.append(
            f"DQT also shows an {other} date {other_date.isoformat()},"
            f" though the route leads to {award}"
        )
    if dqt_date and dqt_date > today:
        notes.append(f"DQT's {award} date is in the future")

    matches: bool
    if state == TraineeState.awarded:
        matches = dqt_date is not None and dqt_date == awarded_on
        if dqt_date is None:
            notes.insert(0, f"Register shows {award} awarded; DQT has no {label}")
        elif not matches:
            notes.insert(
                0,
                _say(
                    f"{label}", awarded_on.isoformat() if awarded_on else None, dqt_text
                ),
            )
    elif state == TraineeState.recommended_for_award:
        matches = dqt_date is None
        if dqt_date is None:
            notes.insert(0, f"awaiting DQT's {award} award")
        else:
            notes.insert(
                0,
                f"DQT shows {award} on {dqt_text} but Register is still recommended"
                " for award: DQT awarded, Register did not record it",
            )
    else:
        matches = dqt_date is None
        if dqt_date is not None:
            notes.insert(
                0,
                f"DQT shows {award} on {dqt_text}; Register's trainee is"
                f" {record.state_label}",
            )
        if awarded_on is not None:
            notes.append(f"Register has awarded_at set while {record.state_label}")
    return FieldComparison(
        name, label, register_text, dqt_text, matches, "; ".join(notes)
    )


# --- ITT -------------------------------------------------------------------


def _describe_row(row: TeacherItt) -> str:
    ukprn = row.provider.ukprn if row.provider else None
    status = "" if row.active else ", inactive"
    return (
        f"{row.programme_type or 'no programme type'} at UKPRN {ukprn or 'none'}"
        f" ({row.result or 'no result'}{status})"
    )


def pick_itt_row(
    rows: Sequence[TeacherItt], provider_ukprn: str | None, route: Any
) -> tuple[TeacherItt | None, IttSelection, str]:
    """Register's ITT row among DQT's, and how it was chosen, in words."""
    wanted_types = enums.programme_types_for_route(route)
    mapped = enums.dqt_programme_type(route)
    listing = "; ".join(_describe_row(r) for r in rows) or "no ITT rows"

    if not rows:
        return None, "none", "DQT has no ITT rows for this teacher"
    at_provider = [
        r
        for r in rows
        if provider_ukprn and r.provider and r.provider.ukprn == provider_ukprn
    ]
    matched = [r for r in at_provider if r.programme_type in wanted_types]

    if len(matched) == 1:
        return (
            matched[0],
            "matched",
            f"DQT's ITT record compared: UKPRN {provider_ukprn},"
            f" {matched[0].programme_type} (the one Register's update picks)",
        )
    if len(matched) > 1:
        return (
            None,
            "several",
            f"{len(matched)} ITT rows at UKPRN {provider_ukprn} with programme type"
            f" {mapped}: Register would fail with DuplicateTrainingInstanceError"
            f" ({listing})",
        )

    why = (
        f"no ITT row at UKPRN {provider_ukprn} with programme type {mapped}"
        if mapped
        else f"route {enums.route_label(route)} has no DQT programme type"
    )
    if not provider_ukprn:
        why = "the provider has no UKPRN in Register, so no ITT row can be matched"
    if len(at_provider) == 1:
        return (
            at_provider[0],
            "provider_only",
            f"{why}; compared with the only row at that provider instead"
            " (Register would fail with NoTrainingInstanceError)",
        )
    return (
        None,
        "none",
        f"{why} (Register would fail with NoTrainingInstanceError);"
        + (f" DQT has: {listing}"),
    )


def expected_results(record: TraineeRecord) -> frozenset[str] | None:
    """The DQT ITT results that agree with Register's state (None: not judged)."""
    state = enums.coerce(TraineeState, record.state)
    in_training = (
        "UnderAssessment"
        if enums.coerce(TrainingRoute, record.training_route)
        == TrainingRoute.assessment_only
        else "InTraining"
    )
    table: dict[TraineeState, frozenset[str]] = {
        TraineeState.submitted_for_trn: frozenset({in_training}),
        TraineeState.trn_received: frozenset({in_training}),
        TraineeState.deferred: frozenset({"Deferred"}),
        TraineeState.withdrawn: frozenset({"Withdrawn"}),
        TraineeState.recommended_for_award: frozenset({in_training, "Pass"}),
        TraineeState.awarded: frozenset({"Pass"}),
    }
    return table.get(state) if state is not None else None


# DQT's ITT results in plain words.
RESULT_WORDS = {
    "InTraining": "in training",
    "UnderAssessment": "under assessment",
    "Deferred": "deferred",
    "Withdrawn": "withdrawn",
    "Pass": "pass",
}


def _state_as_result(state_label: str, expected: frozenset[str] | None) -> str:
    """Register's state in DQT's terms, the state itself in brackets when it
    reads differently: "in training (TRN received)", "withdrawn"."""
    if not expected:
        return state_label
    words = " or ".join(RESULT_WORDS.get(result, result) for result in sorted(expected))
    return words if words == state_label else f"{words} ({state_label})"


def _compare_itt(
    record: TraineeRecord, row: TeacherItt | None
) -> list[FieldComparison]:
    if row is None:
        return [
            FieldComparison(
                "itt.row",
                "ITT record",
                record.programme_type,
                None,
                False,
                "DQT has no ITT row Register would recognise as this trainee's",
            )
        ]

    results: list[FieldComparison] = []
    route_types = enums.programme_types_for_route(record.training_route)
    mapped = record.programme_type
    results.append(
        FieldComparison(
            "itt.programme_type",
            "ITT programme type",
            # In DQT's terms: the type Register sends for the trainee's route.
            mapped or f"none for route {record.route_label}",
            row.programme_type,
            row.programme_type in route_types if route_types else None,
            ""
            if row.programme_type in route_types
            else f"Register's route {record.route_label} is sent as {mapped};"
            f" DQT has {row.programme_type or 'none'}",
        )
    )

    expected = expected_results(record)
    if expected is None:
        result_match, note = None, f"not judged for state {record.state_label}"
    else:
        result_match = row.result in expected
        wanted = " or ".join(sorted(expected))
        note = (
            ""
            if result_match
            else (
                f"Register's state {record.state_label} means {wanted} on DQT;"
                f" DQT has {row.result or 'none'}"
            )
        )
        if (
            result_match
            and row.result == "Pass"
            and (
                enums.coerce(TraineeState, record.state)
                == TraineeState.recommended_for_award
            )
        ):
            note = "DQT has already passed the trainee"
    results.append(
        FieldComparison(
            "itt.result",
            "ITT result",
            _state_as_result(record.state_label, expected),
            row.result,
            result_match,
            note,
        )
    )

    results.append(
        _compare_simple(
            "itt.provider_ukprn",
            "ITT provider UKPRN",
            record.provider_ukprn,
            row.provider.ukprn if row.provider else None,
        )
    )
    results.append(
        _compare_simple(
            "itt.programme_start_date",
            "ITT start date",
            record["itt_start_date"],
            row.programme_start_date,
        )
    )

    end = record["itt_end_date"]
    end_result = _compare_simple(
        "itt.programme_end_date", "ITT end date", end, row.programme_end_date
    )
    if end is None:
        estimate = estimated_end_date(record)
        sent_matches = estimate is not None and estimate == row.programme_end_date
        end_result = FieldComparison(
            end_result.name,
            end_result.label,
            None,
            end_result.dqt,
            True if sent_matches else None,
            "Register has no ITT end date and sends its estimate"
            + (f" {estimate.isoformat()}" if estimate else " (none: no start date)"),
        )
    results.append(end_result)

    results.append(
        FieldComparison(
            "itt.active",
            "ITT row active",
            "yes",
            "yes" if row.active else "no",
            row.active,
            "" if row.active else "DQT's ITT row is inactive: updates cannot reach it",
        )
    )
    return results


# --- the comparison --------------------------------------------------------


def _register_only_fields(
    record: TraineeRecord, note: str
) -> tuple[FieldComparison, ...]:
    """Every field with the Register side only, when DQT could not be compared."""
    values = [
        ("trn", "TRN", record.trn),
        ("first_names", "first names", record.first_names),
        ("middle_names", "middle names", record.middle_names),
        ("last_name", "last name", record.last_name),
        ("date_of_birth", "date of birth", record.date_of_birth),
        ("state", "state", record.state_label),
        ("itt.programme_type", "ITT programme type", record.programme_type),
        ("itt.provider_ukprn", "ITT provider UKPRN", record.provider_ukprn),
        ("itt.programme_start_date", "ITT start date", record["itt_start_date"]),
        ("itt.programme_end_date", "ITT end date", record["itt_end_date"]),
    ]
    return tuple(
        FieldComparison(name, label, _text(value), None, None, note)
        for name, label, value in values
    )


def compare_teacher(
    record: TraineeRecord, teacher: GetTeacherResponse, *, today: date
) -> tuple[tuple[FieldComparison, ...], TeacherItt | None, IttSelection, str]:
    """The field-by-field comparison of a trainee with DQT's record (no I/O)."""
    fields: list[FieldComparison] = []

    trn_field = _compare_simple("trn", "TRN", record.trn, teacher.trn)
    if record.trn is None and teacher.trn:
        trn_field = FieldComparison(
            "trn",
            "TRN",
            None,
            teacher.trn,
            False,
            f"Register has no TRN; DQT knows this trainee as {teacher.trn}",
        )
    fields.append(trn_field)
    fields.extend(_compare_given_names(record, teacher.first_name, teacher.middle_name))
    fields.append(
        _compare_simple(
            "last_name", "last name", record.last_name, teacher.last_name, fold=True
        )
    )
    fields.append(_compare_date_of_birth(record, teacher.date_of_birth))
    if record["hesa_id"] or teacher.hus_id:
        fields.append(
            _compare_simple("hesa_id", "HESA id", record["hesa_id"], teacher.hus_id)
        )
    fields.append(_compare_award(record, teacher, today))

    row, selection, note = pick_itt_row(
        teacher.initial_teacher_training, record.provider_ukprn, record.training_route
    )
    fields.extend(_compare_itt(record, row))
    return tuple(fields), row, selection, note


def _find_arguments(record: TraineeRecord) -> dict[str, Any]:
    first_word = (record.first_names or "").split()
    return {
        "first_name": first_word[0] if first_word else None,
        "last_name": record.last_name,
        "date_of_birth": record.date_of_birth,
        "email_address": record.email,
    }


def _no_search_result_message(record: TraineeRecord) -> str:
    arguments = _find_arguments(record)
    # DQT counts the first + last name pair as one identifier.
    given = sum(
        [
            bool(arguments["first_name"] and arguments["last_name"]),
            arguments["date_of_birth"] is not None,
            bool(arguments["email_address"]),
        ]
    )
    message = (
        "Register has no TRN and DQT's search (name, date of birth, email; three"
        " must match) found no teacher"
    )
    if given < 3:
        message += (
            f": Register holds only {given} of the identifiers DQT needs three of,"
            " so the search cannot match anyone"
        )
    return message


async def compare_trainee(
    record: TraineeRecord, client: DqtClient, *, today: date
) -> Comparison:
    """Look the trainee up in DQT as Register would, and compare.

    Never raises for a DQT problem: the outcome and message say what happened.
    """
    started = time.perf_counter()
    comparison = await _compare(record, client, today)
    log.info(
        "compared trainee %s with DQT by %s: %s, %d difference(s), %.0f ms",
        record.id,
        comparison.looked_up_by,
        comparison.outcome,
        len(comparison.differences),
        (time.perf_counter() - started) * 1000,
    )
    return comparison


async def _compare(record: TraineeRecord, client: DqtClient, today: date) -> Comparison:
    looked_up_by: LookedUpBy = "trn" if record.trn else "search"

    def unanswered(
        outcome: ComparisonOutcome, message: str, error: str | None = None
    ) -> Comparison:
        return Comparison(
            record,
            outcome,
            message,
            looked_up_by,
            _register_only_fields(record, "not compared: " + message),
            error=error,
            checked_on=today,
        )

    search_results: tuple[FindTeacherResult, ...] = ()
    trn = (record.trn or "").strip()
    try:
        if record.trn:
            teacher = await client.get_teacher(trn, record.date_of_birth, True)
        else:
            found = await client.find_teachers(**_find_arguments(record))
            search_results = tuple(found.results)
            if not search_results:
                return unanswered(
                    "no_trn_found_by_search", _no_search_result_message(record)
                )
            if len(search_results) > 1:
                trns = ", ".join(r.trn or "?" for r in search_results)
                result = unanswered(
                    "several_found_by_search",
                    f"Register has no TRN and DQT's search found"
                    f" {len(search_results)} teachers ({trns})",
                )
                return _with_results(result, search_results)
            trn = search_results[0].trn or ""
            teacher = await client.get_teacher(trn, record.date_of_birth, True)
    except InvalidTrn:
        return unanswered(
            "invalid_trn",
            f"Register's TRN {record.trn!r} is not 7 digits, so DQT was not asked",
        )
    except DqtUnavailable as error:
        return unanswered("dqt_unavailable", f"DQT did not answer: {error}", str(error))
    except DqtApiError as error:
        if error.status == 404:
            return _with_results(
                unanswered(
                    "not_found",
                    f"DQT has no active teacher with TRN {trn}. GET teacher"
                    " cannot tell an inactive (merged) TRN from one that does not"
                    " exist: ask the DQT team which it is",
                    str(error),
                ),
                search_results,
            )
        return _with_results(
            unanswered("dqt_error", f"DQT refused the look-up: {error}", str(error)),
            search_results,
        )

    fields, row, selection, note = compare_teacher(record, teacher, today=today)
    differences = sum(1 for f in fields if f.matches is False)
    how = "by TRN" if looked_up_by == "trn" else f"by search (TRN {teacher.trn})"
    message = f"found {how}: " + (
        f"{differences} difference(s)" if differences else "no differences"
    )
    return Comparison(
        record,
        "found",
        message,
        looked_up_by,
        fields,
        teacher=teacher,
        search_results=search_results,
        itt_row=row,
        itt_selection=selection,
        itt_note=note,
        checked_on=today,
    )


def _with_results(
    comparison: Comparison, results: tuple[FindTeacherResult, ...]
) -> Comparison:
    if not results:
        return comparison
    return replace(comparison, search_results=results)


async def compare_trainees(
    records: Iterable[TraineeRecord], client: DqtClient, *, today: date
) -> list[Comparison]:
    """Many comparisons at once; the client's rate and concurrency limits apply."""
    return list(
        await asyncio.gather(
            *(compare_trainee(record, client, today=today) for record in records)
        )
    )


def compare_trainee_sync(
    record: TraineeRecord,
    *,
    base_url: str,
    api_key: str,
    today: date,
    **client_options: Any,
) -> Comparison:
    """`compare_trainee` for code without an event loop (headless commands).

    Opens its own client for the one call. Not for use inside a running loop
    (the TUI awaits `compare_trainee` instead).
    """

    async def run() -> Comparison:
        async with DqtClient(base_url, api_key, **client_options) as client:
            return await compare_trainee(record, client, today=today)

    return asyncio.run(run())


__all__ = [
    "Comparison",
    "ComparisonOutcome",
    "FieldComparison",
    "compare_teacher",
    "compare_trainee",
    "compare_trainee_sync",
    "compare_trainees",
    "estimated_end_date",
    "expected_results",
    "pick_itt_row",
]
