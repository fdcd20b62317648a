"""Audio threads ahead of the number crunching: real-time scheduling where allowed.

When the chat model, the recognizer and the voice keep every core busy, the threads
that move audio to and from the sound card must still run on time, or the speaker
runs dry (a click, a hole in a word) and the microphone drops blocks. Like PulseAudio
and JACK, each audio thread asks the kernel for a modest real-time priority for itself
(SCHED_FIFO): granted to root and to users with an `rtprio` limit (for example the
`audio` group on many distributions), refused to everyone else, who keep the normal
scheduler. It is only ever asked for the thread that calls it, never the process.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

AUDIO_PRIORITY = 20
"""SCHED_FIFO priority (1-99): below the sound server's own threads (PulseAudio asks for
about 5-20 through rtkit), above every normal thread."""


def raise_audio_priority() -> bool:
    """Give the calling thread real-time priority if the system allows; True if it did."""
    policy = getattr(os, "SCHED_FIFO", None)
    if policy is None or not hasattr(os, "sched_setscheduler"):
        return False  # not Linux
    try:
        os.sched_setscheduler(0, policy, os.sched_param(AUDIO_PRIORITY))
    except (PermissionError, OSError) as error:
        log.debug("audio thread keeps normal scheduling (%s)", error)
        return False
    return True
