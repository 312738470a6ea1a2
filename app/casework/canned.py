"""Canned replies supervisors edit: the catalogue's defaults, the deployment's own versions.

The catalogue's canned.* messages (flows/advocates.yaml, translations/) stay the defaults and
keep going through translators and `flows check`. A deployment's supervisors edit them per
language, and add replies of their own; each save is a new row (`canned_reply_versions`), so
who changed what a survivor may be sent, and when, is never lost. A save is held to exactly
the rules `flows check` applies to the catalogue (`app.content.lint.check_text`: the
lock-screen rule, the SMS segment limit, the placeholders), and refused with the same words if
it breaks one: a canned reply reaches survivors' lock screens as often as any flow message
(docs/threat-model.md, A1). The audit row names who saved which reply in which language and
its version, never the text (not survivor data, but the trail stays content-free).

An advocate's reply picker shows each reply in the survivor's language: the deployment's
newest version, else the catalogue's; failing both, the deployment's default language, then
English, each the same way, and says which language it fell back to.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from app import audit
from app.casework.desk import NotAllowed
from app.content.catalogues import FALLBACK_LANGUAGE, Catalogues, MissingMessage
from app.content.lint import check_text
from app.content.lockscreen import LockScreenRule
from app.deployment import Deployment
from app.staff import authz
from app.staff.accounts import StaffMember
from app.storage.db import Database
from app.storage.models import CannedReply, CannedReplyVersion, table_of
from app.storage.times import utc

log = logging.getLogger(__name__)
canned_replies, versions = table_of(CannedReply), table_of(CannedReplyVersion)
_r, _v = canned_replies.c, versions.c
# The catalogue's canned.* messages (flows/advocates.yaml), with the names supervisors see.
CATALOGUE_LABELS = {
    "canned.received": "Received: I have read your message",
    "canned.safe_now": "Are you safe right now?",
    "canned.when_safe": "When is a safe time?",
    "canned.services": "Useful numbers",
    "canned.closing": "Closing: write again any time",
}
MAX_CHARS = 1000
MAX_LABEL = 80


class CannedRefused(ValueError):
    """The text cannot be saved as it is; `problems` say why, as `flows check` would."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class UnknownCanned(LookupError):
    """No canned reply has this key, or the deployment does not offer this language."""


@dataclass(frozen=True)
class Version:
    language: str
    version: int
    text: str
    edited_by: int
    edited_at: datetime


@dataclass(frozen=True)
class Entry:
    """One canned reply for the editor's list."""

    key: str
    label: str
    local: bool  # added by the deployment, not in the catalogue
    edited: dict[str, Version]  # language -> the newest saved version
    defaults: frozenset[str]  # languages the catalogue has a confirmed text in
    missing: tuple[str, ...]  # enabled languages with neither


@dataclass(frozen=True)
class Offered:
    """A canned reply as the picker offers it."""

    key: str
    text: str
    language: str  # the language of `text`: the survivor's, or the one it fell back to


