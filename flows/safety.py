"""Risk-language detection in anything a patient types.

`assess_risk(text)` sorts a message into three levels:

- RISK: explicit language about suicide, self-harm, overdose, a plan or means, goodbye
  wording, not being safe, or harming someone else. The caller shows crisis resources and
  alerts the provider at once.
- UNCLEAR: death or killing words that are probably an idiom ("this traffic is killing me"),
  any other lone mention of death or killing ("my dog died last month"), wording that is
  concerning without being explicit ("I'm a burden"), and risk wording the patient denies
  ("I am not suicidal"). The caller asks one gentle clarifying question; nobody is alerted.
- NONE: everything else.

Decisions, following the clinical reference (over-trigger rather than miss):

- Negation is never a clearance. Only a risk phrase whose own clause is plainly denied ("I am
  not suicidal", "no thoughts of hurting myself", "I would never hurt anyone") drops from
  RISK to UNCLEAR, and only when every word between the denial and the phrase is a filler
  word. It does not drop when the clause is ambivalent ("not sure", "maybe", "sometimes"),
  when the denial is a separate answer ("no, I want to kill myself", "no I want to ..."), or
  when any other part of the message carries risk ("I'm not suicidal but sometimes I wish I
  was dead" is RISK). Denials stay UNCLEAR rather than NONE because a denial that needed
  saying is worth one check-in question; they are not RISK because alerting the provider
  for every "no suicidal thoughts" would bury the alerts that matter.
- Phrases that are risk in their negative form ("I don't want to live", "no reason to live",
  "not safe") are never treated as negated.
- Some RISK phrases will catch innocent sentences ("I hurt myself at the gym", "I'd rather
  die than give a speech", "my friend died by suicide", "I took all my pills today").
  That is deliberate: a false alarm costs a question, a miss can cost a life.
- "not safe" is RISK except in plainly medication-safety phrasing ("not safe to drive",
  "not safe with alcohol", "not safe in pregnancy").
- Categories are short fixed labels (the module constants below); they never contain the
  patient's words, so they can go into a provider alert. "not feeling safe" is the category
  a caller should treat as most urgent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from flows.safety_negation import AMBIVALENCE, ANSWER_PRONOUNS, NEGATION_FILLERS, NEGATORS
from flows.safety_phrases import (
    CONCERNING_PHRASES,
    DEATH_THOUGHT_PHRASES,
    DEATH_WISH_PHRASES,
    DEATH_WORDS,
    GOODBYE_PHRASES,
    HARM_OTHERS_PHRASES,
    IDIOM_PHRASES,
    NOT_SAFE_PHRASES,
    OVERDOSE_PHRASES,
    PLAN_PHRASES,
    SELF_HARM_PHRASES,
    SUICIDE_PHRASES,
)

# Category labels: fixed, short, and free of anything the patient typed.
SUICIDAL_THOUGHTS = "suicidal thoughts"
THOUGHTS_OF_DEATH = "thoughts of death"
SELF_HARM = "self-harm"
OVERDOSE = "overdose"
PLAN_OR_MEANS = "plan or means"
GOODBYE = "goodbye wording"
NOT_SAFE = "not feeling safe"
HARM_TO_OTHERS = "harm to others"
NEGATED = "denied risk wording"
IDIOM = "idiom or unclear wording"
CONCERNING = "concerning wording"
DEATH_MENTION = "mention of death or killing"

_NEGATION_WINDOW = 8  # how many words before a phrase a denial of it is looked for

_CLAUSE_BREAK = re.compile(
    r"[.!?;:,\n\r]+|\s[-–—]+\s|[–—]+"
    r"|\b(?:but|though|although|however|whereas|except|yet)\b"
)
_APOSTROPHES = re.compile(r"['’‘ʼ`´′]")
_NON_WORD = re.compile(r"[\W_]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


class RiskLevel(StrEnum):
    """How worrying a message is: alert (RISK), ask (UNCLEAR), or carry on (NONE)."""

    NONE = "none"
    UNCLEAR = "unclear"
    RISK = "risk"


@dataclass(frozen=True)
class RiskAssessment:
    """The level, and a short label of what was found (never the patient's words)."""

    level: RiskLevel
    category: str | None


@dataclass(frozen=True)
class _Rule:
    category: str
    pattern: re.Pattern[str]
    negatable: bool


def _compile(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in phrases) + r")\b")


