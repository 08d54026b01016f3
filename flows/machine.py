"""The intake's state machine: which part of the intake a patient is in and where each event leads.

One `transitions` machine serves every patient. Per event the stored state is attached to
a light model object, the trigger fires, and the model is detached again; the caller
persists the new state. Within a section, the current question is a step key kept beside
the state (see flows.questions), because the medication and side-effect loops depend on
the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from transitions import Machine

if TYPE_CHECKING:
    from transitions.extensions.diagrams_base import GraphProtocol

from flows.questions import SECTION_ORDER, Section


class Phase(StrEnum):
    """States of the intake that are not question sections."""

    CONSENT = "consent"
    REVIEW = "review"
    SUBMITTED = "submitted"
    DECLINED = "declined"


# Plain strings, not enum members: transitions would otherwise name states by enum *name*.
SECTIONS: tuple[str, ...] = tuple(section.value for section in SECTION_ORDER)
CONSENT, REVIEW, SUBMITTED, DECLINED = (p.value for p in Phase)
STATES: tuple[str, ...] = (CONSENT, *SECTIONS, REVIEW, SUBMITTED, DECLINED)
FINAL_STATES = frozenset({Phase.SUBMITTED.value, Phase.DECLINED.value})


def edit_trigger(section: Section) -> str:
    return f"edit_{section.value}"


def _transitions() -> list[dict[str, Any]]:
    transitions: list[dict[str, Any]] = [
        {"trigger": "agree", "source": CONSENT, "dest": SECTIONS[0]},
        {"trigger": "decline", "source": CONSENT, "dest": DECLINED},
    ]
    for current, following in pairwise((*SECTIONS, REVIEW)):
        # Conditions are tried in order: a section re-opened from review returns there.
        transitions.append(
            {
                "trigger": "finish_section",
                "source": current,
                "dest": REVIEW,
                "conditions": "is_editing",
            }
        )
        transitions.append({"trigger": "finish_section", "source": current, "dest": following})
    # Back from the first question of the first section returns to review while editing it.
    transitions.append(
        {"trigger": "go_back", "source": SECTIONS[0], "dest": REVIEW, "conditions": "is_editing"}
    )
    for earlier, current in pairwise((*SECTIONS, REVIEW)):
        if current != REVIEW:
            transitions.append(
                {
                    "trigger": "go_back",
                    "source": current,
                    "dest": REVIEW,
                    "conditions": "is_editing",
                }
            )
        transitions.append({"trigger": "go_back", "source": current, "dest": earlier})
    transitions.extend(
        {
            "trigger": edit_trigger(section),
            "source": REVIEW,
            "dest": section.value,
            "after": "start_editing",
        }
        for section in SECTION_ORDER
    )
    transitions.append({"trigger": "submit", "source": REVIEW, "dest": SUBMITTED})
    transitions.append(
        {
            "trigger": "restart",
            "source": [*SECTIONS, REVIEW],
            "dest": SECTIONS[0],
            "after": "stop_editing",
        }
    )
    return transitions


MACHINE_CONFIG: dict[str, Any] = {
    "states": list(STATES),
    "transitions": _transitions(),
    "auto_transitions": False,
    "initial": CONSENT,
}


class IntakeModel:
    """The part of an intake the machine moves: its state and whether a section is being edited."""

    # Both are set by the machine when the model is attached.
    state: str
    trigger: Callable[[str], bool]

    def __init__(self, editing: bool = False) -> None:
        self.editing = editing

    def is_editing(self) -> bool:
        return self.editing

    def start_editing(self) -> None:
        self.editing = True

    def stop_editing(self) -> None:
        self.editing = False

    def on_enter_review(self) -> None:
        self.editing = False


_MACHINE = Machine(model=None, **MACHINE_CONFIG)


@contextmanager
def attached(state: str, editing: bool) -> Iterator[IntakeModel]:
    """Attach a model in `state` to the shared machine for the length of the block."""
    model = IntakeModel(editing)
    _MACHINE.add_model(model, initial=state)
    try:
        yield model
    finally:
        _MACHINE.remove_model(model)


@cache
def fire(state: str, editing: bool, trigger: str) -> tuple[str, bool]:
    """Fire `trigger` from `state`; returns the new state and editing flag.

    Raises transitions.MachineError when the trigger is not allowed in `state`. The machine's
    answer depends on nothing else (its callbacks only set `editing`), so each is worked out
    once and kept: attaching a model to the machine cost a twentieth of a turn's CPU.
    """
    with attached(state, editing) as model:
        model.trigger(trigger)
        return model.state, model.editing


def mermaid_diagram() -> str:
    """The machine as a Mermaid stateDiagram-v2, drawn by transitions itself."""
    from transitions.extensions.diagrams import GraphMachine

    class _Drawn(IntakeModel):
        get_graph: Callable[[], GraphProtocol]  # set by the GraphMachine

    model = _Drawn()
    GraphMachine(model=model, title="Intake", graph_engine="mermaid", **MACHINE_CONFIG)
    drawn = model.get_graph().draw(None)
    if drawn is None:
        raise RuntimeError("transitions drew no Mermaid diagram")
    return drawn


DIAGRAM_PATH = "flows/intake_machine.md"


def diagram_document() -> str:
    """The Markdown file kept beside this module: regenerate it with `intake-bot diagram`."""
    return (
        "# The intake state machine\n\n"
        "Generated from `flows/machine.py` by `intake-bot diagram` (or `make diagram`); "
        "a test fails when it is out of date. Within each section the current question is "
        "a step key (see `flows/questions/`).\n\n"
        f"```mermaid\n{_front_matter_title(mermaid_diagram().strip())}\n```\n"
    )


def _front_matter_title(diagram: str) -> str:
    """transitions writes the title bare between --- lines; Mermaid wants `title: …` there."""
    lines = diagram.splitlines()
    if len(lines) > 2 and lines[0] == "---" and lines[2] == "---" and ":" not in lines[1]:
        lines[1] = f"title: {lines[1]}"
    return "\n".join(line.rstrip() for line in lines)
