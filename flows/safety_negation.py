"""The words flows.safety uses to read a denial ("no thoughts of ...", "I would never"): which
words deny, which may stand between a denial and what it denies, and what makes a clause
ambivalent so that its denial clears nothing. Data only; matched against text normalised as
described in flows.safety_phrases.
"""

from __future__ import annotations

import re

# Words that may stand between a denial and the phrase it denies ("no thoughts of ...").
NEGATORS = frozenset(
    {
        "not",
        "no",
        "nope",
        "nah",
        "never",
        "dont",
        "doesnt",
        "didnt",
        "havent",
        "hasnt",
        "hadnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "nor",
        "without",
        "deny",
        "denies",
        "denied",
        "zero",
    }
)
NEGATION_FILLERS = frozenset(
    {
        "i",
        "im",
        "ive",
        "id",
        "m",
        "am",
        "is",
        "are",
        "was",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "any",
        "anything",
        "feel",
        "feels",
        "feeling",
        "felt",
        "thought",
        "thoughts",
        "thinking",
        "think",
        "of",
        "about",
        "a",
        "an",
        "the",
        "really",
        "ever",
        "currently",
        "presently",
        "now",
        "right",
        "at",
        "all",
        "actively",
        "want",
        "wants",
        "wanted",
        "wanting",
        "wanna",
        "to",
        "going",
        "gonna",
        "will",
        "would",
        "could",
        "do",
        "did",
        "plan",
        "plans",
        "planning",
        "planned",
        "intent",
        "intention",
        "intentions",
        "urge",
        "urges",
        "desire",
        "desires",
        "idea",
        "ideas",
        "ideation",
        "more",
        "longer",
        "or",
        "suicide",
        "suicidal",
        "self",
        "harm",
        "myself",
        "hurting",
        "harming",
        "killing",
        "homicidal",
        "others",
        "even",
        "actually",
        "honestly",
        "seriously",
    }
)
# "no" followed by one of these is an answer to a question, not a denial of what follows.
ANSWER_PRONOUNS = frozenset({"i", "im", "ive", "id", "ill", "my", "me"})

# A clause with one of these is ambivalent: a denial in it clears nothing.
AMBIVALENCE = re.compile(
    r"\b(?:not sure|unsure|dont know|do not know|idk|cant promise|cannot promise"
    r"|cant guarantee|cant say|maybe|might|sometimes|not always|kind of|kinda|sort of"
    r"|a bit|a little|i guess|probably|unless|used to|until|some days)\b"
)
