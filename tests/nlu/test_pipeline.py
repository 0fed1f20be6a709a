"""The language pipeline as handlers will use it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from scipy.special import softmax

from nlp_models.evaluation import evaluate, read_gold
from nlp_models.intent_classifier import IntentClassifier
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
from nlp_models.training_data import HELDOUT_FILE, load_intent_examples
from nlp_models.types import Entity

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
UTC = ZoneInfo("UTC")


def pairs(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(e.label.value, e.value) for e in result.entities}


def test_held_out_file_meets_the_targets(nlu: NluPipeline) -> None:
    """The honest measure: hand-written messages never used for training or tuning.

    A regression guard a little under today's figures (intent 0.9525, entity F1 0.936 with
    the versions in constraints.txt; with the recogniser's seed 1, 2 or 3 instead of 7, on
    slightly less training data: intent 0.95, entity F1 0.929-0.934); issue 2's targets are
    0.95 and 0.90.
    """
    report = evaluate(nlu, read_gold(HELDOUT_FILE))
    assert report["examples"] == 400
    assert report["intent_accuracy"] >= 0.945, report["confusions"]
    assert report["entity_micro"]["f1"] >= 0.90, report["entities"]


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
    wrong = []
    for i in range(0, 120, 3):
        person, org = people[i * 7 % len(people)], orgs[i * 5 % len(orgs)]
        for template, intent in templates.items():
            text = template.format(person=person, org=org)
            got = nlu.parse(text, NOW, UTC).intent
            if got != intent:
                wrong.append((text, got.value))
    assert not wrong


def test_known_names_find_a_customer_the_model_never_saw(nlu: NluPipeline) -> None:
    text = "what's up with zyxqor plc and wbtkl?"
    assert ("ORG", "zyxqor plc") not in pairs(nlu.parse(text, NOW, UTC))
    known = nlu.known_names({EntityLabel.ORG: ["Zyxqor PLC", "Wbtkl"]})
    result = nlu.parse(text, NOW, UTC, known_names=known)
    assert result.intent is Intent.SHOW_CUSTOMER
    assert {("ORG", "zyxqor plc"), ("ORG", "wbtkl")} <= pairs(result)


def test_dates_point_backward_for_what_happened_and_forward_for_what_is_due(nlu: NluPipeline) -> None:
    logged = nlu.parse("met Amara Diallo at Kivu Coffee on tuesday", NOW, UTC)
    assert logged.intent is Intent.LOG_INTERACTION
    assert ("DATE", "2026-11-17") in pairs(logged)
    todo = nlu.parse("remind me to call Amara on tuesday", NOW, UTC)
    assert todo.intent is Intent.SCHEDULE_FOLLOWUP
    assert ("DATE", "2026-11-24") in pairs(todo)


def test_an_instruction_with_a_day_is_a_task_and_its_past_tense_a_log(nlu: NluPipeline) -> None:
    """ "email X the contract thursday" is to do (this Thursday); "emailed X ..." happened."""
    for text in ("email Fumiko the contract on thursday", "send Oakhill Farms the price list thursday"):
        todo = nlu.parse(text, NOW, UTC)
        assert todo.intent is Intent.SCHEDULE_FOLLOWUP, text
        assert ("DATE", "2026-11-26") in pairs(todo), text
    for text in ("emailed Fumiko the contract on thursday", "sent Oakhill Farms the price list thursday"):
        done = nlu.parse(text, NOW, UTC)
        assert done.intent is Intent.LOG_INTERACTION, text
        assert ("DATE", "2026-11-19") in pairs(done), text


def test_asking_for_a_human_is_help_and_a_meeting_put_on_the_list_is_a_task(nlu: NluPipeline) -> None:
    # before: "talk to a real person" was a logged conversation, "add to my list" a listing
    assert nlu.parse("i want to talk to a real person", NOW, UTC).intent is Intent.HELP
    assert nlu.parse("talked to a real person at Acme today, finally", NOW, UTC).intent is Intent.LOG_INTERACTION
    task = nlu.parse("mtg w Globex tmrw 11am pls add to my list", NOW, UTC)
    assert task.intent is Intent.SCHEDULE_FOLLOWUP
    assert ("DATE", "2026-11-23T11:00") in pairs(task)


def test_words_become_stage_or_metric_only_where_they_mean_it(nlu: NluPipeline) -> None:
    deal = nlu.parse("we lost the Globex deal, they went with a competitor", NOW, UTC)
    assert deal.intent is Intent.UPDATE_DEAL
    assert ("STAGE", "lost") in pairs(deal)
    ticket = nlu.parse("i lost my password and cant log in", NOW, UTC)
    assert ticket.intent is Intent.OPEN_TICKET
    assert not any(e.label is EntityLabel.STAGE for e in ticket.entities)
    report = nlu.parse("sales this month by rep", NOW, UTC)
    assert report.intent is Intent.REPORT
    assert {("METRIC", "sales"), ("DATE", "2026-11-01/2026-11-30")} <= pairs(report)


def test_a_terse_note_of_who_was_spoken_to_is_a_log(nlu: NluPipeline) -> None:
    result = nlu.parse("spoke to José María García-López of Grupo Andino S.A.", NOW, UTC)
    assert result.intent is Intent.LOG_INTERACTION
    assert {("PERSON", "José María García-López"), ("ORG", "Grupo Andino S.A.")} <= pairs(result)


def test_a_lone_number_is_the_ticket_only_in_a_message_about_a_ticket(nlu: NluPipeline) -> None:
    status = nlu.parse("any news on 1042?", NOW, UTC)
    assert status.intent is Intent.TICKET_STATUS
    assert ("TICKET_ID", "1042") in pairs(status)
    paid = nlu.parse("any update on my refund? I paid $1042 already", NOW, UTC)
    assert not any(e.label is EntityLabel.TICKET_ID for e in paid.entities)
    task = nlu.parse("call Amara Diallo about the 2500 offer tomorrow", NOW, UTC)
    assert task.intent is Intent.SCHEDULE_FOLLOWUP
    assert not any(e.label is EntityLabel.TICKET_ID for e in task.entities)


def test_unsure_messages_become_out_of_scope(nlu: NluPipeline) -> None:
    for text in ["qwzx vbnmp trrrk", "book me a flight to Lisbon on friday", "what's the weather in Oslo"]:
        assert nlu.parse(text, NOW, UTC).intent is Intent.OUT_OF_SCOPE, text


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


def test_binary_junk_is_no_name_and_no_request(nlu: NluPipeline) -> None:
    """Undecodable bytes read as text (U+FFFD) or control characters never make a learnt
    name, so they cannot be masked into a confident intent ("someproduct" reads as an order)."""
    for junk in ("\x00\x01\ufffd junk", "\ufffd\ufffd order stuff \x07", b"\xff\xfe\x81binary junk".decode("utf-8", "replace")):
        result = nlu.parse(junk, NOW, UTC)
        assert not [e for e in result.entities if "\ufffd" in e.text or "\x07" in e.text], result.entities
    assert nlu.parse("\x00\x01\ufffd junk", NOW, UTC).intent is Intent.OUT_OF_SCOPE


def test_a_quoted_name_is_taken_without_its_quotes(nlu: NluPipeline) -> None:
    result = nlu.parse('create campaign "Black Friday 2026" for retail segment', NOW, UTC)
    assert result.intent is Intent.CREATE_CAMPAIGN
    assert ("CAMPAIGN", "Black Friday 2026") in pairs(result)


def test_emoji_are_read_the_same_from_slack_and_telegram(nlu: NluPipeline) -> None:
    """Slack sends ":+1:", Telegram "👍"; both answer a question. Stars rate."""
    for text in ("👍", "👍🏽", ":+1:", ":thumbsup::skin-tone-2:"):
        assert nlu.parse(text, NOW, UTC).intent is Intent.AFFIRM, text
    assert nlu.parse(":pray:", NOW, UTC).intent is Intent.THANKS
    assert nlu.parse("⭐⭐⭐⭐", NOW, UTC).intent is Intent.RATE_SERVICE
    assert nlu.parse("?!...", NOW, UTC).intent is Intent.OUT_OF_SCOPE


def test_one_emoji_form() -> None:
    assert one_emoji_form(":+1::skin-tone-3: thx :pray:") == "👍 thx 🙏"
    assert one_emoji_form("👍🏿") == "👍"
    assert one_emoji_form("call at 10:30:00, ok :)") == "call at 10:30:00, ok :)"


def test_a_hyphenated_name_is_one_name(nlu: NluPipeline) -> None:
    result = nlu.parse("new lead: Dr. Anneliese Vogt-Kramer from Rheinwerk Medical GmbH", NOW, UTC)
    people = [e.value for e in result.entities if e.label is EntityLabel.PERSON]
    assert len(people) == 1 and people[0].endswith("Vogt-Kramer")


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


def test_the_pipeline_adds_a_missed_company(nlu: NluPipeline) -> None:
    result = nlu.parse("lunch with Mei Lin of Shopee", NOW, UTC)
    assert {("PERSON", "Mei Lin"), ("ORG", "Shopee")} <= pairs(result)


def test_a_job_or_a_department_is_no_name(nlu: NluPipeline) -> None:
    # before: the recogniser's "Marketing" was a company, and logging the lunch asked to add it
    lunch = nlu.parse("lunch with Anna from Marketing", NOW, UTC)
    assert ("PERSON", "Anna") in pairs(lunch)
    assert not [e for e in lunch.entities if e.text == "Marketing"]
    assert ("ORG", "Globant") in pairs(nlu.parse("mtg w/ Sofía Gómez (Globant) went well", NOW, UTC))


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


def test_a_city_or_country_after_in_is_no_name(nlu: NluPipeline) -> None:
    # before: "Istanbul" was a company, and logging the meeting asked to add it
    met = nlu.parse("met Kemal in Istanbul last week", NOW, UTC)
    assert ("PERSON", "Kemal") in pairs(met)
    assert not [e for e in met.entities if e.text == "Istanbul"]
    assert ("ORG", "Krone Bank") in pairs(nlu.parse("who is our main contact in Krone Bank", NOW, UTC))
    # a place's name that is not after "in" is left to the recogniser: a person stays a person
    assert ("PERSON", "Jordan") in pairs(nlu.parse("call Jordan tomorrow about the quote", NOW, UTC))
    text = "sent the quote to Jordan"
    (jordan,) = _names(text, ("Jordan", EntityLabel.PERSON))
    assert not is_a_place(text, jordan, frozenset({"jordan"}))
    assert is_a_place("met her in Jordan", _names("met her in Jordan", ("Jordan", EntityLabel.PERSON))[0], frozenset({"jordan"}))


def test_a_word_two_labels_could_take_is_the_one_its_intent_uses(nlu: NluPipeline) -> None:
    # "calls" is the team's activity in a report and the call type in a task; before, the
    # metric won the span and the task lost its call type
    task = nlu.parse("remind me about my calls tomorrow", NOW, UTC)
    assert task.intent is Intent.SCHEDULE_FOLLOWUP and ("INTERACTION_TYPE", "call") in pairs(task)
    report = nlu.parse("how is the team doing on calls this week", NOW, UTC)
    assert report.intent is Intent.REPORT and ("METRIC", "activity") in pairs(report)
