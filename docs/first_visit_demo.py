"""The documentation samples' patient: one first-visit intake, answered as a patient types it.

Every sample (the provider's Telegram message, the PDF, the FHIR Bundle) comes from this one
intake of an invented patient. `SCRIPT` is what the patient types, one message per question,
from the first question to Submit; `drive()` runs it through the real dialogue
(`flows.intake.handle`, via the test suite's driver in tests/support/flow_driver.py) and fails
on any answer the dialogue did not take, so the samples cannot drift from the questions.

It covers: what brings them in, two current medicines (the second line has words the reading
does not use, so the provider sees the patient's exact words), other medicines, a past
medicine, allergies, other prescribers, conditions, PHQ-9 and GAD-7, sleep, AUDIT-C (total 4),
the drug question (positive, then which), therapy, physical health, the stressor checklist and
two questions (one picked from the list, one typed). No real person's data.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests" / "support"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from flow_driver import Driver  # noqa: E402

PATIENT = "Mara Lindqvist (demo)"
CLINIC = "Lakeview Behavioral Health — Medication Management"
ZONE = "America/Chicago"

SCRIPT: tuple[str, ...] = (
    # What brings them in, and what they hope for (verbatim to the provider).
    "I've felt low and flat since the spring, and I wake at 4 am most nights.",
    "To sleep through the night and enjoy things again.",
    # Current medicines: the second line is not fully read ("sometimes only half a tablet").
    "sertraline 50 mg once a day", "as prescribed", "1", "forgot", "another",
    "trazodone 50 mg at bedtime, sometimes only half a tablet", "as prescribed", "0",
    "that's all",
    "Vitamin D 1000 IU daily; ibuprofen now and then",
    # A medicine for mental health taken before.
    "fluoxetine", "2019", "it had side effects", "It made me jittery and I couldn't sleep",
    "that's all",
    # Allergies, other prescribers, conditions, pregnancy.
    "penicillin — a rash as a child", "my family doctor", "asthma", "no",
    # PHQ-9 (total 10) and its functional item, GAD-7 (total 7).
    *["more than half the days"] * 3, *["several days"] * 4, "not at all", "not at all",
    "somewhat difficult",
    "several days", "more than half the days", "several days", "several days", "not at all",
    "several days", "several days",
    # Sleep, then energy, appetite and focus lately.
    "5.5", "30-60 minutes", "3", "poor", "poor", "less", "poor",
    # AUDIT-C (2 + 1 + 1 = 4), then other substances: twice in the past year, cannabis.
    "2-4 times a month", "3 or 4", "less than monthly", "2", "cannabis",
    # Therapy: not seeing anyone, would like information. Physical health.
    "no", "yes", "Sprained my ankle in October and went to urgent care",
    # Stressors: two ticked, how much for each, a note.
    "work, money", "a lot", "a little", "Started a new job in September; the rent went up.",
    # Questions: one picked from the list, one typed, then done; Submit.
    "how long until I notice changes",
    "Can I take the sertraline at night instead of in the morning?",
    "that's all", "submit",
)  # fmt: skip


def drive() -> Driver:
    """The intake, consent given, every message of `SCRIPT` taken, submitted."""
    driver = Driver(CLINIC, first_visit=True)
    driver.consent()
    for text in SCRIPT:
        before = (driver.state.state, driver.state.step, len(driver.history))
        driver.type(text)
        after = (driver.state.state, driver.state.step, len(driver.history))
        if after == before:
            raise RuntimeError(f"the dialogue did not take {text!r} at {before[1]}")
    if driver.phase != "submitted":
        raise RuntimeError(f"the script ended at {driver.state}")
    return driver


def answers_and_words() -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted answers, and the patient's own words for the answers read from text."""
    driver = drive()
    words = {item.key: item.raw_text for item in driver.history if item.raw_text}
    return dict(driver.answers), words
