"""The budgets the product promises, and how a measured figure is judged against them.

A target is met when the p95 (or the single value, for one-off figures) is under the
budget and, where a bare limit was measured beside it, the ratio is within bounds.
"""

from __future__ import annotations

from typing import Any

# figure label -> (p95 budget in ms or MB, largest acceptable ratio to the bare limit)
TARGETS: dict[str, dict[str, float]] = {
    "search.trn": {"p95_ms": 50, "ratio": 1.5},
    "search.slug": {"p95_ms": 50, "ratio": 1.5},
    "search.last_name_prefix": {"p95_ms": 150, "ratio": 1.5},
    "search.full_name": {"p95_ms": 150, "ratio": 1.5},
    "search.date_of_birth": {"p95_ms": 150, "ratio": 1.5},
    "search.open_trainee": {"p95_ms": 100},
    # The same name and date-of-birth searches with the indexes Register lacks,
    # created only in a database the bench started itself.
    "search.last_name_prefix+index": {"p95_ms": 150, "ratio": 1.5},
    "search.full_name+index": {"p95_ms": 150, "ratio": 1.5},
    "search.date_of_birth+index": {"p95_ms": 150, "ratio": 1.5},
    "jobs.load_parse_classify": {"p95_ms": 500, "ratio": 2.0},
    "jobs.bulk_retry": {"p95_ms": 1000},
    # Launch time is promised on the sandbox as `triage` starts it (the demo data);
    # memory with 10,000 failed jobs loaded. The launch at a million trainees and
    # 10,000 jobs is reported beside them, without a budget of its own.
    "launch_demo.first_screen": {"p95_ms": 1500},
    "launch.peak_memory": {"value_mb": 200},
}


def verdict(label: str, row: dict[str, Any]) -> str:
    target = TARGETS.get(label)
    if target is None:
        return ""
    misses = []
    if "p95_ms" in target and row.get("p95_ms", 0) > target["p95_ms"]:
        misses.append(f"p95 over {target['p95_ms']:.0f} ms")
    ratio = row.get("ratio")
    if "ratio" in target and ratio is not None and ratio > target["ratio"]:
        misses.append(f"ratio over {target['ratio']}x")
    if "value_mb" in target and row.get("value_mb", 0) > target["value_mb"]:
        misses.append(f"over {target['value_mb']:.0f} MB")
    return "MISSED: " + ", ".join(misses) if misses else "ok"
