"""The intake dialogue: given where a patient is, their answers and what they just did, decide what
happens next.

`handle()` is a pure function. It returns an `Outcome` that says which answers to record, what
to say, which screen to show, and which safety signals to log and alert on; the caller stores
all of it in one transaction before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flows import messages, safety_dialogue, turns
from flows.answers import Parsed, describe
from flows.dialogue import (
    Begin,
    Command,
    DoneTapped,
    Event,
    Recorded,
    ReviewGroup,
    SafetySignal,
    Screen,
    Tapped,
    Toggled,
    Typed,
    Unsupported,
)
from flows.dialogue import SafetyEvent as SafetyEvent  # deprecated name, for old callers
from flows.instruments import ANSWER_OPTIONS, SAFETY_ITEM
from flows.machine import FINAL_STATES, Phase, edit_trigger, fire
from flows.options import Option
from flows.parsing import match_option, normalise
from flows.questions import (
    PREVIOUS_MEDICATIONS,
    SECTION_ORDER,
    Answers,
    Kind,
    Question,
    Section,
    progress_label,
    question_for,
    reachable_answers,
    section_steps,
)
from flows.safety_dialogue import SAFETY_CHECK as SAFETY_CHECK
from flows.safety_dialogue import SAFETY_CLARIFY as SAFETY_CLARIFY
from flows.safety_dialogue import SafetyTurn

RESTART_CONFIRM = "restart.confirm"
CONSENT_STEP = "consent"
REVIEW_STEP = "review"
PHQ9_SAFETY_STEP = f"phq9.{SAFETY_ITEM}"


@dataclass(frozen=True)
class IntakeState:
    """Where a patient is in the intake; stored with the intake row."""

    state: str = Phase.CONSENT.value
    step: str | None = CONSENT_STEP
    editing: bool = False
    pending: str | None = None  # an interjection shown instead of the step: safety or restart
    draft: tuple[str, ...] | None = None  # a multi-select's toggles before Done


@dataclass(frozen=True)
class Context:
    clinic_name: str
    returning: bool = False  # after /pause or a long silence: greet before going on


# --- what comes out ---------------------------------------------------------------------


@dataclass
class Outcome:
    state: IntakeState
    record: list[Recorded] = field(default_factory=list)
    say: list[str] = field(default_factory=list)
    screen: Screen | None = None
    safety: list[SafetySignal] = field(default_factory=list)
    restart: bool = False  # supersede every current answer
    submitted: bool = False
    paused: bool = False
    stale: bool = False
    edit_in_place: bool = False  # a multi-select toggle: redraw the same message


# --- the dialogue -----------------------------------------------------------------------


class _Turn:
    """One event's work: mutable while the event is handled, returned as an Outcome."""

    def __init__(self, state: IntakeState, answers: Answers, ctx: Context) -> None:
        self.answers: dict[str, Any] = dict(answers)
        self.ctx = ctx
        self.out = Outcome(state=state)

    @property
    def state(self) -> IntakeState:
        return self.out.state

    def move(self, **changes: Any) -> None:
        self.out.state = replace(self.out.state, **changes)

    # screens

    def stale(self) -> None:
        self.out.stale = True
        self.out.say.append(messages.STALE_BUTTON)

    def edit_in_place(self) -> None:
        self.out.edit_in_place = True

    def say(self, text: str) -> None:
        self.out.say.append(text)

    def current_question(self) -> Question | None:
        s = self.state
        if s.pending or s.step in (None, CONSENT_STEP, REVIEW_STEP) or s.state in FINAL_STATES:
            return None
        return question_for(s.step, self.answers)

    def show(self) -> None:
        self.out.screen = self.build_screen()

    def build_screen(self) -> Screen | None:
        s = self.state
        if s.pending:
            return _pending_screen(s.pending)
        if s.state in FINAL_STATES:
            return None
        if s.state == Phase.CONSENT:
            return Screen(
                CONSENT_STEP,
                messages.welcome(self.ctx.clinic_name),
                options=messages.CONSENT_OPTIONS,
            )
        if s.state == Phase.REVIEW:
            return Screen(
                REVIEW_STEP,
                messages.REVIEW_INTRO,
                options=review_options(),
                review=review_groups(self.answers),
                can_back=True,
                header="Review",
            )
        return self.question_screen()

    def question_screen(self) -> Screen:
        s = self.state
        assert s.step is not None
        question = question_for(s.step, self.answers)
        section = Section(s.state)
        steps = section_steps(section, self.answers)
        position = steps.index(s.step) + 1
        answered = s.step in self.answers
        selected: tuple[str, ...] = ()
        if question.kind is Kind.MULTI:
            current = self.answers.get(s.step)
            selected = s.draft if s.draft is not None else tuple(current or ())
        return Screen(
            step=s.step,
            text=question.text,
            options=turns.offered_options(question, answered),
            header=progress_label(section, steps, s.step),
            stem=question.stem,
            hint=question.hint,
            multi=question.kind is Kind.MULTI,
            selected=selected,
            current_answer=describe(question, self.answers[s.step]) if answered else None,
            # While editing, Back from the very first question returns to review.
            can_back=s.editing or not (section is SECTION_ORDER[0] and position == 1),
            can_skip=question.optional,
            numbered=question.kind is Kind.CHOICE,
        )

    # answering

    def accept(self, question: Question, value: Any, raw_text: str | None) -> None:
        """Store an answer (unless unchanged), run the safety rule, and move on."""
        previous = self.answers.get(question.key, _MISSING)
        if previous != value or question.key not in self.answers:
            self.out.record.append(Recorded(question.key, value, raw_text))
            self.answers[question.key] = value
        echo = loose_match_echo(question, value, raw_text)
        if echo:
            self.out.say.append(echo)
        if isinstance(value, dict) and "name" in value:
            self.out.say.append(
                messages.medication_understood(
                    value["name"], value.get("dose"), value.get("frequency")
                )
            )
        if question.key == PHQ9_SAFETY_STEP and _score(value) > 0 and previous != value:
            self.item9_triggered(value)
        self.advance_from(question.key)

    def item9_triggered(self, value: Any) -> None:
        label = next(o.label for o in ANSWER_OPTIONS if o.value == str(value))
        self.apply(
            safety_dialogue.alert(
                SafetySignal(
                    kind="phq9_item9",
                    detail=f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) "
                    f"answered “{label}” ({value} of 3)",
                    alert=True,
                    step=PHQ9_SAFETY_STEP,
                    shown="crisis_resources",
                )
            )
        )

    def advance_from(self, step: str) -> None:
        section = Section(self.state.state)
        steps = section_steps(section, self.answers)
        index = steps.index(step)
        if index + 1 < len(steps):
            self.move(step=steps[index + 1], draft=None)
            return
        self.fire("finish_section", first=True)

    def fire(self, trigger: str, *, first: bool) -> None:
        """Fire a machine trigger and land on the first (or last) step of the new state."""
        state, editing = fire(self.state.state, self.state.editing, trigger)
        self.move(state=state, editing=editing, draft=None, step=self.landing_step(state, first))

    def landing_step(self, state: str, first: bool) -> str | None:
        if state == Phase.REVIEW:
            return REVIEW_STEP
        if state in FINAL_STATES:
            return None
        if state == Phase.CONSENT:
            return CONSENT_STEP
        steps = section_steps(Section(state), self.answers)
        return steps[0] if first else steps[-1]

    # safety

    def apply(self, turn: SafetyTurn) -> None:
        """Take on a safety step's result: its messages, its events and its interjection."""
        self.out.say.extend(turn.say)
        self.out.safety.extend(turn.safety)
        self.move(pending=turn.pending)

    def check_risk(self, text: str, step: str | None = None) -> None:
        """Risk language anywhere shows resources and alerts; unclear wording asks first.

        `step` is where the text was typed (by default the current step).
        """
        step = step if step is not None else self.state.step
        self.apply(safety_dialogue.check_text(text, step, self.state.pending))

    def answer_pending(self, value: str, text: str | None = None) -> None:
        pending = self.state.pending
        if safety_dialogue.is_safety_question(pending):
            assert pending is not None
            self.apply(safety_dialogue.answer(pending, value, text=text))
            return
        self.move(pending=None)
        if pending == RESTART_CONFIRM:
            if value == "yes":
                self.out.restart = True
                # Last visit's medicines are not an answer: they stay, so they are asked again.
                carried = {k: v for k, v in self.answers.items() if k == PREVIOUS_MEDICATIONS}
                self.answers.clear()
                self.answers.update(carried)
                self.fire("restart", first=True)
                self.out.say.append(messages.RESTARTED)
            else:
                self.out.say.append(messages.RESTART_CANCELLED)

    def choose_phase_option(self, step: str, value: str) -> None:
        """Consent and review are answered with their own options."""
        if step == CONSENT_STEP:
            if value == "agree":
                self.fire("agree", first=True)
            else:
                self.fire("decline", first=True)
                self.out.say.append(messages.DECLINED)
        elif value == messages.SUBMIT_OPTION.value:
            self.fire("submit", first=True)
            self.out.submitted = True
            self.out.say.append(messages.submitted(self.ctx.clinic_name))
        else:
            self.fire(edit_trigger(Section(value.removeprefix("edit_"))), first=True)


