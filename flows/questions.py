"""Every question of the pre-visit intake, and which ones a patient meets given the answers so far.

A question is identified by a step key ("phq9.3", "med.2.status", "se.nausea.severity").
Branching is a pure function of the answers: `section_steps(section, answers)` lists the
steps a patient meets in a section now, so "back", editing from review and restoring
after a restart all follow from the stored answers alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flows.instruments import (
    ANSWER_OPTIONS,
    GAD7,
    PHQ9,
    PHQ9_FUNCTION_OPTIONS,
    PHQ9_FUNCTION_QUESTION,
    Instrument,
)
from flows.medications import recognise
from flows.options import Option
from flows.parsing import FREQUENCY_OPTIONS

Answers = Mapping[str, Any]
"""Current (not superseded) answers of an intake, by step key. None means skipped."""


class Section(StrEnum):
    """The parts of the intake, in the order a patient meets them."""

    MEDICATIONS = "medications"
    MOOD = "mood"
    ANXIETY = "anxiety"
    SLEEP = "sleep"
    DAILY = "daily"
    SIDE_EFFECTS = "side_effects"
    STRESSORS = "stressors"
    QUESTIONS = "questions"

    @property
    def title(self) -> str:
        return SECTION_TITLES[self]


SECTION_TITLES: Mapping[Section, str] = {
    Section.MEDICATIONS: "Medications",
    Section.MOOD: "Mood",
    Section.ANXIETY: "Anxiety",
    Section.SLEEP: "Sleep",
    Section.DAILY: "Energy, appetite, focus",
    Section.SIDE_EFFECTS: "Side effects",
    Section.STRESSORS: "Life stressors",
    Section.QUESTIONS: "Your questions",
}

SECTION_ORDER: tuple[Section, ...] = tuple(Section)


class Kind(StrEnum):
    """How an answer is given and stored."""

    CHOICE = "choice"  # one option; stored as the option's value
    MULTI = "multi"  # toggles and Done; stored as a list of option values
    NUMBER = "number"  # stored as int or float
    TEXT = "text"  # stored as the text, or {"choice": value} for a quick-reply button
    MEDICATION = "medication"  # stored as {"name", "dose", "frequency", "raw"} or {"choice": ...}


@dataclass(frozen=True)
class Question:
    """One question as the patient meets it."""

    key: str
    section: Section
    text: str
    kind: Kind
    label: str  # short wording for the review screen and the provider's summary
    options: tuple[Option, ...] = ()
    optional: bool = False
    stem: str | None = None
    hint: str | None = None
    free_text: bool = False  # a CHOICE that also keeps any other typed text as the answer
    minimum: float = 0
    maximum: float = 0
    integer: bool = False
    max_length: int = 1000
    structured: bool = False  # typed text that must be a value (a dose), not a free note


# --- option lists -----------------------------------------------------------------------

NONE_OPTION = Option("none", "I don't take any", aliases=("none", "no", "nothing", "i take none"))
STILL_OPTIONS = (
    Option("yes", "Yes, the same", aliases=("yes", "same", "still")),
    Option("changed", "Yes, but it changed", aliases=("changed", "different")),
    Option("stopped", "I stopped it", aliases=("stopped", "no", "stop")),
)
MORE_OPTIONS = (
    Option("another", "Add another medication", aliases=("another", "add", "yes", "more")),
    Option("done", "That's all", aliases=("done", "no", "that's it", "thats all", "finished")),
)
ENOUGH_OPTION = Option("done", "Actually, that's all", aliases=("done", "that's all", "none"))
UNSURE_OPTION = Option("unsure", "Not sure", aliases=("don't know", "dont know", "not sure", "idk"))

STATUS_OPTIONS = (
    Option("as_prescribed", "Taking it as prescribed", aliases=("as prescribed", "yes")),
    Option("different", "Taking a different dose", aliases=("different dose", "different")),
    Option("stopped", "I stopped taking it", aliases=("stopped", "stop")),
)
REASON_OPTIONS = (
    Option("forgot", "I forgot"),
    Option("side_effects", "Side effects"),
    Option("cost", "Cost"),
    Option("ran_out", "Ran out"),
    Option("felt_better", "Felt better"),
    Option("felt_worse", "Felt worse"),
    Option("other", "Another reason", aliases=("other",)),
)
DAY_OPTIONS = tuple(Option(str(n), str(n)) for n in range(8))
NO_NEW_OPTION = Option("none", "Nothing new", aliases=("none", "no", "nothing"))

LATENCY_OPTIONS = (
    Option("under_15", "Less than 15 minutes"),
    Option("15_30", "15–30 minutes"),
    Option("30_60", "30–60 minutes"),
    Option("over_60", "More than an hour"),
)
WAKING_OPTIONS = (
    Option("0", "0"),
    Option("1", "1"),
    Option("2", "2"),
    Option("3", "3"),
    Option("4", "4 or more"),
)
QUALITY_OPTIONS = (
    Option("very_poor", "Very poor"),
    Option("poor", "Poor"),
    Option("fair", "Fair", aliases=("ok", "okay")),
    Option("good", "Good"),
    Option("very_good", "Very good"),
)
CHANGE_OPTIONS = (
    Option("better", "Better"),
    Option("same", "About the same", aliases=("same", "no change")),
    Option("worse", "Worse"),
)

SIDE_EFFECT_OPTIONS = (
    Option("nausea", "Nausea or upset stomach", aliases=("nausea",)),
    Option("sleepy", "Sleepiness", aliases=("drowsy", "sleepy")),
    Option("insomnia", "Trouble sleeping", aliases=("insomnia",)),
    Option("weight", "Weight or appetite change", aliases=("weight", "appetite")),
    Option("sexual", "Sexual problems", aliases=("sexual",)),
    Option("dizzy", "Dizziness", aliases=("dizzy",)),
    Option("tremor", "Shaking or tremor", aliases=("tremor", "shaking")),
    Option("restless", "Restlessness", aliases=("restless",)),
    Option("headache", "Headache"),
    Option("dry_mouth", "Dry mouth"),
    Option("other", "Something else", aliases=("other",)),
    Option("none", "None of these", aliases=("none", "no"), exclusive=True),
)
SE_FREQUENCY_OPTIONS = (
    Option("rarely", "Rarely"),
    Option("some_days", "Some days"),
    Option("most_days", "Most days"),
    Option("every_day", "Every day", aliases=("daily", "always")),
)
SE_SEVERITY_OPTIONS = (
    Option("mild", "Mild"),
    Option("moderate", "Moderate"),
    Option("severe", "Severe"),
)
SE_INTERFERENCE_OPTIONS = (
    Option("not_at_all", "Not at all"),
    Option("a_little", "A little"),
    Option("a_lot", "A lot"),
)
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
NO_QUESTIONS_OPTION = Option("done", "No questions", aliases=("no", "none", "done"))
DONE_QUESTIONS_OPTION = Option(
    "done", "That's all my questions", aliases=("no", "done", "that's all")
)

# "Better" or "worse" appetite says nothing about which way it changed.
APPETITE_OPTIONS = (
    Option("more", "More than before", aliases=("more", "bigger", "increased")),
    Option("same", "About the same", aliases=("same", "no change")),
    Option("less", "Less than before", aliases=("less", "smaller", "decreased")),
)

DAILY_ITEMS = (
    ("energy", "Energy", "How is your energy compared with before your last visit?"),
    ("appetite", "Appetite", "How is your appetite compared with before your last visit?"),
    ("focus", "Focus", "How is your focus or concentration compared with before your last visit?"),
)


def is_choice(value: Any, choice: str) -> bool:
    """True when a TEXT or MEDICATION answer was the quick-reply button `choice`."""
    return isinstance(value, dict) and value.get("choice") == choice


def option_label(options: tuple[Option, ...], value: Any) -> str:
    """The label of the option with `value`, or the value itself as text."""
    for option in options:
        if option.value == str(value):
            return option.label
    return str(value)


# --- medications ------------------------------------------------------------------------


PREVIOUS_MEDICATIONS = "meds.previous"
"""Stored when a returning patient's intake opens: the medicines of their last intake."""


