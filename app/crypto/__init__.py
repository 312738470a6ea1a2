"""All of Quietline's cryptography; the only package that imports `cryptography`, `argon2`,
`hmac` or `hashlib` (checked by `make lint`). Callers import from `app.crypto`; the modules are
`sealing` (data keys, the keyring, sealed fields), `keyed` (contact values, resume words, chat
tokens, derived keys), `codes` (the web chat's return codes), `staff` (passwords, TOTP,
recovery codes, session tokens) and `signatures` (report signatures, the audit chain).

Threat model (docs/threat-model.md, A4): someone holds a copy of the database, a backup, a Redis
dump or the logs. They must learn neither what a survivor wrote nor their phone number.

- Each conversation has its own random 256-bit data key. Message bodies, the conversation's
  state and the survivor's number are sealed with AES-256-GCM under that key. Destroying the
  data key (erasure, retention) makes everything sealed under it unrecoverable, even in backups.
- The data key is stored wrapped (AES-256-GCM again) by a key-encryption key from the keyring
  in QUIETLINE_DATA_KEYS. The newest key wraps; older keys still unwrap, so a new key can be
  added first and old data re-wrapped later (`flask keys rotate`).
- Associated data binds each ciphertext to its table, column and row id, so a ciphertext copied
  into another row or column fails to open instead of showing the wrong survivor's words.
- Phone numbers are looked up by a keyed, re-keyable value under a separate key
  (QUIETLINE_CONTACT_KEY; see `ContactHasher`), so the look-up column alone cannot be reversed
  by hashing every UK mobile number, and the key can be rotated without the numbers.
- Keys derived from SECRET_KEY (chat tokens, the audit chain, report signatures) and the
  contact keys are lists, newest first: the newest writes, every listed key still verifies, so
  a new key is put in front, stored values are moved to it (`flask keys rotate-secret`,
  `flask keys rotate-contacts`), and only then is the old one removed (docs/deploy.md).
- Advocates' passwords are argon2id hashes; their TOTP secrets are sealed like a conversation's
  fields, under the advocate's own data key (A3: a stolen database must not yield a second
  factor).

Ciphertext layouts (all binary, stored as-is):
    sealed field:    b"\\x01" | nonce(12) | ciphertext+tag
    wrapped data key: b"\\x01" | key id(4) | nonce(12) | ciphertext+tag
Key ids are derived from the key itself, so no separate naming of keys is needed. Nothing in a
ciphertext reveals when it was made.
"""

from app.crypto.codes import ReturnCodeKeys
from app.crypto.keyed import (
    ChatTokens,
    ContactHasher,
    content_digest,
    content_tag,
    csp_hash,
    derived_keys,
    file_digest,
    same_secret,
)
from app.crypto.sealing import (
    FIELD_VERSION,
    KEY_PREFIX,
    WRAP_VERSION,
    DataKey,
    DecryptionError,
    FieldContext,
    KeyFormatError,
    Keyring,
    generate_key_token,
    parse_key_token,
)
from app.crypto.signatures import ChainKey, ReportSigner
from app.crypto.staff import Passwords, RecoveryCodes, Totp, new_session_token, session_token_digest

__all__ = [
    "FIELD_VERSION", "KEY_PREFIX", "WRAP_VERSION", "ChainKey", "ChatTokens", "ContactHasher",
    "DataKey", "DecryptionError", "FieldContext", "KeyFormatError", "Keyring", "Passwords",
    "RecoveryCodes", "ReportSigner", "ReturnCodeKeys", "Totp", "content_digest",
    "content_tag", "csp_hash", "derived_keys", "file_digest",
    "generate_key_token", "new_session_token", "parse_key_token", "same_secret",
    "session_token_digest",
]
