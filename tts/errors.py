"""One base exception; the CLI turns each of its problems into one `Error: ...` line.

Every message names what went wrong, where (file, line, key) and the fix.
Anything that is not an `AudiobookError` is a bug and keeps its traceback.
"""

from __future__ import annotations


class AudiobookError(Exception):
    """A failure the user can act on.

    Raised with one message, or with every problem a check found at once
    (`ConfigError(first, second, third)`), so the user can fix them all in one go.
    """

    @property
    def problems(self) -> tuple[str, ...]:
        """The problems, in the order given: the arguments, so a copy with new `args` (a
        reworded error) has the new ones. Most errors have one, their message."""
        return tuple(str(arg) for arg in self.args)

    def __str__(self) -> str:
        return "\n".join(self.problems)


class InputError(AudiobookError):
    """The input text file cannot be read or holds nothing to read."""


class ConfigError(AudiobookError):
    """voices.yaml (or another setting) is wrong; each problem has file:line."""


class ScriptError(AudiobookError):
    """A script file given to `render --script` is malformed."""


class EngineError(AudiobookError):
    """Synthesis failed. `transient` errors are worth retrying with a fresh request."""

    transient: bool = False


class ServiceUnreachable(EngineError):
    """The speech service cannot be reached (no network, DNS, refused)."""

    transient = True


class RateLimited(EngineError):
    """The service answered 429/503: slow down and retry later."""

    transient = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VoiceUnavailable(EngineError):
    """The engine does not offer the requested voice."""


class ClientOutdated(EngineError):
    """The service rejects our client (401/403 after the clock-skew retry): upgrade edge-tts."""


class IncompleteAudio(EngineError):
    """A clip came back shorter than its boundary metadata says, or the stream stalled."""

    transient = True


class NoAudio(EngineError):
    """The service returned no audio for a request."""

    transient = True


class ClusterError(AudiobookError):
    """`render --ray`: Ray is missing, the cluster cannot be reached, or its machines cannot
    speak as this one does (another engine version)."""
