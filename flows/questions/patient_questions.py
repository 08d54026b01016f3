"""The patient's own questions for the provider: first a checklist of questions many patients
ask (the seed article's examples, worded for the patient's own medicines where known), then
their own, one per message, until "That's all".

The picked ones are stored by value in "q.picked" and worded again from the answers when
compiled, so they reach the provider like typed ones, marked as picked from a list.
"""

from __future__ import annotations

from flows.options import Option
from flows.questions.base import Answers, Kind, Question, Section, SectionSpec
from flows.questions.medication_slots import medication_count, medication_entry, medication_status

NO_QUESTIONS_OPTION = Option("done", "No questions", aliases=("no", "none", "done"))
DONE_QUESTIONS_OPTION = Option(
    "done", "That's all my questions", aliases=("no", "done", "that's all")
)
NONE_PICKED = Option(
    "none", "No questions", aliases=("none", "no", "no questions", "done"), exclusive=True
)
OWN_ONLY = Option(
    "own", "I'll type my own", aliases=("own", "my own", "type my own"), exclusive=True
)
PICKED_STEP = "q.picked"

# The seed article's example questions for a medication visit; {meds} is the patient's
# medicines ("sertraline and lamotrigine"), or a general wording when none is known.
EXAMPLE_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("changes", "How long until I notice changes from {meds}?", "a new medicine"),
    ("side_effects", "Which side effects of {meds} should I watch for?", "a new medicine"),
    ("missed", "What should I do if I miss a dose of {meds}?", "my medicine"),
    ("alcohol", "Is it OK to drink alcohol while taking {meds}?", "my medicine"),
    ("how_long", "How long will I need to take {meds}?", "my medicine"),
    ("therapy", "Would therapy help alongside medicine?", ""),
    ("check_in", "When will we check in again, and how do I reach you before then?", ""),
)


def current_medicine_names(answers: Answers) -> list[str]:
    """The medicines the patient takes now, in the order listed (stopped ones left out)."""
    names = []
    for n in range(1, medication_count(answers) + 1):
        entry = medication_entry(answers, n)
        if entry is None:
            break
        if medication_status(answers, n) != "stopped":
            names.append(str(entry["name"]))
    return names


def _meds_words(answers: Answers) -> str | None:
    names = current_medicine_names(answers)
    if not names or len(names) > 2:
        return "my medicines" if names else None
    return " and ".join(names)


def example_options(answers: Answers) -> tuple[Option, ...]:
    """The example questions as checklist options, worded for the patient's medicines."""
    meds = _meds_words(answers)
    options = [
        Option(value, text.format(meds=meds or general))
        for value, text, general in EXAMPLE_QUESTIONS
    ]
    return (*options, OWN_ONLY, NONE_PICKED)


def picked_questions(answers: Answers) -> tuple[str, ...]:
    """The example questions the patient picked, worded as they saw them."""
    picked = answers.get(PICKED_STEP)
    if not isinstance(picked, list):
        return ()
    return tuple(o.label for o in example_options(answers) if o.value in picked and not o.exclusive)


def _steps(answers: Answers) -> list[str]:
    if answers.get(PICKED_STEP) == [NONE_PICKED.value]:
        return [PICKED_STEP]  # "No questions": nothing to type either
    steps = [PICKED_STEP, "q.1"]
    n = 1
    while isinstance(answers.get(f"q.{n}"), str):
        n += 1
        steps.append(f"q.{n}")
    return steps


def _question(key: str, answers: Answers) -> Question:
    if key == PICKED_STEP:
        return Question(
            key,
            Section.QUESTIONS,
            "What would you like to ask your provider? Here are questions many people ask: "
            "tap any you'd like to ask, then Done. You can type your own next.",
            Kind.MULTI,
            "Questions picked from a list",
            options=example_options(answers),
            optional=True,
        )
    n = int(key.split(".")[1])
    picked = bool(picked_questions(answers))
    if n == 1:
        text = (
            ("Any other question? " if picked else "What would you like to ask your provider? ")
            + "Type one question per message. When you're finished, tap the button."
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
