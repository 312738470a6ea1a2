"""Conversation: one survivor's messages, whatever the channel, and what the service answers.

Owns the conversation service (`service`: find or start the conversation by the contact's
keyed hash, seal and store the message once, run the pure flow step, store the reply, open a
case or an erasure when the flow says so), what its automated reply says (`reply_text`: the
out-of-hours lines, message ids rendered into one text), web-chat sessions (`chat_sessions`:
tokens, send, collect, erase, leave), opt-outs (`optouts`: STOP, START, pause), the resume word
(`resume_word`), flood control (`throttle` counts allowances in Redis, `floods` decides the reply
and the case's marking over one), the spool of messages the fail-safe answered (`spool`) and
the values these pass between them (`messages`).

May import: the foundation, `app.flows`, `app.content`, `app.storage`, `app.audit`,
`app.casework` (to open a case) and `app.lifecycle` (to erase). Channels call this; it never
imports a channel, a staff page or the worker.
"""
