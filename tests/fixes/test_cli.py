"""`triage fix` headless: list, preview, apply, refusals and exit statuses."""

from __future__ import annotations

import json

from tests.fixes.helpers import add_trainee, audit_rows, trainee_row


def _services(database_url, redis_url, simulator, writes="true"):
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DQT_API_URL": simulator.url,
        "DQT_API_KEY": "test-api-key",
        "TRIAGE_OPERATOR": "Grace Oduya",
        "TRIAGE_ALLOW_WRITES": writes,
    }


def test_list_names_every_fix(run_triage):
    result = run_triage("fix", "--list", "--json")

    assert result.returncode == 0, result.stderr
    names = {row["name"] for row in json.loads(result.stdout)}
    assert {"edit_field", "unwithdraw", "change_route", "reverse_award"} <= names


def test_preview_prints_and_apply_applies(
    run_triage, engine, provider, database_url, redis_url, simulator
):
    add_trainee(engine, 80, last_name="Fenwick")
    env = _services(database_url, redis_url, simulator)

    shown = run_triage(
        "fix",
        "edit_field",
        "80",
        "--preview",
        "--param",
        "field=last_name",
        "--param",
        "value=Hale",
        **env,
    )
    assert shown.returncode == 0, shown.stderr
    assert "last_name: Fenwick -> Hale" in shown.stdout
    assert trainee_row(engine, 80)["last_name"] == "Fenwick"

    applied = run_triage(
        "fix",
        "edit_field",
        "80",
        "--apply",
        "--comment",
        "Zendesk 12",
        "--param",
        "field=last_name",
        "--param",
        "value=Hale",
        **env,
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert applied.stdout.startswith("applied:")
    assert trainee_row(engine, 80)["last_name"] == "Hale"
    assert audit_rows(engine, 80)[-1]["username"] == "Grace Oduya via register-triage"


def test_apply_is_refused_with_exit_1_when_writes_are_off(
    run_triage, engine, provider, database_url, redis_url, simulator
):
    add_trainee(engine, 81, last_name="Fenwick")
    env = _services(database_url, redis_url, simulator, writes="false")

    result = run_triage(
        "fix",
        "edit_field",
        "81",
        "--apply",
        "--comment",
        "Zendesk 13",
        "--param",
        "field=last_name",
        "--param",
        "value=Hale",
        **env,
    )

    assert result.returncode == 1
    assert "writes are disabled" in result.stdout
    assert trainee_row(engine, 81)["last_name"] == "Fenwick"


def test_usage_errors_exit_2(
    run_triage, engine, provider, database_url, redis_url, simulator
):
    env = _services(database_url, redis_url, simulator)

    no_comment = run_triage("fix", "unwithdraw", "81", "--apply", **env)
    unknown_fix = run_triage("fix", "make_tea", "81", "--preview", **env)
    bad_param = run_triage(
        "fix", "unwithdraw", "81", "--preview", "--param", "x", **env
    )

    assert no_comment.returncode == 2 and "--comment" in no_comment.stderr
    assert (
        unknown_fix.returncode == 2 and "no fix called 'make_tea'" in unknown_fix.stderr
    )
    assert bad_param.returncode == 2 and "not KEY=VALUE" in bad_param.stderr


def test_osc52_puts_the_message_on_the_clipboard():
    from triage.commands.fix import osc52

    assert osc52("UKPRN: 10099901") == "\x1b]52;c;VUtQUk46IDEwMDk5OTAx\x07"


def test_a_trainee_is_named_by_trn_or_by_id(
    run_triage, engine, provider, database_url, redis_url, simulator
):
    add_trainee(engine, 83, trn="2000083", last_name="Byrn")
    add_trainee(engine, 84, trn="2000084")
    add_trainee(engine, 85, trn="2000084")
    env = _services(database_url, redis_url, simulator)
    edit = ("--preview", "--param", "field=last_name", "--param", "value=Hale")

    by_trn = run_triage("fix", "edit_field", "2000083", *edit, **env)
    by_hash = run_triage("fix", "edit_field", "#83", *edit, **env)
    by_id = run_triage("fix", "edit_field", "id:83", *edit, **env)
    for shown in (by_trn, by_hash, by_id):
        assert shown.returncode == 0, shown.stderr
        assert "trainee: 83 (" in shown.stdout
        assert "last_name: Byrn -> Hale" in shown.stdout

    unknown = run_triage("fix", "edit_field", "2999999", *edit, **env)
    assert unknown.returncode == 2
    assert "no trainee with TRN 2999999 (an id is #2999999)" in unknown.stderr

    shared = run_triage("fix", "edit_field", "2000084", *edit, **env)
    assert shared.returncode == 2
    assert "several trainees hold TRN 2000084: #84, #85" in shared.stderr