_MISSING = object()


def loose_match_echo(question: Question, value: Any, raw_text: str | None) -> str | None:
    """Say which option a typed word was read as, unless it was the option's label or number."""
    if raw_text is None or question.kind is not Kind.CHOICE or not isinstance(value, str):
        return None
    options = question.options
    for number, option in enumerate(options, start=1):
        if option.value == value:
            typed = normalise(raw_text)
            if typed in (normalise(option.label), str(number), f"{number}."):
                return None
            return messages.choice_understood(option.label)
    return None


def _score(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def review_options() -> tuple[Option, ...]:
    edits = tuple(
        Option(
            f"edit_{section.value}",
            f"Change {section.label.lower()}",
            aliases=(section.label.lower(), section.value),
        )
        for section in SECTION_ORDER
    )
    return (*edits, messages.SUBMIT_OPTION)


def review_groups(answers: Answers) -> tuple[ReviewGroup, ...]:
    """Every current answer, grouped by section, in the order asked."""
    current = reachable_answers(answers)
    groups = []
    for section in SECTION_ORDER:
        lines = []
        for step in section_steps(section, current):
            if step in current and not _is_navigation(step, current[step]):
                question = question_for(step, current)
                lines.append((question.label, describe(question, current[step])))
        groups.append(ReviewGroup(section, section.label, tuple(lines)))
    return tuple(groups)


def _is_navigation(step: str, value: Any) -> bool:
    """ "Add another", "That's all" and the like steer the dialogue; they are not answers to show."""
    return step.endswith(".more") or (isinstance(value, dict) and value.get("choice") == "done")


def _pending_screen(pending: str) -> Screen:
    if safety_dialogue.is_safety_question(pending):
        return safety_dialogue.screen(pending)
    return Screen(RESTART_CONFIRM, messages.RESTART_QUESTION, options=messages.RESTART_OPTIONS)


def _pending_options(pending: str) -> tuple[Option, ...]:
    return _pending_screen(pending).options


def _phase_options(step: str) -> tuple[Option, ...]:
    return messages.CONSENT_OPTIONS if step == CONSENT_STEP else review_options()


# --- event handlers ---------------------------------------------------------------------


def handle(state: IntakeState, answers: Answers, event: Event, ctx: Context) -> Outcome:
    """Apply one patient event to an intake."""
    turn = _Turn(state, answers, ctx)
    if state.state in FINAL_STATES and not (state.pending and isinstance(event, Typed | Tapped)):
        return _after_the_end(turn, event)
    match event:
        case Begin():
            if ctx.returning or state.state != Phase.CONSENT:
                turn.out.say.append(messages.WELCOME_BACK)
        case Typed(text=text):
            _typed(turn, text)
        case Tapped(step=step, value=value):
            _tapped(turn, step, value)
        case Toggled(step=step, value=value):
            _toggled(turn, step, value)
        case DoneTapped(step=step):
            _done(turn, step)
        case Command(name=name, step=step):
            if step is None or not _is_stale(turn, step):
                _command(turn, name)
        case Unsupported():
            turn.out.say.append(messages.UNSUPPORTED)
    if not turn.out.paused:
        turn.show()
    return turn.out


def _after_the_end(turn: _Turn, event: Event) -> Outcome:
    """A submitted or declined intake changes no more; typed text is still checked for risk."""
    submitted = turn.state.state == Phase.SUBMITTED
    turn.out.say.append(messages.ALREADY_SUBMITTED if submitted else messages.ALREADY_DECLINED)
    if isinstance(event, Typed):
        turn.check_risk(event.text)
    turn.show()
    return turn.out


TYPED_COMMANDS = frozenset({"back", "skip", "pause", "restart", "help"})
"""Typed without the slash, these words still work as commands."""


def _typed(turn: _Turn, text: str) -> None:
    word = normalise(text).lstrip("/")
    if word in TYPED_COMMANDS:
        _command(turn, word)
        return
    state = turn.state
    if state.pending:
        if safety_dialogue.is_safety_question(state.pending):
            value = safety_dialogue.read_typed(state.pending, text)
        else:
            option = match_option(text, _pending_options(state.pending))
            value = option.value if option is not None else None
        if value is not None:
            turn.answer_pending(value, text)
            return
        turn.out.say.append(
            messages.SAFETY_NOT_UNDERSTOOD
            if safety_dialogue.is_safety_question(state.pending)
            else messages.NOT_UNDERSTOOD
        )
        return
    typed_at = state.step  # an accepted answer moves on; the safety log names this step
    parsed = _parse_current(turn, text)
    if parsed.ok and not turns.risky_non_text_answer(turn.current_question(), text):
        _apply_parsed(turn, parsed, text)
    turn.check_risk(text, typed_at)
    if not parsed.ok and not turn.out.safety:
        turn.out.say.append(
            messages.WELCOME_BACK if turn.ctx.returning else _problem_text(turn, parsed)
        )


def _parse_current(turn: _Turn, text: str) -> Parsed:
    state = turn.state
    if state.step in (CONSENT_STEP, REVIEW_STEP):
        option = match_option(text, _phase_options(state.step))
        return Parsed(option.value) if option else Parsed.failed("not_an_option")
    question = turn.current_question()
    assert question is not None
    return turns.parse_answer(question, turn.answers, text)


def _apply_parsed(turn: _Turn, parsed: Parsed, raw_text: str) -> None:
    state = turn.state
    if state.step in (CONSENT_STEP, REVIEW_STEP):
        turn.choose_phase_option(state.step, parsed.value)
        return
    question = turn.current_question()
    assert question is not None
    turn.accept(question, parsed.value, raw_text)


def _problem_text(turn: _Turn, parsed: Parsed) -> str:
    question = turn.current_question()
    match parsed.problem:
        case "too_long":
            return messages.too_long(question.max_length if question else 1000)
        case "not_a_number" if question is not None:
            return messages.not_a_number(question.minimum, question.maximum)
        case "not_a_medication":
            return messages.NOT_A_MEDICATION
        case "empty":
            return messages.EMPTY_ANSWER
    return messages.NOT_UNDERSTOOD


def _is_stale(turn: _Turn, step: str) -> bool:
    state = turn.state
    if step != (state.pending or state.step):
        turn.stale()
        return True
    return False


def _tapped(turn: _Turn, step: str, value: str) -> None:
    if _is_stale(turn, step):
        return
    state = turn.state
    if state.pending:
        if any(o.value == value for o in _pending_options(state.pending)):
            turn.answer_pending(value)
        return
    if step in (CONSENT_STEP, REVIEW_STEP):
        if any(o.value == value for o in _phase_options(step)):
            turn.choose_phase_option(step, value)
        return
    question = turn.current_question()
    assert question is not None
    turns.tap(turn, question, value)


def _toggled(turn: _Turn, step: str, value: str) -> None:
    if not _is_stale(turn, step):
        turns.toggle_option(turn, turn.current_question(), value)


def _done(turn: _Turn, step: str) -> None:
    if not _is_stale(turn, step):
        turns.done(turn, turn.current_question())


def _command(turn: _Turn, name: str) -> None:
    match name:
        case "back":
            _back(turn)
        case "skip":
            _skip(turn)
        case "pause":
            turn.out.paused = True
            turn.out.say.append(messages.PAUSED)
        case "restart":
            # Not before consent, never after the end (a typed "restart" reaches here when a
            # safety question is open on a submitted or declined intake), and never in place
            # of an open safety question.
            if safety_dialogue.is_safety_question(turn.state.pending):
                turn.out.say.append(messages.SAFETY_FIRST)
            elif turn.state.state != Phase.CONSENT and turn.state.state not in FINAL_STATES:
                turn.move(pending=RESTART_CONFIRM)
        case "help":
            turn.out.say.append(messages.HELP)
        case _:
            turn.out.say.append(messages.UNKNOWN_COMMAND)


def _back(turn: _Turn) -> None:
    state = turn.state
    if state.pending:
        _leave_pending(turn)
        return
    if state.state == Phase.CONSENT:
        turn.out.say.append(messages.ALREADY_FIRST)
        return
    if state.state == Phase.REVIEW:
        turn.fire("go_back", first=False)
        return
    steps = section_steps(Section(state.state), turn.answers)
    index = steps.index(state.step)
    if index > 0:
        turn.move(step=steps[index - 1], draft=None)
    elif Section(state.state) is SECTION_ORDER[0] and not state.editing:
        turn.out.say.append(messages.ALREADY_FIRST)
    else:
        turn.fire("go_back", first=False)


def _leave_pending(turn: _Turn) -> None:
    """Back or Skip on an interjection: record it and return to the question."""
    pending = turn.state.pending
    if safety_dialogue.is_safety_question(pending):
        assert pending is not None
        turn.apply(safety_dialogue.leave(pending))
    else:
        turn.move(pending=None)


def _skip(turn: _Turn) -> None:
    state = turn.state
    if state.pending:
        _leave_pending(turn)
        return
    question = turn.current_question()
    if question is None or not question.optional:
        turn.out.say.append(messages.CANNOT_SKIP if question else messages.NOT_UNDERSTOOD)
        return
    turn.accept(question, None, None)
