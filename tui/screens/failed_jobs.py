"""Failed jobs, the home screen: cases with counts, their jobs, one job's detail.

The left pane lists the playbook cases found in the dead and retry sets with how
many jobs each has; choosing one narrows the table. The table can be narrowed
further by job class (`k` cycles) and by free text (`/`). The detail pane under the
table explains the highlighted job: its trainee, its error in one line, the
playbook's explanation and the fixes on offer (`f`); `e` shows the raw error.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from services.playbook import ORDERED_RETRY
from tui.export_flow import export_failed_jobs
from tui.failures import explain
from tui.fix_flow import FixFlow, delete_orphan_job, job_preset
from tui.screens.base import TriageScreen, from_worker
from tui.screens.text_modal import TextModal
from tui.views import failed_jobs as view
from tui.views.text import label_grid, short_class
from tui.widgets.load_state import LoadState
from tui.widgets.row_table import RowTable
from tui.widgets.table_cursor import highlight_key, highlighted_key

# A table redraws every row it holds: past this many, choosing a case or typing a
# filter narrows the list instead (the counts on the left still cover every job).
MAX_ROWS = 500
FILTER_MAX_LENGTH = 200
# Typing pauses this long before the table is narrowed again.
FILTER_DEBOUNCE_SECONDS = 0.15


class FailedJobsScreen(TriageScreen):
    SCREEN_TITLE = "Failed jobs"
    HELP = (
        "The dead and retry sets by playbook case. Choose a case on the left, "
        "move through its jobs in the table, and read the highlighted job's "
        "detail below it: who the trainee is, what DQT answered, what the "
        "playbook says, and which fixes are on offer."
    )

    BINDINGS: ClassVar = [
        Binding(
            "enter",
            "open_trainee",
            "Trainee",
            id="jobs.open_trainee",
            tooltip="Open the trainee of the highlighted job",
        ),
        Binding(
            "f",
            "fix",
            "Fix",
            id="jobs.fix",
            tooltip="Choose one of the fixes on offer for the highlighted job",
        ),
        Binding(
            "r",
            "retry",
            "Retry",
            id="jobs.retry",
            tooltip="Retry the highlighted job (previewed, then confirmed)",
        ),
        Binding(
            "d",
            "delete",
            "Delete",
            id="jobs.delete",
            show=False,
            tooltip="Delete the highlighted job (previewed, then confirmed)",
        ),
        Binding(
            "e",
            "raw_error",
            "Raw error",
            id="jobs.raw_error",
            tooltip="Show the highlighted job's whole error and entry, with copy",
        ),
        Binding(
            "c",
            "cases",
            "Cases",
            id="jobs.cases",
            show=False,
            tooltip="Move to the playbook cases to choose one (enter returns)",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="jobs.filter",
            tooltip="Narrow the jobs by free text: name, slug, TRN, jid, error",
        ),
        Binding(
            "k",
            "next_class",
            "Class",
            id="jobs.job_class",
            show=False,
            tooltip="Show only one job class; press again for the next",
        ),
        Binding(
            "x",
            "export",
            "Export",
            id="jobs.export",
            show=False,
            tooltip="Write the jobs of the chosen case to a CSV file",
        ),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            id="jobs.reload",
            tooltip="Read the dead and retry sets again",
        ),
        Binding(
            "escape",
            "clear_filter",
            "Clear",
            id="jobs.clear_filter",
            show=False,
            tooltip="Stop a load still running, else clear the free-text filter",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: view.FailedJobsData | None = None
        self.case = view.ALL_CASES
        self.job_class = view.ALL_CLASSES
        self.shown: list[view.JobRow] = []
        self._filter_timer: Timer | None = None
        self._laid_out: list[tuple[str, str, int]] = []
        self.fixes = FixFlow(self, self.action_reload)

    # Whether the jobs table had the focus when a dialog covered the list, and
    # whether the reload under way gives it back (see `action_reload`).
    _table_focused_before = False
    _refocus_table = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="jobs-main"):
            with Vertical(id="cases-pane"):
                yield Static("Playbook cases", classes="pane-title")
                yield OptionList(id="cases")
            with Vertical(id="jobs-pane"):
                with Horizontal(id="jobs-filters"):
                    yield Input(
                        placeholder="/ filter: name, slug, TRN, jid, error",
                        id="jobs-filter",
                        # Words longer than any name, slug or error: refused as
                        # typed, so the box stays quick.
                        max_length=FILTER_MAX_LENGTH,
                    )
                    yield Static("", id="jobs-count")
                    yield Static("class: all", id="jobs-class")
                yield LoadState(id="jobs-load")
                yield RowTable(id="jobs", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="job-detail"):
                    yield Static("", id="job-detail-text")

    def on_mount(self) -> None:
        self.query_one("#jobs-filter", Input).cursor_blink = False
        self._set_columns()
        self.query_one("#jobs", DataTable).focus()
        self.action_reload()

    def _columns(self) -> list[tuple[str, str, int]]:
        """At 80 columns the pane shows about 46: who, how old and what failed
        come first, the rest to the right. From 110 every column fits whole. The
        slug and the error's full words are in the detail pane."""
        trainee = 24 if self.has_class("-wide") else 16
        return [
            ("Trainee", "trainee", trainee),
            ("Age", "age", 5),
            ("Error", "error", 17),
            ("Job", "job", 17),
            ("#", "entries", 2),
            ("Set", "set", 8),
        ]

    def _set_columns(self) -> bool:
        """Lay the columns out for this width; True when they changed."""
        wanted = self._columns()
        if wanted == self._laid_out:
            return False
        table = self.query_one("#jobs", DataTable)
        table.clear(columns=True)
        for label, key, width in wanted:
            table.add_column(label, key=key, width=width)
        self._laid_out = wanted
        return True

    def on_resize(self) -> None:
        if self._set_columns():
            self._fill_table()

    # --- loading ---------------------------------------------------------------------

    def on_screen_suspend(self) -> None:
        # A fix's dialogs cover the list; the reload after it reads this.
        self._table_focused_before = self.query_one("#jobs", DataTable).has_focus

    def action_reload(self) -> None:
        # Read again after a fix, the list gives the focus back to the jobs table
        # if it had it, wherever the dialogs and the refill have moved it since.
        table = self.query_one("#jobs", DataTable)
        self._refocus_table = (
            table.has_focus
            or (self.focused is None or self.app.screen is not self)
            and self._table_focused_before
        )
        self.query_one("#jobs-load", LoadState).loading(
            "Reading the dead and retry sets…"
        )
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        try:
            data = view.load_failed_jobs(self.triage.connections, now=self.triage.now())
        except Exception as error:  # noqa: BLE001 - shown in the pane with a retry key
            service, detail = explain(error, "loading failed jobs")
            from_worker(self, self._failed, service, detail)
            return
        from_worker(self, self._show, data)

    def _failed(self, service: str, detail: str) -> None:
        self.query_one("#jobs-load", LoadState).failed(service, detail)
        self.triage.home_loaded()

    def _show(self, data: view.FailedJobsData) -> None:
        self.triage.home_loaded(data.dead_set)
        self.data = data
        load = self.query_one("#jobs-load", LoadState)
        if data.unresolved is None:
            load.ready()
        else:
            service, detail = data.unresolved
            load.failed(
                service, f"{detail}; the jobs are listed without their trainees"
            )
        cases = self.query_one("#cases", OptionList)
        cases.clear_options()
        for case in data.cases:
            # Counts padded on the right: the titles line up after them.
            label = Text()
            label.append(f"{case.count:<4}", style="bold")
            label.append(case.title)
            cases.add_option(Option(label, id=case.key))
        keys = [case.key for case in data.cases]
        if self.case not in keys:
            self.case = view.ALL_CASES
        cases.highlighted = keys.index(self.case)
        if self.job_class not in (view.ALL_CLASSES, *data.job_classes):
            self.job_class = view.ALL_CLASSES
        self._fill_table()
        if self._refocus_table:
            self._refocus_table = False
            self.set_focus(self.query_one("#jobs", DataTable))

    # --- filtering -------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#cases")
    def _case_chosen(self, event: OptionList.OptionHighlighted) -> None:
        chosen = event.option.id or view.ALL_CASES
        if chosen != self.case:
            self.case = chosen
            self._fill_table()

    @on(OptionList.OptionSelected, "#cases")
    def _case_entered(self) -> None:
        self.query_one("#jobs", DataTable).focus()

    @on(Input.Changed, "#jobs-filter")
    def _text_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DEBOUNCE_SECONDS, self._fill_table)

    @on(Input.Submitted, "#jobs-filter")
    def _text_entered(self) -> None:
        self.query_one("#jobs", DataTable).focus()

    def action_cases(self) -> None:
        self.query_one("#cases", OptionList).focus()

    def action_filter(self) -> None:
        self.query_one("#jobs-filter", Input).focus()

    def action_clear_filter(self) -> None:
        loading = [w for w in self.workers if w.is_running and w.group == "load"]
        if loading:
            for worker in loading:
                worker.cancel()
            self.query_one("#jobs-load", LoadState).cancelled("Redis")
            return
        box = self.query_one("#jobs-filter", Input)
        if box.value:
            box.value = ""
        self.query_one("#jobs", DataTable).focus()

    def action_next_class(self) -> None:
        if self.data is None:
            return
        order = [view.ALL_CLASSES, *self.data.job_classes]
        self.job_class = order[(order.index(self.job_class) + 1) % len(order)]
        self._fill_table()

    def _fill_table(self) -> None:
        if self.data is None:
            return
        text = self.query_one("#jobs-filter", Input).value
        self.shown = view.filter_rows(
            self.data.rows, case=self.case, job_class=self.job_class, text=text
        )
        shown_class = (
            "all" if self.job_class == view.ALL_CLASSES else short_class(self.job_class)
        )
        self.query_one("#jobs-class", Static).update(f"class: {shown_class} (k)")

        count = f"{len(self.shown):,}"
        if len(self.shown) > MAX_ROWS:
            count = f"first {MAX_ROWS:,} of {len(self.shown):,}: narrow with / or c"
        self.query_one("#jobs-count", Static).update(count)

        table = self.query_one("#jobs", DataTable)
        kept = highlighted_key(table)
        table.clear()
        for row in self.shown[:MAX_ROWS]:
            table.add_row(
                row.trainee.name,
                row.age,
                row.error_short,
                short_class(row.job.job_class),
                str(row.entries),
                row.job.where,
                key=row.key,
            )
        # Read again or narrowed: the same job stays highlighted while it is listed.
        highlight_key(table, kept)
        self._show_detail()

    # --- the detail pane -------------------------------------------------------------

    def current_row(self) -> view.JobRow | None:
        table = self.query_one("#jobs", DataTable)
        if (
            not self.shown
            or table.cursor_row < 0
            or table.cursor_row >= len(self.shown)
        ):
            return None
        return self.shown[table.cursor_row]

    @on(DataTable.RowHighlighted, "#jobs")
    def _row_highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#job-detail-text", Static)
        row = self.current_row()
        if row is None:
            detail.update(self._empty_text())
            return
        notes = []
        if self.data and row.trainee.trainee_id is not None:
            notes = self.data.notes.get(row.trainee.trainee_id, [])
        lines = view.detail_lines(row, now=self.triage.now(), notes=notes)
        keys = Text("f: fixes on offer · e: raw error · enter: the trainee", "dim")
        detail.update(Group(label_grid(lines), keys))
        # Another job: read from its top, not where the last one was left.
        self.query_one("#job-detail", VerticalScroll).scroll_home(animate=False)

    def _empty_text(self) -> str:
        """Why nothing is listed: nothing failed, or nothing matches the filters."""
        if not self.data:
            return ""
        if not self.data.rows:
            return "No failed jobs here."
        narrowed = []
        text = self.query_one("#jobs-filter", Input).value.strip()
        if text:
            narrowed.append(f"“{text}”")
        if self.job_class != view.ALL_CLASSES:
            narrowed.append(f"class {short_class(self.job_class)}")
        if self.case != view.ALL_CASES:
            narrowed.append("the case chosen (c)")
        if not narrowed:
            return "No failed jobs here."
        return (
            f"No job matches {', '.join(narrowed)}. "
            "Escape clears the filter; k changes the class."
        )

    # --- actions on the highlighted job ----------------------------------------------

    def _row_or_warn(self) -> view.JobRow | None:
        row = self.current_row()
        if row is None:
            self.notify("No job is highlighted.", severity="warning")
        return row

    def action_open_trainee(self) -> None:
        row = self._row_or_warn()
        if row is None:
            return
        if row.trainee.trainee_id is None:
            self.notify(
                row.trainee.problem or "This job names no trainee.",
                title="No trainee",
                severity="warning",
            )
            return
        from tui.screens.trainee import TraineeScreen

        self.app.push_screen(TraineeScreen(row.trainee.trainee_id))

    @on(DataTable.RowSelected, "#jobs")
    def _row_selected(self) -> None:
        self.action_open_trainee()

    def action_raw_error(self) -> None:
        row = self._row_or_warn()
        if row is not None:
            title = f"Raw error: {row.job.job_class} {row.job.jid}"
            self.app.push_screen(TextModal(title, view.raw_error_text(row.job)))

    @staticmethod
    def _plan(name: str, row: view.JobRow) -> tuple[str, dict[str, str]]:
        """Every fix acts on the trainee; a fix that can name a job (to act on
        or to retry afterwards) is given the highlighted one."""
        return str(row.trainee.trainee_id), job_preset(name, row.job.jid)

    def action_fix(self) -> None:
        row = self._row_or_warn()
        if row is None:
            return
        if row.trainee.trainee_id is None:
            self._orphan(row)
            return
        names = view.fixes_offered(row)
        title = f"Fixes for {row.trainee.name}: {row.classification.case.title}"
        self.fixes.offer(names, lambda name: self._plan(name, row), title=title)

    def _orphan(self, row: view.JobRow) -> None:
        """A job whose trainee is gone can only be deleted (retrying fails again)."""
        delete_orphan_job(self, row.job, self.action_reload)

    def action_retry(self) -> None:
        row = self._row_or_warn()
        if row is None:
            return
        if row.trainee.trainee_id is None:
            self.notify(
                f"{row.trainee.problem}: a retry would fail again. Press d to delete.",
                title="Not retried",
                severity="warning",
            )
            return
        if row.classification.case.fixes[:1] == (ORDERED_RETRY,):
            # The award must wait for the update: the retry alone is refused by
            # the fix, so the ordered retry is offered on the job itself.
            self.notify(
                "This trainee's update job has failed too: retrying the award "
                "alone is refused. Re-run the update, then the award.",
                title="Retry refused",
                severity="warning",
            )
            self.action_fix()
            return
        self.fixes.start("retry", *self._plan("retry", row))

    def action_delete(self) -> None:
        row = self._row_or_warn()
        if row is None:
            return
        if row.trainee.trainee_id is None:
            self._orphan(row)
            return
        self.fixes.start("delete_job", *self._plan("delete_job", row))

    def action_export(self) -> None:
        export_failed_jobs(self, None if self.case == view.ALL_CASES else self.case)
