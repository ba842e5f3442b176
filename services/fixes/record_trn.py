"""Record a TRN DQT has issued, as Register's RetrieveTrnJob does when a poll succeeds.

The pending-TRN screen's "check DQT for the TRN now": the preview asks DQT for the
trainee's TRN request (GET /v2/trn-requests/{requestId}); when DQT has issued the
TRN, applying records it the way `Dqt::RetrieveTrnJob` does on success:

- `trainee.trn_received!(trn)`: the state becomes trn_received (from
  submitted_for_trn or trn_received; a deferred or withdrawn trainee keeps its
  state but still gets the TRN), and `trn` is written only when none is stored;
  one audit row, as the audited gem writes for that save;
- `trn_request.received!`: `dqt_trn_requests.state` becomes received (not
  audited in Register, and not here).

Nothing is sent to DQT and no job is enqueued: in the DQT era Register scheduled
nothing after a successful poll. A scheduled RetrieveTrnJob left behind finds
the TRN itself on its next run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import RowMapping

from services.fixes.base import Fix, FixContext, Preview, RowWrite
from services.fixes.common import (
    changes_between,
    discarded_reason,
    load_trainee,
    trainee_preview,
)
from services.fixes.rows import find_trn_request, trn_request_snapshot
from services.register import enums
from services.register.enums import TraineeState, TrnRequestState

# `receive_trn` moves these states to trn_received; `trn_received!` leaves deferred
# and withdrawn trainees in their state but still stores the TRN.
RECEIVING_STATES = frozenset(
    {TraineeState.submitted_for_trn, TraineeState.trn_received}
)
KEEPING_STATES = frozenset({TraineeState.deferred, TraineeState.withdrawn})

DQT_CALL = "GET /v2/trn-requests/{requestId}"


class RecordTrn(Fix):
    name = "record_trn"
    title = "Record the TRN DQT has issued"
    description = (
        "Ask DQT for the trainee's TRN request; when the TRN is there, record it as "
        "Register's RetrieveTrnJob would (TRN received, request marked received)."
    )
    needs_dqt = True

    def preview(
        self, ctx: FixContext, target: str, params: Mapping[str, str]
    ) -> Preview:
        values = self.check_params(params)
        row = load_trainee(ctx, target)
        with ctx.engine.connect() as conn:
            request = find_trn_request(conn, row["id"])

        blocked = discarded_reason(row) or _state_problem(row)
        if not blocked and request is None:
            blocked = (
                "the trainee has no TRN request row: there is nothing to ask DQT "
                "about (use reregister_for_trn)"
            )
        dqt_trn, dqt_status, problem = (None, None, None)
        if not blocked and request is not None:
            dqt_trn, dqt_status, problem = ask_trn_request(
                ctx, str(request["request_id"])
            )
            blocked = problem
        if not blocked and not dqt_trn:
            blocked = f"DQT has no TRN for this request yet (status {dqt_status})"

        warnings: list[str] = []
        changes: tuple[Any, ...] = ()
        writes: tuple[RowWrite, ...] = ()
        if not blocked and request is not None and dqt_trn:
            changes, warnings = _trainee_changes(row, dqt_trn)
            writes = _request_write(request)

        return trainee_preview(
            self.name,
            row,
            values,
            summary=(
                f"record TRN {dqt_trn} for trainee {row['id']}"
                if dqt_trn
                else f"look for the TRN of trainee {row['id']} in DQT"
            ),
            related=trn_request_snapshot(request),
            db_changes=changes,
            related_writes=writes,
            dqt_calls=(DQT_CALL,),
            warnings=warnings,
            blocked=blocked,
        )


def _state_problem(row: RowMapping) -> str | None:
    state = enums.coerce(TraineeState, row["state"])
    if state in RECEIVING_STATES or state in KEEPING_STATES:
        return None
    return (
        f"the trainee is {enums.state_label(row['state'])}: Register only records a "
        "TRN for trainees submitted for TRN, TRN received, deferred or withdrawn"
    )


def ask_trn_request(
    ctx: FixContext, request_id: str
) -> tuple[str | None, str | None, Any]:
    """(TRN or None, DQT's status, why DQT could not be asked or None)."""
    if not ctx.dqt_base_url:
        return None, None, "no DQT service is configured (DQT_API_URL)"
    from dqt.client import DqtClient, DqtUnavailable
    from dqt.errors import DqtApiError

    async def ask() -> Any:
        async with DqtClient(ctx.dqt_base_url or "", ctx.dqt_api_key or "") as client:
            return await client.get_trn_request(request_id)

    try:
        info = asyncio.run(ask())
    except DqtApiError as error:
        if error.status == 404:
            return None, None, "DQT does not know this TRN request (404)"
        return None, None, f"DQT answered {error.status}: {error}"
    except DqtUnavailable as error:
        return None, None, f"DQT unavailable: {error}"
    trn = (info.trn or "").strip() or None
    return trn, str(info.status), None


def _trainee_changes(
    row: RowMapping, dqt_trn: str
) -> tuple[tuple[Any, ...], list[str]]:
    """What `trainee.trn_received!(trn)` changes on this row."""
    warnings = []
    new_values: dict[str, Any] = {}
    if enums.coerce(TraineeState, row["state"]) in RECEIVING_STATES:
        new_values["state"] = int(TraineeState.trn_received)
    else:
        warnings.append(
            f"the trainee stays {enums.state_label(row['state'])}: Register stores "
            "the TRN without changing a deferred or withdrawn trainee's state"
        )
    stored = (row["trn"] or "").strip()
    if not stored:
        new_values["trn"] = dqt_trn
    elif stored != dqt_trn:
        warnings.append(
            f"Register already holds TRN {stored} and DQT issued {dqt_trn}: Register "
            "keeps the stored TRN; ask the DQT team which is right"
        )
    return changes_between(row, new_values), warnings


def _request_write(request: RowMapping) -> tuple[RowWrite, ...]:
    if request["state"] == TrnRequestState.received:
        return ()
    return (
        RowWrite(
            table="dqt_trn_requests",
            row_id=int(request["id"]),
            column="state",
            old=request["state"],
            new=int(TrnRequestState.received),
            old_label=enums.label(TrnRequestState, request["state"]),
            new_label="received",
        ),
    )
