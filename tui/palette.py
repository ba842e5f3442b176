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
from textual.markup import escape

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


def binding_commands(app: App[Any], screen: Screen[Any]) -> Iterator[SystemCommand]:
    """Every named binding from the focused widget up to the app.

    The whole chain is read, not only the keys active now: a screen's `enter`
    shadowed by a focused table's own `enter`, or a letter a focused input takes
    as text, is still an action the palette should offer.
    """
    seen: set[str] = set()
    focused = screen.focused
    nodes = list(focused.ancestors_with_self) if focused else [screen, app]
    for node in nodes:
        for _key, binding in node._bindings:
            if not binding.id or binding.id in seen:
                continue
            if app._check_action_state(binding.action, node) is False:
                continue
            seen.add(binding.id)
            shown_key = app.get_key_display(binding)
            # The palette reads help text as markup: a key such as "/" shown in
            # brackets would otherwise be taken for a closing tag.
            help_text = escape(
                f"{binding.tooltip or binding.description}  [{shown_key}]"
            )
            yield SystemCommand(
                binding.description,
                help_text,
                partial(app.run_action, binding.action, node),
            )
