"""First visit only: alcohol (the AUDIT-C, flows.audit_c) and other substances (a single
screening question; one use or more → which ones, in neutral words).

Steps: "audit.1" – "audit.3" (2 and 3 only when item 1 is not "Never"), "drugs.times", then
"drugs.which" when the answer is 1 or more.
"""

from __future__ import annotations

from typing import Any

from flows.audit_c import (
    AUDIT_C_ITEMS,
    AUDIT_C_KEY,
    DRUG_OPTIONS,
    DRUG_QUESTION,
    SUBSTANCE_OPTIONS,
    AuditScore,
    audit_score,
    drug_screen_positive,
)
from flows.questions.base import (
    Answers,
    Kind,
    Layout,
    Question,
    Section,
    SectionSpec,
    is_first_visit,
)

_SECTION = Section.SUBSTANCES
AUDIT_STEPS = tuple(f"{AUDIT_C_KEY}.{item.number}" for item in AUDIT_C_ITEMS)
DRUG_STEP = "drugs.times"
WHICH_STEP = "drugs.which"
AUDIT_STEM = "A few questions about alcohol, as we ask everyone."


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def audit_c_score(answers: Answers) -> AuditScore | None:
    """The AUDIT-C total from the answers, or None when no item was answered."""
    return audit_score({n: _as_int(answers.get(f"audit.{n}")) for n in (1, 2, 3)})


def drug_use_positive(answers: Answers) -> bool:
    return drug_screen_positive(answers.get(DRUG_STEP))


def _steps(answers: Answers) -> list[str]:
    if not is_first_visit(answers):
        return []
    steps = [AUDIT_STEPS[0]]
    if _as_int(answers.get(AUDIT_STEPS[0])) != 0:
        steps.extend(AUDIT_STEPS[1:])
    steps.append(DRUG_STEP)
    if drug_use_positive(answers):
        steps.append(WHICH_STEP)
    return steps


def _question(key: str, answers: Answers) -> Question:
    if key == DRUG_STEP:
        return Question(
            key,
            _SECTION,
            DRUG_QUESTION,
            Kind.NUMBER,
            "Times in the past year used an illegal drug or a prescription medicine "
            "for non-medical reasons",
            options=DRUG_OPTIONS,
            minimum=0,
            maximum=10000,
            integer=True,
            hint="Tap an answer, or type a number. Your answers go only to your provider.",
        )
    if key == WHICH_STEP:
        return Question(
            key,
            _SECTION,
            "Thanks for telling me. Which ones? Tap all that apply, then Done.",
            Kind.MULTI,
            "Substances used",
            options=SUBSTANCE_OPTIONS,
            optional=True,
        )
    item = AUDIT_C_ITEMS[int(key.split(".")[1]) - 1]
    return Question(
        key,
        _SECTION,
        item.text,
        Kind.CHOICE,
        item.text,
        options=item.options,
        stem=AUDIT_STEM,
    )


SPEC = SectionSpec(
    _SECTION,
    prefixes=(AUDIT_C_KEY, "drugs"),
    steps=_steps,
    question=_question,
    group_id=_SECTION.value,
    layout=Layout.SUBSTANCES,
)
