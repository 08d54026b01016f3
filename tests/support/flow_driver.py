"""A small driver for the pure intake dialogue (flows.intake.handle), shared by the flow tests.

It holds what storage would hold for one intake: the state, the current answers, every answer
ever recorded (history, in order) and every safety event, and applies each event's Outcome the
way the service does: on a restart every current answer is superseded first, then the
outcome's records become the current answers.
"""

from __future__ import annotations

from typing import Any

from flows.dialogue import SafetySignal
from flows.intake import (
    Begin,
    Command,
    Context,
    DoneTapped,
    Event,
    IntakeState,
    Outcome,
    Recorded,
    Screen,
    Tapped,
    Toggled,
    Typed,
    handle,
)
from flows.questions import CARRIED_KEYS, FIRST_VISIT, VISIT_KIND

CLINIC = "Test Clinic"


class Driver:
    """One patient's intake, driven event by event."""

    def __init__(self, clinic: str = CLINIC, *, first_visit: bool = False) -> None:
        """A follow-up unless `first_visit`: the kind of visit is stored as the service does
        when the intake opens (an intake without it is a follow-up)."""
        self.clinic = clinic
        self.state = IntakeState()
        self.answers: dict[str, Any] = {VISIT_KIND: FIRST_VISIT} if first_visit else {}
        self.history: list[Recorded] = []
        self.safety: list[SafetySignal] = []
        self.screens: list[Screen] = []
        self.last: Outcome | None = None

    # --- sending events ------------------------------------------------------------------

    def send(self, event: Event, *, returning: bool = False) -> Outcome:
        outcome = handle(self.state, self.answers, event, Context(self.clinic, returning))
        if outcome.restart:  # what the intake opened with stays, as in storage
            kept = {k: v for k, v in self.answers.items() if k in CARRIED_KEYS}
            self.answers.clear()
            self.answers.update(kept)
        for item in outcome.record:
            self.answers[item.key] = item.value
            self.history.append(item)
        self.safety.extend(outcome.safety)
        if outcome.screen is not None:
            self.screens.append(outcome.screen)
        self.state = outcome.state
        self.last = outcome
        return outcome

    def begin(self, *, returning: bool = False) -> Outcome:
        return self.send(Begin(), returning=returning)

    def type(self, text: str) -> Outcome:
        return self.send(Typed(text))

    def command(self, name: str, step: str | None = None) -> Outcome:
        return self.send(Command(name, step))

    def tap(self, value: str) -> Outcome:
        """Tap the option `value` of the question on screen now (its step is the current one)."""
        return self.send(Tapped(self.current, value))

    def toggle(self, *values: str) -> Outcome:
        outcome = self.last
        for value in values:
            outcome = self.send(Toggled(self.current, value))
        assert outcome is not None
        return outcome

    def done(self) -> Outcome:
        return self.send(DoneTapped(self.current))

    def pick(self, *values: str) -> Outcome:
        """Answer the multi-select on screen by toggling `values`, then Done."""
        self.toggle(*values)
        return self.done()

    # --- where we are ------------------------------------------------------------------

    @property
    def current(self) -> str:
        """The step a button on screen now carries: an interjection, else the question."""
        step = self.state.pending or self.state.step
        assert step is not None, self.state
        return step

    @property
    def step(self) -> str | None:
        return self.state.step

    @property
    def phase(self) -> str:
        return self.state.state

    @property
    def screen(self) -> Screen | None:
        return self.last.screen if self.last else None

    @property
    def said(self) -> list[str]:
        return list(self.last.say) if self.last else []

    def values_of(self, key: str) -> list[Any]:
        """Every value ever recorded for `key`, oldest first (the answer's history)."""
        return [item.value for item in self.history if item.key == key]

    # --- whole stretches of the intake -------------------------------------------------

    def consent(self) -> Outcome:
        self.begin()
        return self.type("I agree")

    def one_medication(self, line: str = "sertraline 50 mg once a day") -> Outcome:
        """From the first medication question to the start of Mood: one medicine, no misses."""
        assert self.step == "med.1.name", self.state
        self.type(line)
        self.type("as prescribed")
        self.type("0")
        self.type("that's all")
        return self.type("no")

    def mood(self, *values: int, function: str = "somewhat") -> Outcome:
        """Answer PHQ-9 items 1–9 with `values` (0–3) by tapping; answer the functional item."""
        assert self.step == "phq9.1", self.state
        assert len(values) == 9
        outcome = self.last
        for value in values:
            outcome = self.tap(str(value))
            if self.state.pending == "safety.check":
                outcome = self.tap("safe")
        if self.step == "phq9.function":
            outcome = self.tap(function)
        assert outcome is not None
        return outcome

    def anxiety(self, *values: int) -> Outcome:
        assert self.step == "gad7.1", self.state
        assert len(values) == 7
        outcome = self.last
        for value in values:
            outcome = self.tap(str(value))
        assert outcome is not None
        return outcome

    def sleep(self) -> Outcome:
        assert self.step == "sleep.hours", self.state
        self.type("7")
        self.tap("15_30")
        self.tap("1")
        self.tap("fair")
        return self.tap("same")

    def daily(self) -> Outcome:
        assert self.step == "daily.energy", self.state
        self.tap("same")
        self.tap("less")  # appetite: more / about the same / less
        return self.tap("worse")

    def no_side_effects(self) -> Outcome:
        assert self.step == "se.checklist", self.state
        return self.pick("none")

    def stressors(self, notes: str = "none") -> Outcome:
        """Nothing on the checklist bothers the patient; then the note."""
        assert self.step == "stress.checklist", self.state
        self.pick("none")
        return self.type(notes)

    def therapy_and_health(self) -> Outcome:
        """Not seeing a therapist, no information wanted, no new health problems."""
        assert self.step == "therapy.now", self.state
        self.tap("no")
        self.tap("no")
        return self.tap("none")

    def no_questions(self) -> Outcome:
        """ "No questions" on the list of common questions: nothing to type either."""
        assert self.step == "q.picked", self.state
        return self.pick("none")

    def to_review(self, *, phq9: tuple[int, ...] = (0,) * 9) -> Outcome:
        """A short, complete intake from the very start up to the review screen."""
        self.consent()
        self.one_medication()
        self.mood(*phq9)
        self.anxiety(0, 0, 0, 0, 0, 0, 0)
        self.sleep()
        self.daily()
        self.no_side_effects()
        self.therapy_and_health()
        self.stressors()
        outcome = self.no_questions()
        assert self.phase == "review", self.state
        return outcome