def previous_medications(answers: Answers) -> list[dict[str, Any]]:
    value = answers.get(PREVIOUS_MEDICATIONS)
    return (
        [m for m in value if isinstance(m, dict) and m.get("name")]
        if isinstance(value, list)
        else []
    )


def medication_count(answers: Answers) -> int:
    """How many medication slots the patient has: last visit's, then the ones they add."""
    carried = len(previous_medications(answers))
    if carried and answers.get("meds.other") != "yes":
        return carried
    count = carried + 1
    while answers.get(f"med.{count}.more") == "another":
        count += 1
    return count


def medication_entry(answers: Answers, n: int) -> dict[str, Any] | None:
    """The medicine in slot `n` (name, dose, frequency, raw), or None when there is none.

    A medicine carried from the last visit is that entry unless the patient said it changed;
    a name the patient confirmed ("Did you mean sertraline?") takes the listed name.
    """
    previous = previous_medications(answers)
    if n <= len(previous) and answers.get(f"med.{n}.still") != "changed":
        return previous[n - 1]
    value = answers.get(f"med.{n}.name")
    if not (isinstance(value, dict) and "name" in value):
        return None
    if answers.get(f"med.{n}.confirm") == "yes":
        suggestion = recognise(value["name"])
        if suggestion.medication is not None:
            return {**value, "name": suggestion.medication.generic}
    return value


