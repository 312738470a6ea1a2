"""Lifecycle: how data ends. Erasure, retention, key rotation and the provider's copies.

Owns crypto-shredding one conversation (`erasure`: the data key, its rows, a tombstone for an
open case, the provider message ids queued for deletion), erasing what is past the retention
days with a signed report (`retention`), re-wrapping every data key under the newest key
(`rotation`), and deleting the provider's copies of erased messages (`provider_copies`).

May import: the foundation, `app.storage`, `app.audit` and `app.outbound` (to delete the
provider's copies). The survivor's own erasure is started by `app.conversation`.
"""
