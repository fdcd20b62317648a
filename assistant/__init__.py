"""assistant: a privacy-first voice assistant that runs entirely on the device."""

__version__ = "0.1.0"
