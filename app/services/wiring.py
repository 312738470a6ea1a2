"""Every service one app instance uses, built once from its settings with what each needs.

`build_services` is the one place that knows how the concerns fit together: it hands each
service its database, keyring, clock, sender (made on first use) or callable, so no concern
reaches up for another (docs/architecture.md, "The import rules"). `Services` holds what it
built; app/services/__init__.py gives views and commands `services()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from app.casework.alerts import Alerts
from app.casework.callbacks import CallBacks
from app.casework.canned import CannedReplies
from app.casework.desk import Casework
from app.casework.handover import Handover
from app.casework.kept_records import KeptAfterErasure
from app.casework.notes import Notes
from app.casework.referrals import Referrals
from app.casework.replies import Replies
from app.casework.reply_delivery import ReplyDelivery
from app.casework.risk import RiskAssessments
from app.casework.sla import Sla
from app.config import ConfigError, Settings
from app.content.catalogues import Catalogues
from app.content.code_words import code_words
from app.content.language import LanguageGuesser
from app.content.lockscreen import LockScreenRule
from app.conversation.chat_sessions import ChatSessions
from app.conversation.failsafe import FailSafe
from app.conversation.return_codes import ReturnCodes
from app.conversation.service import ConversationService
from app.conversation.spool import Spool
from app.conversation.throttle import Throttle
from app.crypto import (
    ChainKey,
    ChatTokens,
    ContactHasher,
    Keyring,
    Passwords,
    ReportSigner,
    ReturnCodeKeys,
)
from app.dispatch import Dispatcher
from app.flows import Flow
from app.lifecycle import retention
from app.lifecycle.provider_copies import ProviderCopies
from app.outbound.exactly_once import Delivery
from app.outbound.twilio_rest import TwilioSender
from app.services import start_up
from app.services.redis_client import connect_redis, forget_expired_history
from app.staff.accounts import Accounts
from app.staff.phones import StaffPhones
from app.staff.sessions import StaffSessions
from app.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    database: Database
    redis: redis.Redis
    keyring: Keyring
    catalogues: Catalogues
    flow: Flow | None
    conversations: ConversationService
    web_catalogues: Catalogues
    chat_sessions: ChatSessions
    clock: Callable[[], datetime]
    accounts: Accounts
    casework: Casework
    replies: Replies
    delivery: Delivery
    dispatcher: Dispatcher
    reply_delivery: ReplyDelivery
    alerts: Alerts
    provider_copies: ProviderCopies
    # Keys derived from SECRET_KEY, built once: the audit chain's and the retention report's.
    chain_key: ChainKey
    report_signer: ReportSigner
    # Advocates' signed-in sessions (idle and absolute expiry, "sign out everywhere").
    staff_sessions: StaffSessions
    # The fail-safe answer (in the survivor's language when memory can tell) and the spool
    # that keeps what it answered until the database is back.
    failsafe: FailSafe
    spool: Spool
    # Urgent and high cases left unclaimed past their target: chased, listed for supervisors.
    sla: Sla
    # Handing a case to a colleague with a sealed note; the shift summary.
    handover: Handover
    # Safe call-backs (the advocate's phone, then the survivor's) and advocates' own phones.
    calls: CallBacks
    phones: StaffPhones
    # A case's records: notes, DASH risk assessments, consent and referrals (issue 20,
    # items 2 to 4).
    notes: Notes
    risk: RiskAssessments
    referrals: Referrals
    # ...and what a deployment keeps of them after the survivor's erasure (supervisors only).
    kept_records: KeptAfterErasure
    # The canned replies supervisors edit per language (the catalogue's are the defaults).
    canned: CannedReplies
    _sender: TwilioSender | None = field(default=None, repr=False)

    def sender(self) -> TwilioSender:
        """Twilio's REST client, made on first use (the web tier may never need it)."""
        if self._sender is None:
            settings = self.settings
            self._sender = TwilioSender(
                account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
                from_number=settings.sms_from, api_base_url=settings.twilio_api_base_url,
                status_callback=settings.public_base_url + "/webhooks/twilio/status")
        return self._sender

    def purge_expired(self, report_path: Path | None = None,
                      progress: Callable[[int], None] = lambda _n: None) -> retention.Purge:
        """The retention run with its signed report, for the daily job and the command alike;
        the provider's copies of what it erased are handed to the worker. Sign-in counters
        whose window is over go too (app/staff/throttle.py), and Redis's append-only file is
        rewritten so expired keys leave its data folder (`forget_expired_history`)."""
        now = self.clock()
        self.accounts.purge_ended_throttles()
        purged = retention.purge_and_sign(
            self.database, retention_days=self.settings.deployment.retention_days, now=now,
            signer=self.report_signer,
            report_path=report_path or retention.default_report_path(
                self.settings.instance_path, now),
            progress=progress, deleted=self.dispatcher.delete_copies)
        forget_expired_history(self.redis)
        return purged

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
        self.database.dispose()
        self.redis.close()


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_services(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Services:
    database = Database(settings.database_url)
    keyring = Keyring(settings.data_keys)
    catalogues = start_up.load_catalogues(settings)
    flow = start_up.load_conversation_flow(settings)
    if settings.production:
        start_up.refuse_unwritable_instance(settings)
        start_up.refuse_unchecked_content(settings, catalogues)
    connection = connect_redis(settings)
    dispatcher = Dispatcher(connection)
    # Loaded lazily here; the web tier's entry point preloads them once in gunicorn's master
    # (wsgi.py), so the RQ worker, the CLI and the tests do not pay for them.
    guesser = LanguageGuesser(settings.deployment.languages,
                              models=settings.deployment.language_models)
    hasher = ContactHasher(settings.contact_hash_keys)
    if settings.production:
        try:
            start_up.refuse_unlisted_contact_keys(database, hasher)
        except ConfigError:
            database.dispose()  # the check's connection, so a refused start leaves none open
            raise
    spool = Spool(connection, keyring, settings.instance_path / "spool")
    throttle = Throttle(connection, hasher, settings.deployment.floods, clock)
    return_codes = ReturnCodes(keys=ReturnCodeKeys(settings.signing_keys), hasher=hasher,
                               words=code_words(),
                               limits=settings.deployment.return_codes, connection=connection,
                               clock=clock)
    conversations = ConversationService(
        database=database,
        keyring=keyring,
        hasher=hasher,
        flow=flow,
        catalogues=catalogues,
        deployment=settings.deployment,
        clock=clock,
        # On first use, like the guesser above; wsgi.py loads them in gunicorn's master.
        load_triage=lambda screens: start_up.load_triage(settings, screens=screens),
        second_opinion=start_up.load_second_opinion(settings),
        guesser=guesser,
        dispatcher=dispatcher,
        throttle=throttle,
        return_codes=return_codes,
        # Texts and calls to a safe number given in the web chat go from this number; without
        # one the chat does not offer them (app/conversation/safe_numbers.py).
        texts_safe_numbers=bool(settings.sms_from),
        # Kept when a survivor writes it back (app/conversation/typed_numbers.py).
        service_number=settings.sms_from,
        spool=spool,
    )
    web_catalogues = start_up.load_catalogues(settings, domain="web")
    casework = Casework(database=database, keyring=keyring, deployment=settings.deployment,
                        clock=clock)
    accounts = Accounts(
        database=database, keyring=keyring,
        passwords=Passwords(time_cost=settings.password_time_cost,
                            memory_cost=settings.password_memory_kib),
        hasher=hasher, policy=settings.deployment.staff,
        clock=clock)
    def outbound_rule() -> LockScreenRule:
        return LockScreenRule.load(settings.flows_path / "outbound.yaml",
                                   settings.deployment.organisation_name)

    canned = CannedReplies(database=database, catalogues=catalogues,
                           deployment=settings.deployment, rule=outbound_rule,
                           services_text=conversations.services_text, clock=clock)
    replies = Replies(
        casework=casework, catalogues=catalogues, rule=outbound_rule,
        services_text=conversations.services_text, clock=clock, canned_replies=canned)
    chat_sessions = ChatSessions(conversations, ChatTokens(settings.signing_keys),
                                 replies.collect_web)

    def twilio() -> TwilioSender:  # made on first use; see Services.sender
        return built.sender()

    phones = StaffPhones(database=database, keyring=keyring, clock=clock)
    notes = Notes(casework=casework, policy=settings.deployment.casework, clock=clock)
    risk = RiskAssessments(casework=casework, policy=settings.deployment.casework,
                           clock=clock, checklist=start_up.load_risk_checklist(settings))
    lease = timedelta(seconds=settings.send_lease_seconds)
    # Staff sessions expire by the wall clock, not the service clock that tests move to put
    # casework in or out of hours: moving the casework clock must not sign people out.
    staff_sessions = StaffSessions(database=database, policy=settings.deployment.staff,
                                   clock=utc_now)
    delivery = Delivery(database=database, sender=twilio, clock=clock, lease=lease,
                        recipient=lambda to: hasher.hash("sms", to))
    alerts = Alerts(database=database, keyring=keyring, deployment=settings.deployment,
                    delivery=delivery, redis=connection, clock=clock,
                    flood_alert_key=throttle.alert_key)
    built = Services(
        settings, database, connection, keyring, catalogues, flow, conversations,
        web_catalogues, chat_sessions, clock, accounts, casework, replies, delivery, dispatcher,
        reply_delivery=ReplyDelivery(database=database, keyring=keyring, casework=casework,
                                     delivery=delivery, clock=clock),
        alerts=alerts,
        provider_copies=ProviderCopies(database=database, sender=twilio, clock=clock,
                                       lease=lease),
        chain_key=ChainKey(settings.signing_keys),
        report_signer=ReportSigner(settings.signing_keys),
        staff_sessions=staff_sessions,
        failsafe=FailSafe(catalogues=catalogues, hasher=hasher, guesser=guesser,
                          default_language=settings.deployment.default_language,
                          languages=settings.deployment.languages, clock=clock,
                          spool=spool.add),
        spool=spool,
        sla=Sla(database=database, deployment=settings.deployment, delivery=delivery,
                clock=clock, flood_alert_due=alerts.flood_alert_due),
        notes=notes,
        handover=Handover(casework=casework, accounts=accounts, sessions=staff_sessions,
                          clock=clock),
        calls=CallBacks(casework=casework, phones=phones, dialer=twilio, clock=clock,
                        base_url=settings.public_base_url, caller_id=lambda: settings.sms_from),
        phones=phones,
        risk=risk,
        referrals=Referrals(casework=casework, policy=settings.deployment.casework,
                            clock=clock, agencies=start_up.load_referral_agencies(settings),
                            notes=notes, risk=risk),
        kept_records=KeptAfterErasure(casework=casework, risk=risk, clock=clock,
                                      retention_days=settings.deployment.retention_days),
        canned=canned)
    for warning in settings.deployment.warnings():
        log.warning("event=deployment.warning %s", warning)
    return built
