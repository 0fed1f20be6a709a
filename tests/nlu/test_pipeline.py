"""The trained model judged by evaluations with thresholds; the plain code around it (names,
masking, the classifier's threshold maths) exactly, on given inputs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import spacy
from scipy.special import softmax

from nlp_models.evaluation import evaluate, read_gold
from nlp_models.intent_classifier import IntentClassifier, Prediction
from nlp_models.labels import EntityLabel, Intent
from nlp_models.names import (
    companies_by_context,
    hyphens_joined,
    is_a_place,
    is_no_name,
    untagged_companies,
)
from nlp_models.pipeline import NluPipeline
from nlp_models.text import mask_names, one_emoji_form
from nlp_models.training_data import HELDOUT_FILE, REGRESSION_FILE, load_intent_examples
from nlp_models.types import Entity
from tests.fakes.fake_language import TableLanguage

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
UTC = ZoneInfo("UTC")


# The trained model is judged by evaluations with thresholds, never by one sentence: another
# seed or machine builds a slightly different model (`CRM_NLU_SEED`). The floors sit under the
# worst figures measured at seeds 0 (the default), 1, 2 and 3 (benchmarks/README.md): overall
# by about 0.01-0.015; per label by 0.05, rounded down (one or two more mistakes among an
# intent's 16 messages). Nothing is chosen on the held-out file: its figures only set floors.
HELDOUT_INTENT_ACCURACY = 0.945
HELDOUT_ENTITY_F1 = 0.925
INTENT_F1_FLOORS = {
    "add_contact": 0.83,
    "affirm": 0.95,
    "cancel": 0.91,
    "close_ticket": 0.95,
    "complete_followup": 0.95,
    "create_campaign": 0.88,
    "create_deal": 0.88,
    "deny": 0.95,
    "greet": 0.95,
    "help": 0.85,
    "list_deals": 0.95,
    "list_followups": 0.95,
    "log_interaction": 0.91,
    "log_order": 0.88,
    "open_ticket": 0.80,
    "out_of_scope": 0.91,
    "rate_service": 0.88,
    "report": 0.95,
    "schedule_followup": 0.89,
    "show_customer": 0.85,
    "thanks": 0.91,
    "ticket_status": 0.85,
    "unsubscribe": 0.84,
    "update_contact": 0.83,
    "update_deal": 0.88,
}
ENTITY_F1_FLOORS = {
    "CAMPAIGN": 0.88,
    "DATE": 0.95,
    "EMAIL": 0.95,
    "INTERACTION_TYPE": 0.90,
    "METRIC": 0.85,
    "MONEY": 0.95,
    "ORG": 0.87,
    "PERSON": 0.82,
    "PHONE": 0.95,
    "PRODUCT": 0.75,
    "QUANTITY": 0.91,
    "STAGE": 0.92,
    "TICKET_ID": 0.90,
}
# nlp_models/data/regression.jsonl: the sentences and behaviours that matter most (dates
# backward for what happened, stage and metric only where they mean it, a lone number is a
# ticket only about a ticket, known names, out of scope when unsure, quoted, hyphenated and
# emoji forms, places and departments are no names, the product's own examples), scored as
# a whole with a tolerance: a seed may miss one or two.
REGRESSION_INTENT_ACCURACY = 0.94
REGRESSION_ENTITY_F1 = 0.95
# Share of messages whose names come from other intents' examples that keep their intent.
OTHER_INTENTS_NAMES_ACCURACY = 0.97


def test_held_out_intent_accuracy(heldout_report: dict[str, Any]) -> None:
    """The honest measure: hand-written messages never used for training or tuning."""
    assert heldout_report["examples"] == 400
    assert heldout_report["intent_accuracy"] >= HELDOUT_INTENT_ACCURACY, heldout_report["confusions"]


def test_held_out_entity_micro_f1(heldout_report: dict[str, Any]) -> None:
    assert heldout_report["entity_micro"]["f1"] >= HELDOUT_ENTITY_F1, heldout_report["entities"]


@pytest.mark.parametrize("intent", sorted(INTENT_F1_FLOORS))
def test_held_out_f1_of_each_intent(heldout_report: dict[str, Any], intent: str) -> None:
    assert heldout_report["intents"][intent]["f1"] >= INTENT_F1_FLOORS[intent], heldout_report["confusions"]


@pytest.mark.parametrize("label", sorted(ENTITY_F1_FLOORS))
def test_held_out_f1_of_each_entity_label(heldout_report: dict[str, Any], label: str) -> None:
    assert heldout_report["entities"][label]["f1"] >= ENTITY_F1_FLOORS[label]


def test_every_intent_has_a_floor() -> None:
    assert set(INTENT_F1_FLOORS) == {intent.value for intent in Intent}


def test_every_entity_label_of_the_held_out_file_has_a_floor() -> None:
    labels = {label for example in read_gold(HELDOUT_FILE) for label, _ in example.entities}
    assert labels == set(ENTITY_F1_FLOORS) <= {label.value for label in EntityLabel}


def test_regression_sentences_keep_their_intent(regression_report: dict[str, Any]) -> None:
    assert regression_report["intent_accuracy"] >= REGRESSION_INTENT_ACCURACY, regression_report["errors"]


def test_regression_sentences_keep_their_entities(regression_report: dict[str, Any]) -> None:
    assert regression_report["entity_micro"]["f1"] >= REGRESSION_ENTITY_F1, regression_report["errors"]


def test_the_thresholds_fail_a_model_that_knows_no_intent() -> None:
    """A language layer that answers every message out of scope and finds nothing: under
    every threshold, so the thresholds can fail."""
    knows_nothing = TableLanguage({})
    heldout = evaluate(knows_nothing, read_gold(HELDOUT_FILE))  # type: ignore[arg-type]
    regression = evaluate(knows_nothing, read_gold(REGRESSION_FILE))  # type: ignore[arg-type]
    assert heldout["intent_accuracy"] < HELDOUT_INTENT_ACCURACY
    assert heldout["entity_micro"]["f1"] < HELDOUT_ENTITY_F1
    assert regression["intent_accuracy"] < REGRESSION_INTENT_ACCURACY
    assert regression["entity_micro"]["f1"] < REGRESSION_ENTITY_F1


def test_mask_names_puts_a_placeholder_where_each_name_stands() -> None:
    text = "met Jane Roe of Acme Ltd about the Q3 Push"
    spans = [(4, 12, "PERSON"), (16, 24, "ORG"), (35, 42, "CAMPAIGN"), (4, 8, "ORG"), (0, 3, "DATE")]
    assert mask_names(text, spans) == "met someperson of somecompany about the somecampaign"


def test_a_name_from_another_intents_examples_does_not_pull_the_intent(nlu: NluPipeline) -> None:
    """Customers recur across intents in a live CRM: "whats new at X" is a lookup even when
    X has only ever been seen in examples of other intents (names are masked for the
    classifier). Names taken from the training examples of exactly one intent each."""
    seen: dict[tuple[str, str], set[str]] = {}
    for example in load_intent_examples():
        for start, end, label in example.spans:
            seen.setdefault((str(label), example.text[start:end]), set()).add(example.intent.value)
    people = sorted(n for (label, n), ints in seen.items() if label == "PERSON" and len(ints) == 1)
    orgs = sorted(n for (label, n), ints in seen.items() if label == "ORG" and len(ints) == 1)
    templates = {
        "whats new at {org}": Intent.SHOW_CUSTOMER,
        "info on {person} pls": Intent.SHOW_CUSTOMER,
        "had a call with {person} from {org} today, went well": Intent.LOG_INTERACTION,
        "new contact: {person} at {org}": Intent.ADD_CONTACT,
        "new deal with {org} for 20k": Intent.CREATE_DEAL,
    }
    wrong, total = [], 0
    for i in range(0, 120, 3):
        person, org = people[i * 7 % len(people)], orgs[i * 5 % len(orgs)]
        for template, intent in templates.items():
            text = template.format(person=person, org=org)
            total += 1
            got = nlu.parse(text, NOW, UTC).intent
            if got != intent:
                wrong.append((text, got.value))
    assert 1 - len(wrong) / total >= OTHER_INTENTS_NAMES_ACCURACY, wrong


def test_threshold_turns_low_confidence_into_the_fallback() -> None:
    texts = ["hello there", "hi", "hey", "good morning", "bye now", "see you", "goodbye", "later"] * 3
    labels = ["greet"] * 4 + ["bye"] * 4
    clf = IntentClassifier(fallback_label="oos").fit(texts, labels * 3)
    confident = clf.predict("hello")
    assert confident.label == "greet"
    clf.threshold = confident.confidence + 1e-6
    rejected = clf.predict("hello")
    assert rejected.label == "oos" and rejected.runner_up == "greet"


def test_threshold_is_tuned_on_held_out_margins() -> None:
    clf = IntentClassifier(fallback_label="oos")
    clf.classes_ = np.array(["a", "b", "oos"])
    # Confident in-scope rows and unsure out-of-scope rows: the tuned threshold separates them.
    margins = np.array([[2.0, -1, -1]] * 8 + [[0.1, 0.0, -0.2]] * 2 + [[-1, 2.0, -1]] * 8)
    gold = ["a"] * 8 + ["oos"] * 2 + ["b"] * 8
    clf.calibrate(margins, gold)
    confidence = softmax(margins * clf.temperature, axis=1).max(axis=1)
    assert (confidence[8:10] < clf.threshold).all()
    assert (confidence[:8] >= clf.threshold).all() and (confidence[10:] >= clf.threshold).all()


def test_operating_point_keeps_the_asked_in_scope_accuracy() -> None:
    clf = IntentClassifier(fallback_label="oos")
    clf.classes_ = np.array(["a", "b", "oos"])
    clf.temperature = 1.0
    # Ten in-scope rows, surest first, all right; the two least sure ones are as unsure as
    # the out-of-scope rows. 80 % in-scope accuracy allows rejecting exactly those two.
    sure = [[3.0 - 0.2 * i, 0.0, 0.0] for i in range(8)]
    margins = np.array(sure + [[0.3, 0.0, 0.0], [0.2, 0.0, 0.0]] + [[0.25, 0.0, 0.0]] * 3)
    gold = ["a"] * 10 + ["oos"] * 3
    threshold = clf.threshold_for_in_scope_accuracy(margins, gold, 0.8)
    confidence = softmax(margins, axis=1).max(axis=1)
    assert (confidence[:8] >= threshold).all()
    assert (confidence[8:] < threshold).all()
    assert clf.threshold_for_in_scope_accuracy(margins, gold, 1.0) <= confidence[9]


def test_binary_junk_is_no_name(nlu: NluPipeline) -> None:
    """Undecodable bytes read as text (U+FFFD) or control characters never make a learnt
    name, so they cannot be masked into a confident intent ("someproduct" reads as an order).
    The names are checked by code (`names.could_be_a_name`), so this holds for any build."""
    for junk in ("\x00\x01\ufffd junk", "\ufffd\ufffd order stuff \x07", b"\xff\xfe\x81binary junk".decode("utf-8", "replace")):
        result = nlu.parse(junk, NOW, UTC)
        assert not [e for e in result.entities if "\ufffd" in e.text or "\x07" in e.text], result.entities


def test_one_emoji_form() -> None:
    assert one_emoji_form(":+1::skin-tone-3: thx :pray:") == "👍 thx 🙏"
    assert one_emoji_form("👍🏿") == "👍"
    assert one_emoji_form("call at 10:30:00, ok :)") == "call at 10:30:00, ok :)"


def test_hyphens_join_the_parts_of_a_name() -> None:
    def joined(text: str, *parts: tuple[str, EntityLabel]) -> list[str]:
        found = [Entity(label, p, text.index(p), text.index(p) + len(p), p) for p, label in parts]
        return [e.value for e in hyphens_joined(text, found)]

    person, org = EntityLabel.PERSON, EntityLabel.ORG
    assert joined("lead: Anneliese Vogt-Kramer", ("Anneliese Vogt", person)) == ["Anneliese Vogt-Kramer"]
    assert joined("lead: Anneliese Vogt-Kramer", ("Anneliese Vogt", person), ("Kramer", person)) == ["Anneliese Vogt-Kramer"]
    assert joined("call Jean-Luc Picard", ("Luc Picard", person)) == ["Jean-Luc Picard"]
    assert joined("met Kim at Coca-Cola", ("Kim", person), ("Coca", org)) == ["Kim", "Coca-Cola"]
    assert joined("our Acme-based team", ("Acme", org)) == ["Acme"]


def _names(text: str, *marked: tuple[str, EntityLabel]) -> list[Entity]:
    out = []
    for name, label in marked:
        start = text.index(name)
        out.append(Entity(label, name, start, start + len(name), name))
    return out


@pytest.mark.parametrize(
    ("text", "names", "companies"),
    [
        ("had a call with Priya from Infosys", ["Priya", "Infosys"], ["Infosys"]),
        ("add Lena Vogel, head of ops at Trivago", ["Lena Vogel", "Trivago"], ["Trivago"]),
        ("Jana @ Skoda wants a callback", ["Jana", "Skoda"], ["Skoda"]),
        ("spoke to José María of Grupo Andino", ["José María", "Grupo Andino"], ["Grupo Andino"]),
        ("add company Wolt", ["Wolt"], ["Wolt"]),
        ("new supplier Brno Plast, contact is Olu", ["Brno Plast", "Olu"], ["Brno Plast"]),
        ("who's our contact at Rakuten?", ["Rakuten"], ["Rakuten"]),
        ("the CFO of Zalando wants a call", ["Zalando"], ["Zalando"]),
        ("quick sync with the Zalando team re onboarding", ["Zalando"], ["Zalando"]),
        ("call the Initech folks tomorrow", ["Initech"], ["Initech"]),
        ("mtg w/ Sofía Gómez (Globant) went well", ["Sofía Gómez", "Globant"], ["Globant"]),
        ("met Priya (Infosys, Pune)", ["Priya", "Infosys"], ["Infosys"]),
        # people stay people
        ("Tom got an email from Jane about the renewal", ["Tom", "Jane"], []),
        ("met Priya and Ahmed at the conference", ["Priya", "Ahmed"], []),
        ("assign Zalando to Kemal", ["Zalando", "Kemal"], []),
        ("set owner of Jane Smith to Rita", ["Jane Smith", "Rita"], []),
        ("Tom's team wants a demo", ["Tom"], []),
        ("met Sofía (Anna's sister) today", ["Sofía", "Anna"], []),
        ("ask Rita about the team offsite", ["Rita"], []),
    ],
)
def test_what_a_person_is_at_or_from_is_a_company(text: str, names: list[str], companies: list[str]) -> None:
    learned = _names(text, *((n, EntityLabel.PERSON) for n in names))
    found = companies_by_context(text, learned, learned)
    assert [e.text for e in found if e.label is EntityLabel.ORG] == companies
    assert [e.text for e in found] == names


def test_a_known_person_before_at_makes_the_learnt_name_a_company() -> None:
    text = "Rita Moreno at Ocado called"
    known = _names(text, ("Rita Moreno", EntityLabel.PERSON))
    learned = _names(text, ("Ocado", EntityLabel.PERSON))
    assert [e.label for e in companies_by_context(text, known + learned, learned)] == [EntityLabel.ORG]


@pytest.mark.parametrize(
    ("text", "person", "companies"),
    [
        ("Nguyễn Văn An from VietLink wants 200 units", "Nguyễn Văn An", ["VietLink"]),
        ("call Oluwaseun at Paystack tomorrow", "Oluwaseun", ["Paystack"]),
        ("lunch with Mei Lin of Shopee re pricing", "Mei Lin", ["Shopee"]),
        ("met Kofi from Accra & Sons.", "Kofi", ["Accra & Sons"]),
        ("Jane @ Wolt wants a demo", "Jane", ["Wolt"]),
        ("mtg w/ Sofía Gómez (Globant) went well", "Sofía Gómez", ["Globant"]),
        ("met Priya (Infosys, Bangalore) yesterday", "Priya", ["Infosys"]),
        # a time word, a place, lower case, a word that is no name
        ("met Jane at Noon", "Jane", []),
        ("met Jane at 3pm on Friday", "Jane", []),
        ("call Priya from Berlin", "Priya", []),
        ("spoke to Jane at the conference", "Jane", []),
        ("met Jane of course", "Jane", []),
        # a job or a department; a bracket that holds more than a company
        ("met Sofía (CEO) today", "Sofía", []),
        ("lunch with Anna from Marketing", "Anna", []),
        ("met Sofía (Globant team lead)", "Sofía", []),
    ],
)
def test_a_capitalised_word_the_recogniser_missed_after_a_person_and_at_is_a_company(
    text: str, person: str, companies: list[str]
) -> None:
    names = _names(text, (person, EntityLabel.PERSON))
    found = untagged_companies(text, names, frozenset({"berlin"}))
    assert [(e.label, e.text) for e in found] == [(EntityLabel.ORG, c) for c in companies]
    assert all(text[e.start : e.end] == e.text for e in found)


def test_a_company_already_found_is_not_found_twice() -> None:
    text = "met Kofi at Ocado"
    names = _names(text, ("Kofi", EntityLabel.PERSON), ("Ocado", EntityLabel.ORG))
    assert untagged_companies(text, names, frozenset()) == []


@pytest.mark.parametrize(
    ("text", "name", "label", "no_name"),
    [
        # what the recogniser tagged at the start of customers' messages
        ("Why is my ticket still open after a week???", "Why", EntityLabel.PERSON, True),
        ("Your courier left my parcel in the rain", "Your", EntityLabel.PERSON, True),
        ("Can I buy two more ScanPro 5 for my shop?", "Can I", EntityLabel.PERSON, True),
        ("Thank you very much for your quick answer", "Thank", EntityLabel.PERSON, True),
        ("Hey there, my order is late", "Hey", EntityLabel.ORG, True),
        # names, including those that are also words
        ("Will called about the renewal", "Will", EntityLabel.PERSON, False),
        ("Can Yücel wants a demo", "Can Yücel", EntityLabel.PERSON, False),
        ("launch 'Thank You Week' for top customers", "Thank You Week", EntityLabel.CAMPAIGN, False),
        ("met Hope at the expo", "Hope", EntityLabel.PERSON, False),
    ],
)
def test_pronouns_question_words_and_greetings_are_no_names(text: str, name: str, label: EntityLabel, no_name: bool) -> None:
    (entity,) = _names(text, (name, label))
    assert is_no_name(entity) is no_name


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("met her in Jordan", True),
        ("met Kemal in Jordan last week", True),
        # a place's name that is not after "in" is left to the recogniser: a person stays a person
        ("sent the quote to Jordan", False),
        ("call Jordan tomorrow about the quote", False),
    ],
)
def test_a_city_or_country_is_a_place_only_after_in(text: str, place: bool) -> None:
    (jordan,) = _names(text, ("Jordan", EntityLabel.PERSON))
    assert is_a_place(text, jordan, frozenset({"jordan"})) is place


class _Says:
    """A classifier that gives one label, whatever the message."""

    def __init__(self, label: Intent) -> None:
        self.label = label

    def predict(self, text: str, also: str | None = None) -> Any:
        return Prediction(self.label.value, 0.6, Intent.LOG_INTERACTION.value)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("phoned Gianni Russo at Verdant Foods re the tender, f/u thursday 9am", Intent.LOG_INTERACTION),
        ("call Gianni Russo at Verdant Foods thursday 9am", Intent.SCHEDULE_FOLLOWUP),
    ],
)
def test_a_followup_asked_for_after_what_happened_is_a_log_with_its_next_step(text: str, intent: Intent) -> None:
    pipeline = NluPipeline(_Says(Intent.SCHEDULE_FOLLOWUP), spacy.blank("en"))  # type: ignore[arg-type]
    parsed = pipeline.parse(text, now=NOW)
    assert parsed.intent is intent
    assert [e.text for e in parsed.entities if e.label is EntityLabel.DATE] == ["thursday 9am"]
