"""Every playbook fix as a previewed, audited, all-or-nothing operation.

Use:
    preview = fixes.preview(ctx, "unwithdraw", slug, {})
    outcome = fixes.apply(ctx, preview, comment="withdrawn in error, Zendesk 4711")

`FIXES` maps each fix's name (the names the playbook offers) to its operation.
The TUI's confirmation dialogs and `triage fix` both go through these two
functions, so there is one way to make every change.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from services.fixes.align_date_of_birth import AlignDateOfBirth
from services.fixes.apply import apply, journal_preview
from services.fixes.award_on_register import AwardOnRegister
from services.fixes.base import (
    Fix,
    FixContext,
    FixInputError,
    Outcome,
    Preview,
)
from services.fixes.change_route import ChangeRoute
from services.fixes.degree_ukprn_lookup import DegreeUkprnLookup
from services.fixes.edit_field import EditField
from services.fixes.ordered_retry import OrderedRetry
from services.fixes.record_trn import RecordTrn
from services.fixes.requeue_award import RequeueAward
from services.fixes.reverse_award import ReverseAward
from services.fixes.single_job import DeleteJob, RetryJob
from services.fixes.trn_polling import ReregisterForTrn, RestartTrnPolling
from services.fixes.unwithdraw import Unwithdraw

log = logging.getLogger(__name__)

FIXES: dict[str, Fix] = {
    fix.name: fix
    for fix in (
        RetryJob(),
        DeleteJob(),
        OrderedRetry(),
        AwardOnRegister(),
        AlignDateOfBirth(),
        ReregisterForTrn(),
        RestartTrnPolling(),
        DegreeUkprnLookup(),
        Unwithdraw(),
        ReverseAward(),
        ChangeRoute(),
        EditField(),
        RecordTrn(),
        RequeueAward(),
    )
}


def get_fix(name: str) -> Fix:
    try:
        return FIXES[name]
    except KeyError:
        raise FixInputError(
            f"no fix called {name!r}; fixes: {', '.join(sorted(FIXES))}"
        ) from None


def preview(
    ctx: FixContext, name: str, target: str, params: Mapping[str, str] | None = None
) -> Preview:
    """What fix `name` would do to the trainee `target` (slug or id); writes nothing.

    Raises FixInputError for an unknown fix, trainee or parameter. A read-only
    fix's preview is its result, so it is journalled as "previewed".
    """
    fix = get_fix(name)
    result = fix.preview(ctx, target, dict(params or {}))
    # The blocked reason can quote personal data (a date of birth): not logged.
    log.info(
        "preview %s trainee %s: %s",
        name,
        result.trainee_id,
        "blocked" if result.blocked else "ready",
    )
    if result.read_only:
        journal_preview(ctx, result)
    return result


__all__ = [
    "FIXES",
    "Fix",
    "FixContext",
    "FixInputError",
    "Outcome",
    "Preview",
    "apply",
    "get_fix",
    "preview",
]
