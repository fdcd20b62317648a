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


REPLY_NICE = -10
"""The nice value of a listening, speaking assistant: ahead of background work (nice 0),
as PulseAudio's own main thread is (nice -11). Writing the reply and synthesizing it must
stay ahead of speech while other programs keep every core busy."""


def raise_process_priority() -> bool:
    """Put the threads this one starts from now on ahead of background work (REPLY_NICE):
    call it before the engines start their threads, each inherits its starter's value.
    Where the system refuses (an ordinary user without an RLIMIT_NICE), or where the user
    started the assistant with a nice value of their own, nothing changes. True if raised."""
    if not hasattr(os, "setpriority"):
        return False  # not Unix
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) != 0:
            return False  # started with `nice`: the user's choice stands
        os.setpriority(os.PRIO_PROCESS, 0, REPLY_NICE)
    except OSError as error:
        log.debug("the assistant keeps the normal priority (%s)", error)
        return False
    return True
