"""One fix from choice to outcome: parameters, preview, confirmation, apply.

Every write in the app goes through here, so every write is previewed by the
fixes service, shown in the confirmation exactly as the service computed it,
applied only with an audit comment, journalled by the service, announced with a
toast naming the outcome, and followed by a refresh of the screen it came from.
Reading and writing run in thread workers; the screen never freezes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from tui.failures import explain
from tui.screens.base import from_worker, is_open
from tui.screens.choose import ChooseScreen
from tui.screens.confirm import EDIT_PARAMETERS, ChangeSummary, ConfirmScreen
from tui.screens.fix_params import FixParamsScreen
from tui.screens.preparing import PreparingScreen
from tui.screens.text_modal import TextModal
from tui.views.text import one_line

if TYPE_CHECKING:
    from services.fixes.base import Outcome, Preview
    from tui.app import TriageApp
    from tui.screens.base import TriageScreen

log = logging.getLogger(__name__)


def registry() -> dict[str, Any]:
    from services.fixes import FIXES

    return dict(FIXES)


def job_preset(name: str, jid: str | None) -> dict[str, str]:
    """`{"jid": ...}` for a fix that takes a job's id (to act on it, or to retry
    it afterwards), so a fix chosen from a job starts with that job."""
    fix = registry().get(name)
    takes_jid = fix is not None and any(spec.name == "jid" for spec in fix.params)
    return {"jid": jid or ""} if takes_jid else {}


def named_summary(preview: Preview, name: str | None = None) -> str:
    """The preview's summary with "trainee 46" worded as the trainee screen names
    a trainee: by name and slug, where they are known."""
    if preview.trainee_id is None or not (name or preview.slug):
        return preview.summary
    who = name or f"trainee {preview.trainee_id}"
    if preview.slug:
        who += f" (slug {preview.slug})"
    return re.sub(rf"\btrainee {preview.trainee_id}\b", who, preview.summary)


def summary_of(preview: Preview, title: str, name: str | None = None) -> ChangeSummary:
    """The confirmation's text, straight from the service's preview; `name` is
    the trainee's name, when the screen knows it."""
    from services.fixes import job_audit

    sections: list[tuple[str, list[str]]] = []
    if preview.db_changes:
        lines = [change.describe() for change in preview.db_changes]
        lines.append("+ an audit row with your comment, as Register's own edits")
        sections.append(("Register database", lines))
    elif job_audit.writes_job_audit(preview) and not preview.blocked:
        sections.append(("Register database", job_audit.preview_lines(preview)))
    if preview.redis_changes:
        sections.append(
            (
                "Sidekiq, in this order",
                [
                    f"{n}. {c.description}"
                    for n, c in enumerate(preview.redis_changes, 1)
                ],
            )
        )
    if preview.dqt_calls:
        sections.append(("DQT", list(preview.dqt_calls)))
    if preview.message:
        sections.append(("Message for the DQT team", preview.message.splitlines()))
    if not preview.changes_anything and not preview.blocked:
        sections.append(("Changes", ["nothing would change"]))
    if preview.next_steps:
        sections.append(("Afterwards", list(preview.next_steps)))
    summary = named_summary(preview, name)
    heading = f"{title}: {summary}" if summary else title
    return ChangeSummary(
        title=heading,
        sections=sections,
        warnings=list(preview.warnings),
        blocked=preview.blocked,
    )


