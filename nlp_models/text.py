"""Text clean-up shared by the classifier and the entity layer.

`for_classifier` folds what varies but means the same (Slack markup, digits, case) so the
intent model sees words, not ids. `safe_text` keeps length and offsets but removes what
would break a tokenizer (control characters, lone surrogates).
"""

from __future__ import annotations

import re

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


def safe_text(text: str) -> str:
    """Same length as `text`, with control characters and surrogates turned into spaces."""
    return _CONTROL.sub(" ", text)


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
    text = _DIGITS.sub("0", text.lower())
    return _SPACE.sub(" ", text).strip()
