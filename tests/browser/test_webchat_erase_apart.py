"""Deleting from the page a chat whose safe number stayed apart, in Chromium at a phone's size.

The number the survivor gave already has a conversation of its own (here, its own case), so
its texts go there and the chat is never joined to it (app/conversation/safe_numbers.py). The
page's delete rightly leaves that conversation, and says so: the question and the answer say
the texts from that number are kept apart and how to delete them (text the delete word from
that phone), never that they are deleted (docs/threat-model.md, A1/A4).

QUIETLINE_SCREENSHOTS=<folder> keeps a screenshot of each step to look at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.services import services
from app.storage.models import Conversation
from tests.browser.harness import Browsers, LiveServer
from tests.browser.test_webchat_erase_joined import ASKED as ASKED_JOINED
from tests.browser.test_webchat_erase_joined import SAFE_NUMBER, gives_the_number
from tests.browser.test_webchat_safe_number import (
    PHONE,
    screenshot,
    texting_server,  # noqa: F401 -- a fixture
)
from tests.support.twilio_signing import TwilioSigner

pytestmark = pytest.mark.browser
# The catalogues' words (translations/*/web.po): kept apart, and the delete word to text.
APART = {"en": ("The texts from the number you gave are kept apart", "text DELETE from"),
         "ar": ("الرسائل من الرقم الذي أعطيته محفوظة على حدة", "أرسل «احذف»")}
NOT_DELETED = {"en": "were not deleted", "ar": "ولم تُحذف"}


def channels(server: LiveServer) -> list[str]:
    with server.app.app_context(), services().database.session() as session:
        return sorted(session.scalars(select(Conversation.channel)).all())


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_page_says_the_texts_kept_apart_are_not_deleted_and_how_to_delete_them(
        browsers: Browsers, environ: dict[str, str], request: pytest.FixtureRequest,
        language: str) -> None:
    server: LiveServer = request.getfixturevalue("texting_server")  # a number to text from
    phone = TwilioSigner(server.app.test_client(), environ["TWILIO_AUTH_TOKEN"])
    assert phone.sms("person", sender=SAFE_NUMBER).status_code == 200  # its own case
    page = browsers.launch_on_disk("survivor", **PHONE).pages[0]
    chat = gives_the_number(page, server, language)
    assert phone.sms("hello it is me", sender=SAFE_NUMBER).status_code == 200  # kept apart
    assert channels(server) == ["sms", "web"]

    kept, how = APART[language]
    page.click("#erase")
    question = page.locator("#erase-question")
    expect(question).to_be_focused()
    expect(question).to_contain_text(kept)
    expect(question).to_contain_text(how)
    expect(question).not_to_contain_text(ASKED_JOINED[language])
    # The whole question is on the phone's screen with its buttons, nothing cut off.
    box = page.locator("#erase-confirm").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["viewport"]["width"]
    expect(page.locator("#erase-yes")).to_be_in_viewport()
    screenshot(page, f"erase-apart-question-{language}")
    with page.expect_response(server.url("/chat/erase")) as answer:
        page.click("#erase-yes")
    assert answer.value.json()["erased"] is True
    notice = page.locator("#chat-notice")
    expect(notice).to_contain_text(kept)
    expect(notice).to_contain_text(NOT_DELETED[language])
    expect(notice).to_contain_text(how)
    expect(page.locator("#messages li")).to_have_count(0)
    screenshot(page, f"erase-apart-done-{language}")
    assert channels(server) == ["sms"]  # the number's own conversation stays, as said

    # The next conversation on this page never gave a number: the plain question again.
    chat.send("hello")
    page.click("#erase")
    expect(question).to_be_focused()
    expect(question).not_to_contain_text(kept)
