"""The one error every flow problem is reported with: file, place and reason."""

from __future__ import annotations


class FlowError(ValueError):
    """A flow file is invalid; the message names the file, the step and what is wrong."""

    def __init__(self, source: str, where: str, why: str) -> None:
        super().__init__(f"{source}: {where}: {why}")
        self.source, self.where, self.why = source, where, why
