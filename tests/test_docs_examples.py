"""The documentation samples: every generator in docs/ runs on today's code, the demo patient's
first visit is taken whole by the dialogue, and the committed FHIR sample is what its
generator writes now (so the README's samples cannot drift from the code)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from fhir_checks import assert_references_resolve, validate_bundle

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_patient_is_a_whole_first_visit() -> None:
    demo = load("first_visit_demo")
    answers, words = demo.answers_and_words()
    assert answers["visit.kind"] == "first"
    for key in ("reason.coming", "past.1.name", "bg.allergies", "drugs.which", "therapy.now",
                "body.changes", "stress.notes", "q.1"):
        assert answers.get(key), key
    for key in (*(f"phq9.{n}" for n in range(1, 10)), *(f"gad7.{n}" for n in range(1, 8)),
                "audit.1", "audit.2", "audit.3"):
        assert key in answers, key
    assert answers["stress.checklist"] == ["work", "money"]
    assert answers["q.picked"] == ["changes"]
    # The second medicine's line has words the reading did not use: its exact words are kept.
    assert answers["med.2.name"]["note"] == "sometimes only half a tablet"
    assert words["med.2.name"] == "trazodone 50 mg at bedtime, sometimes only half a tablet"


def test_the_fhir_sample_is_what_its_generator_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load("make_fhir_example")
    monkeypatch.setattr(module, "OUTPUT", tmp_path / "bundle.json")
    module.main()
    bundle = json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))
    validate_bundle(bundle)
    assert_references_resolve(bundle)
    committed = json.loads((DOCS / "intake-example.fhir.json").read_text(encoding="utf-8"))
    assert bundle == committed, "run docs/make_fhir_example.py to regenerate the sample"
    text = json.dumps(bundle)
    assert "75626-2" in text and "sometimes only half a tablet" in text


@pytest.mark.parametrize(("name", "output"), [("make_pdf_example", "intake.pdf"),
                                              ("make_chart_example", "chart.png")])
def test_the_pdf_and_chart_generators_run(
    name: str, output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load(name)
    monkeypatch.setattr(module, "OUTPUT", tmp_path / output)
    module.main()
    data = (tmp_path / output).read_bytes()
    assert data.startswith(b"%PDF" if output.endswith(".pdf") else b"\x89PNG")


def test_the_provider_message_generator_runs_the_real_bot(tmp_path: Path) -> None:
    """The provider's Telegram message of the README, made by the real bot over the fake Bot
    API: a first visit, with the trazodone line's exact words and AUDIT-C scored."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(DOCS / "make_provider_example.py"), str(tmp_path / "chart.png")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "First visit: no earlier intake" in out
    assert "patient's words: “trazodone 50 mg at bedtime, sometimes only half a tablet”" in out
    assert "AUDIT-C: <b>4</b> / 12" in out
    assert "(picked from a list)" in out
    assert "document" in out and "photo" in out
    assert (tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG")
