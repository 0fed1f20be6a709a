"""EMAIL rules: plain addresses and Slack mailto markup; values in lower case."""

from __future__ import annotations

import pytest

from nlp_models.labels import EntityLabel
from nlp_models.rules.emails import find_emails


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane@Acme.com", ["jane@acme.com"]),
        ("mail JANE.DOE+crm@Mail.Acme.co.uk.", ["jane.doe+crm@mail.acme.co.uk"]),
        ("new person: Jakub, jakub.z@poznanit.pl, +48 61 555 22 33", ["jakub.z@poznanit.pl"]),
        ("two: a.b@x.io, c_d@y-z.org", ["a.b@x.io", "c_d@y-z.org"]),
        ("(liam@gallagherroofing.ie)", ["liam@gallagherroofing.ie"]),
        ("patrick.o'brien@celtic.ie wrote", ["patrick.o'brien@celtic.ie"]),
        ("ahmet@bosphorusmed.com.tr +90 532 555 0011", ["ahmet@bosphorusmed.com.tr"]),
        ("<mailto:a@b.c|a@b.c>", ["a@b.c"]),
        ("log email to Li <mailto:Li.Wei@Example.cn|Li.Wei@Example.cn> ok", ["li.wei@example.cn"]),
        ("<mailto:jane@acme.com>", ["jane@acme.com"]),
        # not addresses
        ("x@y", []),
        ("a..b@x.com", []),
        ("foo@-bar.com", []),
        ("user@localhost", []),
        ("jane@acme", []),
        ("ping <@U02AB3CD> about it", []),
        ("@channel heads up", []),
        ("price 5@10 each", []),
        ("", []),
    ],
)
def test_email_values(text: str, expected: list[str]) -> None:
    assert [e.value for e in find_emails(text)] == expected


def test_slack_markup_span_covers_the_whole_markup() -> None:
    text = "send to <mailto:a@b.c|a@b.c> now"
    [entity] = find_emails(text)
    assert entity.label is EntityLabel.EMAIL
    assert (entity.start, entity.end) == (8, 28)
    assert entity.text == "<mailto:a@b.c|a@b.c>" == text[entity.start : entity.end]
    assert entity.value == "a@b.c"


def test_plain_span_is_the_address_as_written() -> None:
    text = "email Jane@Acme.com."
    [entity] = find_emails(text)
    assert (entity.text, entity.start, entity.end, entity.value) == ("Jane@Acme.com", 6, 19, "jane@acme.com")
