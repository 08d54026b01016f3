"""The between-visit check-in: mood, sleep, energy, side effects and a note, in about a minute.

`handle_checkin()` is a pure function like the intake's `handle()`: given where the patient is,
their answers so far and what they just did, it returns a `CheckinOutcome` that says which
answers to record, what to say, which screen to show and which safety signals to log and
alert on. The caller stores all of it in one transaction before anything is sent. The turn
itself is flows.turns'; the questions are in flows.checkin_questions.

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
from dataclasses import dataclass
from typing import Any

from flows import checkin_messages as wording
from flows import messages
from flows.checkin_questions import (
    MAIN_STEPS,
    MOOD,
    QUESTIONS,
    SIDE_EFFECTS,
    checkin_steps,
    progress_label,
)
from flows.dialogue import Command, DialogueOutcome, DoneTapped, Event, Tapped, Toggled, Wording
from flows.questions import Question
from flows.safety_dialogue import INTAKE_REPLIES, SafetyReplies
from flows.turns import DialogueTurn


@dataclass(frozen=True)
class CheckinState:
    """Where a patient is in a check-in; stored with the check-in row."""

    step: str | None = MOOD  # None: every answer is in
    pending: str | None = None  # a safety question shown instead of the step
    draft: tuple[str, ...] | None = None  # the side-effect toggles before Done


@dataclass(frozen=True)
class CheckinContext:
    returning: bool = False  # after /pause or a long silence: greet before going on
    unseen: bool = False  # as flows.intake.Context.unseen


@dataclass
class CheckinOutcome(DialogueOutcome[CheckinState]):
    completed: bool = False  # this outcome records the last answer: log the check-in now

    @property
    def finished(self) -> bool:
        """Nothing is left to ask: every answer is in and no safety question is open."""
        return self.state.step is None and self.state.pending is None


def handle_checkin(
    state: CheckinState, answers: Mapping[str, Any], event: Event, ctx: CheckinContext
) -> CheckinOutcome:
    """Apply one patient event to a check-in."""
    turn = _CheckinTurn(state, answers, ctx)
    turn.handle(event)
    return turn.out


class _CheckinTurn(DialogueTurn[CheckinState, CheckinContext]):
    wording = Wording(
        welcome_back=wording.WELCOME_BACK,
        paused=wording.PAUSED,
        help=wording.HELP,
        too_long=wording.too_long,
    )
    out: CheckinOutcome

    def new_outcome(self, state: CheckinState) -> CheckinOutcome:
        return CheckinOutcome(state=state)

    def is_over(self, event: Event) -> bool:
        return self.state.step is None and self.state.pending is None

    def ended_text(self) -> str:
        return wording.ALREADY_DONE

    def after_the_end(self, event: Event) -> None:
        super().after_the_end(event)
        match event:
            case Tapped() | Toggled() | DoneTapped() | Command(step=str()):
                self.out.stale = True  # a button from this finished check-in

    def resuming(self) -> bool:
        state = self.state
        return state.step != MAIN_STEPS[0] or bool(state.pending) or bool(self.answers)

    def question_at(self, step: str) -> Question:
        return QUESTIONS[step]

    def steps(self) -> list[str]:
        return checkin_steps(self.answers)

    def header(self, step: str) -> str:
        return progress_label(step)

    def can_back(self, step: str) -> bool:
        return step != MAIN_STEPS[0]

    def answered(self, question: Question, value: Any, previous: Any) -> None:
        steps = self.steps()
        index = steps.index(question.key)
        self.move(step=steps[index + 1] if index + 1 < len(steps) else None, draft=None)

    def safety_replies(self) -> SafetyReplies:
        # Once every answer is in there is nothing left to "carry on" with.
        return INTAKE_REPLIES if self.state.step is not None else wording.END_REPLIES

    def restart(self) -> None:
        if self.state.pending:
            self.say(messages.SAFETY_FIRST)
        else:
            # Start over from mood; nothing is recorded and every answer stays until
            # it is answered again ("Keep my answer" is offered).
            self.move(step=MAIN_STEPS[0], draft=None)
            self.say(wording.RESTARTED)

    def cannot_skip(self, question: Question | None) -> str:
        assert question is not None
        if question.key == SIDE_EFFECTS:
            return wording.CANNOT_SKIP_SIDE_EFFECTS
        return wording.CANNOT_SKIP_OTHER

    def finish(self) -> None:
        """Mark the moment the last answer is in, and thank the patient once nothing is open."""
        before, now = self.before, self.state
        if before.step is not None and now.step is None:
            self.out.completed = True
            if now.pending is None:
                self.say(wording.DONE)
        elif (
            before.step is None
            and before.pending is not None
            and now.pending is None
            and not any(signal.kind == "not_safe" for signal in self.out.safety)
        ):
            # The safety question after the last answer was answered or left; after "not safe"
            # the reply already says the check-in is saved, and nothing cheerful follows.
            self.say(wording.DONE)
