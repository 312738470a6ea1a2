"""Sealed fields, wrapped data keys, key tokens and contact hashes (app/crypto/)."""

from __future__ import annotations

import base64

import pytest

from app.crypto import (
    KEY_PREFIX,
    ContactHasher,
    DataKey,
    DecryptionError,
    FieldContext,
    KeyFormatError,
    Keyring,
    generate_key_token,
    parse_key_token,
)

BODY = FieldContext("messages", "body_sealed", "6f1c2a4e-0000-4000-8000-000000000001")
CANARY = "canary: he took my phone, call me on +447700900123"
NUMBER = "+447700900123"


def flip_byte(blob: bytes, index: int) -> bytes:
    changed = bytearray(blob)
    changed[index] ^= 0x01
    return bytes(changed)


@pytest.fixture
def data_key() -> DataKey:
    return DataKey.generate()


# --- sealed fields -----------------------------------------------------------------------


def test_sealed_text_opens_in_its_own_context(data_key: DataKey) -> None:
    assert data_key.open(data_key.seal(CANARY, BODY), BODY) == CANARY


def test_non_ascii_text_survives_a_round_trip(data_key: DataKey) -> None:
    text = "Dw i angen help — ３ ✓"
    assert data_key.open(data_key.seal(text, BODY), BODY) == text


@pytest.mark.parametrize(
    "moved_to",
    [
        pytest.param(FieldContext(BODY.table, BODY.column, "another-row"), id="other-row"),
        pytest.param(FieldContext(BODY.table, "state_sealed", BODY.row_id), id="other-column"),
        pytest.param(FieldContext("conversations", BODY.column, BODY.row_id), id="other-table"),
    ],
)
def test_ciphertext_moved_elsewhere_fails_to_open(
    data_key: DataKey, moved_to: FieldContext
) -> None:
    sealed = data_key.seal(CANARY, BODY)
    with pytest.raises(DecryptionError):
        data_key.open(sealed, moved_to)


@pytest.mark.parametrize(
    "index", [pytest.param(0, id="version"), pytest.param(5, id="nonce"),
              pytest.param(20, id="ciphertext"), pytest.param(-1, id="tag")]
)
def test_tampered_ciphertext_fails_to_open(data_key: DataKey, index: int) -> None:
    sealed = data_key.seal(CANARY, BODY)
    with pytest.raises(DecryptionError):
        data_key.open(flip_byte(sealed, index), BODY)


def test_truncated_ciphertext_fails_to_open(data_key: DataKey) -> None:
    with pytest.raises(DecryptionError):
        data_key.open(data_key.seal("", BODY)[:-1], BODY)


def test_ciphertext_opens_only_under_its_own_data_key(data_key: DataKey) -> None:
    sealed = data_key.seal(CANARY, BODY)
    with pytest.raises(DecryptionError):
        DataKey.generate().open(sealed, BODY)


def test_two_seals_of_the_same_text_differ(data_key: DataKey) -> None:
    assert data_key.seal(CANARY, BODY) != data_key.seal(CANARY, BODY)


def test_ciphertext_does_not_contain_the_plaintext(data_key: DataKey) -> None:
    sealed = data_key.seal(CANARY, BODY)
    assert CANARY.encode() not in sealed
    assert b"7700900123" not in sealed


def test_decryption_error_reveals_no_plaintext(data_key: DataKey) -> None:
    sealed = data_key.seal(CANARY, BODY)
    with pytest.raises(DecryptionError) as caught:
        data_key.open(sealed, FieldContext(BODY.table, BODY.column, "another-row"))
    assert "7700900123" not in str(caught.value)
    assert "canary" not in str(caught.value)


def test_data_key_must_be_32_bytes() -> None:
    with pytest.raises(KeyFormatError):
        DataKey(b"\x00" * 16)


def test_data_key_repr_reveals_no_key_material(data_key: DataKey) -> None:
    shown = repr(data_key)
    assert data_key.secret.hex() not in shown
    assert repr(data_key.secret) not in shown
    assert base64.urlsafe_b64encode(data_key.secret).decode().rstrip("=") not in shown


# --- the keyring ---------------------------------------------------------------------------


CONVERSATION_KEY = FieldContext("conversations", "wrapped_key", "row-1")


def test_wrapped_data_key_unwraps_to_the_same_key(data_key: DataKey) -> None:
    keyring = Keyring([generate_key_token()])
    unwrapped = keyring.unwrap(keyring.wrap(data_key, CONVERSATION_KEY), CONVERSATION_KEY)
    assert unwrapped.secret == data_key.secret


def test_wrapped_data_key_does_not_contain_the_data_key(data_key: DataKey) -> None:
    keyring = Keyring([generate_key_token()])
    assert data_key.secret not in keyring.wrap(data_key, CONVERSATION_KEY)


def test_wrapped_data_key_moved_to_another_row_fails_to_unwrap(data_key: DataKey) -> None:
    keyring = Keyring([generate_key_token()])
    wrapped = keyring.wrap(data_key, CONVERSATION_KEY)
    with pytest.raises(DecryptionError):
        keyring.unwrap(wrapped, FieldContext("conversations", "wrapped_key", "row-2"))


