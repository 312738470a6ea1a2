"""Real-browser tests of the disguised web chat (issue 12; docs/threat-model.md, A1)."""
