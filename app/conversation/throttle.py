"""Flood control: time-limited allowances in Redis that slow a flood and never lock anyone out.

docs/threat-model.md, A2: an abuser or a script can send hundreds of texts or chat messages a
minute, to bury the queue, wake the on-call phone again and again, or run up the SMS bill.
Each source has an allowance that refills at a steady rate (GCRA, a token bucket in one Redis
value): one contact (the HMAC the conversation is found by), and for the web chat one network
address (as ProxyFix gives it behind `QUIETLINE_TRUSTED_PROXIES`), keyed by its HMAC and never
written anywhere else. Over the allowance the conversation service still stores the message and
steps the flow, so the duress word, pause, erasure and a request for a person all work as
always; only the reply changes to a short notice with the emergency options (once per episode
by SMS, every time on the web, where it costs nothing). The allowance refills on its own.

While an address is over its allowance, the first case a new chat from it opens is its
burst's "lead": its id is kept here under the address's keyed hash for `lead_minutes`, and
later cases from that address are listed under it (app/conversation/floods.py).

A service-wide cap on new cases per minute marks cases beyond it "possible flood", and the
on-call phone is told about such cases once per window (app/casework/alerts.py).

If Redis is down, every check allows: a survivor is never refused because of our failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import redis

from app.crypto import ContactHasher
from app.deployment.sections import FloodLimits
from app.networks import network_of

log = logging.getLogger(__name__)
PREFIX = "quietline:flood"

# GCRA in one atomic step. KEYS[1] holds the "theoretical arrival time" of the next allowed
# message; a message is allowed while that time is at most `tolerance` seconds ahead of now.
# Refused messages use nothing up, so a source that keeps flooding still gets `per_minute`
# messages through. KEYS[2] holds when the source was last told it is over its allowance,
# so the notice is due once per `notice_every` seconds. Times come from the app's clock; the
# expiry only tidies up, with a minute to spare, so a slow request never forgets a count.
# Returns 1 (allowed), 2 (over: tell them), 0 (over: already told).
_GCRA = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local notice_every = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - now <= tolerance then
  tat = tat + interval
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'EX', math.ceil(tat - now) + 60)
  return 1
end
if KEYS[2] == '' then return 0 end
local told = tonumber(redis.call('GET', KEYS[2]) or '-1')
if told >= 0 and told <= now and now - told < notice_every then return 0 end
redis.call('SET', KEYS[2], string.format('%.3f', now), 'EX', math.ceil(notice_every) + 60)
return 2
"""

# The first case of an address's burst, set if absent, kept `ARGV[2]` seconds more each time.
_LEAD = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('GET', KEYS[1])
"""


@dataclass(frozen=True)
class Verdict:
    """Whether one message is over its source's allowance."""

    limited: bool = False
    notice_due: bool = False  # the first message over the allowance in this episode
    source: str | None = None  # "contact" or "address", for the log
    # The keyed hash of the chat's network address, when that address is over its allowance:
    # where its burst's first case is kept (`flood_lead`). Never the address itself.
    address_key: str | None = None
    # The same keyed hash whether or not the address is over its allowance, for counting the
    # new cases it opens (`new_case_from_address_allowed`); None for SMS.
    address_hash: str | None = None


ALLOWED = Verdict()


@dataclass(frozen=True)
class Bucket:
    burst: int
    per_minute: int

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute

    @property
    def tolerance(self) -> float:
        return self.interval * (self.burst - 1)