@pytest.mark.parametrize(
    "index", [pytest.param(0, id="version"), pytest.param(1, id="key-id"),
              pytest.param(8, id="nonce"), pytest.param(-1, id="tag")]
)
def test_tampered_wrapped_key_fails_to_unwrap(data_key: DataKey, index: int) -> None:
    keyring = Keyring([generate_key_token()])
    wrapped = keyring.wrap(data_key, CONVERSATION_KEY)
    with pytest.raises(DecryptionError):
        keyring.unwrap(flip_byte(wrapped, index), CONVERSATION_KEY)


def test_data_wrapped_by_an_old_key_unwraps_after_a_new_key_is_added_first(
    data_key: DataKey,
) -> None:
    old, new = generate_key_token(), generate_key_token()
    sealed = data_key.seal(CANARY, BODY)
    wrapped_by_old = Keyring([old]).wrap(data_key, CONVERSATION_KEY)

    rotated = Keyring([new, old])

    reopened = rotated.unwrap(wrapped_by_old, CONVERSATION_KEY)
    assert reopened.open(sealed, BODY) == CANARY


def test_keyring_without_the_wrapping_key_refuses(data_key: DataKey) -> None:
    wrapped = Keyring([generate_key_token()]).wrap(data_key, CONVERSATION_KEY)
    with pytest.raises(DecryptionError, match="not in the keyring"):
        Keyring([generate_key_token()]).unwrap(wrapped, CONVERSATION_KEY)


def test_wrap_always_uses_the_newest_key(data_key: DataKey) -> None:
    old, new = generate_key_token(), generate_key_token()
    rotated = Keyring([new, old])
    wrapped = rotated.wrap(data_key, CONVERSATION_KEY)
    assert Keyring.wrapped_key_id(wrapped) == rotated.newest_id
    assert Keyring.wrapped_key_id(wrapped) == Keyring([new]).newest_id
    assert Keyring.wrapped_key_id(wrapped) != Keyring([old]).newest_id


def test_empty_keyring_is_refused() -> None:
    with pytest.raises(KeyFormatError):
        Keyring([])


# --- key tokens ----------------------------------------------------------------------------


def test_generated_token_is_one_prefixed_word() -> None:
    token = generate_key_token()
    assert token.startswith(KEY_PREFIX)
    assert token.split() == [token]
    assert "=" not in token  # padding would be one more thing to get wrong when pasting


def test_generated_token_parses_to_32_bytes() -> None:
    assert len(parse_key_token(generate_key_token())) == 32


def test_two_generated_tokens_differ() -> None:
    assert generate_key_token() != generate_key_token()


def test_token_with_surrounding_whitespace_parses() -> None:
    token = generate_key_token()
    assert parse_key_token(f"  {token}\n") == parse_key_token(token)


def valid_body() -> str:
    return generate_key_token()[len(KEY_PREFIX):]


@pytest.mark.parametrize(
    ("token", "why"),
    [
        pytest.param("qlk2_" + valid_body(), "start with", id="wrong-prefix"),
        pytest.param(valid_body(), "start with", id="no-prefix"),
        pytest.param(KEY_PREFIX + valid_body()[:20], "32 bytes", id="short"),
        pytest.param(KEY_PREFIX + valid_body() + "AAAA", "32 bytes", id="long"),
        pytest.param(KEY_PREFIX, "32 bytes", id="empty-body"),
        pytest.param(KEY_PREFIX + "A", "base64url", id="impossible-length"),
        pytest.param(KEY_PREFIX + "not a key!", None, id="garbage"),
        pytest.param(KEY_PREFIX + "ключ" * 11, "base64url", id="non-ascii"),
        pytest.param("change-me", "start with", id="demo-value"),
    ],
)
def test_malformed_token_is_refused(token: str, why: str | None) -> None:
    with pytest.raises(KeyFormatError, match=why):
        parse_key_token(token)


# --- contact hashes ------------------------------------------------------------------------


def test_contact_hash_is_stable() -> None:
    token = generate_key_token()
    assert ContactHasher(token).hash("sms", NUMBER) == ContactHasher(token).hash("sms", NUMBER)


def test_contact_hash_differs_by_channel() -> None:
    hasher = ContactHasher(generate_key_token())
    assert hasher.hash("sms", NUMBER) != hasher.hash("whatsapp", NUMBER)


def test_contact_hash_differs_by_key() -> None:
    first, second = ContactHasher(generate_key_token()), ContactHasher(generate_key_token())
    assert first.hash("sms", NUMBER) != second.hash("sms", NUMBER)


def test_contact_hash_differs_by_number() -> None:
    hasher = ContactHasher(generate_key_token())
    assert hasher.hash("sms", NUMBER) != hasher.hash("sms", "+447700900124")


def test_contact_hash_does_not_contain_the_number() -> None:
    digest = ContactHasher(generate_key_token()).hash("sms", NUMBER)
    assert "7700900123" not in digest
    assert len(digest) <= 64  # fits Conversation.contact_hash (String(64)): key id + one block


def test_contact_hasher_repr_reveals_no_key() -> None:
    token = generate_key_token()
    shown = repr(ContactHasher(token))
    assert token not in shown
    assert token[len(KEY_PREFIX):] not in shown
    assert parse_key_token(token).hex() not in shown
