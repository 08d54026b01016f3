"""First visit only: medicines for mental health taken before (name, roughly when, how it went,
why stopped; "I don't remember" is always an answer), then what matters for prescribing:
allergies, other prescribers, medical conditions, pregnancy (optional, "prefer not to say").

Past medicine n's steps are "past.<n>.<field>"; the list ends at "None" / "I don't remember"
on a name, or "That's all" on "past.<n>.more".
"""

from __future__ import annotations

from collections.abc import Mapping

from flows.options import Option
from flows.questions.base import (
    Answers,
    Kind,
    Question,
    Section,
    SectionSpec,
    is_first_visit,
)

DONT_REMEMBER = Option(
    "unsure", "I don't remember", aliases=("don't remember", "dont remember", "not sure", "idk")
)
NO_PAST_OPTIONS = (
    Option("none", "None before", aliases=("none", "no", "never")),
    DONT_REMEMBER,
)
EFFECT_OPTIONS = (
    Option("helped", "It helped"),
    Option("side_effects", "It had side effects"),
    Option("helped_side_effects", "It helped, but had side effects"),
    Option("no_help", "It didn't help", aliases=("didn't help", "did not help")),
    Option("unsure", "Not sure", aliases=("don't remember", "dont remember", "idk")),
)
MORE_OPTIONS = (
    Option("another", "Add another", aliases=("another", "yes")),
    Option("done", "That's all", aliases=("no", "done", "that's all")),
)
PREGNANCY_OPTIONS = (
    Option("no", "No"),
    Option("pregnant", "I'm pregnant", aliases=("pregnant", "yes")),
    Option("planning", "Planning a pregnancy", aliases=("planning",)),
    Option("breastfeeding", "Breastfeeding", aliases=("nursing",)),
    Option("not_applicable", "Doesn't apply to me", aliases=("n/a", "not applicable")),
    Option("private", "Prefer not to say", aliases=("prefer not", "private")),
)
PREGNANCY_FLAGGED = ("pregnant", "planning", "breastfeeding")

_PAST = Section.PAST_MEDICATIONS
_BACKGROUND = Section.BACKGROUND


def past_count(answers: Answers) -> int:
    count = 1
    while answers.get(f"past.{count}.more") == "another":
        count += 1
    return count


def past_name(answers: Answers, n: int) -> str | None:
    """The past medicine the patient typed in slot n, or None ("None before", not answered)."""
    value = answers.get(f"past.{n}.name")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _past_steps(answers: Answers) -> list[str]:
    if not is_first_visit(answers):
        return []
    steps: list[str] = []
    for n in range(1, past_count(answers) + 1):
        steps.append(f"past.{n}.name")
        if past_name(answers, n) is None:
            break
        steps.extend(f"past.{n}.{field}" for field in ("when", "effect", "stopped", "more"))
    return steps


def _past_question(key: str, answers: Answers) -> Question:
    _, number, field = key.split(".")
    n = int(number)
    name = past_name(answers, n) or "it"
    if field == "name":
        first = n == 1
        return Question(
            key,
            _PAST,
            (
                "Have you taken other medicines for your mental health before, that you no "
                "longer take? Type the name of one (a guess at the spelling is fine), or tap a "
                "button."
                if first
                else "Which other medicine did you take before? Type its name."
            ),
            Kind.TEXT,
            f"Past medicine {n}",
            options=NO_PAST_OPTIONS if first else (DONT_REMEMBER,),
            optional=True,
            max_length=200,
        )
    if field == "when":
        text = f"Roughly when did you take {name}? For example “2019” or “a few years ago”."
        return Question(
            key,
            _PAST,
            text,
            Kind.TEXT,
            f"{name}: when",
            options=(DONT_REMEMBER,),
            optional=True,
            max_length=200,
        )
    if field == "effect":
        return Question(
            key,
            _PAST,
            f"How did {name} go for you?",
            Kind.CHOICE,
            f"{name}: how it went",
            options=EFFECT_OPTIONS,
            optional=True,
            free_text=True,
        )
    if field == "stopped":
        return Question(
            key,
            _PAST,
            f"Why did you stop {name}? Type it in a few words, or tap the button.",
            Kind.TEXT,
            f"{name}: why stopped",
            options=(DONT_REMEMBER,),
            optional=True,
            max_length=500,
        )
    if field == "more":
        text = "Any other medicine for your mental health that you took before?"
        return Question(key, _PAST, text, Kind.CHOICE, "More past medicines", options=MORE_OPTIONS)
    raise KeyError(key)


PAST_SPEC = SectionSpec(
    _PAST,
    prefixes=("past",),
    steps=_past_steps,
    question=_past_question,
    group_id=_PAST.value,
    grows=True,
)

BACKGROUND_QUESTIONS: Mapping[str, Question] = {
    question.key: question
    for question in (
        Question(
            "bg.allergies",
            _BACKGROUND,
            "Are you allergic to any medicines? Type which ones and what happened, or tap a "
            "button.",
            Kind.TEXT,
            "Allergies to medicines",
            options=(Option("none", "No allergies", aliases=("no", "none")), DONT_REMEMBER),
            optional=True,
            max_length=1000,
        ),
        Question(
            "bg.prescribers",
            _BACKGROUND,
            "Does anyone else prescribe you medicines, such as a primary care doctor or another "
            "specialist? Type who, or tap the button.",
            Kind.TEXT,
            "Other prescribers",
            options=(Option("none", "No one else", aliases=("no", "none", "no one")),),
            optional=True,
            max_length=1000,
        ),
        Question(
            "bg.conditions",
            _BACKGROUND,
            "Are you being treated for any medical conditions, like high blood pressure, "
            "diabetes, asthma or epilepsy? Type them, or tap the button.",
            Kind.TEXT,
            "Medical conditions treated",
            options=(Option("none", "None", aliases=("no", "none")),),
            optional=True,
            max_length=1000,
        ),
        Question(
            "bg.pregnancy",
            _BACKGROUND,
            "Are you pregnant, planning a pregnancy, or breastfeeding? It changes which "
            "medicines are safe to prescribe. This one is optional.",
            Kind.CHOICE,
            "Pregnancy, planning or breastfeeding",
            options=PREGNANCY_OPTIONS,
            optional=True,
        ),
    )
}
BACKGROUND_STEPS = tuple(BACKGROUND_QUESTIONS)

BACKGROUND_SPEC = SectionSpec(
    _BACKGROUND,
    prefixes=("bg",),
    steps=lambda answers: list(BACKGROUND_STEPS) if is_first_visit(answers) else [],
    question=lambda key, answers: BACKGROUND_QUESTIONS[key],
    group_id=_BACKGROUND.value,
)
