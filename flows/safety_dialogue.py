"""The safety interjection every dialogue shares (the intake and the between-visit check-in).

Risk language in anything a patient types shows the crisis resources at once, tells them the
care team has been told, logs an alert, and asks "Are you safe right now?". Wording that may
or may not be about self-harm (an idiom, a lone mention of death, a denial) asks one gentle
clarifying question first and alerts nobody. These questions are *pending* interjections:
shown instead of the dialogue's own question until they are answered or left with Back/Skip.

Everything here is pure. Each function returns a `SafetyTurn`: the pending interjection after
this turn (which may be unchanged), what to say, and the safety signals to log. The dialogue
applies it to its own outcome (`say`, `safety`, and its state's `pending`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows import messages
from flows.dialogue import SafetySignal, Screen
from flows.options import Option
from flows.parsing import match_option, normalise
from flows.safety import RiskLevel, assess_risk

SAFETY_CHECK = "safety.check"
SAFETY_CLARIFY = "safety.clarify"
SAFETY_QUESTIONS = frozenset({SAFETY_CHECK, SAFETY_CLARIFY})

CRISIS_REPLY = f"{messages.CRISIS_RESOURCES}\n{messages.CARE_TEAM_TOLD}"
"""Said whenever something alerts the care team: the resources, and that the team was told."""


@dataclass(frozen=True)
class SafetyReplies:
    """What is said after the patient answers a safety question; each dialogue words its own."""

    safe: str = messages.SAFE_REPLY
    not_safe: str = messages.NOT_SAFE_REPLY
    clarified_no: str = messages.CLARIFY_NO_REPLY


INTAKE_REPLIES = SafetyReplies()


@dataclass
class SafetyTurn:
    """One safety step's result: the pending interjection after it, what to say, what to log."""

    pending: str | None
    say: list[str] = field(default_factory=list)
    safety: list[SafetySignal] = field(default_factory=list)

    @property
    def triggered(self) -> bool:
        """True when the text or answer produced any safety signal."""
        return bool(self.safety)


def is_safety_question(pending: str | None) -> bool:
    return pending in SAFETY_QUESTIONS


def screen(pending: str) -> Screen:
    """The screen of a safety question (no header, no Back/Skip buttons: they still work typed)."""
    if pending == SAFETY_CHECK:
        return Screen(
            SAFETY_CHECK, messages.SAFETY_CHECK_QUESTION, options=messages.SAFETY_CHECK_OPTIONS
        )
    if pending == SAFETY_CLARIFY:
        return Screen(SAFETY_CLARIFY, messages.CLARIFY_QUESTION, options=messages.CLARIFY_OPTIONS)
    raise KeyError(pending)


def options(pending: str) -> tuple[Option, ...]:
    return screen(pending).options


def alert(event: SafetySignal) -> SafetyTurn:
    """An alerting trigger found by the dialogue itself (PHQ-9 item 9): resources, then the check."""
    return SafetyTurn(pending=SAFETY_CHECK, say=[CRISIS_REPLY], safety=[event])


def check_text(text: str, step: str | None, pending: str | None) -> SafetyTurn:
    """Risk language anywhere shows resources and alerts; unclear wording asks first.

    `step` is where the text was typed (named in the log); `pending` is the interjection open
    now. Risk language replaces any open interjection with the safety check; unclear wording
    asks only when nothing is open. With neither, `pending` comes back unchanged.
    """
    risk = assess_risk(text)
    if risk.level is RiskLevel.RISK:
        return alert(
            SafetySignal(
                kind="risk_language",
                detail=f"risk language in a typed message ({risk.category or 'unspecified'})",
                alert=True,
                step=step,
                shown="crisis_resources",
                text=text,
            )
        )
    if risk.level is RiskLevel.UNCLEAR and pending is None:
        return SafetyTurn(
            pending=SAFETY_CLARIFY,
            safety=[
                SafetySignal(
                    kind="unclear_language",
                    detail="wording that may or may not be about self-harm",
                    alert=False,
                    step=step,
                    shown="clarifying_question",
                    text=text,
                )
            ],
        )
    return SafetyTurn(pending=pending)