def medication_status(answers: Answers, n: int) -> str | None:
    """As prescribed, different or stopped; for a carried medicine, from "still taking?"."""
    if n <= len(previous_medications(answers)):
        still = answers.get(f"med.{n}.still")
        return {"yes": "as_prescribed", "changed": "as_prescribed", "stopped": "stopped"}.get(
            still or ""
        )
    return answers.get(f"med.{n}.status")


def medication_name(answers: Answers, n: int) -> str:
    entry = medication_entry(answers, n)
    return entry["name"] if entry else "this medication"


def _medication_steps(answers: Answers) -> list[str]:
    steps: list[str] = []
    carried = len(previous_medications(answers))
    for n in range(1, carried + 1):
        steps.extend(_carried_steps(answers, n))
    if carried:
        steps.append("meds.other")
    if not carried or answers.get("meds.other") == "yes":
        for n in range(carried + 1, medication_count(answers) + 1):
            slot = _new_medication_steps(answers, n)
            steps.extend(slot)
            if slot[-1] != f"med.{n}.more":
                break  # "I don't take any" / "That's all" / not answered yet: the list ends here
    steps.append("meds.new")
    return steps


def _carried_steps(answers: Answers, n: int) -> list[str]:
    """A medicine from last time: "still taking it?", what it is now if it changed, adherence."""
    steps = [f"med.{n}.still"]
    still = answers.get(f"med.{n}.still")
    if still == "changed":
        steps.append(f"med.{n}.name")
        steps.extend(_name_follow_ups(answers, n))
    if still == "stopped":
        steps.append(f"med.{n}.reasons")
    elif still in ("yes", "changed"):
        steps.extend(_adherence_steps(answers, n))
    return _with_other_reason(answers, n, steps)


def _new_medication_steps(answers: Answers, n: int) -> list[str]:
    steps = [f"med.{n}.name"]
    if medication_entry(answers, n) is None:
        return steps
    steps.extend(_name_follow_ups(answers, n))
    steps.append(f"med.{n}.status")
    status = answers.get(f"med.{n}.status")
    if status == "different":
        steps.append(f"med.{n}.current_dose")
    if status == "stopped":
        steps.append(f"med.{n}.reasons")
    else:
        steps.extend(_adherence_steps(answers, n))
    steps = _with_other_reason(answers, n, steps)
    steps.append(f"med.{n}.more")
    return steps


def _name_follow_ups(answers: Answers, n: int) -> list[str]:
    """After a typed medicine: "did you mean …?" for a near miss, then dose and frequency if missing."""
    steps = []
    typed = answers.get(f"med.{n}.name")
    if (
        isinstance(typed, dict)
        and "name" in typed
        and recognise(typed["name"]).status == "suggestion"
    ):
        steps.append(f"med.{n}.confirm")
    entry = medication_entry(answers, n)
    if entry is not None and not entry.get("dose"):
        steps.append(f"med.{n}.dose")
    if entry is not None and not entry.get("frequency"):
        steps.append(f"med.{n}.frequency")
    return steps


