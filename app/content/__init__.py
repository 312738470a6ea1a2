"""Content: what the service says, and the checks on it before a survivor sees it.

Owns the Babel catalogues (`catalogues`), the language guess for a first message
(`language`), SMS encoding and segment counting (`segments`), the lock-screen rule
(`lockscreen`), the fail-safe emergency text (`failsafe`), the deployment's local
services as a reply lists them in its language (`local_services`), when the team is next at
work as each language writes it (`written_times`), `flask flows check` (`lint`, with each
channel's own wording checked by `channels`), the Babel extractor for the flow files
(`babel_extract`), and the learned second opinion's weights (`second_opinion`), read through
a memory-mapped file derived from them (`second_opinion_map`).

May import: the foundation (config, deployment, logs) and `app.flows`. Nothing that stores,
sends or serves: content is read the same way by the webhook, the staff pages and the linter.
"""
