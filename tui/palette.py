"""The command palette lists the same named actions as the keys.

Rather than a second list of commands to keep in step with the bindings, every
binding that has an id and is active on the screen becomes a palette command: its
footer label is the title, its tooltip the help line, and the key is shown beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


def binding_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.id or binding.id in seen or not active.enabled:
            continue
        seen.add(binding.id)
        shown_key = app.get_key_display(binding) if key else ""
        help_text = f"{binding.tooltip or binding.description}  [{shown_key}]"
        yield SystemCommand(
            binding.description,
            help_text,
            partial(app.run_action, binding.action, active.node),
        )
