"""Errors a user can act on. The CLI prints their message as one line and exits non-zero."""


class AssistantError(Exception):
    """Base of every error whose message is written for the user."""


class MissingModelError(AssistantError):
    """A model needed at run time is not installed (the message names the fetch command)."""


class ModelIntegrityError(AssistantError):
    """A model on disk does not match its registry entry (size or SHA-256)."""


class FetchError(AssistantError):
    """A model could not be fetched; nothing was left behind."""


class AudioDeviceError(AssistantError):
    """PortAudio is missing, or an audio device cannot be opened or disappeared."""
