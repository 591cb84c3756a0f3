"""Wires the stages together: what the CLI calls.

read -> segment + attribute -> cast -> plan requests -> synthesize (cached) -> assemble.
Nothing here prints: progress goes through a callback the CLI supplies.

A render never loses what the user had: no output may be one of its inputs, a render of
some chapters gets a name of its own (`output/<book>.ch2-3.mp3`) rather than the whole
book's, `auto` never puts another engine's voices over a book without being asked, and what
a killed run left behind is cleaned up when the next run of the same output starts. The
audio format is the one -o's name says; what it says and what is written always agree.

The package, by job: `engines` (which engine speaks), `outputs` (where a render writes
and what it never writes over), `requests` (a script as engine requests), `script` (a book
read, attributed and cast), `render` (render and say), `library` (the chapters and cache
commands). What the CLI calls is imported here.

The audio stages (synthesis, loudness, assembly, publishing: mutagen, the Edge client) are
imported by the functions that render, so `script` and `cast` start without them; the
attribution stage by the functions that attribute, so `voices`, `say` and --help start
without it.
"""

from __future__ import annotations

from tts.pipeline.engines import (
    check_engine,
    engine_choice,
    engine_for_book,
    engine_voices,
    find_voices,
    resolve_engine,
)
from tts.pipeline.library import (
    READING_PACE,
    CacheUsage,
    ChapterLength,
    PruneResult,
    book_clip_keys,
    cache_usage,
    list_chapters,
    parse_age,
    prune_cache,
)
from tts.pipeline.outputs import (
    AUDIO_SUFFIXES,
    cast_path_for,
    check_output_path,
    check_written_beside,
    clean_up_after_killed_runs,
    default_output,
    existing_output,
    fixes_file_for,
    fixes_path_for,
    output_format,
    same_file,
    saved_cast_for,
    selection_label,
    staging_dir,
)
from tts.pipeline.render import (
    Assembling,
    RenderResult,
    narrator_for,
    render,
    render_book,
    say_line,
    say_text,
)
from tts.pipeline.requests import plan, planned
from tts.pipeline.script import (
    attribute_book,
    cast_script,
    check_voices,
    default_voices_path,
    extend_voices_file,
    load_config,
    make_script,
    pick_voices,
    read_book,
    read_corrections,
    read_script,
    read_selected,
    script_from_file,
    studio_script,
    who_speaks,
)

__all__ = [
    "READING_PACE",
    "plan",
    "AUDIO_SUFFIXES",
    "Assembling",
    "CacheUsage",
    "ChapterLength",
    "PruneResult",
    "RenderResult",
    "attribute_book",
    "book_clip_keys",
    "cache_usage",
    "cast_path_for",
    "cast_script",
    "check_engine",
    "check_output_path",
    "check_voices",
    "check_written_beside",
    "clean_up_after_killed_runs",
    "default_output",
    "default_voices_path",
    "engine_choice",
    "engine_for_book",
    "engine_voices",
    "existing_output",
    "fixes_file_for",
    "fixes_path_for",
    "extend_voices_file",
    "find_voices",
    "list_chapters",
    "load_config",
    "make_script",
    "narrator_for",
    "output_format",
    "parse_age",
    "pick_voices",
    "planned",
    "prune_cache",
    "read_book",
    "read_corrections",
    "read_script",
    "read_selected",
    "render",
    "render_book",
    "resolve_engine",
    "same_file",
    "saved_cast_for",
    "say_line",
    "say_text",
    "script_from_file",
    "studio_script",
    "selection_label",
    "staging_dir",
    "who_speaks",
]
