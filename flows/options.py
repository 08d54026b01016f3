"""The answer options a choice question offers, shared by questions, parsing and rendering."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    """One choice: a stable value stored in the database and the label a patient sees.

    `aliases` are other words a patient may type for the same choice (matched
    case-insensitively, like the label). `exclusive` marks an option of a
    multi-select that clears the others ("None of these").
    """

    value: str
    label: str
    aliases: tuple[str, ...] = field(default=())
    exclusive: bool = False
