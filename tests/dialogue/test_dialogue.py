"""The rep's journey through the dialogue: what a user sees and what ends up in the CRM."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from crm_core.clock import ManualClock
from crm_core.enums import FollowUpStatus, InteractionType
from crm_core.models import AuditEntry, Company, Contact, FollowUp, Interaction
from crm_core.services import customers, users
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.messages import Choices
from tests.dialogue.conftest import NOW, Chat
from tests.fakes.fake_language import TableLanguage


def count(db: Database, model: type) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def seed(db: Database, *companies: str, contacts: tuple[tuple[str, str], ...] = ()) -> None:
    with db.unit_of_work() as uow:
        made = {name: customers.create_company(uow, name) for name in companies}
        for person, company in contacts:
            customers.create_contact(uow, person, company=made[company])
        uow.commit()


def test_a_logged_call_with_a_next_step_creates_everything_linked(rita: Chat, db: Database) -> None:
    first = rita.say("called Jane Smith at Acme, she wants pricing for 50 seats, f/u next tue")
    assert "Acme" in first and "new company" in first
    assert "Jane Smith" in rita.say("yes") and count(db, Company) == 0  # nothing saved until done
    done = rita.say("yes")
    assert "Logged a call with Jane Smith (Acme)" in done
    assert "due Tue 24 Nov 09:00" in done  # 09:00 in Rita's New York
    with db.unit_of_work() as uow:
        call = uow.session.scalars(select(Interaction)).one()
        followup = uow.session.scalars(select(FollowUp)).one()
        assert call.type is InteractionType.CALL and call.contact.name == "Jane Smith"
        assert call.company.name == "Acme" and call.contact.company_id == call.company_id
        assert followup.due_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
        assert followup.contact_id == call.contact_id and followup.interaction_id == call.id


def test_unknown_customer_declined_then_cancelled_saves_nothing(rita: Chat, db: Database) -> None:
    assert "Add it as a new company?" in rita.say("had a meeting with Initech today, went fine")
    assert "Which company then?" in rita.say("no")
    assert "cancelled" in rita.say("cancel")
    assert count(db, Interaction) == count(db, Company) == 0
    assert "Nothing to cancel" in rita.say("cancel")


def test_an_ambiguous_name_is_picked_from_choices(rita: Chat, db: Database) -> None:
    seed(db, "Acme Logistics", "Acme Foods")
    rita.say("what's up with acme?")
    assert isinstance(rita.last[-1], Choices)
    labels = [o.label for o in rita.last[-1].options]
    assert labels[:2] == ["Acme Logistics", "Acme Foods"] or labels[:2] == ["Acme Foods", "Acme Logistics"]
    pick = labels.index("Acme Foods") + 1
    assert rita.say(str(pick)).startswith("*Acme Foods*")
    assert "Pick a number" in (rita.say("what's up with acme?") and rita.say("9"))


def test_names_are_found_despite_case_typos_and_suffixes(rita: Chat, db: Database) -> None:
    seed(db, "Globex Industries GmbH", contacts=(("Nguyễn Thị Mai", "Globex Industries GmbH"),))
    assert rita.say("what's up with globex industries?").startswith("*Globex Industries GmbH*")
    assert rita.say("show me globx industries").startswith("*Globex Industries GmbH*")
    assert "Nguyễn Thị Mai" in rita.say("what's going on with Nguyễn Thị Mai")


def test_a_follow_up_in_the_past_is_asked_again(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp")
    answer = rita.say("remind me to call Acme Corp on 2026-11-02 at 10am")
    assert "already past" in answer and "When?" in answer
    assert count(db, FollowUp) == 0
    assert "due Mon 23 Nov 15:00" in rita.say("tomorrow 3pm")
    with db.unit_of_work() as uow:
        followup = uow.session.scalars(select(FollowUp)).one()
        assert followup.due_at == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
        assert followup.company.name == "Acme Corp"


def test_malformed_email_and_phone_are_asked_again(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", contacts=(("Jane Smith", "Acme Corp"),))
    assert "new e-mail" in rita.say("change Jane Smith's email")
    assert "not an e-mail address" in rita.say("jane@@acme")
    assert "Updated Jane Smith" in rita.say("jane@acme.io")
    assert "phone number" in rita.say("update Jane Smith's phone number")
    assert "not a phone number" in rita.say("12")
    assert "+4930123456" in rita.say("+49 30 123456")
    with db.unit_of_work() as uow:
        jane = uow.session.scalars(select(Contact)).one()
        assert (jane.email, jane.phone) == ("jane@acme.io", "+4930123456")


def test_overwriting_a_value_asks_first_and_no_keeps_it(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", contacts=(("Jane Smith", "Acme Corp"),))
    rita.say("change Jane Smith email to jane@acme.com")
    question = rita.say("change Jane Smith email to jsmith@acme.com")
    assert "from jane@acme.com to jsmith@acme.com" in question
    assert "nothing changed" in rita.say("no")
    rita.say("change Jane Smith email to jsmith@acme.com")
    assert "Updated" in rita.say("yes")


def test_owner_change_is_confirmed_audited_and_undone(rita: Chat, db: Database) -> None:
    rita.say("add company Umbrella AS")
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Company)).one().owner.name == "Rita Rep"
    assert "from Rita Rep to Olu Adeyemi" in rita.say("assign Umbrella AS to Olu")
    assert "Updated Umbrella AS — owner: Olu Adeyemi" in rita.say("yes")
    assert "Undone" in rita.say("undo")
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Company)).one().owner.name == "Rita Rep"
        actions = [(e.action.value, e.entity, e.reverts is not None) for e in uow.session.scalars(select(AuditEntry).where(AuditEntry.entity == "company"))]
    assert actions == [("create", "company", False), ("update", "company", False), ("update", "company", True)]


def test_undo_reverts_the_whole_last_request(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", contacts=(("Jane Smith", "Acme Corp"),))
    rita.say("met Jane Smith yesterday, next step: send the proposal by friday")
    assert count(db, Interaction) == count(db, FollowUp) == 1
    reply = rita.say("undo")
    assert "removed the follow-up Send the proposal" in reply and "removed the interaction" in reply
    assert count(db, Interaction) == count(db, FollowUp) == 0
    assert count(db, Contact) == 1  # made before, by someone else: untouched
    assert "nothing of yours to undo" in rita.say("undo")


def test_completing_a_follow_up_picks_from_several(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", contacts=(("Jane Smith", "Acme Corp"),))
    rita.say("remind me to send pricing to Jane Smith tomorrow 9am")
    rita.say("remind me to book the Acme Corp visit on friday")
    listing = rita.say("show my follow-ups")
    assert "1. Mon 23 Nov 09:00  Send pricing to Jane Smith" in listing
    assert "2. Fri 27 Nov 09:00  Book the Acme Corp visit" in listing
    rita.say("mark the Acme Corp follow-up done")
    assert isinstance(rita.last[-1], Choices) and len(rita.last[-1].options) == 2
    assert "Done: “Book the Acme Corp visit”" in rita.say("2")
    with db.unit_of_work() as uow:
        statuses = sorted(f.status for f in uow.session.scalars(select(FollowUp)))
    assert statuses == sorted([FollowUpStatus.OPEN, FollowUpStatus.DONE])


def test_follow_up_lists_by_period(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp")
    rita.say("remind me to call Acme Corp tomorrow 9am")
    rita.say("remind me to email Acme Corp the contract on 2026-12-03 10:00")
    assert "Nothing due today." in rita.say("what's due today?")
    assert "Call Acme Corp" in rita.say("what do I have tomorrow?")
    december = rita.say("follow-ups on december 3")
    assert "Email Acme Corp the contract" in december and "Call Acme Corp" not in december
    assert "Nothing overdue. Nice!" in rita.say("anything overdue?")


def test_too_long_and_emoji_only_messages_get_clear_answers(rita: Chat, db: Database) -> None:
    rita.say("log a call")
    assert "10,000 characters" in rita.say("x" * 10_000)
    assert "only see symbols" in rita.say("😀🎉👍")
    rita.say("Acme Corp")  # the pending question survived both
    assert "Acme Corp" in rita.say("yes")
    assert count(db, Interaction) == 1


def test_emoji_answers_say_yes_no_thanks_and_hello(rita: Chat, db: Database) -> None:
    """A thumbs-up is how people answer in chat: Telegram sends the character, Slack its
    short code, with or without a skin tone."""
    seed(db, "Acme Corp", contacts=(("Jane Smith", "Acme Corp"), ("Ola Nordmann", "Acme Corp")))
    rita.say("change Jane Smith email to jsmith@acme.com")  # nothing on file: no question
    assert "?" in rita.say("change Jane Smith email to jane@acme.com")
    assert "Updated" in rita.say("👍🏽")
    rita.say("change Ola Nordmann email to ola@acme.com")
    assert "?" in rita.say("change Ola Nordmann email to o.nordmann@acme.com")
    assert "Updated" in rita.say(":+1::skin-tone-3:")
    assert "?" in rita.say("change Ola Nordmann email to wrong@acme.com")
    rita.say("👎")
    with db.unit_of_work() as uow:
        emails = sorted(c.email for c in uow.session.scalars(select(Contact)))
    assert emails == ["jane@acme.com", "o.nordmann@acme.com"]
    assert "welcome" in rita.say("🙏")
    assert "only see symbols" in rita.say("🤔")


def test_two_users_in_two_chats_do_not_mix(dialogue: Dialogue, db: Database, rita: Chat) -> None:
    seed(db, "Acme Corp", "Globex Ltd")
    olu = Chat(dialogue, db, "olu@example.com", chat="c2")
    assert "Who was it with?" in rita.say("log a call")
    assert "Who was it with?" in olu.say("log a meeting")
    assert "Logged a meeting with Globex Ltd" in olu.say("Globex")
    assert "Logged a call with Acme Corp" in rita.say("acme corp")
    with db.unit_of_work() as uow:
        rows = {(i.author.name, i.company.name) for i in uow.session.scalars(select(Interaction))}
    assert rows == {("Rita Rep", "Acme Corp"), ("Olu Adeyemi", "Globex Ltd")}


def test_a_half_done_request_survives_a_restart(db: Database, nlu: TableLanguage, rita: Chat) -> None:
    seed(db, "Acme Corp")
    assert "When should I remind you?" in rita.say("remind me to call Acme Corp")
    restarted = Chat(Dialogue(db, nlu, clock=ManualClock(NOW)), db, "rita@example.com")
    assert "Follow-up “Call Acme Corp” due Mon 23 Nov 15:00" in restarted.say("tomorrow at 3pm")


def test_a_redelivered_message_has_its_effect_once(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp")
    assert "Logged" in rita.say("called Acme Corp, all good", event_id="evt-1")
    assert rita.say("called Acme Corp, all good", event_id="evt-1") == ""
    assert count(db, Interaction) == 1


def test_help_depends_on_the_role_and_the_fallback_is_no_dead_end(dialogue: Dialogue, db: Database, rita: Chat) -> None:
    max_ = Chat(dialogue, db, "max@example.com", chat="c3")
    assert "log your calls" in rita.say("help") and "any customer" in max_.say("what can you do?")
    fallback = rita.say("what's the weather in Oslo tomorrow?")
    assert "didn't get that" in fallback and "help" in fallback
    assert "isn't available yet" in rita.say("create a deal for Acme worth $20k")


def test_a_reminder_with_only_a_time_asks_what_it_is_about(rita: Chat, db: Database) -> None:
    question = rita.say("tomorrow at 3pm")
    assert "What should I remind you about?" in question
    assert count(db, FollowUp) == 0
    # the answer reads like a task of its own, but it is what the reminder says
    assert "Follow-up “Call Jane at Acme about the renewal” due Mon 23 Nov 15:00" in rita.say(
        "call Jane at Acme about the renewal"
    )
    assert count(db, FollowUp) == 1 and count(db, Interaction) == 0


def test_remind_me_with_only_a_time_asks_what_about(rita: Chat, db: Database) -> None:
    assert "What should I remind you about?" in rita.say("remind me tomorrow")
    assert "Follow-up “Send the pricing sheet” due Mon 23 Nov" in rita.say("send the pricing sheet")


def test_a_follow_up_is_completed_by_its_company_even_when_the_model_calls_it_a_person(
    rita: Chat, db: Database
) -> None:
    seed(db, "Nordlicht Logistik GmbH", "Acme Corp", contacts=(("Lena Krüger", "Nordlicht Logistik GmbH"),))
    assert "Follow-up" in rita.say("remind me to call Lena Krüger next friday 10am")
    assert "Follow-up" in rita.say("remind me to call Acme Corp tomorrow 9am")
    done = rita.say("done with the Nordlicht follow up")
    assert "Done: “Call Lena Krüger”" in done
    with db.unit_of_work() as uow:
        open_titles = uow.session.scalars(select(FollowUp.title).where(FollowUp.status == FollowUpStatus.OPEN)).all()
    assert open_titles == ["Call Acme Corp"]


def test_an_impossible_time_or_date_is_refused_not_dropped(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp")
    assert "“25:00” isn't a date or time I can use. When should I remind you?" in rita.say(
        "remind me to call Acme Corp next tuesday at 25:00"
    )
    assert "“31/02” isn't a date or time I can use." in rita.say("31/02")
    assert count(db, FollowUp) == 0
    assert "I didn't find a day or time in that." in rita.say("whenever")
    assert "Follow-up “Call Acme Corp” due Tue 24 Nov 15:00" in rita.say("next tuesday 3pm")


def test_a_sure_request_of_two_words_is_not_taken_for_the_missing_time(rita: Chat, db: Database) -> None:
    assert "When should I remind you?" in rita.say("remind me to call Acme Corp")
    answer = rita.say("tasks overdue")
    assert "(I dropped the earlier request, scheduling a follow-up.)" in answer and "overdue" in answer
    assert count(db, FollowUp) == 0


def test_snooze_typed_after_a_list_puts_that_follow_up_off(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", "Globex Ltd")
    rita.say("remind me to call Acme Corp tomorrow 9am")
    rita.say("remind me to email Globex Ltd tomorrow 11am")
    listing = rita.say("show all my follow-ups")
    assert "“snooze 2 1d”" in listing
    assert "Snoozed “Email Globex Ltd” until Tue 24 Nov 11:00" in rita.say("snooze 2 1d")
    assert "Snoozed “Call Acme Corp” until Mon 23 Nov 10:00" in rita.say("snooze 1")  # 1 hour by default
    assert "Which one?" in rita.say("snooze 7")
    with db.unit_of_work() as uow:
        dues = dict(uow.session.execute(select(FollowUp.title, FollowUp.due_at)).all())
    assert {t: d.isoformat() for t, d in dues.items()} == {
        "Call Acme Corp": "2026-11-23T15:00:00+00:00",
        "Email Globex Ltd": "2026-11-24T16:00:00+00:00",
    }


def test_a_follow_up_is_moved_to_a_new_time_not_duplicated(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", "Globex Ltd", "Initech", contacts=(("Cian Byrne", "Acme Corp"), ("Cian O'Sullivan", "Globex Ltd")))
    rita.say("remind me to call Cian O'Sullivan tomorrow 3pm")
    rita.say("remind me to send Acme Corp the pricing sheet tomorrow 11am")
    # two contacts are called Cian, but only one has a follow-up: that one moves, at its time of day
    assert "Moved “Call Cian O'Sullivan” to Fri 27 Nov 15:00" in rita.say("push the Cian follow up to friday")
    assert "Moved “Send Acme Corp the pricing sheet” to Wed 25 Nov 09:30" in rita.say(
        "postpone the reminder about the pricing sheet to wednesday 9:30am"
    )
    assert "No open follow-up of yours matches that" in rita.say("reschedule the Initech task to monday")
    assert "Follow-up “Move the boxes for Acme Corp”" in rita.say("remind me to move the boxes for Acme Corp on monday")
    assert "Follow-up “Push for a decision from Acme Corp”" in rita.say("push for a decision from Acme Corp by friday")
    with db.unit_of_work() as uow:
        assert count(db, FollowUp) == 4
    assert all("Undone" in rita.say("undo") for _ in range(3))
    with db.unit_of_work() as uow:
        dues = dict(uow.session.execute(select(FollowUp.title, FollowUp.due_at)).all())
    assert dues["Send Acme Corp the pricing sheet"].isoformat() == "2026-11-23T16:00:00+00:00"  # undone: back


def test_a_malformed_email_in_a_new_contact_is_asked_for_not_dropped(rita: Chat, db: Database) -> None:
    answer = rita.say("add contact Jean-Pierre Dubois, jp@@mail")
    assert "“jp@@mail” is not an e-mail address" in answer
    assert count(db, Contact) == 0
    assert "Added Jean-Pierre Dubois · jp.dubois@mail.fr" in rita.say("jp.dubois@mail.fr")


def test_a_national_phone_is_read_in_the_country_of_the_number_on_file_before_asking(rita: Chat, db: Database) -> None:
    seed(db, "Harbourside Foods Ltd", contacts=(("Olivia Hughes", "Harbourside Foods Ltd"),))
    rita.say("add contact Sam Lee, +1 415 555 0100")
    assert "Updated Olivia Hughes" in rita.say("set Olivia Hughes phone +44 7400 122478")
    assert "from +447400122478 to +447911123456?" in rita.say("set Olivia Hughes phone 07911 123456")
    assert "Updated Olivia Hughes — phone: +447911123456" in rita.say("yes")
    # not a valid number in the country of the one on file: its country code is asked for first
    assert "with its country code" in rita.say("update Sam Lee's phone to 0400 123 456")
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Contact.phone).where(Contact.name == "Sam Lee")).one() == "+14155550100"


def test_a_future_period_in_a_logged_note_is_no_next_step(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp")
    assert "Follow-up" not in rita.say("log note for Acme Corp: budget approved for Q1")
    assert "Follow-up" in rita.say("called Acme Corp, f/u next week")
    assert count(db, Interaction) == 2 and count(db, FollowUp) == 1


def test_a_customer_named_by_one_lower_case_word_is_found_but_a_common_word_is_no_name(
    rita: Chat, db: Database
) -> None:
    seed(db, "Fjordvind Energi AS", "Pilot Ltd", contacts=(("Kari Hansen", "Fjordvind Energi AS"),))
    assert "Logged a call with Kari Hansen (Fjordvind Energi AS)" in rita.say(
        "had a quick call w/ kari, she's happy w/ the pilot"
    )
    assert "*Fjordvind Energi AS*" in rita.say("what happened with fjordvind lately")
    # "pilot" is a word people write around names, not a guess at Pilot Ltd
    assert "Who was it with?" in rita.say("had a long call about the pilot and the budget")


def test_a_change_question_answered_with_another_value_asks_about_that_one(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", contacts=(("Jane Smith", "Acme Corp"),))
    rita.say("change Jane Smith's email to jane@acme.io")
    assert "from jane@acme.io to j.smith@acme.io?" in rita.say("change Jane Smith's email to j.smith@acme.io")
    assert "from jane@acme.io to jane.smith@acme.io?" in rita.say("sorry, jane.smith@acme.io")
    assert "Updated Jane Smith — e-mail: jane.smith@acme.io" in rita.say("yes")


def test_the_next_step_of_a_logged_call_is_what_follows_the_f_u(rita: Chat, db: Database) -> None:
    seed(db, "Tanaka Shoji KK", "Acme Corp")
    assert "Follow-up “Follow up with Tanaka Shoji KK”" in rita.say("called Tanaka Shoji re the renewal f/u tmrw EOD")
    assert "Follow-up “Send pricing”" in rita.say("called Acme Corp f/u next week to send pricing")


def test_undo_while_a_question_waits_drops_the_question_before_it_reverts_anything(rita: Chat, db: Database) -> None:
    seed(db, "Acme Corp", contacts=(("Hugo Moreau", "Acme Corp"),))
    assert "Logged" in rita.say("called Acme Corp, all good")
    assert "Who was it with?" in rita.say("log a meeting")
    assert "dropped the question (logging a call, meeting or note)" in rita.say("undo")
    assert count(db, Interaction) == 1  # the earlier call is still there
    assert "Undone" in rita.say("undo")
    assert count(db, Interaction) == 0


def test_a_company_the_recogniser_calls_a_person_is_still_the_company(rita: Chat, db: Database, nlu: TableLanguage) -> None:
    seed(db, "Sakura Seimitsu KK", "Oliveto Alimentari SpA", contacts=(("Dario Rossi", "Oliveto Alimentari SpA"),))
    people = {e.text for e in nlu.parse("demo for Sakura went great", now=NOW).entities if e.label.value == "PERSON"}
    assert "Sakura" in people  # what the recogniser says, so that this test tests the fix
    assert "Logged a demo with Sakura Seimitsu KK" in rita.say("demo for Sakura went great, they loved the dashboards")
    assert count(db, Contact) == 1


def test_a_request_with_other_values_is_no_answer_to_who(rita: Chat, db: Database) -> None:
    seed(db, "Harbourside Foods Ltd", contacts=(("Olivia Hughes", "Harbourside Foods Ltd"),))
    assert "Who should I add?" in rita.say("add a contact")
    answer = rita.say("set Olivia Hughes phone +44 7400 122478")
    assert "dropped the earlier request, adding a contact or company" in answer and "Updated Olivia Hughes" in answer
    assert count(db, Contact) == 1


def test_add_contact_takes_the_name_written_after_the_command(rita: Chat, db: Database) -> None:
    for text in ("add contact Sam Lee, +1 415 555 0100", "add contact Ludwig van Beethoven, ludwig@bonn.de"):
        assert "Added" in rita.say(text)
    with db.unit_of_work() as uow:
        assert sorted(uow.session.scalars(select(Contact.name))) == ["Ludwig van Beethoven", "Sam Lee"]


def test_add_contact_keeps_the_whole_name_when_the_recogniser_takes_part_of_it(rita: Chat, db: Database) -> None:
    # on a fresh database the recogniser took "Lee" alone from this message
    assert "Add it as a new company?" in rita.say("add contact Sam Lee at Initech, sam@initech.com")
    assert "Added Sam Lee (Initech)" in rita.say("yes")


def test_a_one_word_company_after_a_job_title_becomes_the_contacts_company(rita: Chat, db: Database) -> None:
    # the recogniser alone read "Trivago" as a second person and the company was lost
    assert "I don't know a company called “Trivago”" in rita.say("add Lena Vogel, head of ops at Trivago")
    assert "Added Lena Vogel (Trivago)" in rita.say("yes")
    assert "Added the company Wolt" in rita.say("add company Wolt")
    with db.unit_of_work() as uow:
        assert sorted(uow.session.scalars(select(Company.name))) == ["Trivago", "Wolt"]
        assert list(uow.session.scalars(select(Contact.name))) == ["Lena Vogel"]


def test_where_to_keep_a_task_is_not_part_of_its_title(rita: Chat, db: Database) -> None:
    seed(db, "Wolt")
    for text in ("mtg w Wolt tmrw 11am pls add to my list", "put on my list: send Wolt the quote by monday"):
        assert "Follow-up" in rita.say(text), text
    with db.unit_of_work() as uow:
        titles = sorted(uow.session.scalars(select(FollowUp.title)))
    assert titles == ["Mtg w Wolt", "Send Wolt the quote"]


def test_the_city_of_a_meeting_is_no_company_to_add(rita: Chat, db: Database) -> None:
    seed(db, "Anatolia Foods", contacts=(("Kemal Yilmaz", "Anatolia Foods"),))
    reply = rita.say("met Kemal in Istanbul last week")
    assert "Logged a meeting with Kemal Yilmaz (Anatolia Foods)" in reply
    assert "Istanbul" not in reply and count(db, Company) == 1


def test_a_bare_number_with_nothing_to_pick_from_says_so(rita: Chat, db: Database) -> None:
    assert "no question is open" in rita.say("2")
    seed(db, "Acme Corp")
    rita.say("remind me to call Acme Corp tomorrow 9am")
    rita.say("show all my follow-ups")
    assert "“done 2” or “snooze 2 1d”" in rita.say("1")
    assert count(db, FollowUp) == 1


def test_help_shows_only_what_the_role_may_do(dialogue: Dialogue, db: Database, rita: Chat) -> None:
    with db.unit_of_work() as uow:
        users.add_user(uow, "ada@example.com", "Ada Agent", "agent", "UTC")
        uow.commit()
    ada = Chat(dialogue, db, "ada@example.com", chat="c4")
    agent_help, rep_help = ada.say("help"), rita.say("help")
    assert "what's up with Acme?" in agent_help and "add contact" not in agent_help and "assign" not in agent_help
    assert "add contact" in rep_help and "assign Acme Corp to Rita" in rep_help
    assert "As an agent you can't" in ada.say("add contact Kwame Mensah at Ashanti Gold")


def test_an_ambiguous_first_name_is_the_one_just_talked_about(dialogue: Dialogue, db: Database, rita: Chat) -> None:
    seed(db, "Tanaka Shoji KK", "Sakura Seimitsu KK", contacts=(("Haruto Sato", "Tanaka Shoji KK"), ("Haruto Suzuki", "Sakura Seimitsu KK")))
    assert "Which “Haruto” do you mean?" in rita.say("remind me to call Haruto tomorrow")
    rita.say("cancel")
    assert "Logged a visit with Haruto Sato" in rita.say("visited Tanaka Shoji KK yesterday, met Haruto Sato")
    reply = rita.say("remind me to call Haruto tomorrow 10am")
    assert "(Haruto: Haruto Sato (Tanaka Shoji KK), as just now.)" in reply and "Follow-up “Call Haruto”" in reply
    # another chat has talked about neither: it still asks
    olu = Chat(dialogue, db, "olu@example.com", chat="c2")
    assert "Which “Haruto” do you mean?" in olu.say("remind me to call Haruto tomorrow")
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(FollowUp.contact_id)).all() == [
            uow.session.scalars(select(Contact.id).where(Contact.name == "Haruto Sato")).one()
        ]


def test_a_question_with_options_takes_no_value_it_did_not_offer(dialogue: Dialogue, db: Database, rita: Chat) -> None:
    """"Which Haruto?" answered with a request about someone else: the request is new, the
    note is not written on that someone (nor on anyone), and the user is told."""
    seed(
        db, "Tanaka Shoji KK", "Sakura Seimitsu KK", "Mori Kogyo",
        contacts=(("Haruto Sato", "Tanaka Shoji KK"), ("Haruto Suzuki", "Sakura Seimitsu KK"), ("Aiko Mori", "Mori Kogyo")),
    )
    assert "Which “Haruto” do you mean?" in rita.say("note: Haruto prefers calls after lunch")
    reply = rita.say("meeting with Aiko Mori on 12/3 at 9am")
    assert "dropped the earlier request" in reply
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Interaction.summary)).all() == []


def test_a_question_with_options_is_answered_by_a_name_only_one_option_has(rita: Chat, db: Database) -> None:
    seed(db, "Tanaka Shoji KK", "Sakura Seimitsu KK", contacts=(("Haruto Sato", "Tanaka Shoji KK"), ("Haruto Suzuki", "Sakura Seimitsu KK")))
    assert "Which “Haruto” do you mean?" in rita.say("note: Haruto prefers calls after lunch")
    assert "Logged a note with Haruto Suzuki" in rita.say("Suzuki")
