"""The contract every speech engine meets. A new engine is one module."""

from __future__ import annotations

from typing import ClassVar, Protocol

from tts.model import Audio, Voice, VoiceInfo


class Engine(Protocol):
    name: ClassVar[str]
    """Registry name: 'edge', 'espeak', ..."""

    version: str
    """Goes into the clip cache key: a new engine version re-synthesizes."""

    max_request_chars: int
    """Longest text the scheduler may send in one `synthesize` call."""

    async def check(self) -> None:
        """Return if the engine can synthesize now; raise an EngineError saying why not."""
        ...

    async def synthesize(self, text: str, voice: Voice) -> Audio:
        """Speak `text` (already speakable, within `max_request_chars`) in `voice`.

        Raises a subclass of `tts.errors.EngineError`; transient ones may be retried.
        """
        ...

    async def voices(self) -> list[VoiceInfo]:
        """Every voice the engine offers (an online engine asks its service)."""
        ...

    def known_voices(self) -> list[VoiceInfo]:
        """The voices at hand without the network: for casting and checking voices.yaml."""
        ...