def _adherence_steps(answers: Answers, n: int) -> list[str]:
    steps = [f"med.{n}.missed"]
    missed = answers.get(f"med.{n}.missed")
    if isinstance(missed, int | float) and missed > 0:
        steps.append(f"med.{n}.reasons")
    return steps


def _with_other_reason(answers: Answers, n: int, steps: list[str]) -> list[str]:
    reasons = answers.get(f"med.{n}.reasons")
    # Only while the reasons question itself is met (not after missed days go back to 0).
    if steps[-1] == f"med.{n}.reasons" and isinstance(reasons, list) and "other" in reasons:
        steps.append(f"med.{n}.reasons_other")
    return steps


def _medication_question(key: str, answers: Answers) -> Question:
    if key == "meds.new":
        return Question(
            key,
            Section.MEDICATIONS,
            "Have you started any new medicines or supplements since your last visit, including "
            "ones from other doctors or from the store? If so, type them here.",
            Kind.TEXT,
            "New medicines or supplements",
            options=(NO_NEW_OPTION,),
            optional=True,
        )
    if key == "meds.other":
        return Question(
            key,
            Section.MEDICATIONS,
            "Have you started any other medicine for your mental health since your last visit?",
            Kind.CHOICE,
            "Other medicines started",
            options=(Option("yes", "Yes", aliases=("yes, one more",)), Option("no", "No")),
        )
    _, number, field = key.split(".")
    n = int(number)
    name = medication_name(answers, n)
    section = Section.MEDICATIONS
    if field == "still":
        previous = previous_medications(answers)[n - 1]
        described = " ".join(
            p for p in (previous["name"], previous.get("dose"), previous.get("frequency")) if p
        )
        return Question(
            key,
            section,
            f"Last time you told us you take {described}. Are you still taking it?",
            Kind.CHOICE,
            f"{previous['name']}: still taking",
            options=STILL_OPTIONS,
            stem="Medicines from your last visit",
        )
    if field == "confirm":
        typed = answers.get(f"med.{n}.name") or {}
        suggestion = recognise(typed.get("name", ""))
        return Question(
            key,
            section,
            f"Did you mean {suggestion.display}?",
            Kind.CHOICE,
            f"Medication {n}: name confirmed",
            options=(
                Option("yes", "Yes"),
                Option("no", "No, keep what I typed", aliases=("no", "keep")),
            ),
        )
    if field == "name" and n <= len(previous_medications(answers)):
        return Question(
            key,
            section,
            f"What do you take now instead of {previous_medications(answers)[n - 1]['name']}? "
            'Name, dose and how often, for example "sertraline 100 mg once a day".',
            Kind.MEDICATION,
            f"Medication {n} now",
        )
    if field == "name":
        if n == 1:
            text = (
                "Let's start with your medications. What is the first medicine you take for your "
                "mental health? Type its name, dose and how often, for example "
                '"sertraline 50 mg once a day".'
            )
            options: tuple[Option, ...] = (NONE_OPTION,)
        else:
            text = "What is the next medicine? Name, dose and how often, if you know them."
            options = (ENOUGH_OPTION,)
        return Question(key, section, text, Kind.MEDICATION, f"Medication {n}", options=options)
    if field == "dose":
        return Question(
            key,
            section,
            f'What dose of {name} do you take? For example "50 mg".',
            Kind.TEXT,
            f"Dose of {name}",
            options=(UNSURE_OPTION,),
            optional=True,
            max_length=60,
            structured=True,
        )
    if field == "frequency":
        return Question(
            key,
            section,
            f"How often do you take {name}?",
            Kind.CHOICE,
            f"How often {name}",
            options=(*FREQUENCY_OPTIONS, UNSURE_OPTION),
            optional=True,
            free_text=True,
        )
    if field == "status":
        return Question(
            key,
            section,
            f"How have you been taking {name}?",
            Kind.CHOICE,
            f"{name}: taking",
            options=STATUS_OPTIONS,
        )
    if field == "current_dose":
        return Question(
            key,
            section,
            f'What dose of {name} are you taking now? For example "25 mg".',
            Kind.TEXT,
            f"{name}: dose taken now",
            options=(UNSURE_OPTION,),
            optional=True,
            max_length=60,
            structured=True,
        )
    if field == "missed":
        return Question(
            key,
            section,
            f"In the past 7 days, on how many days did you miss a dose of {name}?",
            Kind.NUMBER,
            f"{name}: days with a missed dose (past 7)",
            options=DAY_OPTIONS,
            minimum=0,
            maximum=7,
            integer=True,
            hint="Tap a number from 0 to 7, or type it.",
        )
    if field == "reasons":
        stopped = answers.get(f"med.{n}.status") == "stopped"
        text = (
            f"What led you to stop {name}? Tap all that apply, then Done."
            if stopped
            else f"What got in the way of taking {name}? Tap all that apply, then Done."
        )
        return Question(
            key,
            section,
            text,
            Kind.MULTI,
            f"{name}: reasons",
            options=REASON_OPTIONS,
            optional=True,
        )
    if field == "reasons_other":
        return Question(
            key,
            section,
            "What was the other reason?",
            Kind.TEXT,
            f"{name}: other reason",
            optional=True,
            max_length=500,
        )
    if field == "more":
        return Question(
            key,
            section,
            "Do you take any other medicine for your mental health?",
            Kind.CHOICE,
            "More medications",
            options=MORE_OPTIONS,
        )
    raise KeyError(key)


