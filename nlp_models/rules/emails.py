"""EMAIL: addresses in plain text and in Slack's `<mailto:a@b.c|a@b.c>` markup; value lower case."""

from __future__ import annotations

import re

from nlp_models.labels import EntityLabel
from nlp_models.types import Entity

_ATOM = r"[A-Za-z0-9_%+-]+(?:'[A-Za-z0-9_%+-]+)*"
_LOCAL = rf"{_ATOM}(?:\.{_ATOM})*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+[A-Za-z]{{2,24}}"

# The lookbehind keeps the scan linear: a local part can only start where a run starts.
_PLAIN = re.compile(
    rf"(?<![A-Za-z0-9_%+.-])(?P<addr>{_LOCAL}@{_DOMAIN})(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
)
_SLACK = re.compile(r"<mailto:(?P<target>[^|>\s]{1,320})(?:\|(?P<label>[^>]{0,320}))?>", re.IGNORECASE)
_FULL = re.compile(rf"{_LOCAL}@{_DOMAIN}")


# Slack has already recognised the address; only its shape is checked.
_SLACK_SHAPE = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{1,24}}")


def _valid(address: str, *, slack: bool = False) -> bool:
    shape = _SLACK_SHAPE if slack else _FULL
    if len(address) > 254 or not shape.fullmatch(address):
        return False
    local, _, domain = address.rpartition("@")
    return 0 < len(local) <= 64 and ".." not in domain and not domain.startswith("-")


def find_emails(text: str) -> list[Entity]:
    if "@" not in text:
        return []
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for m in _SLACK.finditer(text):
        target = m.group("target")
        if not _valid(target, slack=True):
            label = m.group("label") or ""
            if not _valid(label.strip(), slack=True):
                continue
            target = label.strip()
        found.append(Entity(EntityLabel.EMAIL, m.group(0), m.start(), m.end(), target.lower()))
        taken.append((m.start(), m.end()))
    for m in _PLAIN.finditer(text):
        start, end = m.span("addr")
        if any(s <= start < e for s, e in taken):
            continue
        address = m.group("addr")
        if _valid(address):
            found.append(Entity(EntityLabel.EMAIL, address, start, end, address.lower()))
    return found
