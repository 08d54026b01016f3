"""The life-stressors section: one checklist of the areas of life that have been bothering the
patient, then how much for each one checked, then a note.

Steps: "stress.checklist", "stress.<domain>" for each domain checked (a little / a lot), and
"stress.notes". A domain not checked was "not at all". Intakes answered before the checklist
(one question per domain, "not at all" included) keep their steps, so nothing they said is lost.
"""

from __future__ import annotations

from flows.options import Option
from flows.questions.base import Answers, Kind, Question, Section, SectionSpec, option_label

STRESS_DOMAINS = (
    Option("work", "Work or school", aliases=("work", "school")),
    Option("family", "Family or caregiving", aliases=("family", "caregiving")),
    Option("relationship", "A relationship", aliases=("relationship",)),
    Option("money", "Money"),
    Option("housing", "Housing"),
    Option("health", "Health"),
    Option("loss", "Loss or grief", aliases=("loss", "grief")),
    Option("legal", "Legal problems", aliases=("legal",)),
    Option("event", "Something bad that happened recently", aliases=("something bad",)),
)
STRESS_LEVEL_OPTIONS = (
    Option("not_at_all", "Not at all"),
    Option("a_little", "A little"),
    Option("a_lot", "A lot"),
)
CHECKED_LEVEL_OPTIONS = STRESS_LEVEL_OPTIONS[1:]
NONE_OF_THESE = Option("none", "None of these", aliases=("none", "no", "nothing"), exclusive=True)
NO_NOTES_OPTION = Option("none", "Nothing to add", aliases=("no", "none", "nothing"))
CHECKLIST_STEP = "stress.checklist"

LEGACY_STEPS = (*(f"stress.{domain.value}" for domain in STRESS_DOMAINS), "stress.notes")
"""The steps of an intake answered before the checklist: every domain asked in turn."""

CHECKLIST_QUESTION = Question(
    CHECKLIST_STEP,
    Section.STRESSORS,
    "Lately, have any of these been bothering you? Tap all that apply, then Done.",
    Kind.MULTI,
    "Areas of life bothering them",
    options=(*STRESS_DOMAINS, NONE_OF_THESE),
    optional=True,  # not a scored scale: a patient may keep their life to themselves
)
NOTES_QUESTION = Question(
    "stress.notes",
    Section.STRESSORS,
    "Is there anything else going on in your life you'd like your provider to know? "
    "Type it, or tap the button.",
    Kind.TEXT,
    "Notes about stressors",
    options=(NO_NOTES_OPTION,),
    optional=True,
    max_length=2000,
)


def checked_domains(answers: Answers) -> list[str]:
    """The domains checked on the checklist, in checklist order."""
    checked = answers.get(CHECKLIST_STEP)
    if not isinstance(checked, list):
        return []
    return [domain.value for domain in STRESS_DOMAINS if domain.value in checked]


def is_legacy(answers: Answers) -> bool:
    """An intake answered one domain at a time, before the checklist."""
    return CHECKLIST_STEP not in answers and any(s in answers for s in LEGACY_STEPS[:-1])


def stress_level(answers: Answers, domain: str) -> str | None:
    """How much `domain` bothers the patient: a level value, or None when not answered."""
    if is_legacy(answers) or domain in checked_domains(answers):
        value = answers.get(f"stress.{domain}")
        return value if isinstance(value, str) else None
    return "not_at_all" if isinstance(answers.get(CHECKLIST_STEP), list) else None


def _steps(answers: Answers) -> list[str]:
    if is_legacy(answers):
        return list(LEGACY_STEPS)
    domains = [f"stress.{domain}" for domain in checked_domains(answers)]
    return [CHECKLIST_STEP, *domains, "stress.notes"]


def _question(key: str, answers: Answers) -> Question:
    if key == CHECKLIST_STEP:
        return CHECKLIST_QUESTION
    field = key.split(".", 1)[1]
    if field == "notes":
        return NOTES_QUESTION
    domain = option_label(STRESS_DOMAINS, field)
    legacy = is_legacy(answers)
    return Question(
        key,
        Section.STRESSORS,
        (
            f"Lately, how much have you been bothered by: {domain.lower()}?"
            if legacy
            else f"{domain}: how much has it been bothering you?"
        ),
        Kind.CHOICE,
        domain,
        options=STRESS_LEVEL_OPTIONS if legacy else CHECKED_LEVEL_OPTIONS,
        optional=True,
    )


SPEC = SectionSpec(
    Section.STRESSORS,
    prefixes=("stress",),
    steps=_steps,
    question=_question,
    group_id=Section.STRESSORS.value,
)
