"""The tables. Sensitive values are stored only sealed (see `app.crypto`).

Columns ending in `_sealed` hold AES-GCM ciphertext bound to their row and column; columns
named `*_hash` hold HMACs. Nothing here holds a message body or a phone number in clear.
Conversations and messages use random UUIDs as keys: the associated data of a ciphertext
needs the row id before the row is written, and random ids reveal nothing about volume.

One module per concern (conversations, casework, case_records, sending, staff, audit,
reporting) over one declarative base (`base`); every model is importable from here, and
importing this package registers every table on `Base.metadata` (Alembic and the tests rely
on it).
"""

from __future__ import annotations

from app.storage.models.audit import AuditEvent
from app.storage.models.base import NAMING, Base, TZDateTime, table_of
from app.storage.models.case_records import (
    CaseNote,
    CaseRecordKey,
    ConsentEvent,
    RecordViewing,
    Referral,
    RiskAssessment,
)
from app.storage.models.casework import (
    Alert,
    Call,
    CannedReply,
    CannedReplyVersion,
    CaseRead,
    CaseViewing,
    Escalation,
    HandoverNote,
    Reply,
    SlaAlert,
    SlaBreach,
)
from app.storage.models.conversations import (
    ContactErasure,
    Conversation,
    DeliveryReceipt,
    JoinedChat,
    Message,
    OptOut,
    ResumeWord,
    ReturnCode,
    SafeNumber,
)
from app.storage.models.reporting import ReportCount
from app.storage.models.sending import ProviderDeletion, ProviderSidClaim, SendUnderWay
from app.storage.models.staff import Advocate, LoginThrottle, RecoveryCode, StaffSession

__all__ = [
    "Advocate",
    "Alert",
    "AuditEvent",
    "Base",
    "Call",
    "CannedReply",
    "CannedReplyVersion",
    "CaseNote",
    "CaseRead",
    "CaseRecordKey",
    "CaseViewing",
    "ConsentEvent",
    "ContactErasure",
    "Conversation",
    "DeliveryReceipt",
    "Escalation",
    "HandoverNote",
    "JoinedChat",
    "LoginThrottle",
    "Message",
    "NAMING",
    "OptOut",
    "ProviderDeletion",
    "ProviderSidClaim",
    "RecordViewing",
    "RecoveryCode",
    "Referral",
    "Reply",
    "ReportCount",
    "ResumeWord",
    "ReturnCode",
    "RiskAssessment",
    "SafeNumber",
    "SendUnderWay",
    "SlaAlert",
    "SlaBreach",
    "StaffSession",
    "TZDateTime",
    "table_of",
]
