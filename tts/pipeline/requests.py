"""A script as engine requests: one per voice turn, with the whole-book prosody added to
each voice and voices.yaml's `pronounce` respellings in what is sent (never in what is
shown)."""

from __future__ import annotations

from collections.abc import Mapping

from tts.model import Prosody, Request, Script, Segment, Voice
from tts.speech.engines.base import Engine

AS_CAST = Prosody()
"""No whole-book prosody: every voice speaks as its cast says."""


def plan(
    script: Script,
    engine: Engine,
    prosody: Prosody = AS_CAST,
    pronounce: Mapping[str, str] | None = None,
) -> list[Request]:
    """The requests that speak `script`, as sent to the engine: each voice with the whole
    book's `prosody` added to its own (`Prosody.added_to`), so the cast keeps its own
    settings, and each text with voices.yaml's `pronounce` respellings (`respell`)."""
    return [spoken for _, spoken in planned(script, engine, prosody, pronounce)]


def planned(
    script: Script,
    engine: Engine,
    prosody: Prosody = AS_CAST,
    pronounce: Mapping[str, str] | None = None,
) -> list[tuple[Request, Request]]:
    """Each request that speaks `script` twice: with the book's text (what the subtitles
    and the timeline show) and as sent to the engine (respelled by `pronounce`)."""
    from tts.speech.synth import Respeller, plan_requests

    def voice(segment: Segment) -> Voice | None:
        found = script.voice_for(segment)
        return prosody.added_to(found) if found is not None else None

    items = [(s, voice(s)) for s in script.segments]
    shown = plan_requests(items, engine.max_request_chars)
    respell = Respeller(pronounce or {})
    return [(request, respell.request(request)) for request in shown]