class FixFlow:
    """Drives fixes on behalf of one screen; `on_applied` refreshes that screen."""

    def __init__(
        self,
        screen: TriageScreen,
        on_applied: Callable[[], None],
        *,
        name_of: Callable[[int], str | None] | None = None,
    ) -> None:
        self.screen = screen
        self.on_applied = on_applied
        # The trainee's name by id, where the screen has it, for the confirmation.
        self.name_of = name_of
        # The fix chooser the current fix came from, if any (see `start`).
        self._back: Callable[[], None] | None = None

    @property
    def app(self) -> TriageApp:
        return self.screen.triage

    # --- choosing --------------------------------------------------------------------

    def offer(
        self,
        names: Sequence[str],
        plan: Callable[[str], tuple[str, dict[str, str]]],
        *,
        title: str,
    ) -> None:
        """The fixes on offer, as a list; `plan(name)` gives each one's target
        (a trainee's id or slug) and the parameters already known (a job's jid)."""
        fixes = registry()
        choices = []
        for name in names:
            fix = fixes.get(name)
            if fix is None:
                continue
            choices.append((name, fix.title or name, fix.description))
        if not choices:
            self.app.notify("No fix on offer here.", title="Fixes", severity="warning")
            return

        def again() -> None:
            self.offer(names, plan, title=title)

        self.app.push_screen(
            ChooseScreen(title, choices),
            lambda chosen: (
                self.start(chosen, *plan(chosen), back=again) if chosen else None
            ),
        )

    def start(
        self,
        name: str,
        target: str,
        preset: dict[str, str] | None = None,
        *,
        back: Callable[[], None] | None = None,
    ) -> None:
        """Fix `name` on `target`; asks for the parameters not in `preset`.
        `back` reopens the list it was chosen from when it cannot be applied."""
        self._back = back
        fix = registry().get(name)
        if fix is None:
            self.app.notify(f"No fix called {name}.", title="Fixes", severity="error")
            return
        params = dict(preset or {})
        # Parameters with a default are not asked for: the confirmation shows what
        # they do and ctrl+e there changes them.
        missing = [
            spec
            for spec in fix.params
            if spec.name not in params and (spec.required or spec.default is None)
        ]
        if missing:
            self.ask_params(fix, target, params)
            return
        self._preview(fix, target, params)

    def ask_params(
        self,
        fix: Any,
        target: str,
        params: dict[str, str],
        error: str | None = None,
    ) -> None:
        """The fix's parameters in a form, prefilled with what is known;
        `error` says why the values last given were refused."""
        fields = [
            (
                spec.name,
                spec.help,
                params.get(spec.name, spec.default or ""),
                spec.required,
            )
            for spec in fix.params
        ]
        self.app.push_screen(
            FixParamsScreen(fix.title or fix.name, fields, error=error),
            lambda values: (
                self._preview(fix, target, values) if values is not None else None
            ),
        )

    # --- preview ---------------------------------------------------------------------

    def _preview(self, fix: Any, target: str, params: dict[str, str]) -> None:
        # Said at once: with DQT slow or unreachable the preview takes seconds,
        # and the form has closed.
        preparing = PreparingScreen(fix.title or fix.name, asks_dqt=fix.needs_dqt)
        # The app is passed in: a worker's thread finds it through the screen,
        # which the operator may close while the worker runs.
        worker = self.screen.run_worker(
            partial(self._preview_in_thread, self.app, preparing, fix, target, params),
            thread=True,
            group="fix",
            exclusive=True,
        )

        def answered(stopped: bool | None) -> None:
            if stopped:
                log.info("fix %s: stopped waiting for the preview", fix.name)
                worker.cancel()

        self.app.push_screen(preparing, answered)

    @staticmethod
    def _prepared(
        preparing: PreparingScreen, callback: Callable[..., Any], *args: Any
    ) -> None:
        """`callback(*args)` once the preview (or its failure) is there, unless
        the operator stopped waiting for it."""
        if preparing.stopped:
            return
        preparing.done()
        callback(*args)

    def _preview_in_thread(
        self,
        app: TriageApp,
        preparing: PreparingScreen,
        fix: Any,
        target: str,
        params: dict[str, str],
    ) -> None:
        from services import fixes as fixes_service
        from services.fixes.base import FixInputError

        try:
            preview = fixes_service.preview(app.fix_context(), fix.name, target, params)
        except FixInputError as error:
            # The form opens again with the values kept and the reason shown.
            # Not the reason itself: it may quote a date of birth.
            log.info("fix %s: values refused, form shown again", fix.name)
            from_worker(
                self.screen,
                self._prepared,
                preparing,
                self.ask_params,
                fix,
                target,
                dict(params),
                str(error),
            )
            return
        except Exception as error:  # noqa: BLE001 - a service failure is shown, not raised
            service, detail = explain(error, f"previewing {fix.name}")
            app.call_from_thread(
                self._prepared,
                preparing,
                partial(
                    app.notify,
                    f"{service} did not answer: {detail}",
                    title="Preview failed",
                    severity="error",
                ),
            )
            return
        # Not shown over another screen when the fix's screen was closed meanwhile.
        from_worker(self.screen, self._prepared, preparing, self._confirm, fix, preview)

    def _confirm(self, fix: Any, preview: Preview) -> None:
        title = fix.title or fix.name
        if preview.read_only:
            self._show_read_only(title, preview)
            return
        target = str(preview.trainee_id) if preview.trainee_id is not None else ""

        def answered(comment: str | None) -> None:
            if comment == EDIT_PARAMETERS:
                self.ask_params(fix, target, preview.param_dict)
            elif comment:
                self._apply(preview, comment)
            elif preview.blocked and self._back is not None:
                # Nothing could be applied: back to the other fixes on offer.
                self._back()

        self.app.push_screen(
            ConfirmScreen(
                summary_of(preview, title, self._name(preview)),
                writes_enabled=self.app.writes_enabled,
                editable=bool(fix.params),
            ),
            answered,
        )

    def _name(self, preview: Preview) -> str | None:
        if self.name_of is None or preview.trainee_id is None:
            return None
        return self.name_of(preview.trainee_id)

    def _show_read_only(self, title: str, preview: Preview) -> None:
        # The service has journalled it as "previewed": there is nothing to apply.
        lines = [named_summary(preview, self._name(preview)), ""]
        lines += [f"! {warning}" for warning in preview.warnings]
        if preview.message:
            lines += ["", preview.message]
        lines += [f"- {step}" for step in preview.next_steps]
        self.app.push_screen(TextModal(title, "\n".join(lines)))

    # --- apply -----------------------------------------------------------------------

    def _apply(self, preview: Preview, comment: str) -> None:
        # The write goes on, and is announced, if the screen is closed meanwhile.
        self.screen.run_worker(
            partial(self._apply_in_thread, self.app, preview, comment),
            thread=True,
            group="fix",
            exclusive=True,
        )

    def _apply_in_thread(self, app: TriageApp, preview: Preview, comment: str) -> None:
        from services.fixes.apply import apply

        try:
            outcome = apply(app.fix_context(), preview, comment)
        except Exception as error:  # noqa: BLE001 - apply reports; this is a last guard
            service, detail = explain(error, f"applying {preview.fix}")
            app.call_from_thread(
                app.notify,
                f"{service} failed: {detail}",
                title="Fix failed",
                severity="error",
            )
            return
        app.call_from_thread(self._done, app, outcome)

    def _done(self, app: TriageApp, outcome: Outcome) -> None:
        announce(app, outcome)
        # Every list is read again (this screen now, the others when shown).
        app.data_changed()
        if not is_open(self.screen):
            # The screen was closed while the write ran: nothing to refresh.
            return
        self.screen.mark_fresh()
        self.on_applied()