# --- instruments ------------------------------------------------------------------------


def _instrument_steps(instrument: Instrument, answers: Answers) -> list[str]:
    steps = [f"{instrument.key}.{item.number}" for item in instrument.items]
    if instrument is PHQ9 and any(_as_int(answers.get(step)) not in (None, 0) for step in steps):
        steps.append("phq9.function")
    return steps


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _instrument_question(instrument: Instrument, section: Section, key: str) -> Question:
    suffix = key.split(".", 1)[1]
    if suffix == "function":
        return Question(
            key,
            section,
            PHQ9_FUNCTION_QUESTION,
            Kind.CHOICE,
            "How difficult these problems made life",
            options=PHQ9_FUNCTION_OPTIONS,
            optional=True,  # not part of the score
        )
    item = instrument.items[int(suffix) - 1]
    return Question(
        key,
        section,
        item.text,
        Kind.CHOICE,
        item.text,
        options=ANSWER_OPTIONS,
        stem=instrument.stem,
    )


# --- sleep and daily life ---------------------------------------------------------------

SLEEP_STEPS = ("sleep.hours", "sleep.latency", "sleep.wakings", "sleep.quality", "sleep.change")


def _sleep_question(key: str) -> Question:
    section = Section.SLEEP
    if key == "sleep.hours":
        return Question(
            key,
            section,
            "On a usual night lately, about how many hours do you sleep?",
            Kind.NUMBER,
            "Usual hours of sleep",
            optional=True,
            minimum=0,
            maximum=24,
            hint="Type a number, like 7 or 6.5.",
        )
    if key == "sleep.latency":
        return Question(
            key,
            section,
            "How long does it usually take you to fall asleep?",
            Kind.CHOICE,
            "Time to fall asleep",
            options=LATENCY_OPTIONS,
            optional=True,
        )
    if key == "sleep.wakings":
        return Question(
            key,
            section,
            "On a usual night, how many times do you wake up?",
            Kind.NUMBER,
            "Times woken at night",
            options=WAKING_OPTIONS,
            optional=True,
            minimum=0,
            maximum=30,
            integer=True,
        )
    if key == "sleep.quality":
        return Question(
            key,
            section,
            "Overall, how would you rate your sleep lately?",
            Kind.CHOICE,
            "Sleep quality",
            options=QUALITY_OPTIONS,
            optional=True,
        )
    if key == "sleep.change":
        return Question(
            key,
            section,
            "Compared with before your last visit, is your sleep…",
            Kind.CHOICE,
            "Sleep since last visit",
            options=CHANGE_OPTIONS,
            optional=True,
        )
    raise KeyError(key)


