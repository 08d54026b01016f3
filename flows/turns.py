"""One patient event in a question-by-question dialogue, from the event to the outcome.

`DialogueTurn` is what the intake and the between-visit check-in share: the outcome being
built, the screen of a question or of an interjection (a safety question, the intake's "start
over?"), accepting an answer, the safety check on anything typed, and what every event does.
Each dialogue subclasses it: it must fill in the abstract hooks, and overrides the methods
marked "Hook" only where it differs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar, Generic, TypeVar

from flows import messages, safety_dialogue
from flows.answers import (
    KEEP_OPTION,
    Parsed,
    loose_match_echo,
    offered_options,
    option_value,
    parse_answer,
    problem_text,
    risky_non_text_answer,
    toggle,
)
from flows.dialogue import (
    TYPED_COMMANDS,
    Begin,
    Command,
    DialogueOutcome,
    DialogueState,
    DoneTapped,
    Event,
    Recorded,
    Screen,
    Tapped,
    Toggled,
    TurnContext,
    Typed,
    Unsupported,
    Wording,
)
from flows.parsing import normalise
from flows.questions import Kind, Question
from flows.safety_dialogue import INTAKE_REPLIES, SafetyReplies, SafetyTurn
from flows.screens import question_screen

S = TypeVar("S", bound=DialogueState)
C = TypeVar("C", bound=TurnContext)

_MISSING = object()


class DialogueTurn(ABC, Generic[S, C]):
    """One event's work: mutable while the event is handled, its result in `out`."""

    wording: ClassVar[Wording]
    out: DialogueOutcome[S]

    def __init__(self, state: S, answers: Mapping[str, Any], ctx: C) -> None:
        self.before = state
        self.answers: dict[str, Any] = dict(answers)
        self.ctx = ctx
        self.out = self.new_outcome(state)

    # --- hooks each dialogue must fill in ---------------------------------------------------

    @abstractmethod
    def new_outcome(self, state: S) -> DialogueOutcome[S]: ...

    @abstractmethod
    def is_over(self, event: Event) -> bool:
        """Whether the dialogue has ended, so this event changes nothing."""

    @abstractmethod
    def ended_text(self) -> str: ...

    @abstractmethod
    def resuming(self) -> bool:
        """Whether Begin returns to a dialogue already under way (greet with "welcome back")."""

    @abstractmethod
    def question_at(self, step: str) -> Question | None:
        """The question at `step`, or None when the step is not a question."""

    @abstractmethod
    def steps(self) -> list[str]:
        """The steps met now in the part of the dialogue the patient is in."""

    @abstractmethod
    def header(self, step: str) -> str: ...

    @abstractmethod
    def can_back(self, step: str) -> bool: ...

    @abstractmethod
    def answered(self, question: Question, value: Any, previous: Any) -> None:
        """After an answer is stored: say what follows from it and move on."""

    @abstractmethod
    def restart(self) -> None: ...

    @abstractmethod
    def cannot_skip(self, question: Question | None) -> str: ...

    # --- the outcome ---------------------------------------------------------------------

    @property
    def state(self) -> S:
        return self.out.state

    def move(self, **changes: Any) -> None:
        self.out.state = replace(self.out.state, **changes)

    def say(self, text: str) -> None:
        self.out.say.append(text)

    def stale(self) -> None:
        self.out.stale = True
        self.say(messages.STALE_BUTTON)

    def is_stale(self, step: str) -> bool:
        """A button is stale unless it belongs to what is on screen now."""
        if step != (self.state.pending or self.state.step):
            self.stale()
            return True
        return False

    # --- screens -------------------------------------------------------------------------

    def show(self) -> None:
        self.out.screen = self.build_screen()

    def build_screen(self) -> Screen | None:
        pending = self.state.pending
        if pending:
            return self.pending_screen(pending)
        return self.step_screen()

    def step_screen(self) -> Screen | None:
        """Hook: the screen of the current step (None when nothing is left to show)."""
        return self.question_screen() if self.state.step is not None else None

    def pending_screen(self, pending: str) -> Screen:
        """Hook: the screen of the open interjection; every dialogue has the safety questions."""
        return safety_dialogue.screen(pending)

    def current_question(self) -> Question | None:
        step = self.state.step
        if self.state.pending or step is None:
            return None
        return self.question_at(step)

    def question_screen(self) -> Screen:
        step = self.state.step
        assert step is not None
        question = self.question_at(step)
        assert question is not None
        return question_screen(
            question,
            self.answers,
            self.state.draft,
            header=self.header(step),
            can_back=self.can_back(step),
        )

    # --- answering -----------------------------------------------------------------------

    def accept(self, question: Question, value: Any, raw_text: str | None) -> None:
        """Store an answer (unless unchanged), say how a typed word was read, and move on."""
        previous = self.answers.get(question.key, _MISSING)
        if previous != value or question.key not in self.answers:
            self.out.record.append(Recorded(question.key, value, raw_text))
            self.answers[question.key] = value
        echo = loose_match_echo(question, value, raw_text)
        if echo:
            self.say(echo)
        self.answered(question, value, previous)

    def tap_option(self, question: Question, value: str) -> None:
        """An option button of `question`: its value, or the answer kept."""
        answered = question.key in self.answers
        option = next((o for o in offered_options(question, answered) if o.value == value), None)
        if option is None or question.kind is Kind.MULTI:
            self.stale()
        elif option is KEEP_OPTION:
            self.accept(question, self.answers[question.key], None)
        else:
            self.accept(question, option_value(question, option), None)

    def checklist(self, value: str | None = None) -> tuple[Question, list[str]] | None:
        """The checklist on screen (offering `value`) and its selection; else the button is stale."""
        question = self.current_question()
        if question is None or question.kind is not Kind.MULTI:
            return None
        if value is not None and all(o.value != value for o in question.options):
            return None
        return question, list(self.question_screen().selected)

    def toggle_option(self, value: str) -> None:
        """A checklist toggle: redraw the same message with the new selection."""
        if (checklist := self.checklist(value)) is None:
            self.stale()
            return
        question, selected = checklist
        self.move(draft=tuple(toggle(question, selected, value)))
        self.out.edit_in_place = True

    def finish_checklist(self) -> None:
        """Done on a checklist: the selection is the answer (at least one option)."""
        if (checklist := self.checklist()) is None:
            self.stale()
        elif not checklist[1]:
            self.say(messages.PICK_AT_LEAST_ONE)
        else:
            self.accept(checklist[0], checklist[1], None)

    # --- safety --------------------------------------------------------------------------

    def apply(self, turn: SafetyTurn) -> None:
        """Take on a safety step's result: its messages, its signals and its interjection."""
        self.out.say.extend(turn.say)
        self.out.safety.extend(turn.safety)
        self.move(pending=turn.pending)

    def check_risk(self, text: str, step: str | None) -> None:
        """Risk language shows resources and alerts; unclear wording asks. `step`: typed where."""
        self.apply(safety_dialogue.check_text(text, step, self.state.pending))

    def safety_replies(self) -> SafetyReplies:
        """Hook: what is said after the patient answers a safety question."""
        return INTAKE_REPLIES

    def answer_pending(self, value: str, text: str | None = None) -> None:
        """Hook: an option of the open interjection; `text` when the patient typed it."""
        pending = self.state.pending
        assert pending is not None
        self.apply(safety_dialogue.answer(pending, value, self.safety_replies(), text=text))

    def read_pending(self, pending: str, text: str) -> str | None:
        """Hook: the option of the open interjection a typed reply means, or None."""
        return safety_dialogue.read_typed(pending, text)

    def leave_pending(self) -> None:
        """Hook: Back or Skip on the open interjection, logged as left."""
        pending = self.state.pending
        assert pending is not None
        self.apply(safety_dialogue.leave(pending))

    # --- events --------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Apply one patient event; the result is in `out`."""
        if self.is_over(event):
            self.say(self.ended_text())
            self.after_the_end(event)
            self.show()
            return
        match event:
            case Begin():
                if self.ctx.returning or self.resuming():
                    self.say(self.wording.welcome_back)
            case Typed(text=text):
                self.typed(text)
            case Tapped(step=step, value=value):
                if not self.is_stale(step):
                    self.tapped(step, value)
            case Toggled(step=step, value=value):
                if not self.is_stale(step):
                    self.toggle_option(value)
            case DoneTapped(step=step):
                if not self.is_stale(step):
                    self.finish_checklist()
            case Command(name=name, step=step):
                if step is None or not self.is_stale(step):
                    self.command(name)
            case Unsupported():
                self.say(messages.UNSUPPORTED)
        self.finish()
        if not self.out.paused:
            self.show()

    def after_the_end(self, event: Event) -> None:
        """Hook: an event after the end changes nothing, but typed text is still checked."""
        if isinstance(event, Typed):
            self.check_risk(event.text, self.state.step)

    def finish(self) -> None:
        """Hook: anything owed once the event is handled."""

    def typed(self, text: str) -> None:
        word = normalise(text).lstrip("/")
        if word in TYPED_COMMANDS:
            self.command(word)
            return
        if self.ctx.unseen:  # typed before this question reached the patient: no answer to it
            self.check_risk(text, self.state.pending or self.state.step)
            if not self.out.safety:
                self.say(messages.NOT_SHOWN_YET)
            return
        pending = self.state.pending
        if pending:
            value = self.read_pending(pending, text)
            if value is not None:
                self.answer_pending(value, text)
            elif safety_dialogue.is_safety_question(pending):
                self.say(messages.SAFETY_NOT_UNDERSTOOD)
            else:
                self.say(messages.NOT_UNDERSTOOD)
            return
        typed_at = self.state.step  # an accepted answer moves on; the safety log names this step
        parsed = self.parse(text)
        if parsed.ok and not risky_non_text_answer(self.current_question(), text):
            self.take(parsed, text)
        self.check_risk(text, typed_at)  # after the answer: nothing typed is lost
        if not parsed.ok and not self.out.safety:
            if self.ctx.returning:
                self.say(self.wording.welcome_back)
            else:
                question = self.current_question()
                self.say(problem_text(parsed, question, self.wording.too_long))

    def parse(self, text: str) -> Parsed:
        """Hook: read typed text as the answer to the current step."""
        question = self.current_question()
        assert question is not None
        return parse_answer(question, self.answers, text)

    def take(self, parsed: Parsed, raw_text: str) -> None:
        """Hook: take a typed answer that was read."""
        question = self.current_question()
        assert question is not None
        self.accept(question, parsed.value, raw_text)

    def tapped(self, step: str, value: str) -> None:
        pending = self.state.pending
        if pending:
            if any(o.value == value for o in self.pending_screen(pending).options):
                self.answer_pending(value)
            else:
                self.tapped_unknown_pending_option()
            return
        question = self.current_question()
        assert question is not None
        self.tap_option(question, value)

    def tapped_unknown_pending_option(self) -> None:
        """Hook: a button of the open interjection with a value it does not offer."""
        self.stale()

    def command(self, name: str) -> None:
        match name:
            case "back":
                self.back()
            case "skip":
                self.skip()
            case "pause":
                self.out.paused = True
                self.say(self.wording.paused)
            case "restart":
                self.restart()
            case "help":
                self.say(self.wording.help)
            case _:
                self.say(messages.UNKNOWN_COMMAND)

    def back(self) -> None:
        if self.state.pending:
            self.leave_pending()
        else:
            self.step_back()

    def step_back(self) -> None:
        """Hook: back from the current step to the one before it."""
        step = self.state.step
        assert step is not None
        steps = self.steps()
        index = steps.index(step)
        if index > 0:
            self.move(step=steps[index - 1], draft=None)
        else:
            self.back_from_first()

    def back_from_first(self) -> None:
        """Hook: back from the first step of the steps met now."""
        self.say(messages.ALREADY_FIRST)

    def skip(self) -> None:
        if self.state.pending:
            self.leave_pending()
            return
        question = self.current_question()
        if question is not None and question.optional:
            self.accept(question, None, None)
        else:
            self.say(self.cannot_skip(question))
