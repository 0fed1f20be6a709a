"""Which way a mention points: the cue words of its sentence.

Weekdays, bare month-days and month names point forward for things to do and backward for
things that happened. A word standing just before the mention in the same sentence decides
("by", "until", "due", "will", "remind", "wants" forward; "since", "was", "had", "ago"
backward); the nearest such word wins. Without one the intent's default applies (see
`MessageContext.forward`).
"""

from __future__ import annotations

import re

# A month and day with no year, where only the intent says "what happened": this many days
# ahead at most is the next step named in the note, anything later was last year's.
NEXT_STEP_DAYS = 62
# A month and day with no year that points forward but fell this many days ago at most is
# this year's, in the past ("12/3" said on 7 December is four days ago, not next year):
# the dialogue asks about a follow-up in the past rather than moving it a year.
RECENT_PAST_DAYS = 62

# Prepositions count only right before the mention ("by friday", not "by region for Q3").
_NEAR_FORWARD = re.compile(
    r"(?<![\w'])(?:by|until|till|til|before|due(?:\s+(?:on|by))?|after|no\s+later\s+than|not\s+before)"
    r"\s+(?:on\s+)?(?:the\s+)?$"
)
_FORWARD_CUE = (
    r"next|coming|upcoming|from\s+now|will|going\s+to|gonna"
    r"|plan(?:s|ning|ned)?\s+to|wants?|wanted\s+to|wanna|needs?|should|must|f/u"
    r"|follow[\s-]?up|followup|remind(?:er)?|revisit|deadline|expected|expects?|expecting"
    r"|closing|close|start(?:s|ing)?|schedule(?:d)?|book(?:ed)?|set\s+up|arrange(?:d)?"
    r"|postpone(?:d)?|push(?:ed)?|move(?:d)?|slip(?:ped|s)?|reschedule(?:d)?|delay(?:ed)?"
    r"|call\s+back|no\s+later\s+than|not\s+before|later"
)
_BACKWARD_CUE = (
    r"since|ago|last|past|previous|prior|earlier|was|were|did|had|happened|already|yesterday"
    r"|yday|wrote|sent|called|phoned|emailed|reported|opened|raised|complained|ordered|bought"
    r"|purchased|received|paid|met|spoke|talked|said|told|asked|mentioned|visited|delivered"
    r"|arrived|came|went|got|left|attended|demoed|finished|completed"
)
_CUE = re.compile(
    rf"(?:(?<![\w'])(?:(?P<fwd>{_FORWARD_CUE})|(?P<back>{_BACKWARD_CUE}))|(?P<will>['’]ll))(?![\w'])"
)
_CLAUSE_END = re.compile(r"[.!?;\n]")
_CLOCK_PAST = re.compile(r"(?<!\w)(?:half|quarter)\s+past(?!\w)")


def direction_cue(low: str, start: int) -> bool | None:
    """Direction named by the nearest cue word before `start` in the same sentence of the
    lower-cased text `low`: True forward, False backward, None when no word says."""
    if _NEAR_FORWARD.search(low, max(0, start - 24), start):
        return True
    lo = max(0, start - 48)
    window = low[lo:start]
    ends = [m.end() for m in _CLAUSE_END.finditer(window)]
    if ends:
        window = window[ends[-1] :]
    if "past" in window:  # "half past 3" names a time, not the past
        window = _CLOCK_PAST.sub(lambda m: " " * len(m.group()), window)
    last: re.Match[str] | None = None
    for m in _CUE.finditer(window):
        last = m
    if last is None:
        return None
    return last.group("back") is None