# Checked in this order; the first firm hit names the category, most urgent first.
_RISK_RULES = (
    _Rule(NOT_SAFE, _compile(NOT_SAFE_PHRASES), negatable=False),
    _Rule(PLAN_OR_MEANS, _compile(PLAN_PHRASES), negatable=True),
    _Rule(GOODBYE, _compile(GOODBYE_PHRASES), negatable=False),
    _Rule(OVERDOSE, _compile(OVERDOSE_PHRASES), negatable=True),
    _Rule(SUICIDAL_THOUGHTS, _compile(DEATH_WISH_PHRASES), negatable=False),
    _Rule(SUICIDAL_THOUGHTS, _compile(SUICIDE_PHRASES), negatable=True),
    _Rule(SELF_HARM, _compile(SELF_HARM_PHRASES), negatable=True),
    _Rule(THOUGHTS_OF_DEATH, _compile(DEATH_THOUGHT_PHRASES), negatable=True),
    _Rule(HARM_TO_OTHERS, _compile(HARM_OTHERS_PHRASES), negatable=True),
)
_UNCLEAR_RULES = (
    (IDIOM, _compile(IDIOM_PHRASES)),
    (CONCERNING, _compile(CONCERNING_PHRASES)),
    (DEATH_MENTION, _compile(DEATH_WORDS)),
)


def assess_risk(text: str) -> RiskAssessment:
    """Sort `text` into RISK, UNCLEAR or NONE (see the module docstring for the rules)."""
    clauses = _clauses(text)
    whole = " ".join(clauses)
    denied = False
    for rule in _RISK_RULES:
        hit = _rule_hit(rule, clauses, whole)
        if hit == "firm":
            return RiskAssessment(RiskLevel.RISK, rule.category)
        denied = denied or hit == "denied"
    if denied:
        return RiskAssessment(RiskLevel.UNCLEAR, NEGATED)
    for category, pattern in _UNCLEAR_RULES:
        if pattern.search(whole):
            return RiskAssessment(RiskLevel.UNCLEAR, category)
    return RiskAssessment(RiskLevel.NONE, None)


def mentions_risk(text: str) -> bool:
    """Whether `text` has risk language at all (RISK or UNCLEAR): such words are kept as the
    patient wrote them and get the safety reply, wherever they were typed."""
    return assess_risk(text).level is not RiskLevel.NONE


def _clauses(text: str) -> list[str]:
    """Lower-case clauses with apostrophes dropped and other punctuation as single spaces."""
    folded = unicodedata.normalize("NFKC", text).lower()
    folded = _REPEATS.sub(r"\1\1", _APOSTROPHES.sub("", folded))
    parts = (_NON_WORD.sub(" ", part).strip() for part in _CLAUSE_BREAK.split(folded))
    return [part for part in parts if part]


def _rule_hit(rule: _Rule, clauses: list[str], whole: str) -> str | None:
    """ "firm" for a hit that counts, "denied" if every hit was denied, else None."""
    seen = False
    for clause in clauses:
        ambivalent = AMBIVALENCE.search(clause) is not None
        for match in rule.pattern.finditer(clause):
            seen = True
            if not rule.negatable or ambivalent or not _denied(clause[: match.start()]):
                return "firm"
    if seen:
        return "denied"
    # A phrase split by punctuation ("I want to... die") still counts.
    return "firm" if rule.pattern.search(whole) else None


def _denied(before: str) -> bool:
    """Whether the words just before a phrase deny it ("I am not", "no thoughts of")."""
    words = before.split()
    for index in range(len(words) - 1, max(-1, len(words) - 1 - _NEGATION_WINDOW), -1):
        word = words[index]
        if word in NEGATORS:
            following = words[index + 1] if index + 1 < len(words) else ""
            return not (word in {"no", "nope", "nah"} and following in ANSWER_PRONOUNS)
        if word not in NEGATION_FILLERS:
            return False
    return False
