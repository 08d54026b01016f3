"""The intake state machine (flows.machine): states, where each trigger leads, and the diagram."""

from __future__ import annotations

import pytest
from transitions import MachineError

from flows import machine
from flows.machine import (
    FINAL_STATES,
    MACHINE_CONFIG,
    SECTIONS,
    STATES,
    Phase,
    edit_trigger,
    fire,
    mermaid_diagram,
)
from flows.questions import SECTION_ORDER, Section

TRIGGERS = sorted({t["trigger"] for t in MACHINE_CONFIG["transitions"]})


def test_states_in_order() -> None:
    assert STATES == (
        "consent",
        "reasons",
        "medications",
        "past_medications",
        "background",
        "mood",
        "anxiety",
        "sleep",
        "daily",
        "side_effects",
        "substances",
        "therapy",
        "physical",
        "stressors",
        "questions",
        "review",
        "submitted",
        "declined",
    )
    assert tuple(section.value for section in SECTION_ORDER) == SECTIONS
    assert {"submitted", "declined"} == FINAL_STATES
    assert MACHINE_CONFIG["initial"] == Phase.CONSENT
    assert MACHINE_CONFIG["auto_transitions"] is False


def test_the_triggers() -> None:
    assert (
        sorted(
            ["agree", "decline", "finish_section", "go_back", "submit", "restart"]
            + [edit_trigger(section) for section in Section]
        )
        == TRIGGERS
    )


def _moves(state: str, editing: bool) -> set[tuple[str, bool]]:
    found = set()
    for trigger in TRIGGERS:
        try:
            found.add(fire(state, editing, trigger))
        except MachineError:
            pass
    return found


def test_every_state_is_reachable_from_consent() -> None:
    seen = {("consent", False)}
    frontier = [("consent", False)]
    while frontier:
        for move in _moves(*frontier.pop()):
            if move not in seen:
                seen.add(move)
                frontier.append(move)
    assert {state for state, _ in seen} == set(STATES)
    # every section can be edited from review, and review is never "editing"
    assert {(section, True) for section in SECTIONS} <= seen
    assert ("review", True) not in seen


def test_the_forward_path() -> None:
    state, editing = fire("consent", False, "agree")
    path = [state]
    while state != "review":
        state, editing = fire(state, editing, "finish_section")
        path.append(state)
    assert path == [*SECTIONS, "review"]
    assert fire("review", False, "submit") == ("submitted", False)


def test_decline() -> None:
    assert fire("consent", False, "decline") == ("declined", False)


@pytest.mark.parametrize("index", range(1, len(SECTIONS)))
def test_go_back_leads_to_the_section_before(index: int) -> None:
    assert fire(SECTIONS[index], False, "go_back") == (SECTIONS[index - 1], False)


def test_go_back_from_review_leads_to_the_last_section() -> None:
    assert fire("review", False, "go_back") == ("questions", False)


@pytest.mark.parametrize("section", SECTIONS)
def test_edit_opens_the_section_and_finishing_returns_to_review(section: str) -> None:
    assert fire("review", False, f"edit_{section}") == (section, True)
    assert fire(section, True, "finish_section") == ("review", False)


@pytest.mark.parametrize("section", SECTIONS)
def test_go_back_while_editing_returns_to_review(section: str) -> None:
    assert fire(section, True, "go_back") == ("review", False)


def test_go_back_from_the_first_section_without_editing_stays_put() -> None:
    # The dialogue never fires it there (it says "this is the first question"); the machine
    # only knows the editing case, whose condition fails, so nothing moves.
    assert fire("reasons", False, "go_back") == ("reasons", False)


@pytest.mark.parametrize("state", [*SECTIONS, "review"])
@pytest.mark.parametrize("editing", [False, True])
def test_restart_returns_to_the_first_section_and_stops_editing(state: str, editing: bool) -> None:
    # The first section of the machine; a follow-up's dialogue passes over it (no steps).
    assert fire(state, editing, "restart") == ("reasons", False)


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        ("consent", "finish_section"),
        ("consent", "go_back"),
        ("consent", "submit"),
        ("consent", "restart"),
        ("consent", "edit_mood"),
        ("medications", "agree"),
        ("medications", "submit"),
        ("mood", "decline"),
        ("mood", "edit_mood"),
        ("questions", "submit"),
        ("review", "finish_section"),
        ("review", "agree"),
        ("review", "decline"),
    ],
)
def test_invalid_triggers_raise(state: str, trigger: str) -> None:
    with pytest.raises(MachineError):
        fire(state, False, trigger)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_nothing_leaves_a_final_state(state: str, trigger: str) -> None:
    with pytest.raises(MachineError):
        fire(state, False, trigger)


def test_models_are_detached_after_each_event_even_on_error() -> None:
    before = len(machine._MACHINE.models)
    fire("mood", False, "finish_section")
    with pytest.raises(MachineError):
        fire("submitted", False, "restart")
    assert len(machine._MACHINE.models) == before


def test_mermaid_diagram_has_every_state_and_transition() -> None:
    diagram = mermaid_diagram()
    assert "stateDiagram-v2" in diagram
    for state in STATES:
        assert f'state "{state}" as {state}' in diagram
    for line in (
        "consent --> reasons: agree",
        "consent --> declined: decline",
        "review --> submitted: submit",
        "medications --> review: finish_section | go_back",
        "side_effects --> substances: finish_section",
        "mood --> anxiety: finish_section",
    ):
        assert line in diagram
