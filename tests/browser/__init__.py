"""Real-browser tests of the disguised web chat (issue 12; shared/SAFETY.md, A1)."""
