"""The between-visit check-in: mood, sleep, energy, side effects and a note, in about a minute.

`handle_checkin()` is a pure function like the intake's `handle()`: given where the patient is,
their answers so far and what they just did, it returns a `CheckinOutcome` that says which
answers to record, what to say, which screen to show and which safety signals to log and
alert on. The caller stores all of it in one transaction before anything is sent.

Storing a check-in (one row: step, pending, draft, answers):

- `step`, `pending` and `draft` are `CheckinState`'s fields (`draft` as a JSON list or null).
- `answers` is a dict by step key: apply each `Recorded` of an outcome as
  `answers[item.key] = item.value` (None means skipped). Nothing is ever removed; /restart
  records nothing and keeps every answer until it is answered again.
- `completed` is True in exactly one outcome: the one that records the last answer. Set the
  completion time then and build the record with `checkin_summary.records_from_answers`.
  If that last answer carried risk language, a safety question is still open (`pending` is
  set and the screen is that question): keep sending the patient's messages to this check-in
  until `finished` (step and pending both None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flows import checkin_messages as wording
from flows import messages, safety_dialogue, turns
from flows.answers import Parsed, describe
from flows.dialogue import (
    Begin,
    Command,
    DoneTapped,
    Event,
    Recorded,
    SafetySignal,
    Screen,
    Tapped,
    Toggled,
    Typed,
    Unsupported,
)
from flows.intake import TYPED_COMMANDS, loose_match_echo
from flows.options import Option
from flows.parsing import normalise
from flows.questions import NO_NOTES_OPTION, SIDE_EFFECT_OPTIONS, Kind, Question, Section
from flows.safety_dialogue import INTAKE_REPLIES, SafetyTurn

MOOD = "checkin.mood"
SLEEP = "checkin.sleep"
ENERGY = "checkin.energy"
SIDE_EFFECTS = "checkin.side_effects"
SIDE_EFFECTS_OTHER = "checkin.side_effects_other"
NOTE = "checkin.note"

MAIN_STEPS = (MOOD, SLEEP, ENERGY, SIDE_EFFECTS, NOTE)
"""The five questions every check-in asks; "what else?" after "Something else" is part of the
side-effects question and does not change the count."""

MOOD_OPTIONS = tuple(Option(str(n), str(n)) for n in range(11))
ENERGY_OPTIONS = (
    Option("low", "Low", aliases=("low energy", "tired", "exhausted")),
    Option("ok", "OK", aliases=("okay", "fine", "normal", "alright", "all right", "medium")),
    Option("high", "High", aliases=("high energy", "energetic")),
)

# The check-in reuses the intake's Question; `section` only says which part of the intake a
# question resembles and is not shown.
QUESTIONS: Mapping[str, Question] = {
    MOOD: Question(
        MOOD,
        Section.MOOD,
        "How has your mood been today, from 0 (worst) to 10 (best)?",
        Kind.NUMBER,
        "Mood today (0–10)",
        options=MOOD_OPTIONS,
        optional=True,
        minimum=0,
        maximum=10,
        integer=True,
        hint="Tap a number from 0 to 10, or type it.",
    ),
    SLEEP: Question(
        SLEEP,
        Section.SLEEP,
        "About how many hours did you sleep last night?",
        Kind.NUMBER,
        "Hours slept last night",
        optional=True,
        minimum=0,
        maximum=24,
        hint="Type a number, like 7 or 6.5.",
    ),
    ENERGY: Question(
        ENERGY,
        Section.DAILY,
        "How is your energy today?",
        Kind.CHOICE,
        "Energy today",
        options=ENERGY_OPTIONS,
        optional=True,
    ),
    SIDE_EFFECTS: Question(
        SIDE_EFFECTS,
        Section.SIDE_EFFECTS,
        "Have you noticed any of these today? Tap all that apply, then Done.",
        Kind.MULTI,
        "Side effects today",
        options=SIDE_EFFECT_OPTIONS,
    ),
    SIDE_EFFECTS_OTHER: Question(
        SIDE_EFFECTS_OTHER,
        Section.SIDE_EFFECTS,
        "What else have you noticed?",
        Kind.TEXT,
        "Other side effect",
        max_length=200,
    ),
    NOTE: Question(
        NOTE,
        Section.STRESSORS,
        "Anything else you'd like your care team to know? Type it, or tap the button.",
        Kind.TEXT,
        "Note",
        options=(NO_NOTES_OPTION,),
        optional=True,
        max_length=1000,
    ),
}


def checkin_steps(answers: Mapping[str, Any]) -> list[str]:
    """The steps a patient meets, given the answers so far."""
    steps = [MOOD, SLEEP, ENERGY, SIDE_EFFECTS]
    checked = answers.get(SIDE_EFFECTS)
    if isinstance(checked, list) and "other" in checked:
        steps.append(SIDE_EFFECTS_OTHER)
    steps.append(NOTE)
    return steps


def progress_label(step: str) -> str:
    position = MAIN_STEPS.index(SIDE_EFFECTS if step == SIDE_EFFECTS_OTHER else step) + 1
    return f"Check-in · {position} of {len(MAIN_STEPS)}"


@dataclass(frozen=True)
class CheckinState:
    """Where a patient is in a check-in; stored with the check-in row."""

    step: str | None = MOOD  # None: every answer is in
    pending: str | None = None  # a safety question shown instead of the step
    draft: tuple[str, ...] | None = None  # the side-effect toggles before Done


@dataclass(frozen=True)
class CheckinContext:
    returning: bool = False  # after /pause or a long silence: greet before going on


@dataclass
class CheckinOutcome:
    state: CheckinState
    record: list[Recorded] = field(default_factory=list)
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    safety: list[SafetySignal] = field(default_factory=list)
    completed: bool = False  # this outcome records the last answer: log the check-in now
    paused: bool = False
    stale: bool = False
    edit_in_place: bool = False  # a side-effect toggle: redraw the same message

    @property
    def finished(self) -> bool:
        """Nothing is left to ask: every answer is in and no safety question is open."""
        return self.state.step is None and self.state.pending is None


# --- one event's work -------------------------------------------------------------------


class _Turn:
    def __init__(
        self, state: CheckinState, answers: Mapping[str, Any], ctx: CheckinContext
    ) -> None:
        self.before = state
        self.answers: dict[str, Any] = dict(answers)
        self.ctx = ctx
        self.out = CheckinOutcome(state=state)

    @property
    def state(self) -> CheckinState:
        return self.out.state

    def move(self, **changes: Any) -> None:
        self.out.state = replace(self.out.state, **changes)

    def current_question(self) -> Question | None:
        if self.state.pending or self.state.step is None:
            return None
        return QUESTIONS[self.state.step]

    # screens

    def show(self) -> None:
        state = self.state
        if state.pending:
            self.out.screen = safety_dialogue.screen(state.pending)
        elif state.step is not None:
            self.out.screen = self.question_screen()

    def question_screen(self) -> Screen:
        step = self.state.step
        assert step is not None
        question = QUESTIONS[step]
        answered = step in self.answers
        selected: tuple[str, ...] = ()
        if question.kind is Kind.MULTI:
            current = self.answers.get(step)
            selected = self.state.draft if self.state.draft is not None else tuple(current or ())
        return Screen(
            step=step,
            text=question.text,
            options=turns.offered_options(question, answered),
            header=progress_label(step),
            hint=question.hint,
            multi=question.kind is Kind.MULTI,
            selected=selected,
            current_answer=describe(question, self.answers[step]) if answered else None,
            can_back=step != MAIN_STEPS[0],
            can_skip=question.optional,
            numbered=question.kind is Kind.CHOICE,
        )

    # answering

    def accept(self, question: Question, value: Any, raw_text: str | None) -> None:
        """Store an answer (unless unchanged) and move on."""
        if question.key not in self.answers or self.answers[question.key] != value:
            self.out.record.append(Recorded(question.key, value, raw_text))
            self.answers[question.key] = value
        echo = loose_match_echo(question, value, raw_text)
        if echo:
            self.out.say.append(echo)
        steps = checkin_steps(self.answers)
        index = steps.index(question.key)
        self.move(step=steps[index + 1] if index + 1 < len(steps) else None, draft=None)

    # safety

    def apply(self, turn: SafetyTurn) -> None:
        self.out.say.extend(turn.say)
        self.out.safety.extend(turn.safety)
        self.move(pending=turn.pending)

    def check_risk(self, text: str, step: str | None) -> None:
        self.apply(safety_dialogue.check_text(text, step, self.state.pending))

    def answer_pending(self, value: str, text: str | None = None) -> None:
        pending = self.state.pending
        assert pending is not None
        replies = INTAKE_REPLIES if self.state.step is not None else wording.END_REPLIES
        self.apply(safety_dialogue.answer(pending, value, replies, text=text))

    def leave_pending(self) -> None:
        pending = self.state.pending
        assert pending is not None
        self.apply(safety_dialogue.leave(pending))

    def stale(self) -> None:
        self.out.stale = True
        self.out.say.append(messages.STALE_BUTTON)

    def edit_in_place(self) -> None:
        self.out.edit_in_place = True

    def say(self, text: str) -> None:
        self.out.say.append(text)

    def is_stale(self, step: str) -> bool:
        if step != (self.state.pending or self.state.step):
            self.stale()
            return True
        return False

    def finish(self) -> None:
        """Mark the moment the last answer is in, and thank the patient once nothing is open."""
        before, now = self.before, self.state
        if before.step is not None and now.step is None:
            self.out.completed = True
            if now.pending is None:
                self.out.say.append(wording.DONE)
        elif (
            before.step is None
            and before.pending is not None
            and now.pending is None
            and not any(event.kind == "not_safe" for event in self.out.safety)
        ):
            # The safety question after the last answer was answered or left; after "not safe"
            # the reply already says the check-in is saved, and nothing cheerful follows.
            self.out.say.append(wording.DONE)


# --- event handlers ---------------------------------------------------------------------


def handle_checkin(
    state: CheckinState, answers: Mapping[str, Any], event: Event, ctx: CheckinContext
) -> CheckinOutcome:
    """Apply one patient event to a check-in."""
    turn = _Turn(state, answers, ctx)
    if state.step is None and state.pending is None:
        return _after_the_end(turn, event)
    match event:
        case Begin():
            if ctx.returning or state.step != MAIN_STEPS[0] or state.pending or answers:
                turn.out.say.append(wording.WELCOME_BACK)
        case Typed(text=text):
            _typed(turn, text)
        case Tapped(step=step, value=value):
            _tapped(turn, step, value)
        case Toggled(step=step, value=value):
            _toggled(turn, step, value)
        case DoneTapped(step=step):
            _done(turn, step)
        case Command(name=name, step=step):
            if step is None or not turn.is_stale(step):
                _command(turn, name)
        case Unsupported():
            turn.out.say.append(messages.UNSUPPORTED)
    turn.finish()
    if not turn.out.paused:
        turn.show()
    return turn.out


def _after_the_end(turn: _Turn, event: Event) -> CheckinOutcome:
    """A finished check-in changes no more; typed text is still checked for risk."""
    turn.out.say.append(wording.ALREADY_DONE)
    match event:
        case Typed(text=text):
            turn.check_risk(text, None)
        case Tapped() | Toggled() | DoneTapped() | Command(step=str()):
            turn.out.stale = True  # a button from this finished check-in
    turn.show()
    return turn.out


def _typed(turn: _Turn, text: str) -> None:
    word = normalise(text).lstrip("/")
    if word in TYPED_COMMANDS:
        _command(turn, word)
        return
    state = turn.state
    if state.pending:
        value = safety_dialogue.read_typed(state.pending, text)
        if value is not None:
            turn.answer_pending(value, text)
            return
        turn.out.say.append(messages.SAFETY_NOT_UNDERSTOOD)
        return
    question = turn.current_question()
    assert question is not None
    parsed = turns.parse_answer(question, turn.answers, text)
    if parsed.ok and not turns.risky_non_text_answer(question, text):
        turn.accept(question, parsed.value, text)
    turn.check_risk(text, question.key)  # the note is kept first: nothing typed is lost
    if not parsed.ok and not turn.out.safety:
        turn.out.say.append(
            wording.WELCOME_BACK if turn.ctx.returning else _problem(question, parsed)
        )


def _problem(question: Question, parsed: Parsed) -> str:
    match parsed.problem:
        case "too_long":
            return wording.too_long(question.max_length)
        case "not_a_number":
            return messages.not_a_number(question.minimum, question.maximum)
        case "empty":
            return messages.EMPTY_ANSWER
    return messages.NOT_UNDERSTOOD


def _tapped(turn: _Turn, step: str, value: str) -> None:
    if turn.is_stale(step):
        return
    pending = turn.state.pending
    if pending:
        if any(o.value == value for o in safety_dialogue.options(pending)):
            turn.answer_pending(value)
        else:
            turn.stale()
        return
    question = turn.current_question()
    assert question is not None
    turns.tap(turn, question, value)


def _toggled(turn: _Turn, step: str, value: str) -> None:
    if not turn.is_stale(step):
        turns.toggle_option(turn, turn.current_question(), value)


def _done(turn: _Turn, step: str) -> None:
    if not turn.is_stale(step):
        turns.done(turn, turn.current_question())


def _command(turn: _Turn, name: str) -> None:
    match name:
        case "back":
            _back(turn)
        case "skip":
            _skip(turn)
        case "pause":
            turn.out.paused = True
            turn.out.say.append(wording.PAUSED)
        case "restart":
            if turn.state.pending:
                turn.out.say.append(messages.SAFETY_FIRST)
            else:
                # Start over from mood; nothing is recorded and every answer stays until
                # it is answered again ("Keep my answer" is offered).
                turn.move(step=MAIN_STEPS[0], draft=None)
                turn.out.say.append(wording.RESTARTED)
        case "help":
            turn.out.say.append(wording.HELP)
        case _:
            turn.out.say.append(messages.UNKNOWN_COMMAND)


def _back(turn: _Turn) -> None:
    if turn.state.pending:
        turn.leave_pending()
        return
    step = turn.state.step
    assert step is not None
    steps = checkin_steps(turn.answers)
    index = steps.index(step)
    if index == 0:
        turn.out.say.append(messages.ALREADY_FIRST)
    else:
        turn.move(step=steps[index - 1], draft=None)


def _skip(turn: _Turn) -> None:
    if turn.state.pending:
        turn.leave_pending()
        return
    question = turn.current_question()
    assert question is not None
    if question.optional:
        turn.accept(question, None, None)
    elif question.key == SIDE_EFFECTS:
        turn.out.say.append(wording.CANNOT_SKIP_SIDE_EFFECTS)
    else:
        turn.out.say.append(wording.CANNOT_SKIP_OTHER)