# About three lines of a toast at 80 columns, per part.
TOAST_CHARS = 110


def announce(app: TriageApp, outcome: Outcome) -> None:
    """A toast that names the outcome and, when partial, what is left to do."""
    text = one_line(outcome.summary, TOAST_CHARS)
    cut = text != outcome.summary
    if outcome.left_to_do:
        left = "; ".join(outcome.left_to_do)
        text += "\nLeft to do: " + one_line(left, TOAST_CHARS)
        cut = cut or len(left) > TOAST_CHARS
    if cut:
        # A toast covers the screen at 80x24: the whole outcome is journalled.
        text += "\nIn full: Journal (l)."
    severity = {
        "applied": "information",
        "previewed": "information",
        "partial": "warning",
        "refused": "warning",
    }.get(outcome.status, "error")
    app.notify(
        text,
        title=f"Fix {outcome.status}",
        severity=severity,  # type: ignore[arg-type]
        timeout=10 if outcome.status != "applied" else 6,
    )


def delete_orphan_job(
    screen: TriageScreen, job: Any, on_done: Callable[[], None]
) -> None:
    """Delete a job whose trainee is gone: there is no trainee for a fix to act on,
    so the jobs service's delete runs behind the same confirmation."""
    from services.sidekiq.actions import JobActions

    app = screen.triage
    actions = JobActions(
        app.connections.redis,
        writes_enabled=app.writes_enabled,
        operator=app.operator,
        journal=app.journal(),
        major=app.settings.triage_sidekiq_version,
        clock=lambda: app.now().timestamp(),
    )
    preview = actions.preview_delete([job])
    summary = ChangeSummary(
        title=f"Delete {job.job_class or 'an entry'} {job.jid or ''}: record gone",
        sections=[("Sidekiq", [step.description for step in preview.steps])],
        warnings=[
            *(skip.detail for skip in preview.skipped),
            "no audit row: the job's trainee is not in Register, so only the "
            "journal records this delete",
        ],
        blocked=None if preview.steps else "nothing to delete",
    )

    def apply(comment: str | None) -> None:
        if not comment:
            return

        def work() -> None:
            try:
                report = actions.delete([job], reason=comment)
            except Exception as error:  # noqa: BLE001 - shown as a toast
                service, detail = explain(error, f"deleting job {job.jid}")
                app.call_from_thread(
                    app.notify,
                    f"{service}: {detail}",
                    title="Delete failed",
                    severity="error",
                )
                return
            app.call_from_thread(app.notify, report.summary(), title="Job deleted")
            app.call_from_thread(app.data_changed)
            from_worker(screen, screen.mark_fresh)
            from_worker(screen, on_done)

        screen.run_worker(work, thread=True, group="fix", exclusive=True)

    app.push_screen(ConfirmScreen(summary, writes_enabled=app.writes_enabled), apply)
