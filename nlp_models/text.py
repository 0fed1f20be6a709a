"""Text clean-up shared by the classifier and the entity layer.

`for_classifier` folds what varies but means the same (Slack markup, emoji short codes,
digits, case) so the intent model sees words, not ids. `safe_text` keeps length and offsets
but removes what would break a tokenizer (control characters, lone surrogates).
`mask_names` puts a placeholder word where a name stands, for the intent classifier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import emoji

# A message longer than this is understood from its beginning; entities keep true offsets.
MAX_UNDERSTOOD_CHARS = 1000

_SLACK_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
_SLACK_CHANNEL = re.compile(r"<#C[A-Z0-9]+(?:\|([^>]*))?>")
_SLACK_MAILTO = re.compile(r"<mailto:[^|>]+(?:\|[^>]*)?>")
_SLACK_TEL = re.compile(r"<tel:[^|>]+(?:\|[^>]*)?>")
_SLACK_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
_SLACK_SPECIAL = re.compile(r"<!(here|channel|everyone)[^>]*>")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+")
_DIGITS = re.compile(r"\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
# skin tones and the emoji presentation selector: "👍🏽", "👍️" and Slack's
# ":+1::skin-tone-3:" all mean 👍
_EMOJI_VARIANT = re.compile(r":skin-tone-[2-6]:|[\U0001F3FB-\U0001F3FF\uFE0F]")


def safe_text(text: str) -> str:
    """Same length as `text`, with control characters and surrogates turned into spaces."""
    return _CONTROL.sub(" ", text)


def one_emoji_form(text: str) -> str:
    """Slack writes emoji as short codes (":thumbsup:", ":+1:"), Telegram as characters
    ("👍"): both become the character, without skin tone or presentation selector."""
    if ":" in text:
        text = emoji.emojize(_EMOJI_VARIANT.sub("", text), language="alias")
    return _EMOJI_VARIANT.sub("", text)


def for_classifier(text: str) -> str:
    text = safe_text(text[:MAX_UNDERSTOOD_CHARS])
    text = _SLACK_USER.sub(" @user ", text)
    text = _SLACK_CHANNEL.sub(" #channel ", text)
    text = _SLACK_MAILTO.sub(" emailaddress ", text)
    text = _SLACK_TEL.sub(" phonenumber ", text)
    text = _SLACK_LINK.sub(lambda m: f" {m.group(2) or 'link'} ", text)
    text = _SLACK_SPECIAL.sub(" @here ", text)
    text = _EMAIL.sub(" emailaddress ", text)
    text = _URL.sub(" link ", text)
    text = one_emoji_form(text)
    text = _DIGITS.sub("0", text.lower())
    return _SPACE.sub(" ", text).strip()


# What the intent classifier sees in place of a name: the words of a name say who, not what
# the message asks for (a customer's name in one intent's examples must not pull another
# message about the same customer there; docs/decisions/0007).
# a word as the common-words list counts it: letters only
WORD = re.compile(r"[^\W\d_]+")
NAME_PLACEHOLDERS = {
    "PERSON": "someperson",
    "ORG": "somecompany",
    "PRODUCT": "someproduct",
    "CAMPAIGN": "somecampaign",
}


def replace_spans(
    text: str, spans: Iterable[tuple[int, int, str]], replacement: Callable[[str, str], str | None]
) -> str:
    """`text` with each (start, end, label) span replaced by `replacement(span text, label)`;
    where that is None the span stays as it is.

    Spans are taken from left to right, the longest first where two start together; one
    that overlaps a span already replaced is skipped.
    """
    out: list[str] = []
    pos = 0
    for start, end, label in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < pos:
            continue
        new = replacement(text[start:end], str(label))
        if new is None:
            continue
        out += [text[pos:start], new]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask_names(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, label) name span replaced by its label's placeholder
    (`replace_spans`); labels without a placeholder stay text."""
    return replace_spans(text, spans, lambda _, label: NAME_PLACEHOLDERS.get(label))
