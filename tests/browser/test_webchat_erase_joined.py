"""Deleting from the page a chat that has joined its safe number, in Chromium at a phone's size.

A survivor chooses to be texted, gives a safe number in the chat's form, and texts the service
from that phone: the chat is the number's conversation now. "Delete this conversation" on the
page still deletes it, and says what it cannot: the question names the texts with the number,
and the answer says the texts on that phone are still there (docs/threat-model.md, A1/A4).

QUIETLINE_SCREENSHOTS=<folder> keeps a screenshot of each step to look at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.services import services
from app.storage.models import Conversation, SafeNumber
from tests.browser.chat import ChatPage
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_webchat_safe_number import (
    PHONE,
    TYPED,
    ask_to_be_texted,
    screenshot,
    texting_server,  # noqa: F401 -- a fixture, used by name
)
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser
SAFE_NUMBER = "+447700900321"  # TYPED, as the webhook sees it
# The catalogues' words (translations/*/web.po): the question, then the answer.
ASKED = {"en": "with our copy of the texts from the number you gave",
         "ar": "مع نسختنا من الرسائل من الرقم الذي أعطيته"}
ANSWERED = {"en": "The texts on your phone are still there",
            "ar": "لا تزال الرسائل على هاتفك"}


def gives_the_number(page: Page, server: LiveServer, language: str) -> ChatPage:
    """The survivor asks to be texted and gives the safe number in the chat's form."""
    chat = ask_to_be_texted(page, server, language)
    page.locator("#number-input").fill(TYPED)
    with page.expect_response(server.url("/chat/number")) as saved:
        page.click("#number-submit")
    assert saved.value.status == 200
    return chat


def counts(server: LiveServer) -> tuple[int, int]:
    with server.app.app_context(), services().database.session() as session:
        return (int(session.scalar(select(func.count()).select_from(Conversation)) or 0),
                int(session.scalar(select(func.count()).select_from(SafeNumber)) or 0))


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_page_deletes_the_chat_it_joined_to_the_number_and_says_what_stays(
        browsers: Browsers, environ: dict[str, str], request: pytest.FixtureRequest,
        language: str) -> None:
    server: LiveServer = request.getfixturevalue("texting_server")  # a number to text from
    page = browsers.launch_on_disk("survivor", **PHONE).pages[0]
    chat = gives_the_number(page, server, language)
    phone = TwilioSigner(server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    assert phone.sms("hello it is me", sender=SAFE_NUMBER).status_code == 200  # joins
    assert counts(server) == (1, 1)

    page.click("#erase")
    question = page.locator("#erase-question")
    expect(question).to_be_focused()
    expect(question).to_contain_text(ASKED[language])
    screenshot(page, f"erase-joined-question-{language}")
    with page.expect_response(server.url("/chat/erase")) as answer:
        page.click("#erase-yes")
    assert answer.value.json()["erased"] is True
    expect(page.locator("#chat-notice")).to_contain_text(ANSWERED[language])
    expect(page.locator("#messages li")).to_have_count(0)
    screenshot(page, f"erase-joined-done-{language}")
    assert counts(server) == (0, 0)

    # The next conversation on this page never gave a number: the plain question again.
    chat.send("hello")
    page.click("#erase")
    expect(question).not_to_contain_text(ASKED[language])