class Throttle:
    def __init__(self, connection: redis.Redis, hasher: ContactHasher, limits: FloodLimits,
                 clock: Callable[[], datetime]) -> None:
        self.redis = connection
        self.hasher = hasher
        self.limits = limits
        self.clock = clock
        self._script = connection.register_script(_GCRA)
        self._lead_script = connection.register_script(_LEAD)
        # The service-wide keys are named through the contact key too, so two deployments (or
        # two test apps) sharing a Redis never share an allowance.
        self.new_cases_key = f"{PREFIX}:new_cases:{hasher.hash('flood', 'new_cases')[:16]}"
        self.alert_key = f"{PREFIX}:alerted:{hasher.hash('flood', 'alerts')[:16]}"

    def check(self, contact_hash: str, address: str | None = None) -> Verdict:
        """Count one message from this contact (and address); never raises."""
        limits = self.limits
        sources = [("contact", self.hasher.hash("flood-contact", contact_hash),
                    Bucket(limits.contact_burst, limits.contact_per_minute))]
        if address:
            # The address is hashed with the contact key before it reaches Redis; it is never
            # stored with a conversation, logged or kept longer than its allowance needs.
            # Counted per network (an IPv6 address's /64: app/networks.py), or one client
            # with a /64 would have 2^64 allowances.
            sources.append(("address", self.hasher.hash("flood-address", network_of(address)),
                            Bucket(limits.address_burst, limits.address_per_minute)))
        verdict = ALLOWED if not address else Verdict(address_hash=sources[-1][1])
        for source, key, bucket in sources:
            answer = self._take(f"{PREFIX}:{source}:{key}", f"{PREFIX}:told:{source}:{key}",
                                bucket)
            if answer != 1 and not verdict.limited:
                verdict = replace(verdict, limited=True, notice_due=answer == 2, source=source)
            if answer != 1 and source == "address":
                verdict = replace(verdict, address_key=key)
        if verdict.limited:
            log.warning("event=flood.limited source=%s notice=%s", verdict.source,
                        verdict.notice_due)
        return verdict

    def new_case_allowed(self) -> bool:
        """Count one new case against the service-wide cap; True when under it (or unknown)."""
        limits = self.limits
        allowed = self._take(self.new_cases_key, "",
                             Bucket(limits.new_cases_burst, limits.new_cases_per_minute)) == 1
        if not allowed:
            log.warning("event=flood.case_cap")
        return allowed

    def new_case_from_address_allowed(self, address_hash: str) -> bool:
        """Count one new case from this address; True while within its allowance (or when
        Redis cannot count: then every case stands alone, as without flood control)."""
        limits = self.limits
        allowed = self._take(f"{PREFIX}:address_cases:{address_hash}", "", Bucket(
            limits.address_new_cases_burst, limits.address_new_cases_per_minute)) == 1
        if not allowed:
            log.warning("event=flood.limited source=address_cases")
        return allowed

    def flood_lead(self, address_key: str, case_id: int) -> int:
        """The first case of this address's burst: `case_id` if there is none yet (it becomes
        the lead), else the one kept. Each call keeps it `lead_minutes` longer. Redis down:
        `case_id`, so every case stands on its own, as without flood control."""
        try:
            return int(self._lead_script(keys=[self._lead_key(address_key)], args=[
                case_id, self.limits.lead_minutes * 60]))
        except (redis.RedisError, ValueError) as error:
            log.warning("event=flood.lead_unchecked error=%s", type(error).__name__)
            return case_id

    def replace_flood_lead(self, address_key: str, case_id: int) -> None:
        """Make `case_id` the address's lead: the one kept was finished (closed, erased)."""
        try:
            self.redis.set(self._lead_key(address_key), case_id,
                           ex=self.limits.lead_minutes * 60)
        except redis.RedisError as error:
            log.warning("event=flood.lead_unchecked error=%s", type(error).__name__)

    @staticmethod
    def _lead_key(address_key: str) -> str:
        return f"{PREFIX}:lead:{address_key}"

    def _take(self, key: str, told_key: str, bucket: Bucket) -> int:
        now = self.clock().timestamp()
        try:
            return int(self._script(keys=[key, told_key], args=[
                f"{now:.3f}", bucket.interval, bucket.tolerance,
                bucket.tolerance + bucket.interval]))
        except redis.RedisError as error:
            # Fail open: Redis being down must never lock a survivor out.
            log.warning("event=flood.unchecked error=%s", type(error).__name__)
            return 1