def _daily_question(key: str) -> Question:
    field = key.split(".", 1)[1]
    for name, label, text in DAILY_ITEMS:
        if name == field:
            options = APPETITE_OPTIONS if name == "appetite" else CHANGE_OPTIONS
            return Question(
                key, Section.DAILY, text, Kind.CHOICE, label, options=options, optional=True
            )
    raise KeyError(key)


# --- side effects -----------------------------------------------------------------------

SE_FIELDS = ("frequency", "severity", "interference", "medication")


def checked_side_effects(answers: Answers) -> list[str]:
    """The side-effect values the patient checked, in checklist order, without "none"."""
    checked = answers.get("se.checklist")
    if not isinstance(checked, list):
        return []
    return [o.value for o in SIDE_EFFECT_OPTIONS if o.value in checked and not o.exclusive]


def side_effect_name(answers: Answers, value: str) -> str:
    if value == "other":
        other = answers.get("se.other")
        if isinstance(other, str) and other.strip():
            return f"“{other.strip()}”"  # the patient's own words, marked as such
        return "the other side effect"
    return option_label(SIDE_EFFECT_OPTIONS, value).lower()


def _side_effect_steps(answers: Answers) -> list[str]:
    steps = ["se.checklist"]
    checked = checked_side_effects(answers)
    if "other" in checked:
        steps.append("se.other")
    for value in checked:
        steps.extend(f"se.{value}.{field}" for field in SE_FIELDS)
    return steps


def medication_options(answers: Answers) -> tuple[Option, ...]:
    """One option per medication the patient listed, for "which one do you suspect?"."""
    options = []
    for n in range(1, medication_count(answers) + 1):
        entry = medication_entry(answers, n)
        if entry is None:
            break  # the list ends here, as in _medication_steps: later slots are not reachable
        options.append(Option(f"m{n}", entry["name"]))
    return tuple(options)


def _side_effect_question(key: str, answers: Answers) -> Question:
    section = Section.SIDE_EFFECTS
    if key == "se.checklist":
        return Question(
            key,
            section,
            "Have you noticed any of these since your last visit? Tap all that apply, then Done.",
            Kind.MULTI,
            "Side effects noticed",
            options=SIDE_EFFECT_OPTIONS,
        )
    if key == "se.other":
        return Question(
            key,
            section,
            "What else have you noticed?",
            Kind.TEXT,
            "Other side effect",
            max_length=200,
        )
    _, value, field = key.split(".")
    name = side_effect_name(answers, value)
    title = name[:1].upper() + name[1:]
    if field == "frequency":
        return Question(
            key,
            section,
            f"{title}: how often do you notice it?",
            Kind.CHOICE,
            f"{name}: how often",
            options=SE_FREQUENCY_OPTIONS,
            optional=True,
        )
    if field == "severity":
        return Question(
            key,
            section,
            f"{title}: how strong is it?",
            Kind.CHOICE,
            f"{name}: how strong",
            options=SE_SEVERITY_OPTIONS,
            optional=True,
        )
    if field == "interference":
        return Question(
            key,
            section,
            f"{title}: how much does it get in the way of your daily life?",
            Kind.CHOICE,
            f"{name}: gets in the way",
            options=SE_INTERFERENCE_OPTIONS,
            optional=True,
        )
    if field == "medication":
        return Question(
            key,
            section,
            f"{title}: which medicine do you think might be causing it? Tap one, or type its name.",
            Kind.CHOICE,
            f"{name}: suspected medicine",
            options=(*medication_options(answers), UNSURE_OPTION),
            optional=True,
            free_text=True,
        )
    raise KeyError(key)


# --- stressors and questions ------------------------------------------------------------


def _stressor_steps() -> list[str]:
    return [f"stress.{domain.value}" for domain in STRESS_DOMAINS] + ["stress.notes"]


