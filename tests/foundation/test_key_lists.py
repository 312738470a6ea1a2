"""SECRET_KEY and QUIETLINE_CONTACT_KEY are lists, newest first (issue 23, item 15): the newest
signs and hashes, an older listed key still verifies (app/config.py, app/crypto/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigError, load_settings
from app.crypto import ChainKey, ChatTokens, ContactHasher, ReportSigner, generate_key_token

NUMBER = "+447700900123"
OLD_SECRET, NEW_SECRET = "an-old-secret-key-long-enough", "a-new-secret-key-long-enough"


def development(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"QUIETLINE_ENV": "development", "QUIETLINE_INSTANCE": str(tmp_path), **values}


def test_both_lists_are_parsed_newest_first(tmp_path: Path) -> None:
    old, new = generate_key_token(), generate_key_token()
    settings = load_settings(development(
        tmp_path, SECRET_KEY=f"{NEW_SECRET}, {OLD_SECRET}", QUIETLINE_CONTACT_KEY=f"{new},{old}"))
    assert settings.secret_key == NEW_SECRET
    assert settings.signing_keys == (NEW_SECRET, OLD_SECRET)
    assert settings.contact_key == new
    assert settings.contact_hash_keys == (new, old)


@pytest.mark.parametrize("name", ["SECRET_KEY", "QUIETLINE_CONTACT_KEY"])
def test_the_same_key_twice_is_refused(tmp_path: Path, name: str) -> None:
    key = generate_key_token()
    with pytest.raises(ConfigError, match=name):
        load_settings(development(tmp_path, **{name: f"{key},{key}"}))


def test_a_malformed_old_contact_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIETLINE_CONTACT_KEY"):
        load_settings(development(
            tmp_path, QUIETLINE_CONTACT_KEY=f"{generate_key_token()},not-a-key"))


def test_production_refuses_a_demo_value_kept_as_an_old_secret_key(tmp_path: Path) -> None:
    environ = {
        "QUIETLINE_ENV": "production", "QUIETLINE_INSTANCE": str(tmp_path),
        "SECRET_KEY": f"{NEW_SECRET},change-me", "QUIETLINE_DATA_KEYS": generate_key_token(),
        "QUIETLINE_CONTACT_KEY": generate_key_token(), "TWILIO_AUTH_TOKEN": "x" * 32,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "QUIETLINE_CONFIG": "config/demo.toml",
        "PUBLIC_BASE_URL": "https://example.org"}
    with pytest.raises(ConfigError, match="SECRET_KEY is a demo"):
        load_settings(environ)


def test_a_chat_token_from_before_a_rotation_is_valid_while_its_key_is_listed() -> None:
    token = ChatTokens(OLD_SECRET).issue()
    assert ChatTokens([NEW_SECRET, OLD_SECRET]).is_valid(token)
    assert not ChatTokens([NEW_SECRET]).is_valid(token)
    assert ChatTokens([NEW_SECRET]).is_valid(ChatTokens([NEW_SECRET, OLD_SECRET]).issue())


def test_reports_and_chain_links_verify_under_any_listed_key_and_are_made_by_the_newest() -> None:
    signature = ReportSigner(OLD_SECRET).sign(b"figures")
    both = ReportSigner([NEW_SECRET, OLD_SECRET])
    assert both.verify(b"figures", signature)
    assert not both.is_current(b"figures", signature)
    assert not ReportSigner(NEW_SECRET).verify(b"figures", signature)
    link = ChainKey(OLD_SECRET).link("0" * 64, b"row")
    assert ChainKey([NEW_SECRET, OLD_SECRET]).holds("0" * 64, b"row", link)
    assert not ChainKey(NEW_SECRET).holds("0" * 64, b"row", link)
    assert ChainKey([NEW_SECRET, OLD_SECRET]).link("0" * 64, b"row") == ChainKey(
        NEW_SECRET).link("0" * 64, b"row")


def test_a_contact_value_is_re_keyed_without_the_number() -> None:
    old, new = generate_key_token(), generate_key_token()
    before = ContactHasher(old).hash("sms", NUMBER)
    during = ContactHasher([new, old])
    assert before in during.older("sms", NUMBER)
    assert during.rekey(before) == ContactHasher(new).hash("sms", NUMBER)
    assert during.is_current(during.hash("sms", NUMBER))
    assert not during.is_current(before)
    assert ContactHasher(new).rekey(before) is None  # the old key is gone: cannot


def test_a_resume_word_is_re_keyed_with_its_contact() -> None:
    old, new = generate_key_token(), generate_key_token()
    contact = ContactHasher(old).hash("sms", NUMBER)
    word = ContactHasher(old).word_value(contact, "marigold")
    during = ContactHasher([new, old])
    moved_contact, moved_word = during.rekey(contact), during.rekey(word)
    assert moved_contact is not None
    assert moved_word is not None
    after = ContactHasher(new)
    assert after.word_matches(moved_contact, moved_word, "marigold")
    assert not after.word_matches(moved_contact, moved_word, "bluebell")


def test_values_from_before_the_re_keyable_format_are_still_found() -> None:
    """The HMAC of the earlier format, for a database written before this change."""
    import hashlib  # noqa: PLC0415 -- only to build the earlier format by hand
    import hmac  # noqa: PLC0415

    from app.crypto import parse_key_token  # noqa: PLC0415

    token = generate_key_token()
    legacy = hmac.new(parse_key_token(token), f"sms:{NUMBER}".encode(),
                      hashlib.sha256).hexdigest()
    assert legacy in ContactHasher(token).older("sms", NUMBER)
    word = hmac.new(parse_key_token(token), f"resume-word:{legacy}:marigold".encode(),
                    hashlib.sha256).hexdigest()
    current = ContactHasher(token).hash("sms", NUMBER)
    assert ContactHasher(token).word_matches(current, word, "marigold", channel="sms",
                                             address=NUMBER)
    assert not ContactHasher(token).word_matches(current, word, "marigold")  # no address
