"""Human-readable views of a script: a screenplay, a review page, cleaning stats.

Pure functions from a `Script` to text; the CLI prints them.
"""

from __future__ import annotations

import html
from collections import Counter

from tts.model import Script, Segment
from tts.speakers.scriptfile import KINDS, heard_speaker

NARRATOR = "旁白"
_SHOW_CONFIDENCE_BELOW = 0.75
"""A line heard in a character's voice shows how sure the guess is when it is below this."""


def _label(script: Script, segment: Segment, heard: str | None) -> str:
    """Who reads `segment`, as the screenplay names them (`heard`: `heard_speaker`)."""
    if segment.kind == "heading":
        return "# "
    if segment.kind == "pause":
        return ""
    if segment.kind == "narration":
        return "NARRATOR: " if script.book.language == "en" else f"{NARRATOR}："
    if heard is None:  # doubtful: the unknown-speaker voice reads it
        guess = script.cast.canonical(segment.speaker)
        hint = f" (guess {guess}, {segment.confidence or 0:.2f})" if guess else ""
        return f"?{hint}: "
    sep = ": " if script.book.language == "en" else "："
    return f"{heard}{sep}"


def screenplay(script: Script) -> str:
    """One line per segment: speaker, text and, for doubtful lines, the guess."""
    out: list[str] = []
    chapter = None
    for s in script.segments:
        if s.chapter != chapter:
            if chapter is not None:
                out.append("")
            chapter = s.chapter
        if s.kind == "pause":
            out.append("   ......")
            continue
        heard = heard_speaker(script.cast, s)
        voice = script.voice_for(s)
        tail = f"  [{voice.name}]" if voice is not None and s.kind != "heading" else ""
        if heard is not None and (s.confidence or 0.0) < _SHOW_CONFIDENCE_BELOW:
            tail += f"  ({s.confidence:.2f})"
        out.append(f"{_label(script, s, heard)}{s.text}{tail}")
    return "\n".join(out)


_PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)


def review_html(script: Script) -> str:
    """A single self-contained page: speakers in colours, doubtful lines marked, the cast."""
    heard = [(s, heard_speaker(script.cast, s)) for s in script.segments]
    counts = Counter(speaker for s, speaker in heard if s.kind == "dialogue")
    speakers = [name for name, _ in counts.most_common() if name is not None]
    colour = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(speakers)}
    kinds: Counter[str] = Counter(s.kind for s in script.segments)
    doubtful = counts[None]  # dialogue no character is heard saying
    esc = html.escape
    rows: list[str] = []
    for s, speaker in heard:
        key = f"{s.chapter}:{s.index}"
        if s.kind == "pause":
            rows.append(f'<p class="pause" id="s{key}">⁂</p>')
            continue
        if s.kind == "heading":
            rows.append(f'<h2 id="s{key}">{esc(s.text)}</h2>')
            continue
        voice = script.voice_for(s)
        vname = esc(voice.name) if voice else ""
        if s.kind == "narration":
            rows.append(f'<p class="narr" id="s{key}" title="{vname}">{esc(s.text)}</p>')
            continue
        if speaker is None:
            guess = script.cast.canonical(s.speaker)
            who = f"? {esc(guess)}" if guess else "?"
            rows.append(
                f'<p class="line doubt" id="s{key}" title="{vname}"><span class="who">{who}'
                f" <small>{(s.confidence or 0):.2f}</small></span>{esc(s.text)}</p>"
            )
            continue
        c = colour.get(speaker, "#444")
        conf = s.confidence if s.confidence is not None else 1.0
        mark = " doubt" if conf < _SHOW_CONFIDENCE_BELOW else ""
        rows.append(
            f'<p class="line{mark}" id="s{key}" style="border-color:{c}" title="{vname} · '
            f'{esc(s.method or "")} · {conf:.2f}"><span class="who" style="color:{c}">'
            f"{esc(speaker)}</span>{esc(s.text)}</p>"
        )
    cast_rows = []
    for name in speakers:
        voice = script.cast.speakers.get(name) or script.cast.unknown
        cast_rows.append(
            f'<tr><td style="color:{colour[name]}">■ {esc(name)}</td><td>{counts[name]}</td>'
            f"<td>{esc(voice.name)}</td></tr>"
        )
    cast_rows.append(
        f"<tr><td>narrator</td><td>{kinds['narration']}</td>"
        f"<td>{esc(script.cast.narrator.name)}</td></tr>"
    )
    cast_rows.append(
        f"<tr><td>? unknown</td><td>{doubtful}</td><td>{esc(script.cast.unknown.name)}</td></tr>"
    )
    title = esc(script.book.title)
    return f"""<!doctype html>
<html lang="{esc(script.book.language)}"><head><meta charset="utf-8">
<title>{title} · script review</title>
<style>
body{{font:16px/1.6 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#222}}
.narr{{color:#555}} .line{{border-left:4px solid #444;padding-left:.6em}}
.who{{font-weight:600;margin-right:.6em}} .doubt{{background:#fff4d6;border-left-style:dashed}}
.pause{{text-align:center;color:#aaa}} table{{border-collapse:collapse}}
td{{padding:.2em .8em;border-bottom:1px solid #eee}}
</style></head><body>
<h1>{title}</h1>
<p>{kinds["dialogue"]} lines of dialogue,
{doubtful} doubtful (marked, read by the unknown-speaker voice).</p>
<table><tr><th>character</th><th>lines</th><th>voice</th></tr>
{"".join(cast_rows)}
</table>
{"".join(rows)}
</body></html>"""


def stats_lines(script: Script) -> list[str]:
    """What loading and cleaning did, and the cast, for `script --stats`."""
    r = script.book.report
    lines = [
        f"encoding: {r.encoding}",
        f"language: {script.book.language}",
        f"chapters: {len(script.book.chapters)}",
        f"glyphs repaired: {r.glyphs_repaired}",
        f"invisible characters removed: {r.invisible_removed}",
        f"notices dropped: {len(r.notices_dropped)}",
        f"scene breaks: {r.scene_breaks}",
    ]
    for notice in r.notices_dropped:
        lines.append(f"  dropped: {notice[:60]}")
    kinds: Counter[str] = Counter(s.kind for s in script.segments)
    lines.append("segments: " + ", ".join(f"{k} {kinds[k]}" for k in KINDS))
    for c in script.characters:
        voice = script.cast.speakers.get(c.name)
        lines.append(
            f"  {c.name}: {c.lines} lines, {c.gender or 'gender ?'}"
            f"{', aka ' + '/'.join(c.aliases) if c.aliases else ''}"
            f"{', voice ' + voice.name if voice else ''}"
        )
    return lines
