"""Risk-language detection: explicit risk alerts, idioms and denials ask, clinical text passes."""

import dataclasses

# Lets `.venv/bin/pytest` import `flows` before the project is installed into the venv.
import pytest

from flows import safety
from flows.safety import RiskAssessment, RiskLevel, assess_risk

CATEGORIES = {
    safety.SUICIDAL_THOUGHTS, safety.THOUGHTS_OF_DEATH, safety.SELF_HARM, safety.OVERDOSE,
    safety.PLAN_OR_MEANS, safety.GOODBYE, safety.NOT_SAFE, safety.HARM_TO_OTHERS,
    safety.NEGATED, safety.IDIOM, safety.CONCERNING, safety.DEATH_MENTION,
}

RISK_PHRASES = [
    # suicide named, in several spellings
    ("I want to kill myself", safety.SUICIDAL_THOUGHTS),
    ("i wanna kms", safety.SUICIDAL_THOUGHTS),
    ("I feel suicidal", safety.SUICIDAL_THOUGHTS),
    ("feeling suicidel again", safety.SUICIDAL_THOUGHTS),
    ("sucidal thoughts every night", safety.SUICIDAL_THOUGHTS),
    ("I've been thinking about suicide", safety.SUICIDAL_THOUGHTS),
    ("sometimes I want to unalive myself", safety.SUICIDAL_THOUGHTS),
    ("I could kill my self", safety.SUICIDAL_THOUGHTS),
    ("I want to end my life", safety.SUICIDAL_THOUGHTS),
    ("I just want to end it all", safety.SUICIDAL_THOUGHTS),
    ("I keep thinking of ending it", safety.SUICIDAL_THOUGHTS),
    ("I want to die", safety.SUICIDAL_THOUGHTS),
    ("i wanna die", safety.SUICIDAL_THOUGHTS),
    ("I deserve to die", safety.SUICIDAL_THOUGHTS),
    ("thought about jumping off the bridge", safety.SUICIDAL_THOUGHTS),
    # wishing to be dead or not to live
    ("I wish I was dead", safety.SUICIDAL_THOUGHTS),
    ("I wish I had never been born", safety.SUICIDAL_THOUGHTS),
    ("everyone would be better off dead", safety.SUICIDAL_THOUGHTS),
    ("my family would be better off without me", safety.SUICIDAL_THOUGHTS),
    ("they'd be better off if I wasn't here", safety.SUICIDAL_THOUGHTS),
    ("I don't want to be alive anymore", safety.SUICIDAL_THOUGHTS),
    ("I don’t want to live anymore", safety.SUICIDAL_THOUGHTS),
    ("I'm not sure I want to live", safety.SUICIDAL_THOUGHTS),
    ("I don't know if I want to be alive", safety.SUICIDAL_THOUGHTS),
    ("there's no reason to live", safety.SUICIDAL_THOUGHTS),
    ("I have nothing to live for", safety.SUICIDAL_THOUGHTS),
    ("what's the point of living", safety.SUICIDAL_THOUGHTS),
    ("I'm tired of being alive", safety.SUICIDAL_THOUGHTS),
    ("I can't go on anymore", safety.SUICIDAL_THOUGHTS),
    ("I'd rather be dead", safety.SUICIDAL_THOUGHTS),
    ("I don't care if I die", safety.SUICIDAL_THOUGHTS),
    ("I wish I could go to sleep and never wake up", safety.SUICIDAL_THOUGHTS),
    ("I wish someone would kill me", safety.SUICIDAL_THOUGHTS),
    ("I might as well be dead", safety.SUICIDAL_THOUGHTS),
    ("I feel like ending it", safety.SUICIDAL_THOUGHTS),
    ("I wish I could disappear forever", safety.SUICIDAL_THOUGHTS),
    ("please kill me", safety.SUICIDAL_THOUGHTS),
    # thoughts of death
    ("I keep having thoughts of dying", safety.THOUGHTS_OF_DEATH),
    ("I think about death all the time", safety.THOUGHTS_OF_DEATH),
    # self-harm
    ("I've been cutting myself again", safety.SELF_HARM),
    ("I hurt myself on purpose last night", safety.SELF_HARM),
    ("I want to harm myself", safety.SELF_HARM),
    ("thinking about self-harm", safety.SELF_HARM),
    ("selfharm urges", safety.SELF_HARM),
    ("I burned my arm with a lighter", safety.SELF_HARM),
    # overdose
    ("I'm going to take all my pills tonight", safety.OVERDOSE),
    ("I might overdose on purpose", safety.OVERDOSE),
    ("I took a whole bottle of tylenol", safety.OVERDOSE),
    ("what is a lethal dose of lithium", safety.OVERDOSE),
    # plan or means
    ("I have a plan to kill myself", safety.PLAN_OR_MEANS),
    ("I bought a rope to hang myself", safety.PLAN_OR_MEANS),
    ("I bought a gun to end it", safety.PLAN_OR_MEANS),
    ("I've been stockpiling my pills", safety.PLAN_OR_MEANS),
    ("I googled how many pills it takes to die", safety.PLAN_OR_MEANS),
    ("I know how I would do it", safety.PLAN_OR_MEANS),
    # goodbye wording
    ("I won't be around much longer", safety.GOODBYE),
    ("I wrote a goodbye note", safety.GOODBYE),
    ("I've been giving away my things", safety.GOODBYE),
    ("please look after my cat when I'm gone", safety.GOODBYE),
    # not safe
    ("I'm not safe right now", safety.NOT_SAFE),
    ("not safe", safety.NOT_SAFE),
    ("I don't feel safe with myself", safety.NOT_SAFE),
    ("I'm scared of what I might do", safety.NOT_SAFE),
    ("I feel like a danger to myself", safety.NOT_SAFE),
    ("he threatened to kill me", safety.NOT_SAFE),
    # harm to others
    ("I want to kill him", safety.HARM_TO_OTHERS),
    ("I'm scared I'll hurt someone", safety.HARM_TO_OTHERS),
    ("I have thoughts of hurting my baby", safety.HARM_TO_OTHERS),
    ("I could kill her", safety.HARM_TO_OTHERS),
    ("I want to kill them all", safety.HARM_TO_OTHERS),
    ("sometimes I have homicidal thoughts", safety.HARM_TO_OTHERS),
]


