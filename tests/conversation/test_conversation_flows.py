"""The shipped conversation through the real SMS webhook: keywords, choices, safety tools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.flows import ConversationState
from app.services import Services
from app.storage import vault
from app.storage.models import AuditEvent, Conversation, Escalation
from tests.conftest import MovableClock
from tests.support.sms import count, reply_text
from tests.support.twilio_signing import SURVIVOR, TwilioSigner

# Storage-dependent: every test here runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.databases("sqlite", "postgresql")


def state_of(built: Services, sender: str = SURVIVOR) -> ConversationState:
    with built.database.transaction() as connection:
        found = vault.find_open(connection, built.keyring, channel="sms",
                                contact_hash=built.conversations.contact_hash("sms", sender))
    assert found.conversation is not None
    assert found.conversation.state_json is not None
    return ConversationState.from_json(found.conversation.state_json)


def cases(built: Services) -> list[Escalation]:
    with built.database.session() as session:
        return list(session.scalars(select(Escalation)))


def text(twilio: TwilioSigner, body: str, sender: str = SURVIVOR) -> str:
    reply = reply_text(twilio.sms(body, sender=sender))
    assert reply is not None
    return reply


def test_the_duress_word_gets_only_the_cover_reply_and_an_urgent_case(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    assert text(twilio, "Bluebell") == "Thanks, got it. Speak soon."
    [case] = cases(built)
    assert case.priority == 3
    assert "cannot_talk" in case.reasons


def test_after_the_duress_word_every_reply_is_the_cover_reply_even_the_menu(
    twilio: TwilioSigner,
) -> None:
    text(twilio, "bluebell")
    for body in ("menu", "3", "what did you tell her", "999"):
        assert text(twilio, body) == "Thanks, got it. Speak soon."


def test_cover_mode_ends_when_the_conversation_goes_idle(
    twilio: TwilioSigner, built: Services
) -> None:
    clock = MovableClock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    built.conversations.clock = clock
    text(twilio, "bluebell")
    clock.advance(timedelta(minutes=built.settings.deployment.conversation_idle_minutes + 1))
    assert text(twilio, "hello").startswith("Hi,")


def test_pause_confirms_holds_and_is_lifted_by_the_next_message(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    assert text(twilio, "pause").startswith("Okay. We will not send anything")
    assert state_of(built).paused is True
    text(twilio, "hello")
    assert state_of(built).paused is False


def test_erase_asks_once_then_erases_and_confirms_neutrally(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    assert "Reply 1 to delete it" in text(twilio, "delete")
    assert text(twilio, "1").startswith("Okay. This conversation will be deleted")
    with built.database.session() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0
    assert "conversation.erased" in actions


def test_erase_answered_no_keeps_everything(twilio: TwilioSigner, built: Services) -> None:
    text(twilio, "delete")
    assert text(twilio, "2") == "Okay, nothing has been deleted.\n\n" + text_of_menu(built)
    assert state_of(built).erasure_requested is None


def text_of_menu(built: Services) -> str:
    return built.conversations.render("en", ("menu.main", "menu.languages"))


def test_person_request_records_dated_choices_for_advocates(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    assert "Is it safe for you to be texting now?" in text(twilio, "3")
    assert "How would you like us to be in touch?" in text(twilio, "1")
    assert "When is it safe" in text(twilio, "2")
    assert "One more question" in text(twilio, "Weekdays after 10, not weekends")
    assert text(twilio, "3").startswith("Thank you, that is noted.")
    choices = state_of(built).choices
    assert {name: c.value for name, c in choices.items()} == {
        "safe_to_talk": "yes",
        "wants": "call_back",
        "safe_time": "Weekdays after 10, not weekends",
        "share_with_police_or_marac": "talk_first",
    }
    assert all(c.at is not None for c in choices.values())
    [case] = cases(built)
    assert case.reasons == ["asked_for_person"]


def test_a_request_for_a_person_in_welsh_escalates(twilio: TwilioSigner, built: Services) -> None:
    text(twilio, "siarad â rhywun")
    [case] = cases(built)
    assert case.reasons == ["asked_for_person"]
    assert case.priority >= 1


def test_an_urgent_message_gets_the_urgent_reply_and_an_urgent_case_with_reasons(
    twilio: TwilioSigner, built: Services
) -> None:
    reply = text(twilio, "hes outside now and he has a knife")
    assert reply.startswith("If you are in danger now, call 999.")
    assert "55" in reply
    [case] = cases(built)
    assert case.priority == 3
    assert {"triage_urgent", "abuser_present", "weapon"} <= set(case.reasons)


def test_a_high_risk_disclosure_opens_a_high_case_and_gets_the_flow_reply(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    text(twilio, "im pregnant and scared")
    [case] = cases(built)
    assert (case.priority, case.reasons) == (2, ["pregnancy"])


def test_a_routine_disclosure_alone_opens_no_case(twilio: TwilioSigner, built: Services) -> None:
    text(twilio, "hello")
    text(twilio, "he checks my phone every night")
    assert count(built, Escalation) == 0


def test_a_request_for_a_person_carries_earlier_context_and_never_drops_below_routine(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "person")
    text(twilio, "he controls my money")
    [case] = cases(built)
    assert case.priority == 1
    assert case.reasons == ["asked_for_person", "abuse_disclosed"]


def test_the_language_menu_is_offered_in_each_languages_own_script(
    twilio: TwilioSigner,
) -> None:
    # The welcome names them in Latin script, so it stays GSM-7 (issue 21, docs/languages.md);
    # the menu after 9 names each in its own script.
    welcome = text(twilio, "hello")
    assert "Polski" in welcome
    assert "Punjabi" in welcome
    assert "ਪੰਜਾਬੀ" not in welcome
    menu = text(twilio, "9")
    assert "3 Polski" in menu
    assert "6 العربية" in menu


def test_choosing_a_language_sets_it_for_the_conversation(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    text(twilio, "9")
    text(twilio, "7")
    assert state_of(built).language == "ro"


def welcome_in(built: Services, language: str) -> str:
    return built.conversations.render(language,
                                      ("welcome.greeting", "menu.main", "menu.languages"))


def test_a_first_message_in_polish_is_answered_in_polish(
    twilio: TwilioSigner, built: Services
) -> None:
    # "I need help" asks for a person (issue 21): the answer is the person step's, in Polish.
    reply = text(twilio, "Dzień dobry, potrzebuję pomocy")
    assert reply.startswith(built.catalogues.text("pl", "person.requested"))
    assert state_of(built).language == "pl"


def test_a_first_message_in_arabic_is_answered_in_arabic(
    twilio: TwilioSigner, built: Services
) -> None:
    reply = text(twilio, "مرحبا، أحتاج إلى مساعدة من فضلك")
    assert reply.startswith(built.catalogues.text("ar", "person.requested"))
    assert state_of(built).language == "ar"


def test_a_short_or_unclear_first_message_stays_in_english_and_offers_languages(
    twilio: TwilioSigner, built: Services
) -> None:
    assert text(twilio, "hey?") == welcome_in(built, "en")
    assert state_of(built).language is None


def test_after_choosing_polish_the_menu_comes_in_polish(
    twilio: TwilioSigner, built: Services
) -> None:
    text(twilio, "hello")
    text(twilio, "9")
    reply = text(twilio, "3")
    assert reply == built.conversations.render(
        "pl", ("language.chosen", "menu.main", "menu.languages"))