def answer(
    pending: str, value: str, replies: SafetyReplies = INTAKE_REPLIES, text: str | None = None
) -> SafetyTurn:
    """The patient's answer (an option value) to the open safety question `pending`; `text` is
    what they typed, kept in the audit log when they typed rather than tapped."""
    if pending == SAFETY_CHECK:
        if value == "not_safe":
            return SafetyTurn(
                pending=None,
                say=[replies.not_safe],
                safety=[
                    SafetySignal(
                        kind="not_safe",
                        detail="the patient answered that they are not safe right now",
                        alert=True,
                        step=SAFETY_CHECK,
                        shown="crisis_resources",
                        text=text,
                    )
                ],
            )
        return SafetyTurn(
            pending=None,
            say=[replies.safe],
            safety=[
                SafetySignal(
                    kind="safe",
                    detail="the patient answered that they are safe right now",
                    alert=False,
                    step=SAFETY_CHECK,
                )
            ],
        )
    if pending == SAFETY_CLARIFY:
        if value == "yes":
            return alert(
                SafetySignal(
                    kind="confirmed_thoughts",
                    detail="the patient confirmed thoughts of hurting themselves or ending their life",
                    alert=True,
                    step=SAFETY_CLARIFY,
                    shown="crisis_resources",
                    text=text,
                )
            )
        return SafetyTurn(
            pending=None,
            say=[replies.clarified_no],
            safety=[
                SafetySignal(
                    kind="clarified_no",
                    detail="the patient said the wording was not about self-harm",
                    alert=False,
                    step=SAFETY_CLARIFY,
                )
            ],
        )
    raise KeyError(pending)


_NO_FIRST = frozenset({"no", "nope", "nah", "never", "not"})
_NO_OPENINGS = (
    "i'm not",
    "i am not",
    "i do not",
    "i don't",
    "i have not",
    "i haven't",
    "not really",
)
_YES_WORDS = frozenset(
    {
        "yes",
        "yeah",
        "yep",
        "yup",
        "sometimes",
        "maybe",
        "kinda",
        "often",
        "always",
        "daily",
        "sure",
    }
)
_YES_PHRASES = (
    "all the time",
    "every day",
    "a little",
    "a lot",
    "a bit",
    "kind of",
    "sort of",
    "i have been",
)
_SAFE_WORDS = frozenset({"yes", "yeah", "yep", "yup", "safe", "ok", "okay", "fine"})
_NOT_SAFE_PHRASES = (
    "not safe",
    "unsafe",
    "don't feel safe",
    "do not feel safe",
    "not really",
    "not ok",
    "not okay",
)


def read_typed(pending: str, text: str) -> str | None:
    """The option a typed reply to a safety question means, or None when it cannot be told.

    Over-trigger rather than miss, but a plain no stays no: at the clarifying question a reply
    that opens with no ("No, I'm fine", "I do not") is no, anything else yes-like ("all the
    time", "a little", "I have been") or risk language is yes. At "are you safe right now?"
    risk language, "not safe" or a reply opening with no is not safe; "safe", "fine", "yes"
    is safe. Anything else is asked again (with the crisis numbers).
    """
    option = match_option(text, options(pending))
    typed = normalise(text).replace(",", " ")
    words = typed.split()
    first = words[0] if words else ""
    risk = assess_risk(text).level is RiskLevel.RISK
    if pending == SAFETY_CLARIFY:
        if option is not None:
            return option.value
        if risk:
            return "yes"
        if first in _NO_FIRST or typed.startswith(_NO_OPENINGS):
            return "no"
        if set(words) & _YES_WORDS or any(phrase in typed for phrase in _YES_PHRASES):
            return "yes"
        return None
    if pending == SAFETY_CHECK:
        if risk or any(phrase in typed for phrase in _NOT_SAFE_PHRASES):
            return "not_safe"
        if option is not None:
            return option.value
        if first in {"no", "nope", "nah"}:
            return "not_safe"
        if set(words) & _SAFE_WORDS:
            return "safe"
        return None
    return option.value if option is not None else None


def leave(pending: str) -> SafetyTurn:
    """Back or Skip on a safety question: logged, and the dialogue goes on."""
    return SafetyTurn(
        pending=None,
        safety=[
            SafetySignal(
                kind="safety_question_skipped",
                detail="the patient did not answer the safety question",
                alert=False,
                step=pending,
            )
        ],
    )
