"""Casework: from a survivor's request to an advocate's reply.

Owns opening a case from a conversation (`escalation`), who may see the queue, claims, reading
and closing a case (`desk`), the queue's rows built once per change for every advocate
(`queue_snapshots`), an advocate's reply from draft to the survivor's channel (`replies`), the one
decision whether anything may be sent to a survivor now (`outbound_gate`, pure), the survivor's
safe-contact window (`safe_time`, pure), who is watching the queue (`presence`), alerting the
on-call phones (`alerts`), chasing cases left unclaimed past their target (`sla`), and handing a
case to a colleague with a note and the shift summary (`handover`), and the canned replies
supervisors edit per language (`canned`).

May import: the foundation, `app.flows`, `app.content`, `app.storage`, `app.staff`,
`app.audit` and `app.outbound`. Never a channel or a staff page: they call this.
"""
