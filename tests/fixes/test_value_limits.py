"""Values the fixes refuse before previewing: the form shows why, with the limit."""

from __future__ import annotations

import pytest

from services import fixes
from services.fixes.base import FixInputError
from tests.fixes.helpers import add_trainee, add_trn_request


def test_a_polling_timeout_more_than_90_days_ahead_is_refused(engine, provider, ctx):
    add_trainee(engine, 901, state=1, trn=None)
    add_trn_request(engine, 901, 5901)

    with pytest.raises(FixInputError) as refused:
        fixes.preview(ctx, "restart_trn_polling", "901", {"timeout": "9999-12-31"})
    # The clock says 2023-06-12: 90 days later is the latest accepted.
    latest = fixes.preview(ctx, "restart_trn_polling", "901", {"timeout": "2023-09-10"})

    assert str(refused.value) == (
        "the timeout 9999-12-31 is more than 90 days ahead: give a date up to "
        "2023-09-10 (if DQT needs longer, ask them why)"
    )
    assert latest.blocked is None


def test_a_name_longer_than_255_characters_is_refused(engine, provider, ctx):
    add_trainee(engine, 902)

    with pytest.raises(FixInputError) as refused:
        fixes.preview(
            ctx, "edit_field", "902", {"field": "last_name", "value": "A" * 300}
        )
    longest = fixes.preview(
        ctx, "edit_field", "902", {"field": "last_name", "value": "B" * 255}
    )

    assert str(refused.value) == (
        "last_name is 300 characters long; at most 255 are accepted"
    )
    assert longest.blocked is None