@pytest.mark.parametrize(("text", "category"), RISK_PHRASES)
def test_explicit_risk_language_is_risk(text: str, category: str) -> None:
    assert assess_risk(text) == RiskAssessment(RiskLevel.RISK, category)


def test_there_are_plenty_of_risk_phrasings() -> None:
    assert len(RISK_PHRASES) >= 25


@pytest.mark.parametrize(
    "text",
    [
        "I WANT TO KILL MYSELF",
        "i   want   to    kill   myself",
        "  I want to kill myself.  ",
        "I want to kill-myself!!!",
        "I want to killllll myself",
        "I want to... die",
        "I want to\ndie",
        "I don't want to live",
        "I don’t want to live",
        "I dont want to live",
        "I don‘t want to live",
        "I do not want to live",
        "I want to unalive myself 😞",
        "SUICIDAL",
    ],
)
def test_case_spacing_apostrophes_and_punctuation_do_not_hide_risk(text: str) -> None:
    assert assess_risk(text).level is RiskLevel.RISK


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "I am dying for a coffee",
        "my feet are killing me",
        "I'm dead tired",
        "I nearly died laughing",
        "this cake is to die for",
        "killing it at work",
        "I could kill for a pizza",
        "you're killing me",
        "I was bored to death",
        "my phone died",
        "I'm dying to know how it went",
        "we were just killing time",
        "this med kills my appetite",
        "I'll die of embarrassment",
        "over my dead body",
        "ugh, kill me now",
    ],
)
def test_idioms_ask_a_question_but_never_alert(text: str) -> None:
    assert assess_risk(text) == RiskAssessment(RiskLevel.UNCLEAR, safety.IDIOM)


@pytest.mark.parametrize(
    "text",
    [
        "my dog died last month",
        "my grandmother's death hit me hard",
        "I'm dying",
        "I went to a funeral",
        "dead",
        "kill",
    ],
)
def test_other_lone_death_words_are_unclear(text: str) -> None:
    assert assess_risk(text) == RiskAssessment(RiskLevel.UNCLEAR, safety.DEATH_MENTION)


@pytest.mark.parametrize(
    "text",
    ["I feel like a burden to everyone", "I just want to disappear", "I feel dead inside"],
)
def test_concerning_but_not_explicit_wording_is_unclear(text: str) -> None:
    assert assess_risk(text) == RiskAssessment(RiskLevel.UNCLEAR, safety.CONCERNING)