@dataclass(kw_only=True)
class CannedReplies:
    database: Database
    catalogues: Catalogues
    deployment: Deployment
    rule: Callable[[], LockScreenRule]
    # The deployment's services for {services}, in the language the reply is written in.
    services_text: Callable[[str], str]
    clock: Callable[[], datetime]

    def _newest(self, connection: Connection) -> dict[tuple[str, str], Version]:
        newest = (select(_v.canned_id, _v.language, func.max(_v.version).label("version"))
                  .group_by(_v.canned_id, _v.language).subquery())
        rows = connection.execute(
            select(_r.key, _v.language, _v.version, _v.text, _v.edited_by, _v.edited_at)
            .join(canned_replies, _r.id == _v.canned_id)
            .join(newest, (newest.c.canned_id == _v.canned_id)
                  & (newest.c.language == _v.language) & (newest.c.version == _v.version))
        ).all()
        return {(r.key, r.language): Version(r.language, r.version, r.text, r.edited_by,
                                              utc(r.edited_at)) for r in rows}

    def _keys(self, connection: Connection) -> dict[str, str]:
        """Every canned reply's key and label, catalogue first, then the deployment's own."""
        keys = dict(CATALOGUE_LABELS)
        for row in connection.execute(select(_r.key, _r.label).order_by(_r.id)):
            keys.setdefault(row.key, row.label)
        return keys

    def entries(self) -> list[Entry]:
        with self.database.transaction() as connection:
            keys, newest = self._keys(connection), self._newest(connection)
        found = []
        for key, label in keys.items():
            edited = {language: v for (k, language), v in newest.items() if k == key}
            defaults = frozenset(language for language in self.deployment.languages
                                 if self.catalogues.has(language, key))
            missing = tuple(language for language in self.deployment.languages
                            if language not in edited and language not in defaults)
            found.append(Entry(key, label, key not in CATALOGUE_LABELS, edited, defaults,
                               missing))
        return found

    def current(self, key: str, language: str) -> str | None:
        """The text a supervisor edits: the newest saved version, else the catalogue's."""
        with self.database.transaction() as connection:
            if key not in self._keys(connection):
                raise UnknownCanned(key)
            saved = self._newest(connection).get((key, language))
        return saved.text if saved else self.catalogues.raw_text(language, key)

    def history(self, key: str, language: str) -> list[Version]:
        with self.database.transaction() as connection:
            rows = connection.execute(
                select(_v.language, _v.version, _v.text, _v.edited_by, _v.edited_at)
                .join(canned_replies, _r.id == _v.canned_id)
                .where(_r.key == key, _v.language == language)
                .order_by(_v.version.desc())).all()
        return [Version(r.language, r.version, r.text, r.edited_by, utc(r.edited_at))
                for r in rows]

    def for_language(self, language: str) -> list[Offered]:
        """What the advocate's picker offers for a survivor writing in `language`."""
        with self.database.transaction() as connection:
            keys, newest = self._keys(connection), self._newest(connection)
        chain = list(dict.fromkeys((language, self.deployment.default_language,
                                    FALLBACK_LANGUAGE)))
        offered = []
        for key in keys:
            for candidate in chain:
                saved = newest.get((key, candidate))
                text = saved.text if saved else self.catalogues.raw_text(candidate, key)
                if text:
                    offered.append(Offered(key, self._filled(text, candidate), candidate))
                    break
        return offered

    def as_sent(self, text: str, language: str) -> str:
        """`text` as a survivor writing in `language` receives it: {services} filled with the
        deployment's services in that language (numbers isolated in right-to-left text), as
        the picker and `flows check` fill it. The editor previews this, not the template."""
        return self._filled(text, language)

    def _filled(self, text: str, language: str) -> str:
        try:
            return text.format_map(_Blank({"services": self.services_text(language)}))
        except (ValueError, MissingMessage):
            return text

    def problems(self, key: str, language: str, text: str) -> list[str]:
        """What `flows check` would say about this text as this reply in this language."""
        try:
            english = (self.current(key, FALLBACK_LANGUAGE) if language != FALLBACK_LANGUAGE
                       else None)
        except UnknownCanned:
            english = None  # a new reply: nothing to compare its placeholders with
        rule = self.rule()
        found = [str(p) for p in check_text(rule, language, f"{key}", text, english)]
        # The survivor receives the whole reply with this deployment's services written in for
        # {services}, in the reply's language: that whole is held to the same budgets (SMS
        # parts, lock screen, isolates) as `flows check` holds the catalogue's filled texts.
        whole = self._filled(text, language)
        if whole != text and not found:
            found.extend(f"With the useful numbers written in, as a survivor writing in this "
                         f"language receives it, the whole reply {p.why}."
                         for p in check_text(rule, language, f"{key}", whole, None))
        if not text.strip():
            found.insert(0, "Write the reply first.")
        if len(text) > MAX_CHARS:
            found.append(f"The reply is longer than {MAX_CHARS} characters.")
        return found

    def save(self, member: StaffMember, key: str, language: str, text: str) -> int:
        """Save a new version of one reply in one language; returns its version number."""
        if not authz.can_edit_canned(member):
            raise NotAllowed("canned")
        if language not in self.deployment.languages:
            raise UnknownCanned(language)
        text = text.strip()
        problems = self.problems(key, language, text)
        if problems:
            raise CannedRefused(problems)
        now = self.clock()
        with self.database.transaction() as connection:
            canned_id = connection.execute(select(_r.id).where(_r.key == key)).scalar()
            if canned_id is None:
                if key not in CATALOGUE_LABELS:
                    raise UnknownCanned(key)
                canned_id = connection.execute(insert(canned_replies).values(
                    key=key, label=CATALOGUE_LABELS[key], created_by=member.id, created_at=now,
                ).returning(_r.id)).scalar_one()
            version = int(connection.execute(select(func.coalesce(func.max(_v.version), 0))
                                             .where(_v.canned_id == canned_id,
                                                    _v.language == language)).scalar_one()) + 1
            connection.execute(insert(versions).values(
                canned_id=canned_id, language=language, version=version, text=text,
                edited_by=member.id, edited_at=now))
            audit.record(connection, now=now, actor=audit.staff(member.id),
                         action="canned_reply.saved", purpose=f"{key}:{language}:v{version}")
        log.info("event=canned_reply.saved key=%s language=%s version=%s advocate=%s", key,
                 language, version, member.id)
        return version

    def add(self, member: StaffMember, label: str, language: str, text: str) -> str:
        """A new canned reply of the deployment's own, with its first text; returns its key."""
        if not authz.can_edit_canned(member):
            raise NotAllowed("canned")
        label = " ".join(label.split())
        if not 1 <= len(label) <= MAX_LABEL:
            raise CannedRefused([f"Give the reply a short name (1 to {MAX_LABEL} characters)."])
        if language not in self.deployment.languages:
            raise UnknownCanned(language)
        problems = self.problems("local.new", language, text.strip())
        if problems:
            raise CannedRefused(problems)
        with self.database.transaction() as connection:
            canned_id = connection.execute(insert(canned_replies).values(
                key=f"new.{uuid.uuid4().hex}", label=label, created_by=member.id,
                created_at=self.clock()).returning(_r.id)).scalar_one()
            key = f"local.{canned_id}"
            connection.execute(canned_replies.update().where(_r.id == canned_id)
                               .values(key=key))
        self.save(member, key, language, text)
        return key


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
