"""Therapy and physical health, asked at every visit and worded for it: "lately" on a first
visit, "since your last visit" on a follow-up.

Therapy: are they seeing a therapist or counsellor; if not, would they like information about
therapy (medication and therapy are often combined). Physical health: any new health problems,
hospital stays or emergency visits, "No" with one tap or what happened in their words.
"""

from __future__ import annotations

from flows.options import Option
from flows.questions.base import (
    Answers,
    Kind,
    Question,
    Section,
    SectionSpec,
    is_first_visit,
)

YES_NO = (Option("yes", "Yes"), Option("no", "No"))
INFO_OPTIONS = (
    Option("yes", "Yes, please", aliases=("yes",)),
    Option("no", "No, thanks", aliases=("no",)),
    Option("unsure", "Maybe later", aliases=("maybe", "not sure")),
)
NO_HEALTH_CHANGES = Option("none", "No", aliases=("no", "none", "nothing", "none of these"))


def _therapy_steps(answers: Answers) -> list[str]:
    steps = ["therapy.now"]
    if answers.get("therapy.now") != "yes":
        steps.append("therapy.info")
    return steps


def _therapy_question(key: str, answers: Answers) -> Question:
    if key == "therapy.now":
        text = (
            "Are you seeing a therapist or counsellor at the moment?"
            if is_first_visit(answers)
            else "Since your last visit, have you been seeing a therapist or counsellor?"
        )
        return Question(
            key,
            Section.THERAPY,
            text,
            Kind.CHOICE,
            "Seeing a therapist or counsellor",
            options=YES_NO,
            optional=True,
        )
    if key == "therapy.info":
        return Question(
            key,
            Section.THERAPY,
            "Many people combine medicine with talking therapy. Would you like information "
            "about therapy at your visit?",
            Kind.CHOICE,
            "Would like information about therapy",
            options=INFO_OPTIONS,
            optional=True,
        )
    raise KeyError(key)


THERAPY_SPEC = SectionSpec(
    Section.THERAPY,
    prefixes=("therapy",),
    steps=_therapy_steps,
    question=_therapy_question,
    group_id=Section.THERAPY.value,
)


def _health_question(key: str, answers: Answers) -> Question:
    if key != "body.changes":
        raise KeyError(key)
    when = "In the past few months" if is_first_visit(answers) else "Since your last visit"
    return Question(
        key,
        Section.PHYSICAL,
        f"Your provider asks how you're doing mentally and physically. {when}, have you had "
        "any new health problems, a hospital stay or an emergency room visit? Tap No, or tell "
        "me what happened and roughly when.",
        Kind.TEXT,
        "New health problems, hospital or emergency visits",
        options=(NO_HEALTH_CHANGES,),
        optional=True,
        max_length=2000,
    )


PHYSICAL_SPEC = SectionSpec(
    Section.PHYSICAL,
    prefixes=("body",),
    steps=lambda answers: ["body.changes"],
    question=_health_question,
    group_id=Section.PHYSICAL.value,
)
