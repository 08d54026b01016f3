"""The patient's own questions for the provider: one per message, until "That's all"."""

from __future__ import annotations

from flows.options import Option
from flows.questions.base import Answers, Kind, Question, Section, SectionSpec

NO_QUESTIONS_OPTION = Option("done", "No questions", aliases=("no", "none", "done"))
DONE_QUESTIONS_OPTION = Option(
    "done", "That's all my questions", aliases=("no", "done", "that's all")
)


def _steps(answers: Answers) -> list[str]:
    steps = ["q.1"]
    n = 1
    while isinstance(answers.get(f"q.{n}"), str):
        n += 1
        steps.append(f"q.{n}")
    return steps


def _question(key: str, answers: Answers) -> Question:
    n = int(key.split(".")[1])
    if n == 1:
        text = (
            "What would you like to ask your provider at this visit? Type one question per "
            "message. When you're finished, tap the button."
        )
        options: tuple[Option, ...] = (NO_QUESTIONS_OPTION,)
    else:
        text = "Got it. Any other question? Type it, or tap the button if that's all."
        options = (DONE_QUESTIONS_OPTION,)
    return Question(
        key,
        Section.QUESTIONS,
        text,
        Kind.TEXT,
        f"Question {n}",
        options=options,
        optional=True,
        max_length=2000,
    )


SPEC = SectionSpec(
    Section.QUESTIONS,
    prefixes=("q",),
    steps=_steps,
    question=_question,
    group_id=Section.QUESTIONS.value,
    grows=True,
)
