"""The report's counts, written at the moment each event happens (`ReportCount`).

The partnership report must not depend on rows the retention purge destroys: a conversation
erased after 90 days would otherwise vanish from last year's figures. So each event that the
report counts adds one to an hourly counter in the same transaction as the event itself
(it commits or rolls back with it) and the report reads only these counters.

Nothing here names a conversation, a case, an advocate or a contact: a counter is (UTC hour,
measure, category, count). Events about a case are counted in the hour the case was opened,
so a month's report is about the requests made that month, as it always was.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.storage.models import Conversation, Escalation, Reply, ReportCount, table_of
from app.storage.times import utc
from app.storage.vault import OpenCase

report_counts = table_of(ReportCount)
escalations = table_of(Escalation)
replies = table_of(Reply)
conversations = table_of(Conversation)
PRIORITY_NAMES = {1: "routine", 2: "high", 3: "urgent"}
# Minutes to a first reply from a person, counted in these buckets (never the exact time).
REPLY_BUCKETS = ((15, "under 15 minutes"), (60, "15 to 60 minutes"), (240, "1 to 4 hours"),
                 (1440, "4 to 24 hours"))
REPLY_LATE = "over 24 hours"


def hour_of(moment: datetime) -> datetime:
    return utc(moment).replace(minute=0, second=0, microsecond=0)


def add(connection: Connection, moment: datetime, measure: str, category: str,
        by: int = 1) -> None:
    """Add `by` to one counter; an atomic upsert, so two events at once both count."""
    values = {"hour": hour_of(moment), "measure": measure, "category": category[:64],
              "count": by}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(report_counts).values(**values)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["hour", "measure", "category"],
        set_={"count": report_counts.c.count + statement.excluded.count}))


def contact_started(connection: Connection, now: datetime, *, channel: str,
                    language: str | None) -> None:
    """A new conversation: by channel and language (hour and day come from `hour`)."""
    add(connection, now, "contact_channel", channel)
    add(connection, now, "contact_language", language or "unknown")


def case_changed(connection: Connection, now: datetime, before: OpenCase | None,
                 after: OpenCase | None, *, out_of_hours: bool) -> None:
    """A message opened a case or raised one: count the case once by priority, each reason
    once, and whether it was opened out of hours. A raised priority moves the case's count."""
    if after is None or after == before:
        return
    if before is None or before.id != after.id:
        add(connection, now, "case_hours", "out_of_hours" if out_of_hours else "in_hours")
        add(connection, now, "case_priority", PRIORITY_NAMES.get(after.priority, "routine"))
        add(connection, now, "case_contact",
            "repeat" if had_earlier_case(connection, after.id) else "first")
        for reason in after.reasons:
            add(connection, now, "case_reason", reason)
        return
    opened = _case_opened_at(connection, after.id)
    if after.priority != before.priority:
        add(connection, opened, "case_priority", PRIORITY_NAMES.get(before.priority, "routine"),
            -1)
        add(connection, opened, "case_priority", PRIORITY_NAMES.get(after.priority, "routine"))
    for reason in after.reasons:
        if reason not in before.reasons:
            add(connection, opened, "case_reason", reason)


def had_earlier_case(connection: Connection, case_id: int) -> bool:
    """Whether the contact of this case (the same contact hash: the same phone number, or the
    same web chat) had opened an earlier case that has not been erased, when it opened. Erased
    cases keep no conversation, so they cannot match; neither can purged ones."""
    this_conversation = conversations.alias("this_conversation")
    earlier_case = escalations.alias("earlier_case")
    earlier_conversation = conversations.alias("earlier_conversation")
    row = connection.execute(
        select(this_conversation.c.contact_hash)
        .join(this_conversation, this_conversation.c.id == escalations.c.conversation_id)
        .where(escalations.c.id == case_id)).first()
    if row is None or row.contact_hash is None:
        return False
    return connection.execute(select(exists().where(
        earlier_case.c.id < case_id,  # ids grow: an earlier case has a smaller one
        earlier_case.c.conversation_id == earlier_conversation.c.id,
        earlier_conversation.c.contact_hash == row.contact_hash))).scalar() is True


def first_reply(connection: Connection, case_id: int, now: datetime) -> None:
    """An advocate wrote a reply: if it is the case's first, count how long it took."""
    written = connection.execute(select(func.count()).select_from(replies).where(
        replies.c.escalation_id == case_id)).scalar_one()
    if written != 1:
        return
    opened = _case_opened_at(connection, case_id)
    minutes = (utc(now) - utc(opened)).total_seconds() / 60
    bucket = next((name for limit, name in REPLY_BUCKETS if minutes < limit), REPLY_LATE)
    add(connection, opened, "first_reply", bucket)


def cases_closed(connection: Connection, case_ids: list[int], reason: str) -> None:
    """Cases were closed (by an advocate, by the survivor's erasure): their outcome."""
    for case_id in case_ids:
        add(connection, _case_opened_at(connection, case_id), "outcome", reason)


def _case_opened_at(connection: Connection, case_id: int) -> datetime:
    opened: datetime = connection.execute(select(escalations.c.created_at).where(
        escalations.c.id == case_id)).scalar_one()
    return opened