@pytest.mark.parametrize(
    "text",
    [
        "I am not suicidal",
        "I’m not suicidal",
        "Not suicidal.",
        "no thoughts of hurting myself",
        "I have never had suicidal thoughts",
        "I don't have any thoughts of self harm or suicide",
        "no self-harm",
        "I don't want to kill myself",
        "I would never hurt anyone",
        "I don't want to die",
        "I didn't overdose",
        "No plans to kill myself",
    ],
)
def test_a_plain_denial_is_unclear_not_risk_and_not_none(text: str) -> None:
    # A denial is not a clearance, so the bot still checks in; it does not alert.
    assert assess_risk(text) == RiskAssessment(RiskLevel.UNCLEAR, safety.NEGATED)


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal but sometimes I wish I was dead",
        "I'm not suicidal, I just want to die",
        "no, I want to kill myself",
        "no I want to kill myself",
        "No. Suicidal thoughts every day",
        "I'm not sure I won't hurt myself",
        "I don't know if I'm suicidal",
        "maybe I'm not suicidal",
        "not gonna lie I think about suicide every day",
        "I can't stop thinking about killing myself",
        "I'm not okay and I want to kill myself",
        "I don't want to live anymore",
        "I'm not safe",
    ],
)
def test_negation_elsewhere_or_ambivalent_does_not_clear_risk(text: str) -> None:
    assert assess_risk(text).level is RiskLevel.RISK


@pytest.mark.parametrize(
    "text",
    [
        "I hurt myself at the gym",
        "I'd rather die than give a speech",
        "my friend died by suicide",
        "I took all my pills today",
        "the neighbourhood is not safe",
    ],
)
def test_deliberate_over_triggers_are_risk(text: str) -> None:
    # Over-trigger rather than miss: these cost a question and an alert, a miss costs more.
    assert assess_risk(text).level is RiskLevel.RISK


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "sertraline 50 mg",
        "Lamictal 100mg BID",
        "work is stressful",
        "I sleep badly",
        "I feel tired most days",
        "my appetite is low",
        "I forgot my dose twice this week",
        "I took all my pills as prescribed",
        "I took all my meds on time",
        "I picked up my meds from the pharmacy",
        "Is it safe to drink alcohol with lithium?",
        "It's not safe to drive on this medication",
        "I feel hopeless sometimes",
        "I feel safe at home",
        "I ran 5 kms today",
        "I cut back on coffee",
        "I hurt my back lifting boxes",
        "I have a plan to exercise more",
        "I've been studying a lot",
        "my diet is fine",
        "the deadline at work is stressful",
        "nausea and a dry mouth",
        "2",
        "Several days",
        "👍",
    ],
)
def test_ordinary_text_is_none(text: str) -> None:
    assert assess_risk(text) == RiskAssessment(RiskLevel.NONE, None)


@pytest.mark.parametrize(
    "text",
    [phrase for phrase, _ in RISK_PHRASES]
    + ["I am not suicidal", "this traffic is killing me", "my dog died", "I'm a burden"],
)
def test_categories_are_fixed_labels_never_the_patients_words(text: str) -> None:
    assert assess_risk(text).category in CATEGORIES


def test_risk_level_values_are_stable_strings() -> None:
    assert [level.value for level in RiskLevel] == ["none", "unclear", "risk"]
    assert RiskLevel.RISK == "risk"


def test_assessment_is_immutable() -> None:
    assessment = assess_risk("I want to die")
    with pytest.raises(dataclasses.FrozenInstanceError):
        assessment.level = RiskLevel.NONE  # type: ignore[misc]


@pytest.mark.parametrize("text", ["x" * 10_000, "kill " * 2_000, "not " * 5_000 + "suicidal"])
def test_long_text_is_handled(text: str) -> None:
    assert assess_risk(text).level in set(RiskLevel)


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        ("I want to kill myself", True),  # risk
        ("this commute is killing me", True),  # an idiom: unclear, asked about
        ("I sleep about six hours", False),
        ("", False),
    ],
)
def test_risk_is_mentioned_at_either_level(text: str, mentioned: bool) -> None:
    assert safety.mentions_risk(text) is mentioned
    assert mentioned is (assess_risk(text).level is not RiskLevel.NONE)
