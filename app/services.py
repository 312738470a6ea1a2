"""The services one app instance uses, built once from its settings.

Views and commands reach them through `services()`, never through module globals, so two apps
(e.g. in tests) never share a database engine, a keyring or a Redis connection.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask import Flask, current_app

from app import flowlint
from app.chat_sessions import ChatSessions
from app.config import ConfigError, Settings
from app.conversations import ConversationService
from app.crypto import ChatTokens, ContactHasher, Keyring
from app.flows import Flow, FlowError, load_flows
from app.flows.loader import read_yaml
from app.flows.triage import TriageRuleError, TriageRules, parse_rules
from app.i18n import Catalogues
from app.language import LanguageGuesser
from app.storage.db import Database

log = logging.getLogger(__name__)
EXTENSION = "quietline"
TRIAGE_FILE = "triage.yaml"


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


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_services(settings: Settings) -> Services:
    database = Database(settings.database_url)
    keyring = Keyring(settings.data_keys)
    catalogues = load_catalogues(settings)
    flow = load_conversation_flow(settings)
    if settings.production:
        refuse_unchecked_content(settings, catalogues)
    conversations = ConversationService(
        database=database,
        keyring=keyring,
        hasher=ContactHasher(settings.contact_key),
        flow=flow,
        catalogues=catalogues,
        deployment=settings.deployment,
        clock=utc_now,
        triage=load_triage(settings),
        guesser=LanguageGuesser(settings.deployment.languages, preload=settings.production),
    )
    connection = redis.Redis.from_url(
        settings.redis_url,
        # Short timeouts: a survivor's reply must never wait on a Redis that is down.
        socket_connect_timeout=0.5,
        socket_timeout=1.0,
    )
    web_catalogues = load_catalogues(settings, domain="web")
    chat_sessions = ChatSessions(conversations, ChatTokens(settings.secret_key))
    return Services(settings, database, connection, keyring, catalogues, flow, conversations,
                    web_catalogues, chat_sessions)


def refuse_unchecked_content(settings: Settings, catalogues: Catalogues) -> None:
    """Production does not start with content that fails `flask flows check`.

    A text that breaks the lock-screen rule or a message with no text would reach survivors;
    the deployer must hear about it now, with every problem named.
    """
    problems = flowlint.check(settings.flows_path, catalogues,
                              settings.deployment.default_language,
                              settings.deployment.organisation_name,
                              settings.deployment.languages)
    errors = [problem for problem in problems if not problem.warning]
    if errors:
        listed = "; ".join(str(problem) for problem in errors[:10])
        raise ConfigError(f"flows check failed ({len(errors)} problems): {listed}")


def load_conversation_flow(settings: Settings) -> Flow | None:
    """The flows, or None in development when they are broken (every reply is the fail-safe).

    Production refuses to start instead: a deployer must find out at start-up, not from a
    survivor's unanswered message.
    """
    deployment = settings.deployment
    try:
        return load_flows(settings.flows_path,
                          extra_words={k: list(v) for k, v in deployment.extra_keywords.items()},
                          duress_words=deployment.duress_words)
    except FlowError as error:
        if settings.production:
            raise
        log.error("event=flows.invalid source=%s where=%s", error.source, error.where)
        return None


def load_triage(settings: Settings) -> TriageRules | None:
    """The triage rules, or None in development when they are broken (triage is then off;
    requests for a person still escalate)."""
    try:
        return parse_rules(read_yaml(settings.flows_path / TRIAGE_FILE),
                           str(settings.flows_path / TRIAGE_FILE))
    except (FlowError, TriageRuleError) as error:
        if settings.production:
            raise
        log.error("event=triage.invalid error=%s", type(error).__name__)
        return None


def load_catalogues(settings: Settings, domain: str = "messages") -> Catalogues:
    try:
        return Catalogues.load(settings.translations_path,
                               settings.deployment.default_language, domain)
    except Exception as error:
        if settings.production:
            raise
        log.error("event=translations.invalid error=%s", type(error).__name__)
        return Catalogues({}, settings.deployment.default_language)


def init_app(app: Flask, settings: Settings) -> Services:
    built = build_services(settings)
    app.extensions[EXTENSION] = built
    return built


def services() -> Services:
    built: Services = current_app.extensions[EXTENSION]
    return built
