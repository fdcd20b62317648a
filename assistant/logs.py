"""Logging set-up, and what was said kept out of the log unless asked for.

Transcripts, replies and anything quoting them are logged at DEBUG with `extra=SAID`.
`--debug` shows every other debug line (timings, decisions, the network policy) but not
these: a debug log can go into a bug report without what the user said. Only
`--log-transcripts` adds them. Libraries that log what is spoken at DEBUG (Piper writes
each text and its phonemes) are held at INFO in the same way. Only the CLI calls
`configure`; modules log through `logging.getLogger(__name__)`.
"""

from __future__ import annotations

import logging

SAID = {"said": True}
"""`extra=` for a log call that carries what was heard or answered."""
SAYING_LIBRARIES = ("piper",)
"""Loggers of libraries that write what is spoken at DEBUG."""


class HideSaid(logging.Filter):
    """Drops the records marked with `SAID`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "said", False)


def configure(*, debug: bool, transcripts: bool) -> None:
    """The root handler at DEBUG (`debug`) or WARNING; what was said only with
    `transcripts`."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if transcripts:
        return
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideSaid())
    for name in SAYING_LIBRARIES:
        logging.getLogger(name).setLevel(logging.INFO)
