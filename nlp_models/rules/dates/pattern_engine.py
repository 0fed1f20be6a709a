"""Gated patterns: how the date patterns are registered and run over a message.

Each pattern is a regular expression, a handler that turns a match into atoms, and a gate:
the words, characters, digit or year a message must have for the pattern to be worth
running. Most messages open two or three gates, so most patterns never run.
`collect_atoms` runs the open ones and keeps, among overlapping atoms, the longest (on a
tie the pattern registered first).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from nlp_models.rules.dates.atoms import Atom
from nlp_models.rules.dates.context import MessageContext
from nlp_models.rules.lexicon import word_set

Handler = Callable[[MessageContext, re.Match[str]], Iterator[Atom]]


@dataclass(frozen=True, slots=True)
class Gate:
    """A pattern runs only when the message has a word of each set in `words`, one of `chars`
    and, if asked, a digit or a year. Most messages open two or three of the gates."""

    words: tuple[frozenset[str], ...] = ()
    chars: frozenset[str] = frozenset()
    digit: bool = False
    year: bool = False

    def open(self, words: frozenset[str], text: str, has_digit: bool, has_year: bool) -> bool:
        if (self.digit and not has_digit) or (self.year and not has_year):
            return False
        for group in self.words:
            if group.isdisjoint(words):
                return False
        if not self.chars:
            return True
        for c in self.chars:
            if c in text:
                return True
        return False


Pattern = tuple[re.Pattern[str], Handler, Gate]


class PatternSet:
    """An ordered list of gated patterns; `add` registers a handler as a decorator."""

    def __init__(self) -> None:
        self.patterns: list[Pattern] = []

    def add(
        self,
        regex: str,
        *,
        words: Iterable[str] | None = None,
        also: Iterable[str] | None = None,
        chars: str = "",
        digit: bool = False,
        year: bool = False,
        first: str = "",
    ) -> Callable[[Handler], Handler]:
        # Patterns run over an ASCII-lower-cased copy of the text, without re.IGNORECASE (2-3x
        # faster); `first` (the characters a match can start with) lets the engine skip ahead
        # (2x faster).
        compiled = re.compile(f"(?=[{first}])" + regex if first else regex)
        groups = tuple(frozenset(g) for g in (words, also) if g is not None)
        gate = Gate(groups, frozenset(chars), digit, year)

        def register(handler: Handler) -> Handler:
            self.patterns.append((compiled, handler, gate))
            return handler

        return register



_YEAR_TOKEN = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DIGIT = re.compile(r"\d")


def collect_atoms(ctx: MessageContext, patterns: Sequence[Pattern]) -> list[Atom]:
    """The atoms of the message, without overlaps, sorted by start; earlier patterns win ties."""
    atoms: list[tuple[int, int, Atom]] = []
    text = ctx.low
    words = word_set(ctx.text)
    has_digit = _DIGIT.search(text) is not None
    has_year = has_digit and _YEAR_TOKEN.search(text) is not None
    for rank, (pattern, handler, gate) in enumerate(patterns):
        if not gate.open(words, text, has_digit, has_year):
            continue
        for m in pattern.finditer(text):
            for atom in handler(ctx, m):
                if atom.end > atom.start:
                    atoms.append((rank, len(atoms), atom))
    # Longest first, then earlier pattern; an atom overlapping a kept one is dropped.
    atoms.sort(key=lambda r: (-(r[2].end - r[2].start), r[0], r[2].start))
    kept: list[Atom] = []
    for _, _, atom in atoms:
        if all(atom.end <= k.start or atom.start >= k.end for k in kept):
            kept.append(atom)
    kept.sort(key=lambda a: a.start)
    return kept
