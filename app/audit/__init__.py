"""The audit trail: who did what to which case, when and why. Never content, never a number.

Owns writing a row in the same transaction as the action it records (`write`, re-exported
here as `audit.record`), sealing rows into a keyed hash chain and verifying it (`chain`), and
reading, filtering and exporting the trail (`read`).

May import: the foundation and `app.storage`. Everything that acts on a case imports this.
"""

from app.audit.write import account, record, staff

__all__ = ["account", "record", "staff"]
