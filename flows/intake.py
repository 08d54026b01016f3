"""The intake dialogue: given where a patient is, their answers and what they just did, decide what
happens next.

`handle()` is a pure function. It returns an `Outcome` that says which answers to record, what
to say, which screen to show, and which safety signals to log and alert on; the caller stores
all of it in one transaction before anything is sent. The turn itself is flows.turns'; the
intake adds consent, review and submission (the state machine in flows.machine), the
medication echo, the PHQ-9 item 9 alert, and /restart after a confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows import messages, safety_dialogue
from flows.answers import Parsed
from flows.dialogue import (
    Begin,
    Command,
    DialogueOutcome,
    DoneTapped,
    Event,
    Recorded,
    SafetySignal,
    Screen,
    Tapped,
    Toggled,
    Typed,
    Unsupported,
    Wording,
)
from flows.instruments import ANSWER_OPTIONS, SAFETY_ITEM
from flows.machine import FINAL_STATES, Phase, edit_trigger, fire
from flows.options import Option
from flows.parsing import match_option
from flows.questions import (
    CARRIED_KEYS,
    Answers,
    Question,
    Section,
    first_section,
    progress_label,
    question_for,
    section_steps,
)
from flows.review import REVIEW_STEP, review_options, review_screen
from flows.turns import DialogueTurn

# The events a caller sends in and the parts of what comes back are re-exported, so driving
# the intake needs one import.
__all__ = [
    "CONSENT_STEP",
    "PHQ9_SAFETY_STEP",
    "RESTART_CONFIRM",
    "REVIEW_STEP",
    "Begin",
    "Command",
    "Context",
    "DoneTapped",
    "Event",
    "IntakeState",
    "Outcome",
    "Recorded",
    "SafetySignal",
    "Screen",
    "Tapped",
    "Toggled",
    "Typed",
    "Unsupported",
    "handle",
]

RESTART_CONFIRM = "restart.confirm"
CONSENT_STEP = "consent"
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
    # The current question (or interjection) has not reached the patient yet: typed text is no
    # answer to it (it is still checked for risk), and the question is shown again.
    unseen: bool = False


@dataclass
class Outcome(DialogueOutcome[IntakeState]):
    restart: bool = False  # supersede every current answer
    submitted: bool = False


def handle(state: IntakeState, answers: Answers, event: Event, ctx: Context) -> Outcome:
    """Apply one patient event to an intake."""
    turn = _IntakeTurn(state, answers, ctx)
    turn.handle(event)
    return turn.out


_PHASE_STEPS = (CONSENT_STEP, REVIEW_STEP)
_SECTION_STATES = frozenset(section.value for section in Section)


class _IntakeTurn(DialogueTurn[IntakeState, Context]):
    wording = Wording(
        welcome_back=messages.WELCOME_BACK,
        paused=messages.PAUSED,
        help=messages.HELP,
        too_long=messages.too_long,
    )
    out: Outcome

    def new_outcome(self, state: IntakeState) -> Outcome:
        return Outcome(state=state)

    # --- where the patient is ------------------------------------------------------------

    def is_over(self, event: Event) -> bool:
        # A safety question still open after the end is answered as usual.
        open_question = self.state.pending and isinstance(event, Typed | Tapped)
        return self.state.state in FINAL_STATES and not open_question

    def ended_text(self) -> str:
        if self.state.state == Phase.SUBMITTED:
            return messages.ALREADY_SUBMITTED
        return messages.ALREADY_DECLINED

    def resuming(self) -> bool:
        return self.state.state != Phase.CONSENT

    def question_at(self, step: str) -> Question | None:
        if step in _PHASE_STEPS or self.state.state in FINAL_STATES:
            return None
        return question_for(step, self.answers)

    def section(self) -> Section:
        return Section(self.state.state)

    def steps(self) -> list[str]:
        return section_steps(self.section(), self.answers)

    # --- screens -------------------------------------------------------------------------

    def step_screen(self) -> Screen | None:
        state = self.state.state
        if state in FINAL_STATES:
            return None
        if state == Phase.CONSENT:
            return Screen(
                CONSENT_STEP,
                messages.welcome(self.ctx.clinic_name),
                options=messages.CONSENT_OPTIONS,
            )
        if state == Phase.REVIEW:
            return review_screen(self.answers)
        return self.question_screen()

    def header(self, step: str) -> str:
        return progress_label(self.section(), self.steps(), step)

    def can_back(self, step: str) -> bool:
        # While editing, Back from the very first question returns to review.
        first = self.section() is first_section(self.answers) and self.steps().index(step) == 0
        return self.state.editing or not first

    # --- answering -----------------------------------------------------------------------

    def answered(self, question: Question, value: Any, previous: Any) -> None:
        if isinstance(value, dict) and "name" in value:
            self.say(
                messages.medication_understood(
                    value["name"], value.get("dose"), value.get("frequency")
                )
            )
        if question.key == PHQ9_SAFETY_STEP and _score(value) > 0 and previous != value:
            self.item9_triggered(value)
        self.advance_from(question.key)

    def item9_triggered(self, value: Any) -> None:
        label = next(o.label for o in ANSWER_OPTIONS if o.value == str(value))
        signal = SafetySignal(
            kind="phq9_item9",
            detail=f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm) "
            f"answered “{label}” ({value} of 3)",
            alert=True,
            step=PHQ9_SAFETY_STEP,
            shown="crisis_resources",
        )
        self.apply(safety_dialogue.alert(signal))

    def advance_from(self, step: str) -> None:
        steps = self.steps()
        index = steps.index(step)
        if index + 1 < len(steps):
            self.move(step=steps[index + 1], draft=None)
            return
        self.fire("finish_section", first=True)

    def fire(self, trigger: str, *, first: bool) -> None:
        """Fire a machine trigger and land on the first (or last) step of the new state.

        A section this patient does not meet (a first-visit section on a follow-up) has no
        steps: the same trigger carries on past it.
        """
        state, editing = fire(self.state.state, self.state.editing, trigger)
        while state in _SECTION_STATES and not section_steps(Section(state), self.answers):
            moved = fire(state, editing, "finish_section" if first else "go_back")
            if moved == (state, editing):
                break  # never: Back from the first section met is answered before this
            state, editing = moved
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

    # --- consent and review: answered with their own options -------------------------------

    def parse(self, text: str) -> Parsed:
        step = self.state.step
        if step in _PHASE_STEPS:
            option = match_option(text, _phase_options(step, self.answers))
            return Parsed(option.value) if option else Parsed.failed("not_an_option")
        return super().parse(text)

    def take(self, parsed: Parsed, raw_text: str) -> None:
        step = self.state.step
        if step in _PHASE_STEPS:
            assert step is not None
            self.choose_phase_option(step, parsed.value)
        else:
            super().take(parsed, raw_text)

    def tapped(self, step: str, value: str) -> None:
        if not self.state.pending and step in _PHASE_STEPS:
            if any(o.value == value for o in _phase_options(step, self.answers)):
                self.choose_phase_option(step, value)
            return
        super().tapped(step, value)

    def tapped_unknown_pending_option(self) -> None:
        pass  # nothing happens, and the interjection is shown again

    def choose_phase_option(self, step: str, value: str) -> None:
        if step == CONSENT_STEP:
            if value == "agree":
                self.fire("agree", first=True)
            else:
                self.fire("decline", first=True)
                self.say(messages.DECLINED)
        elif value == messages.SUBMIT_OPTION.value:
            self.fire("submit", first=True)
            self.out.submitted = True
            self.say(messages.submitted(self.ctx.clinic_name))
        else:
            self.fire(edit_trigger(Section(value.removeprefix("edit_"))), first=True)

    # --- "start over?", the intake's own interjection -------------------------------------

    def pending_screen(self, pending: str) -> Screen:
        if safety_dialogue.is_safety_question(pending):
            return super().pending_screen(pending)
        return Screen(RESTART_CONFIRM, messages.RESTART_QUESTION, options=messages.RESTART_OPTIONS)

    def read_pending(self, pending: str, text: str) -> str | None:
        if safety_dialogue.is_safety_question(pending):
            return super().read_pending(pending, text)
        option = match_option(text, self.pending_screen(pending).options)
        return option.value if option is not None else None

    def leave_pending(self) -> None:
        if safety_dialogue.is_safety_question(self.state.pending):
            super().leave_pending()
        else:
            self.move(pending=None)

    def answer_pending(self, value: str, text: str | None = None) -> None:
        pending = self.state.pending
        if safety_dialogue.is_safety_question(pending):
            super().answer_pending(value, text)
            return
        self.move(pending=None)
        if pending != RESTART_CONFIRM:
            return
        if value == "yes":
            self.out.restart = True
            # Last visit's medicines and the kind of visit are not answers: they stay.
            carried = {k: v for k, v in self.answers.items() if k in CARRIED_KEYS}
            self.answers.clear()
            self.answers.update(carried)
            self.fire("restart", first=True)
            self.say(messages.RESTARTED)
        else:
            self.say(messages.RESTART_CANCELLED)

    # --- commands ------------------------------------------------------------------------

    def restart(self) -> None:
        # Not before consent, never after the end (a typed "restart" reaches here when a
        # safety question is open on a submitted or declined intake), and never in place
        # of an open safety question.
        if safety_dialogue.is_safety_question(self.state.pending):
            self.say(messages.SAFETY_FIRST)
        elif self.state.state != Phase.CONSENT and self.state.state not in FINAL_STATES:
            self.move(pending=RESTART_CONFIRM)

    def step_back(self) -> None:
        if self.state.state == Phase.CONSENT:
            self.say(messages.ALREADY_FIRST)
        elif self.state.state == Phase.REVIEW:
            self.fire("go_back", first=False)
        else:
            super().step_back()

    def back_from_first(self) -> None:
        if self.section() is first_section(self.answers) and not self.state.editing:
            self.say(messages.ALREADY_FIRST)
        else:
            self.fire("go_back", first=False)

    def cannot_skip(self, question: Question | None) -> str:
        return messages.CANNOT_SKIP if question else messages.NOT_UNDERSTOOD


def _score(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _phase_options(step: str, answers: Answers) -> tuple[Option, ...]:
    return messages.CONSENT_OPTIONS if step == CONSENT_STEP else review_options(answers)