def _stressor_question(key: str) -> Question:
    field = key.split(".", 1)[1]
    if field == "notes":
        return Question(
            key,
            Section.STRESSORS,
            "Is there anything else going on in your life you'd like your provider to know? "
            "Type it, or tap the button.",
            Kind.TEXT,
            "Notes about stressors",
            options=(NO_NOTES_OPTION,),
            optional=True,
            max_length=2000,
        )
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


def _question_steps(answers: Answers) -> list[str]:
    steps = ["q.1"]
    n = 1
    while isinstance(answers.get(f"q.{n}"), str):
        n += 1
        steps.append(f"q.{n}")
    return steps


def _patient_question(key: str) -> Question:
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


# --- public lookups ---------------------------------------------------------------------


def section_steps(section: Section, answers: Answers) -> list[str]:
    """The steps a patient meets in `section`, given the answers so far."""
    match section:
        case Section.MEDICATIONS:
            return _medication_steps(answers)
        case Section.MOOD:
            return _instrument_steps(PHQ9, answers)
        case Section.ANXIETY:
            return _instrument_steps(GAD7, answers)
        case Section.SLEEP:
            return list(SLEEP_STEPS)
        case Section.DAILY:
            return [f"daily.{name}" for name, _, _ in DAILY_ITEMS]
        case Section.SIDE_EFFECTS:
            return _side_effect_steps(answers)
        case Section.STRESSORS:
            return _stressor_steps()
        case Section.QUESTIONS:
            return _question_steps(answers)
    raise ValueError(section)


def section_of(key: str) -> Section:
    """The section a step key belongs to."""
    prefix = key.split(".", 1)[0]
    return _PREFIX_SECTIONS[prefix]


_PREFIX_SECTIONS: Mapping[str, Section] = {
    "med": Section.MEDICATIONS,
    "meds": Section.MEDICATIONS,
    "phq9": Section.MOOD,
    "gad7": Section.ANXIETY,
    "sleep": Section.SLEEP,
    "daily": Section.DAILY,
    "se": Section.SIDE_EFFECTS,
    "stress": Section.STRESSORS,
    "q": Section.QUESTIONS,
}


def question_for(key: str, answers: Answers) -> Question:
    """The question at step `key`, worded with what the patient already told us."""
    section = section_of(key)
    match section:
        case Section.MEDICATIONS:
            return _medication_question(key, answers)
        case Section.MOOD:
            return _instrument_question(PHQ9, section, key)
        case Section.ANXIETY:
            return _instrument_question(GAD7, section, key)
        case Section.SLEEP:
            return _sleep_question(key)
        case Section.DAILY:
            return _daily_question(key)
        case Section.SIDE_EFFECTS:
            return _side_effect_question(key, answers)
        case Section.STRESSORS:
            return _stressor_question(key)
        case Section.QUESTIONS:
            return _patient_question(key)
    raise KeyError(key)


def reachable_answers(answers: Answers) -> dict[str, Any]:
    """The answers on the patient's current path: answers to steps no longer met are left out."""
    kept: dict[str, Any] = {}
    if PREVIOUS_MEDICATIONS in answers:  # not a question, but what the carried steps refer to
        kept[PREVIOUS_MEDICATIONS] = answers[PREVIOUS_MEDICATIONS]
    for section in SECTION_ORDER:
        for step in section_steps(section, answers):
            if step in answers:
                kept[step] = answers[step]
    return kept


DYNAMIC_SECTIONS = frozenset({Section.MEDICATIONS, Section.SIDE_EFFECTS, Section.QUESTIONS})


def progress_label(section: Section, steps: list[str], step: str) -> str:
    """Where the patient is, without a finish line that moves.

    Sections that grow with the answers (another medicine, each side effect, each question)
    count questions without a total; PHQ-9 counts its nine items, and its unscored last
    question is announced as the last.
    """
    position = steps.index(step) + 1
    if section is Section.MOOD:
        if step == "phq9.function":
            return f"{section.title} · last question"
        return f"{section.title} · {position} of {len(PHQ9.items)}"
    if section in DYNAMIC_SECTIONS:
        return f"{section.title} · question {position}"
    return f"{section.title} · {position} of {len(steps)}"
