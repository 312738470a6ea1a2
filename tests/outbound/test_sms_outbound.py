"""The outbound Twilio adapter, through Twilio's real SDK, against the fake Twilio server."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from app.outbound.twilio_rest import RedirectingHttpClient, SendError, TwilioSender
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

TO = "+447700900123"
FROM = "+447700900001"
CANARY = "canary-7d1e quietline outbound body"
STATUS_CALLBACK = "https://quietline.example/webhooks/twilio/status"


def make_sender(url: str, *, auth_token: str = AUTH_TOKEN, timeout: float = 5.0) -> TwilioSender:
    return TwilioSender(account_sid=ACCOUNT_SID, auth_token=auth_token, from_number=FROM,
                        api_base_url=url, status_callback=STATUS_CALLBACK, timeout=timeout)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def sender(twilio: FakeTwilio) -> Iterator[TwilioSender]:
    with make_sender(twilio.url) as outbound:
        yield outbound


def send_error(sender: TwilioSender) -> SendError:
    with pytest.raises(SendError) as caught:
        sender.send(TO, CANARY)
    return caught.value


def test_send_returns_the_sid_twilio_assigned(twilio: FakeTwilio, sender: TwilioSender) -> None:
    sid = sender.send(TO, CANARY)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    assert [message.sid for message in twilio.messages] == [sid]


def test_send_posts_to_from_body_and_status_callback(
    twilio: FakeTwilio, sender: TwilioSender,
) -> None:
    sender.send(TO, CANARY)

    (message,) = twilio.messages
    assert (message.to, message.from_, message.body) == (TO, FROM, CANARY)
    assert message.status_callback == STATUS_CALLBACK
    assert twilio.requests[0].path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_send_without_status_callback_sends_none(twilio: FakeTwilio) -> None:
    with TwilioSender(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM,
                      api_base_url=twilio.url) as sender:
        sender.send(TO, CANARY)

    assert twilio.messages[0].status_callback is None


def test_wrong_auth_token_is_rejected_and_not_retryable(twilio: FakeTwilio) -> None:
    with make_sender(twilio.url, auth_token="not-the-token") as sender:
        error = send_error(sender)

    assert (error.kind, error.code, error.retryable) == ("rejected", "20003", False)
    assert twilio.count() == 0


@pytest.mark.parametrize(("failure", "expected"), [
    ((400, 21211), ("invalid_number", "21211", False)),
    ((400, 21614), ("invalid_number", "21614", False)),
    ((400, 21217), ("invalid_number", "21217", False)),
    ((400, 21610), ("opted_out", "21610", False)),
    ((429, 20429), ("rate_limited", "20429", True)),
    ((500, None), ("provider_error", "500", True)),
    ((503, None), ("provider_error", "503", True)),
    ((400, 21408), ("rejected", "21408", False)),
    ((403, None), ("rejected", "403", False)),
])
def test_twilio_errors_map_to_kind_and_retryability(
    twilio: FakeTwilio, sender: TwilioSender,
    failure: tuple[int, int | None], expected: tuple[str, str, bool],
) -> None:
    twilio.fail_next(*failure)

    error = send_error(sender)

    assert (error.kind, error.code, error.retryable) == expected
    assert twilio.count() == 0


def test_a_slow_answer_is_a_retryable_timeout(twilio: FakeTwilio) -> None:
    twilio.delay_next(5.0)  # cut short when the fixture stops the server
    with make_sender(twilio.url, timeout=0.3) as sender:
        error = send_error(sender)

    assert (error.kind, error.retryable) == ("timeout", True)
    assert twilio.count(to=TO, body=CANARY) == 1  # Twilio accepted it all the same


def test_a_stopped_server_is_retryable_unreachable() -> None:
    with FakeTwilio() as stopped:
        url = stopped.url
    with make_sender(url) as sender:
        error = send_error(sender)

    assert (error.kind, error.code, error.retryable) == ("unreachable", None, True)


def test_error_text_names_neither_number_nor_body(
    twilio: FakeTwilio, sender: TwilioSender,
) -> None:
    twilio.fail_next(400, 21211)  # the fake, like Twilio, echoes the number and body

    error = send_error(sender)

    for text in (str(error), repr(error), str(error.args)):
        assert TO not in text
        assert CANARY not in text
        assert ACCOUNT_SID not in text
    assert str(error) == "twilio invalid_number (code 21211)"


def test_error_keeps_no_cause_or_context(twilio: FakeTwilio, sender: TwilioSender) -> None:
    twilio.fail_next(400, 21211)

    error = send_error(sender)

    assert error.__cause__ is None
    assert error.__context__ is None
    printed = "".join(traceback.format_exception(error))
    assert TO not in printed
    assert CANARY not in printed


def test_failed_listing_names_no_number(twilio: FakeTwilio) -> None:
    # Listing puts the number in the URL's query; a refused list must not carry it.
    with make_sender(twilio.url, auth_token="not-the-token") as sender, \
            pytest.raises(SendError) as caught:
        sender.find_sent(TO, CANARY, datetime.now(UTC))

    error = caught.value
    assert (error.kind, error.code, error.retryable) == ("rejected", "20003", False)
    assert error.__context__ is None
    assert TO not in str(error)
    assert TO not in repr(error)


def test_twilio_sdk_logs_no_number_or_body(
    twilio: FakeTwilio, sender: TwilioSender, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="twilio")
    since = datetime.now(UTC)

    sender.send(TO, CANARY)
    sender.find_sent(TO, CANARY, since)

    logged = [r.getMessage() for r in caplog.records if r.name.startswith("twilio")]
    assert not [line for line in logged if "447700900123" in line or "canary" in line]


def test_find_sent_finds_a_message_whose_answer_was_lost(twilio: FakeTwilio) -> None:
    since = datetime.now(UTC)
    twilio.hold_next()  # Twilio accepts the message; the answer never comes back
    with make_sender(twilio.url, timeout=0.3) as sender:
        assert send_error(sender).kind == "timeout"
        twilio.release()

        found = sender.find_sent(TO, CANARY, since)

    assert found == twilio.messages[0].sid


def test_find_sent_ignores_a_different_body(twilio: FakeTwilio, sender: TwilioSender) -> None:
    since = datetime.now(UTC)
    sender.send(TO, CANARY)

    assert sender.find_sent(TO, "another body", since) is None


def test_find_sent_ignores_another_number(twilio: FakeTwilio, sender: TwilioSender) -> None:
    since = datetime.now(UTC)
    sender.send("+447700900999", CANARY)

    assert sender.find_sent(TO, CANARY, since) is None


def test_find_sent_ignores_messages_before_since(twilio: FakeTwilio, sender: TwilioSender) -> None:
    sender.send(TO, CANARY)

    assert sender.find_sent(TO, CANARY, datetime.now(UTC) + timedelta(minutes=5)) is None


def test_find_sent_takes_a_naive_since_as_utc(twilio: FakeTwilio, sender: TwilioSender) -> None:
    naive_utc = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    sid = sender.send(TO, CANARY)

    assert sender.find_sent(TO, CANARY, naive_utc) == sid


def test_find_sent_asks_twilio_by_to_from_and_day(
    twilio: FakeTwilio, sender: TwilioSender,
) -> None:
    since = datetime(2031, 5, 6, 23, 59, 59, tzinfo=UTC)

    sender.find_sent(TO, CANARY, since)

    (listing,) = [r for r in twilio.requests if r.method == "GET"]
    query = parse_qs(listing.query)
    assert query["To"] == [TO]
    assert query["From"] == [FROM]
    assert query["DateSent>"] == ["2031-05-06"]


def test_delete_removes_twilio_copy(twilio: FakeTwilio, sender: TwilioSender) -> None:
    sid = sender.send(TO, CANARY)

    assert sender.delete(sid) is True
    assert twilio.deleted == [sid]
    assert twilio.requests[-1].method == "DELETE"
    assert twilio.requests[-1].status == 204


def test_delete_of_a_message_already_gone_is_true(
    twilio: FakeTwilio, sender: TwilioSender,
) -> None:
    assert sender.delete("SM" + "0" * 32) is True
    assert twilio.requests[-1].status == 404


def test_delete_refuses_what_is_not_a_message_sid(sender: TwilioSender) -> None:
    with pytest.raises(ValueError, match="not a Twilio message or call SID"):
        sender.delete("../Calls/CA" + "0" * 32)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=x",
     "http://127.0.0.1:5000/base/2010-04-01/Accounts/AC1/Messages.json?To=x"),
    ("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json",
     "http://127.0.0.1:5000/base/2010-04-01/Accounts.json"),
    ("https://example.com/2010-04-01/Accounts.json",
     "https://example.com/2010-04-01/Accounts.json"),
    ("https://nottwilio.com/x", "https://nottwilio.com/x"),
])
def test_api_base_url_replaces_only_twilio_hosts(url: str, expected: str) -> None:
    client = RedirectingHttpClient(base_url="http://127.0.0.1:5000/base/", timeout=1.0)

    assert client.redirected(url) == expected
    client.close()
