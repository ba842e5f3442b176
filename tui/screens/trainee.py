"""One trainee: Register beside DQT, the record, the audit timeline, jobs and fixes.

Three loads run side by side, each in its own worker: the record and timeline
(PostgreSQL), the trainee's jobs (Redis) and the DQT comparison (HTTP, async).
Whichever fails says so in its own tab with the key that tries again; the others
are still shown. Escape cancels what is still loading, then goes back.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from tui.failures import explain
from tui.fix_flow import FixFlow, job_preset, registry
from tui.screens.base import TriageScreen, from_worker, is_open
from tui.screens.text_modal import TextModal
from tui.views import trainee as view
from tui.views.failed_jobs import raw_error_text
from tui.views.text import label_grid, one_line, short_class
from tui.widgets.load_state import LoadState
from tui.widgets.row_table import RowTable

# How often a started ordered retry is looked at again while its update waits.
PLAN_POLL_SECONDS = 5.0

TABS = ("tab-compare", "tab-record", "tab-timeline", "tab-jobs", "tab-fixes")

# Where a failed job waits: a retry or the dead set (not a queue or schedule).
FAILED_SETS = ("retry", "dead")

# The comparison's headline while DQT's side could not be read (the load pane
# above it says why, with the retry key).
UNAVAILABLE_HEADLINE = "DQT side unavailable; Register's record is shown beside."


class TraineeScreen(TriageScreen):
    SCREEN_TITLE = "Trainee"
    HELP = (
        "One trainee. 'Register / DQT' puts Register's values beside DQT's, field "
        "by field, with each difference marked ✗ and worded. 'Record' is "
        "Register's record in plain words; 'Timeline' its audit trail, newest "
        "first, with comments; 'Jobs' its Sidekiq entries; 'Fixes' the fixes that "
        "apply. Numbers 1 to 5 switch tabs."
    )

    BINDINGS: ClassVar = [
        Binding(
            "escape",
            "back",
            "Back",
            id="trainee.back",
            tooltip="Cancel what is still loading, else go back",
        ),
        Binding(
            "f",
            "fix",
            "Fixes",
            id="trainee.fix",
            tooltip="Choose one of the fixes that apply to this trainee",
        ),
        Binding(
            "g",
            "retry_dqt",
            "Ask DQT",
            id="trainee.retry_dqt",
            tooltip="Ask DQT again and compare with Register",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="trainee.reload",
            tooltip="Read the record, timeline, jobs and DQT again",
        ),
        Binding(
            "r",
            "retry_job",
            "Retry job",
            id="trainee.retry_job",
            tooltip="Retry the job highlighted in the Jobs tab",
        ),
        Binding(
            "d",
            "delete_job",
            "Delete job",
            id="trainee.delete_job",
            show=False,
            tooltip="Delete the job highlighted in the Jobs tab",
        ),
        Binding(
            "e",
            "raw_error",
            "Raw error",
            id="trainee.raw_error",
            show=False,
            tooltip="Whole error and entry of the job highlighted in the Jobs tab",
        ),
        Binding(
            "1",
            "tab('tab-compare')",
            "Register / DQT",
            id="trainee.tab_compare",
            show=False,
            tooltip="Show Register beside DQT",
        ),
        Binding(
            "2",
            "tab('tab-record')",
            "Record",
            id="trainee.tab_record",
            show=False,
            tooltip="Show Register's record in plain words",
        ),
        Binding(
            "3",
            "tab('tab-timeline')",
            "Timeline",
            id="trainee.tab_timeline",
            show=False,
            tooltip="Show the audit timeline, newest first",
        ),
        Binding(
            "4",
            "tab('tab-jobs')",
            "Jobs",
            id="trainee.tab_jobs",
            show=False,
            tooltip="Show this trainee's Sidekiq entries",
        ),
        Binding(
            "5",
            "tab('tab-fixes')",
            "Fixes tab",
            id="trainee.tab_fixes",
            show=False,
            tooltip="Show the fixes that apply",
        ),
    ]

    def __init__(self, trainee_id: int) -> None:
        super().__init__()
        self.trainee_id = trainee_id
        self.data: view.TraineeData | None = None
        self.jobs: view.TraineeJobs | None = None
        self.fix_names: list[str] = []
        self.fixes = FixFlow(self, self.action_reload, name_of=self._name_of)
        # The comparison shown, kept to lay the table out again on a resize.
        self.shown: view.ComparisonView | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(f"Trainee {self.trainee_id}", id="trainee-heading")
        yield LoadState(id="trainee-load")
        with TabbedContent(id="trainee-tabs", initial="tab-compare"):
            with (
                TabPane("1 Register / DQT", id="tab-compare"),
                Horizontal(id="compare-main"),
            ):
                with VerticalScroll(id="compare-record"):
                    yield Static("", id="compare-record-text")
                with VerticalScroll(id="compare-side"):
                    yield Static("Asking DQT…", id="compare-headline")
                    yield LoadState(id="compare-load")
                    # Above the table: at 80x24 the table alone fills the pane.
                    yield Static("", id="compare-notes")
                    yield RowTable(id="compare", cursor_type="row", zebra_stripes=True)
                    # Wide terminals show the trainee's jobs here too.
                    yield Static("", id="compare-jobs")
            with TabPane("2 Record", id="tab-record"), VerticalScroll():
                yield Static("", id="record-text")
            with TabPane("3 Timeline", id="tab-timeline"), VerticalScroll():
                yield Static("", id="timeline-text")
            with TabPane("4 Jobs", id="tab-jobs"):
                yield LoadState(id="tjobs-load")
                yield RowTable(id="trainee-jobs", cursor_type="row", zebra_stripes=True)
                yield Static("", id="tjobs-notes")
                # The highlighted job in full: the table's cells are cut to fit.
                with VerticalScroll(id="tjobs-detail"):
                    yield Static("", id="tjobs-detail-text")
            with TabPane("5 Fixes", id="tab-fixes"):
                yield OptionList(id="trainee-fixes")

    def on_mount(self) -> None:
        # The fixes package is imported here, on the event loop, before the
        # record and jobs workers start: two threads importing it at once can
        # each see it half initialised.
        registry()
        self.action_reload()

    # --- loading ---------------------------------------------------------------------

    def action_reload(self) -> None:
        self.query_one("#trainee-load", LoadState).loading("Reading Register…")
        self.query_one("#tjobs-load", LoadState).loading("Reading Sidekiq…")
        self.load_record()
        self.load_jobs()

    @work(thread=True, exclusive=True, group="record")
    def load_record(self) -> None:
        app = self.triage
        try:
            data = view.load_trainee_data(
                app.connections, self.trainee_id, today=app.today()
            )
            institutions = view.institution_ukprns(app.institutions_path())
        except Exception as error:  # noqa: BLE001 - shown with a retry key
            service, detail = explain(error, f"loading trainee {self.trainee_id}")
            from_worker(self, self._record_failed, service, detail)
            return
        from_worker(self, self._show_record, data, institutions)

    def _record_failed(self, service: str, detail: str) -> None:
        self.query_one("#trainee-load", LoadState).failed(service, detail)
        self.query_one("#compare-headline", Static).update(
            "Register's record could not be read, so DQT was not asked."
        )

    def _show_record(self, data: view.TraineeData | None, institutions: dict) -> None:
        load = self.query_one("#trainee-load", LoadState)
        if data is None:
            load.failed("PostgreSQL", f"no trainee with id {self.trainee_id}")
            return
        load.ready()
        self.data = data
        record = data.record
        self.query_one("#trainee-heading", Static).update(
            Text(view.heading(record), style="bold")
        )

        # Two columns: a long value (provider, degree) wraps under itself.
        lines = view.record_lines(record, institutions=institutions)
        self.query_one("#record-text", Static).update(label_grid(lines))
        self.query_one("#compare-record-text", Static).update(label_grid(lines))

        timeline = Text()
        for when, what, detail in view.timeline_lines(data.timeline):
            timeline.append(f"{when}  ", style="bold")
            timeline.append(f"{what}\n")
            for line in detail.splitlines():
                timeline.append(f"    {line}\n", style="dim")
        self.query_one("#timeline-text", Static).update(
            timeline if data.timeline else "No audits for this trainee."
        )
        self._show_fixes()
        self.compare()

    @work(thread=True, exclusive=True, group="jobs")
    def load_jobs(self) -> None:
        app = self.triage
        try:
            jobs = view.load_trainee_jobs(
                app.connections, self.trainee_id, now=app.now()
            )
        except Exception as error:  # noqa: BLE001 - shown with a retry key
            service, detail = explain(
                error, f"reading jobs of trainee {self.trainee_id}"
            )
            from_worker(self, self._jobs_failed, service, detail)
            return
        from_worker(self, self._show_jobs, jobs)

    def _jobs_failed(self, service: str, detail: str) -> None:
        self.query_one("#tjobs-load", LoadState).failed(service, detail)

    def _show_jobs(self, jobs: view.TraineeJobs) -> None:
        self.query_one("#tjobs-load", LoadState).ready()
        self.jobs = jobs
        self._fill_jobs()
        notes = (
            "\n".join(jobs.notes) if jobs.jobs or jobs.notes else "No Sidekiq entries."
        )
        if jobs.plan_waiting:
            # Follow an ordered retry until the update has left the queues.
            self.set_timer(PLAN_POLL_SECONDS, self.load_jobs)
        self.query_one("#tjobs-notes", Static).update(notes)
        self.query_one("#compare-jobs", Static).update(_jobs_summary(jobs))
        self.query_one("#trainee-tabs", TabbedContent).get_tab(
            "tab-jobs"
        ).label = f"4 Jobs ({len(jobs.jobs)})"
        self._show_fixes()

    # --- DQT -------------------------------------------------------------------------

    @work(exclusive=True, group="dqt")
    async def compare(self, reread_url: bool = False) -> None:
        if self.data is None:
            return
        load = self.query_one("#compare-load", LoadState)
        load.loading("Asking DQT…")
        self.query_one("#compare-headline", Static).update("Asking DQT…")
        app = self.triage
        try:
            if reread_url:
                # A retry: the sandbox's simulator may have moved to another port.
                await asyncio.to_thread(app.current_dqt_url)
            else:
                await asyncio.to_thread(app.follow_sandbox_dqt)
            comparison = await _compare(app, self.data.record)
        except Exception as error:  # noqa: BLE001 - the service should not raise; guard
            if not is_open(self):
                return
            service, detail = explain(error, f"comparing trainee {self.trainee_id}")
            load.failed(service, detail, retry_key="g")
            self.query_one("#compare-headline", Static).update(
                Text(UNAVAILABLE_HEADLINE, style="bold")
            )
            return
        if not is_open(self):
            # Closed while DQT was answering.
            return
        shown = view.comparison_view(comparison)
        self.shown = shown
        self._fill_compare()
        if shown.failed:
            # The load pane words the failure; the headline says only what is
            # shown, so that the failure is not read twice.
            load.failed("DQT", comparison.error or shown.headline, retry_key="g")
            headline = Text(UNAVAILABLE_HEADLINE, style="bold")
        else:
            load.ready()
            headline = Text(shown.headline, style="bold")
        self.query_one("#compare-headline", Static).update(headline)

    def _fill_compare(self) -> None:
        """The comparison table laid out for the pane's width: values wrap in
        their cells rather than being cut, and the notes get a column only where
        they fit; elsewhere they are listed in full above the table."""
        if self.shown is None or not is_open(self):
            return
        side = self.query_one("#compare-side", VerticalScroll)
        width = side.scrollable_content_region.width
        if width <= 0:
            # Not laid out (another tab is shown): the screen's width, less the
            # record pane beside it on wide terminals and the scrollbar.
            width = self.size.width - 2 - (0 if self.has_class("-narrow") else 46)
        rows = self.shown.rows
        widths = view.compare_widths(rows, width)

        table = self.query_one("#compare", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_column("Field", key="field", width=widths.field)
        table.add_column("Register", key="register", width=widths.register)
        table.add_column("DQT", key="dqt", width=widths.dqt)
        table.add_column("", key="mark", width=1)
        if widths.note is not None:
            table.add_column("Note", key="note", width=widths.note)
        for row in rows:
            mark = Text(row.mark, style="bold red" if row.mark == "✗" else "green")
            cells: list[str | Text] = [row.label, row.register, row.dqt, mark]
            if widths.note is not None:
                cells.append(row.note)
            # height=None: a long value wraps to a second line in its cell.
            table.add_row(*cells, height=None)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

        notes = Text()
        if widths.note is None:
            for row in rows:
                if not row.note:
                    continue
                if row.mark == "✗":
                    notes.append("✗ ", style="bold red")
                else:
                    notes.append("· ", style="dim")
                notes.append(f"{row.label}: ", style="bold")
                notes.append(f"{row.note}\n")
        notes.rstrip()
        self.query_one("#compare-notes", Static).update(notes)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill_compare)
        self.call_after_refresh(self._fill_jobs)

    def _fill_jobs(self) -> None:
        """The jobs table sized to the screen's width, cells cut with an ellipsis;
        the highlighted job is shown in full below it."""
        if self.jobs is None or not is_open(self):
            return
        table = self.query_one("#trainee-jobs", DataTable)
        cursor = table.cursor_row
        job, case, age, error = view.jobs_widths(self.size.width)
        table.clear(columns=True)
        table.add_column("Job", key="job", width=job)
        table.add_column("Case", key="case", width=case)
        table.add_column("Age", key="age", width=age)
        table.add_column("Error", key="error", width=error)
        for index, item in enumerate(self.jobs.jobs):
            table.add_row(
                one_line(view.job_label(item), job),
                one_line(item.case_title, case),
                item.age,
                one_line(item.error, error),
                key=f"{index}:{item.job.jid}",
            )
        if self.jobs.jobs:
            table.move_cursor(row=min(cursor, len(self.jobs.jobs) - 1))
        self._show_job_detail()

    @on(DataTable.RowHighlighted, "#trainee-jobs")
    def _show_job_detail(self) -> None:
        detail = self.query_one("#tjobs-detail-text", Static)
        if not self.jobs or not self.jobs.jobs:
            detail.update("")
            return
        table = self.query_one("#trainee-jobs", DataTable)
        item = self.jobs.jobs[max(0, min(table.cursor_row, len(self.jobs.jobs) - 1))]
        keys = Text(
            "enter: fixes for this job · r retry · d delete · e raw error",
            style="dim",
        )
        detail.update(Group(label_grid(view.job_detail_lines(item)), keys))

    @on(TabbedContent.TabActivated, "#trainee-tabs")
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-compare":
            self.call_after_refresh(self._fill_compare)
        elif event.pane.id == "tab-fixes":
            # The list takes the keys: up and down move, enter starts the fix.
            self.query_one("#trainee-fixes", OptionList).focus()

    def action_retry_dqt(self) -> None:
        if self.data is None:
            self.notify("Register's record is not loaded yet.", severity="warning")
            return
        self.compare(reread_url=True)

    # --- fixes -----------------------------------------------------------------------

    def _name_of(self, trainee_id: int) -> str | None:
        if self.data is None or self.data.record.id != trainee_id:
            return None
        return self.data.record.full_name

    def _show_fixes(self) -> None:
        if self.data is None:
            return
        fixes = registry()
        self.fix_names = [
            name
            for name in view.fixes_that_apply(self.data.record, self.jobs)
            if name in fixes
        ]
        options = self.query_one("#trainee-fixes", OptionList)
        # A reload (after a fix, or the jobs read) keeps the cursor's place.
        highlighted = options.highlighted
        options.clear_options()
        for name in self.fix_names:
            fix = fixes[name]
            label = Text()
            label.append(fix.title or name, style="bold")
            if fix.description:
                label.append(f"\n{fix.description}", style="dim")
            options.add_option(Option(label, id=name))
        if self.fix_names:
            options.highlighted = min(highlighted or 0, len(self.fix_names) - 1)

    def _job_preset(self, name: str) -> dict[str, str]:
        """The job's id, for a fix that takes one, when exactly one of this
        trainee's failed jobs is a case that fix is for: the same as choosing
        the fix from that job's row."""
        if self.jobs is None:
            return {}
        jids = [
            item.job.jid
            for item in self.jobs.jobs
            if item.job.where in FAILED_SETS and name in item.fixes
        ]
        return job_preset(name, jids[0]) if len(jids) == 1 else {}

    @on(OptionList.OptionSelected, "#trainee-fixes")
    def _fix_chosen(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id
        if name:
            self.fixes.start(name, str(self.trainee_id), self._job_preset(name))

    def action_fix(self) -> None:
        if self.data is None:
            self.notify("Register's record is not loaded yet.", severity="warning")
            return
        self.fixes.offer(
            self.fix_names,
            lambda name: (str(self.trainee_id), self._job_preset(name)),
            title=f"Fixes for {self.data.record.full_name}",
        )

    def _highlighted_job(self) -> view.TraineeJob | None:
        table = self.query_one("#trainee-jobs", DataTable)
        if not self.jobs or not self.jobs.jobs:
            self.notify("This trainee has no jobs.", severity="warning")
            return None
        index = max(0, min(table.cursor_row, len(self.jobs.jobs) - 1))
        return self.jobs.jobs[index]

    @on(DataTable.RowSelected, "#trainee-jobs")
    def _job_chosen(self) -> None:
        """Enter on a job: the fixes on offer for it, the job's id filled in."""
        item = self._highlighted_job()
        if item is None:
            return
        record = self.data.record if self.data is not None else None
        if record is not None and record.discarded:
            # A deleted trainee's job fails again if retried: delete it only.
            names = ["delete_job"]
        else:
            names = list(item.fixes)
            names += [x for x in ("retry", "delete_job") if x not in names]
        jid = item.job.jid
        self.fixes.offer(
            names,
            lambda name: (str(self.trainee_id), job_preset(name, jid)),
            title=f"Fixes for {short_class(item.job.job_class)} {jid or ''}",
        )

    def action_retry_job(self) -> None:
        item = self._highlighted_job()
        if item is not None:
            self.fixes.start("retry", str(self.trainee_id), {"jid": item.job.jid or ""})

    def action_delete_job(self) -> None:
        item = self._highlighted_job()
        if item is not None:
            self.fixes.start(
                "delete_job", str(self.trainee_id), {"jid": item.job.jid or ""}
            )

    def action_raw_error(self) -> None:
        item = self._highlighted_job()
        if item is not None:
            title = f"Raw error: {short_class(item.job.job_class)} {item.job.jid}"
            self.app.push_screen(TextModal(title, raw_error_text(item.job)))

    # --- moving ----------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        self.query_one("#trainee-tabs", TabbedContent).active = tab

    def action_back(self) -> None:
        running = [w for w in self.workers if w.is_running]
        if not running:
            self.dismiss()
            return
        # Each pane says it was stopped and which key loads it again.
        panes = {
            "record": ("#trainee-load", "PostgreSQL", "ctrl+r"),
            "jobs": ("#tjobs-load", "Redis", "ctrl+r"),
            "dqt": ("#compare-load", "DQT", "g"),
        }
        for worker in running:
            worker.cancel()
            if worker.group in panes:
                selector, service, key = panes[worker.group]
                self.query_one(selector, LoadState).cancelled(service, key)
        self.notify("Stopped loading; escape again goes back.", timeout=3)


def _jobs_summary(jobs: view.TraineeJobs) -> Text:
    summary = Text()
    summary.append("Jobs\n", style="bold underline")
    for item in jobs.jobs:
        summary.append(f"{view.job_label(item)}: ", style="bold")
        summary.append(f"{item.case_title}, {item.age}\n")
    for note in jobs.notes:
        summary.append(f"{note}\n", style="italic")
    if not jobs.jobs:
        summary.append("No Sidekiq entries.")
    summary.rstrip()
    return summary


async def _compare(app, record):  # type: ignore[no-untyped-def]
    """Register beside DQT through the comparison service and the DQT client."""
    from dqt.client import DqtClient
    from services.comparison import compare_trainee

    connections = app.connections
    async with DqtClient(
        connections.dqt_api_url,
        connections.dqt_api_key or "",
        timeout=app.settings.triage_dqt_timeout_seconds,
        requests_per_minute=app.settings.triage_dqt_requests_per_minute,
        # One retry at most: the operator is waiting and can press g again.
        get_retries=1,
    ) as client:
        return await compare_trainee(record, client, today=app.today())
