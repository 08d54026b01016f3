"""Which option(s) typed text names: by number, label, alias, prefix or part.

- `match_option`: an exact label or alias wins; a typed number is the 1-based position shown
  beside the option. If a number is also some other option's label (options labelled "0",
  "1", ...), the answer is ambiguous and gives None, so ask such questions with
  `parse_number`. "1. Several days" (a number and a label) is accepted only when both name
  the same option. Prefixes (3+ characters) and whole-word parts of a label (4+ characters)
  are matched against labels only, never aliases.
- `match_options`: an exclusive option ("None of these") together with any other option is
  a contradiction and gives None. "none", "nothing", "no", "neither" pick the single
  exclusive option when the options have exactly one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flows.options import Option
from flows.parsing.text import comparison_key, normalise
from flows.parsing.vocabulary import NONE_ANSWERS

_NUMBERED = re.compile(r"^(?:option|number|choice|no|nr)?\s*\.?\s*#?\s*(\d{1,3})$")
_NUMBER_THEN_LABEL = re.compile(r"^(\d{1,3})[\s.):\-]+(.+)$")
_MIN_PREFIX = 3
_MIN_PART = 4


def match_option(text: str, options: Sequence[Option]) -> Option | None:
    """The one option `text` names by number, label, alias, prefix or part; else None."""
    key = comparison_key(text)
    if not key:
        return None
    exact = _exact_matches(key, options)
    numbered = _NUMBERED.match(normalise(text))
    if numbered:
        exact |= _by_position(numbered.group(1), options)
    if exact:
        return _only(exact, options)
    combined = _NUMBER_THEN_LABEL.match(normalise(text))
    if combined:
        by_number = _by_position(combined.group(1), options)
        by_label = _label_matches(comparison_key(combined.group(2)), options)
        return _only(by_number, options) if by_number and by_number == by_label else None
    return _only(_label_matches(key, options), options)


def _exact_matches(key: str, options: Sequence[Option]) -> set[int]:
    return {
        index
        for index, option in enumerate(options)
        if key in {comparison_key(name) for name in (option.label, *option.aliases)}
    }


def _by_position(number: str, options: Sequence[Option]) -> set[int]:
    position = int(number)
    return {position - 1} if 1 <= position <= len(options) else set()


def _label_matches(key: str, options: Sequence[Option]) -> set[int]:
    """Exact labels and aliases, else labels starting with or containing `key` as words."""
    exact = _exact_matches(key, options)
    if exact:
        return exact
    part = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")
    found = set()
    for index, option in enumerate(options):
        label = comparison_key(option.label)
        starts = len(key) >= _MIN_PREFIX and label.startswith(key)
        if starts or (len(key) >= _MIN_PART and part.search(label)):
            found.add(index)
    return found


def _only(indexes: set[int], options: Sequence[Option]) -> Option | None:
    return options[next(iter(indexes))] if len(indexes) == 1 else None


_HARD_SEPARATORS = re.compile(r"[,;/&+\n]+")
_WORD_SEPARATORS = re.compile(r"\b(?:and|or|plus|also|with)\b")


def match_options(text: str, options: Sequence[Option]) -> list[Option] | None:
    """Every option named in `text` ("1, 3", "nausea and headache"), in `options` order."""
    chosen: set[int] = set()
    for chunk in _HARD_SEPARATORS.split(normalise(text)):
        if not comparison_key(chunk):
            continue
        found = _chunk_matches(chunk, options)
        if found is None:
            return None
        chosen |= found
    if not chosen:
        return None
    if len(chosen) > 1 and any(options[index].exclusive for index in chosen):
        return None
    return [options[index] for index in sorted(chosen)]


def _chunk_matches(chunk: str, options: Sequence[Option]) -> set[int] | None:
    """The options one comma-separated part names, or None if any of it is not understood."""
    whole = _one_match(chunk, options)
    if whole is not None:
        return {whole}
    words = chunk.split()
    if len(words) > 1 and all(word.isdigit() for word in words):
        pieces = words
    else:
        parts = _WORD_SEPARATORS.split(chunk)
        pieces = [piece for piece in parts if comparison_key(piece)]
        if len(parts) < 2 or not pieces:
            return None
    found = set()
    for piece in pieces:
        index = _one_match(piece, options)
        if index is None:
            return None
        found.add(index)
    return found


def _one_match(text: str, options: Sequence[Option]) -> int | None:
    option = match_option(text, options)
    if option is not None:
        return next(i for i, candidate in enumerate(options) if candidate is option)
    exclusive = [i for i, candidate in enumerate(options) if candidate.exclusive]
    if comparison_key(text) in NONE_ANSWERS and len(exclusive) == 1:
        return exclusive[0]
    return None
