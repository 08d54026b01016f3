"""The Mermaid diagram kept in the repo is the one the machine draws today."""

from __future__ import annotations

from pathlib import Path

from flows.machine import DIAGRAM_PATH, STATES, diagram_document

ROOT = Path(__file__).resolve().parents[2]


def test_committed_diagram_is_up_to_date() -> None:
    committed = (ROOT / DIAGRAM_PATH).read_text(encoding="utf-8")
    assert committed == diagram_document(), "run `intake-bot diagram` and commit the result"


def test_diagram_shows_every_state_and_the_submit_path() -> None:
    document = diagram_document()
    assert "stateDiagram-v2" in document
    for state in STATES:
        assert f'state "{state}" as' in document or f"{state} -->" in document, state
    assert "review --> submitted: submit" in document
