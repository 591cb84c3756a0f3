"""Turn a novel into a multi-voice audiobook."""

__version__ = "0.1.0"