def largest_intake() -> Driver:
    """An intake that meets as many different buttons as the dialogue has."""
    d = Driver()
    d.begin()
    d.type("I want to die")  # a safety question before consent
    d.tap("safe")
    d.tap("agree")
    for n in range(1, 13):
        d.type(f"Medicine{n}")
        d.tap("unsure")
        d.tap("three times a day")
        d.tap("different" if n % 2 else "stopped")
        if n % 2:
            d.type("75 mg")
            d.tap("7")
        d.pick("felt_worse", "other")
        d.type("another reason")
        d.tap("another" if n < 12 else "done")
    d.tap("none")
    d.command("restart")
    d.tap("no")
    for _ in range(8):
        d.tap("3")
    d.tap("3")
    d.tap("not_safe")
    d.tap("extremely")
    d.type("this traffic is killing me")
    d.tap("no")
    for _ in range(7):
        d.tap("3")
    d.type("6")
    d.tap("over_60")
    d.tap("4")
    d.tap("very_poor")
    d.tap("worse")
    for value in ("worse", "less", "worse"):
        d.tap(value)
    assert d.screen is not None and d.screen.step == "se.checklist"
    d.pick(*(o.value for o in d.screen.options if not o.exclusive))  # every side effect
    for _ in range(1 + 11 * 4):
        if d.step == "se.other":
            d.type("itching")
        elif d.step and d.step.endswith(".medication"):
            d.tap("m12")
        elif d.step and d.step.endswith(".frequency"):
            d.tap("every_day")
        elif d.step and d.step.endswith(".severity"):
            d.tap("severe")
        else:
            d.tap("not_at_all")
    assert d.phase == "therapy"
    d.tap("no")
    d.tap("unsure")
    d.type("A fall, in March")
    assert d.phase == "stressors"
    assert d.screen is not None and d.screen.step == "stress.checklist"
    d.pick(*(o.value for o in d.screen.options if not o.exclusive))  # every domain
    for _ in range(9):
        d.tap("a_lot")
    d.tap("none")
    d.pick("changes", "check_in")
    d.type("A question")
    d.tap("done")
    assert d.phase == "review"
    d.tap("edit_side_effects")
    d.command("back")
    assert d.phase == "review"
    return d
