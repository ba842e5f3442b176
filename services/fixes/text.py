"""Previews and outcomes as plain text lines, for the headless command and logs."""

from __future__ import annotations

from services.fixes import job_audit
from services.fixes.base import Outcome, Preview


def preview_lines(preview: Preview, title: str = "") -> list[str]:
    lines = [f"fix: {preview.fix}" + (f" ({title})" if title else "")]
    lines.append(f"trainee: {preview.trainee_id} ({preview.slug})")
    lines.append(f"summary: {preview.summary}")
    if preview.params:
        lines.append(
            "parameters: "
            + ", ".join(f"{key}={value}" for key, value in preview.params)
        )
    if preview.blocked:
        lines.append(f"CANNOT BE APPLIED: {preview.blocked}")

    database = [change.describe() for change in preview.db_changes]
    database += [write.describe() for write in preview.related_writes]
    if preview.db_changes and not preview.blocked:
        database.append("+ an audit row with your comment")
    if not preview.blocked:
        database += job_audit.preview_lines(preview)
    lines.append("database changes:" if database else "database changes: none")
    lines += [f"  {change}" for change in database]
    if preview.redis_changes:
        lines.append("Sidekiq changes, in order:")
        lines += [
            f"  {number}. {change.description}"
            for number, change in enumerate(preview.redis_changes, start=1)
        ]
    else:
        lines.append("Sidekiq changes: none")
    if preview.dqt_calls:
        lines.append("DQT calls made for this preview:")
        lines += [f"  {call}" for call in preview.dqt_calls]
    if preview.warnings:
        lines.append("notes:")
        lines += [f"  - {warning}" for warning in preview.warnings]
    if preview.message:
        lines.append("message (copy and send):")
        lines += [f"  | {line}" for line in preview.message.splitlines()]
    if preview.next_steps:
        lines.append("next steps:")
        lines += [f"  - {step}" for step in preview.next_steps]
    lines.append(f"fingerprint: {preview.fingerprint.digest}")
    return lines


def outcome_lines(outcome: Outcome) -> list[str]:
    lines = [f"{outcome.status}: {outcome.summary}"]
    if outcome.request_uuid and outcome.audit_ids:
        lines.append(
            f"audit rows: {', '.join(map(str, outcome.audit_ids))} "
            f"(request {outcome.request_uuid})"
        )
    if outcome.left_to_do:
        lines.append("left to do:")
        lines += [f"  - {item}" for item in outcome.left_to_do]
    if outcome.message:
        lines.append("message (copy and send):")
        lines += [f"  | {line}" for line in outcome.message.splitlines()]
    return lines
