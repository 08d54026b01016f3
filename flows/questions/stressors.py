"""The life-stressors section: how much each area of life bothers the patient, then a note."""

from __future__ import annotations

from flows.options import Option
from flows.questions.base import Answers, Kind, Question, Section, SectionSpec, option_label

STRESS_DOMAINS = (
    Option("work", "Work or school"),
    Option("family", "Family or caregiving"),
    Option("relationship", "A relationship"),
    Option("money", "Money"),
    Option("housing", "Housing"),
    Option("health", "Health"),
    Option("loss", "Loss or grief"),
    Option("legal", "Legal problems"),
    Option("event", "Something bad that happened recently"),
)
STRESS_LEVEL_OPTIONS = (
    Option("not_at_all", "Not at all"),
    Option("a_little", "A little"),
    Option("a_lot", "A lot"),
)
NO_NOTES_OPTION = Option("none", "Nothing to add", aliases=("no", "none", "nothing"))

STRESS_STEPS = (*(f"stress.{domain.value}" for domain in STRESS_DOMAINS), "stress.notes")

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


def _question(key: str, answers: Answers) -> Question:
    field = key.split(".", 1)[1]
    if field == "notes":
        return NOTES_QUESTION
    domain = option_label(STRESS_DOMAINS, field)
    return Question(
        key,
        Section.STRESSORS,
        f"Lately, how much have you been bothered by: {domain.lower()}?",
        Kind.CHOICE,
        domain,
        options=STRESS_LEVEL_OPTIONS,
        optional=True,
    )


SPEC = SectionSpec(
    Section.STRESSORS,
    prefixes=("stress",),
    steps=lambda answers: list(STRESS_STEPS),
    question=_question,
    group_id=Section.STRESSORS.value,
)
