"""Automatic casting: every character gets a voice of their own, the same one every run.

Who gets what, in order:

1. Speakers listed in voices.yaml with a voice for the engine get exactly that voice.
2. The first-person narrator of a book told in the first person (`Character.first_person`)
   speaks with the narrator's voice, rate and pitch, as the one storyteller of a
   single-narrator audiobook would ("I said" in the voice that says "I" in the narration),
   unless voices.yaml's `narrator.first_person` is `own`: then they are cast like anyone.
   Where the book tells their gender and voices.yaml names no narrator voice, the narrator
   is a voice of that gender (the engine's choice for the locale, else the pool's first):
   a woman's story is read by a woman, though the built-in narrators are men.
3. Characters in `previous` (the cast saved with the last render) keep their voice while it
   is still offered, still fits their gender, and nobody above took it.
4. Everyone else, most lines first, gets a voice of their gender from the pool of the
   book's locale (and of the locales it borrows from: zh-TW, with one male Edge voice,
   borrows zh-CN's unless voices.yaml says `borrow: none`): never the narrator's voice,
   and a voice nobody else has while the pool lasts. Where a character starts in the pool
   comes from a hash of the name, so adding a character moves nobody else. A character of
   unknown gender gets a man's or a woman's voice, whichever fewer of the others of
   unknown gender have so far (a tie goes by the hash), so they alternate rather than all
   claim one sex. When the pool runs out, voices are reused with a different pitch and
   rate, so no two characters sound exactly alike (unless voices.yaml fixes both the rate
   and the pitch of more of them than there are voices: those share). A man when the only
   man's voice is the narrator's gets the narrator's at another pitch, not a woman's.
   The time this takes grows with the cast, not with its square.

Unless voices.yaml says otherwise, the unknown voice (doubtful dialogue) is the narrator's
voice pitched 10 Hz lower: a wrong voice is worse than the storyteller's, and it keeps the
few voices a locale has for the characters.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from tts import registry
from tts.cast.config import VoicesConfig, VoiceSetting
from tts.model import (
    Cast,
    Character,
    Gender,
    Language,
    Voice,
    VoiceInfo,
    parse_prosody,
)

LANGUAGE_LOCALE: dict[str, str] = {"zh-Hans": "zh-CN", "zh-Hant": "zh-TW", "en": "en-US"}
"""The locale whose voices read a book of each language (voices.yaml `language` overrides)."""

UNKNOWN_PITCH = "-10Hz"
"""How the default unknown voice differs from the narrator's."""

POOL_LOCALES: dict[str, tuple[str, ...]] = {
    "zh-CN": ("zh-CN",),
    "zh-TW": ("zh-TW", "zh-CN"),
    "zh-HK": ("zh-HK", "zh-TW", "zh-CN"),
    "en-US": ("en-US", "en-GB"),
    "en-GB": ("en-GB", "en-US"),
}
"""Where auto-casting looks for voices, in order (zh-TW has only three Edge voices);
voices.yaml's `defaults.<locale>.borrow` replaces all but the first."""

_CHILD_RANK = 100


MAX_VARIANT_STEP = 5
"""How far a reused voice may be varied: 5 steps of 8 Hz and 6 %, at most 40 Hz and 18 %
from the voice's own (further, a voice stops sounding like a person). Past the 31 variants
this gives every voice of the pool, characters share voices."""


def _variants() -> Iterator[tuple[str, str]]:
    """(pitch, rate) for reusing a voice: unchanged first, then further from it, as far as
    `MAX_VARIANT_STEP`."""
    yield "+0Hz", "+0%"
    for step in range(1, MAX_VARIANT_STEP + 1):
        pitch = 8 * step
        rate = 6 * ((step + 1) // 2)
        for p, r in ((-pitch, -rate), (pitch, rate), (-pitch, rate), (pitch, -rate)):
            yield f"{p:+d}Hz", f"{r:+d}%"
        yield f"{-pitch:+d}Hz", "+0%"
        yield f"{pitch:+d}Hz", "+0%"


class _Taken:
    """The voices handed out so far, each as (name, rate, pitch), and what speeds up finding
    a free one in a big cast: the names in use, and for each way of probing the pool the
    first variant that may still have a free voice. Voices are only ever added, so a
    variant found full stays full, and each cast probes in time linear in its size."""

    def __init__(self, keys: set[tuple[str, str, str]]) -> None:
        self.keys = set(keys)
        self.names = {key[0] for key in self.keys}
        self.variants: list[tuple[str, str]] = []
        """(pitch, rate) of `_variants()`, as far as any probe has needed."""
        self._more = _variants()
        self.first_free: dict[tuple[object, ...], int] = {}
        """(tiers, fixed rate, fixed pitch) -> the first variant not known to be full."""

    def __contains__(self, key: tuple[str, str, str]) -> bool:
        return key in self.keys

    def add(self, key: tuple[str, str, str]) -> None:
        self.keys.add(key)
        self.names.add(key[0])

    def variant(self, index: int) -> tuple[str, str] | None:
        """The `index`th (pitch, rate) of `_variants()`; None past the last."""
        while len(self.variants) <= index:
            found = next(self._more, None)
            if found is None:
                return None
            self.variants.append(found)
        return self.variants[index]


def _start(name: str) -> int:
    """Where a name starts probing a pool: stable across runs and machines."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


@dataclass(frozen=True)
class _Pool:
    """The voices auto-casting may hand out, by gender, in tiers of preference."""

    female: tuple[tuple[str, ...], ...]
    male: tuple[tuple[str, ...], ...]
    anyone: tuple[tuple[str, ...], ...]
    genders: Mapping[str, str]
    """Voice name -> 'Female' / 'Male' / other, for every voice in the pool."""

    def tiers(self, gender: Gender | None) -> tuple[tuple[str, ...], ...]:
        chosen = {"female": self.female, "male": self.male}.get(gender or "", self.anyone)
        return chosen if any(chosen) else self.anyone


def _locale_rank(voice_locale: str, preferred: Sequence[str]) -> int | None:
    """0 for the first preferred locale, 1 for its regional voices, 2 for the next, ..."""
    for i, locale in enumerate(preferred):
        if voice_locale == locale:
            return 2 * i
        if voice_locale.startswith(locale + "-"):
            return 2 * i + 1
    return None


def pool_locales(
    locale: str, config: VoicesConfig, voices: Sequence[VoiceInfo] = (), engine: str = ""
) -> tuple[str, ...]:
    """The locales whose voices a book of `locale` is cast from, in order: the locale, then
    those voices.yaml lets it borrow from (`borrow`), else the built-in ones. An engine
    with no voice of the locale's own (espeak reads zh-TW with Mandarin, 'cmn', a zh-CN
    voice) borrows as built in, whatever voices.yaml says."""
    built_in = POOL_LOCALES.get(locale, (locale,))
    custom = config.defaults.get(locale)
    if custom is None or custom.borrow is None:
        return built_in
    own = any(v.engine == engine and _locale_rank(v.locale, (locale,)) is not None for v in voices)
    return (locale, *custom.borrow) if own or not engine else built_in


def _pool(engine: str, locale: str, voices: Sequence[VoiceInfo], config: VoicesConfig) -> _Pool:
    offered = [v for v in voices if v.engine == engine]
    children = registry.info(engine).child_voices
    preferred = pool_locales(locale, config, offered, engine)
    genders = {v.name: v.gender for v in offered}

    custom = config.defaults.get(locale)
    listed = custom.pool if custom is not None else ()
    chosen = [n for n in listed if registry.engine_of(n) == engine]
    ranked = [(0, i, name) for i, name in enumerate(chosen)]
    if not ranked:
        for v in offered:
            rank = _locale_rank(v.locale, preferred)
            if rank is None or "Multilingual" in v.name:
                continue  # multilingual voices repeat a monolingual voice's timbre
            if v.name in children:
                rank = _CHILD_RANK
            ranked.append((rank, 0, v.name))  # by name: a refreshed list may come reordered
    ranked.sort()

    def tiers(keep: set[str] | None) -> tuple[tuple[str, ...], ...]:
        out: list[tuple[str, ...]] = []
        for rank, group in itertools.groupby(ranked, key=lambda r: r[0]):
            names = tuple(n for _, _, n in group if keep is None or genders.get(n) in keep)
            if names and (rank != _CHILD_RANK or not out):
                out.append(names)
        return tuple(out)

    return _Pool(
        female=tiers({"Female"}),
        male=tiers({"Male"}),
        anyone=tiers(None),
        genders={n: genders.get(n, "") for _, _, n in ranked},
    )


def _with(voice: Voice, setting: VoiceSetting | None) -> Voice:
    return replace(voice, **setting.prosody()) if setting is not None else voice


def _key(voice: Voice) -> tuple[str, str, str]:
    return voice.name, voice.rate, voice.pitch


def _storyteller(characters: Sequence[Character], config: VoicesConfig) -> Character | None:
    """The book's first-person narrator whose lines the narrator's voice reads
    (`reads_as_narrator`), most lines first, with the gender voices.yaml gives them, else
    the book's; None in a book told in the third person."""
    tellers = [c for c in characters if reads_as_narrator(c, config)]
    if not tellers:
        return None
    teller = min(tellers, key=lambda c: (-c.lines, c.name))
    listed = config.speakers.get(teller.name)
    return replace(teller, gender=(listed.gender if listed else None) or teller.gender)


def _default_narrator(locale: str, engine: str) -> str:
    """The engine's built-in narrator for the locale (its first where it has none)."""
    narrators = registry.info(engine).narrators
    return narrators.get(locale) or next(iter(narrators.values()))


def _narrator_of(
    gender: Gender | None, locale: str, engine: str, voices: Sequence[VoiceInfo], pool: _Pool
) -> str:
    """The narrator voice, when voices.yaml names none, for a book told in the first person
    by someone of `gender` (None: a third-person book, or a gender the book does not tell):
    the engine's stated narrator for the gender and locale (`narrators_by_gender`) where the
    engine offers it, else the built-in narrator where it is of that gender, else the first
    voice of the gender in the pool; the built-in narrator where the pool has none."""
    builtin = _default_narrator(locale, engine)
    if gender is None:
        return builtin
    offered = {v.name: v.gender for v in voices if v.engine == engine}
    stated = registry.info(engine).narrators_by_gender.get(gender, {}).get(locale)
    if stated and (not offered or stated in offered):
        return stated
    if _sex(offered.get(builtin, "")) == gender:
        return builtin
    tiers = pool.female if gender == "female" else pool.male
    return tiers[0][0] if tiers else builtin


def _named_narrator(config: VoicesConfig, locale: str, engine: str) -> str | None:
    """The narrator voice voices.yaml names for the engine: top-level `narrator`, else
    `defaults.<locale>.narrator`; None where it names none."""
    custom = config.defaults.get(locale)
    return _first_setting(engine, config.narrator, custom.narrator if custom else None)[0]


def _first_setting(engine: str, *settings: VoiceSetting | None) -> tuple[str | None, VoiceSetting]:
    """The first voice name the settings give for `engine`, and their prosody merged (the
    first wins)."""
    name = next((s.name_for(engine) for s in settings if s and s.name_for(engine)), None)
    merged: dict[str, str] = {}
    for s in reversed([s for s in settings if s is not None]):
        merged.update(s.prosody())
    prosody = VoiceSetting(
        rate=merged.get("rate"), pitch=merged.get("pitch"), volume=merged.get("volume")
    )
    return name, prosody


def _narrator_and_unknown(
    config: VoicesConfig, locale: str, engine: str, builtin: str
) -> tuple[Voice, Voice]:
    custom = config.defaults.get(locale)
    name, prosody = _first_setting(engine, config.narrator, custom.narrator if custom else None)
    narrator = _with(Voice(engine, name or builtin), prosody)
    name, prosody = _first_setting(engine, config.unknown, custom.unknown if custom else None)
    if name is None:
        unknown = replace(narrator, pitch=_shift(narrator.pitch, UNKNOWN_PITCH))
    else:
        unknown = Voice(engine, name)
    return narrator, _with(unknown, prosody)


def reads_as_narrator(character: Character, config: VoicesConfig) -> bool:
    """Whether the narrator's voice reads `character`'s lines: the book's first-person
    narrator, unless voices.yaml says `narrator: {first_person: own}` (a voice voices.yaml
    gives the character under `speakers` wins over both)."""
    return character.first_person and config.first_person == "narrator"


def _shift(pitch: str, by: str) -> str:
    return f"{parse_prosody('pitch', pitch) + parse_prosody('pitch', by):+d}Hz"


def build_cast(
    characters: Sequence[Character],
    *,
    language: Language,
    engine: str,
    config: VoicesConfig | None = None,
    voices: Sequence[VoiceInfo] = (),
    previous: Mapping[str, Voice] | None = None,
) -> Cast:
    """Give the narrator, the unknown speaker and every character a voice of `engine`.

    `voices` are the engine's voices (empty: the built-in list); `previous` is the cast
    saved by the last run (`load_cast`), which characters keep where it still fits.
    Characters listed only in voices.yaml are cast too.
    """
    config = config or VoicesConfig()
    locale = config.language or LANGUAGE_LOCALE.get(language, "zh-CN")
    pool = _pool(engine, locale, voices, config)
    teller = _storyteller(characters, config)
    builtin = _narrator_of(teller.gender if teller else None, locale, engine, voices, pool)
    narrator, unknown = _narrator_and_unknown(config, locale, engine, builtin)

    roster: dict[str, Character] = {}
    for setting in config.speakers.values():
        roster[setting.name] = Character(setting.name, setting.aliases, setting.gender)
    for c in characters:
        known = roster.get(c.name)
        if known is None:
            roster[c.name] = c
        else:
            merged = known.aliases + tuple(a for a in c.aliases if a not in known.aliases)
            roster[c.name] = replace(c, aliases=merged, gender=known.gender or c.gender)

    speakers: dict[str, Voice] = {}
    taken = _Taken({_key(narrator), _key(unknown)})
    for setting in config.speakers.values():
        name = setting.voice.name_for(engine)
        if name:
            speakers[setting.name] = _with(Voice(engine, name), setting.voice)
            taken.add(_key(speakers[setting.name]))

    for c in roster.values():
        if c.name not in speakers and reads_as_narrator(c, config):
            listed = config.speakers.get(c.name)
            speakers[c.name] = _with(narrator, listed.voice if listed else None)

    for name in sorted(previous or {}):
        voice = (previous or {})[name]
        if name in speakers or voice.engine != engine or voice.name == narrator.name:
            continue
        if voice.name not in pool.genders or _key(voice) in taken:
            continue
        gender = roster[name].gender if name in roster else None
        had = pool.genders[voice.name]
        if gender is not None and had in ("Female", "Male") and had != gender.capitalize():
            continue  # the book has since told us this is a woman (or a man)
        speakers[name] = voice
        taken.add(_key(voice))

    # Characters of unknown gender, by the sex of the voice they have so far.
    unsure: Counter[Gender] = Counter()
    for name, voice in speakers.items():
        sex = _sex(pool.genders.get(voice.name, ""))
        if sex is not None and name in roster and roster[name].gender is None:
            unsure[sex] += 1
    waiting = sorted(
        (c for c in roster.values() if c.name not in speakers), key=lambda c: (-c.lines, c.name)
    )
    for character in waiting:
        listed = config.speakers.get(character.name)
        wanted = character
        if character.gender is None and pool.female and pool.male:
            wanted = replace(character, gender=_lean(character.name, unsure))
            unsure[wanted.gender or "male"] += 1
        voice = _pick(wanted, pool, engine, narrator, taken, listed.voice if listed else None)
        speakers[character.name] = voice
        taken.add(_key(voice))

    aliases: dict[str, str] = {}
    for c in roster.values():
        for alias in c.aliases:
            if alias not in roster:
                aliases.setdefault(alias, c.name)
    return Cast(
        narrator=narrator,
        unknown=unknown,
        speakers=speakers,
        aliases=aliases,
        threshold=config.threshold,
    )


_SEXES: dict[str, Gender] = {"Male": "male", "Female": "female"}


def _sex(voice_gender: str) -> Gender | None:
    """'Male' / 'Female' as an engine writes it -> 'male' / 'female'; None for others."""
    return _SEXES.get(voice_gender)


def _lean(name: str, unsure: Counter[Gender]) -> Gender:
    """The sex of voice a character of unknown gender gets: the one fewer characters of
    unknown gender have so far, a tie going by the name's hash (the same every run)."""
    if unsure["male"] != unsure["female"]:
        return "male" if unsure["male"] < unsure["female"] else "female"
    return "male" if _start(name) % 2 else "female"


def _pick(
    character: Character,
    pool: _Pool,
    engine: str,
    narrator: Voice,
    taken: _Taken,
    setting: VoiceSetting | None,
) -> Voice:
    """The first free (voice, pitch, rate) for a character, probing from its name's hash:
    each variant of pitch and rate in turn, and in each the tiers in order.

    Every character probing the same tiers with the same fixed prosody starts at the first
    variant that is not yet full (`_Taken.first_free`), so a big cast does not probe the
    variants the characters before it filled: what it finds is what probing from the very
    first variant would find, in time that does not grow with the cast.
    """

    def without_narrator(tiers: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
        kept = (tuple(n for n in tier if n != narrator.name) for tier in tiers)
        return [tier for tier in kept if tier]

    own = pool.tiers(character.gender)
    tiers = without_narrator(own)
    if not tiers and character.gender is not None and any(narrator.name in t for t in own):
        tiers = [(narrator.name,)]  # the one voice of the sex: the narrator's, varied
    tiers = tiers or without_narrator(pool.anyone)
    if not tiers:
        tiers = [(narrator.name,)]  # nothing else to speak with: vary the narrator's voice
    start = _start(character.name)
    for tier in tiers:  # a voice nobody speaks with yet, at its own pitch and rate
        for i in range(len(tier)):
            name = tier[(start + i) % len(tier)]
            if name not in taken.names:
                return _with(Voice(engine, name), setting)
    # The key a probe makes: voices.yaml's rate or pitch, where it gives one, wins.
    fixed_rate = setting.rate if setting is not None else None
    fixed_pitch = setting.pitch if setting is not None else None
    names = list(dict.fromkeys(name for tier in tiers for name in tier))
    probe = (tuple(tiers), fixed_rate, fixed_pitch)
    index = taken.first_free.get(probe, 0)
    while True:
        variant = taken.variant(index)
        if variant is None:
            # Every voice at every variant is taken: the character shares one, picked from
            # its name's hash so a big cast spreads evenly over voices and variants.
            taken.first_free[probe] = index
            pitch, rate = taken.variant(start % index) or ("+0Hz", "+0%")
            name = names[start % len(names)]
            return _with(Voice(engine, name, rate=rate, pitch=pitch), setting)
        pitch, rate = variant
        key_rate = rate if fixed_rate is None else fixed_rate
        key_pitch = pitch if fixed_pitch is None else fixed_pitch
        if any((name, key_rate, key_pitch) not in taken for name in names):
            break
        if fixed_rate is not None and fixed_pitch is not None:
            # Every variant is this one: the voices are all taken at the prosody voices.yaml
            # fixes, so the character shares one (the first it probes).
            taken.first_free[probe] = index
            return _with(Voice(engine, tiers[0][start % len(tiers[0])]), setting)
        index += 1
    taken.first_free[probe] = index
    for tier in tiers:
        for i in range(len(tier)):
            name = tier[(start + i) % len(tier)]
            if (name, key_rate, key_pitch) not in taken:
                return _with(Voice(engine, name, rate=rate, pitch=pitch), setting)
    raise AssertionError("unreachable: the variant has a free voice")


# --- the table `audiobook cast` prints -----------------------------------------


@dataclass(frozen=True)
class CastRow:
    role: str
    """'narrator', 'unknown' or 'character'."""
    name: str
    lines: int | None
    aliases: tuple[str, ...]
    gender: Gender | None
    voice: str
    """Voice name, with any prosody: 'zh-CN-YunxiNeural (pitch -8Hz, rate -6%)'."""


def describe_voice(voice: Voice) -> str:
    changes = [
        f"{key} {value}"
        for key, value, neutral in (
            ("pitch", voice.pitch, "+0Hz"),
            ("rate", voice.rate, "+0%"),
            ("volume", voice.volume, "+0%"),
        )
        if value != neutral
    ]
    return f"{voice.name} ({', '.join(changes)})" if changes else voice.name


def cast_table(characters: Sequence[Character], cast: Cast) -> list[CastRow]:
    """Narrator, unknown, then the characters, most lines first (ties by name)."""
    rows = [
        CastRow("narrator", "narrator", None, (), None, describe_voice(cast.narrator)),
        CastRow("unknown", "unknown", None, (), None, describe_voice(cast.unknown)),
    ]
    for c in sorted(characters, key=lambda c: (-c.lines, c.name)):
        voice = cast.speakers.get(c.name, cast.unknown)
        rows.append(
            CastRow("character", c.name, c.lines, c.aliases, c.gender, describe_voice(voice))
        )
    return rows


def book_locale(language: Language, config: VoicesConfig | None = None) -> str:
    """The locale whose voices read a book: voices.yaml's `language`, else the book's own."""
    given = config.language if config is not None else None
    return given or LANGUAGE_LOCALE.get(language, "zh-CN")


def cast_notes(
    characters: Sequence[Character],
    cast: Cast,
    *,
    language: Language,
    engine: str,
    config: VoicesConfig | None = None,
    voices: Sequence[VoiceInfo] = (),
) -> list[str]:
    """What `audiobook cast` says under its table about choices casting made for the
    user: characters speaking with another locale's voices because the book's has too few
    (zh-TW has one male Edge voice, the narrator's), characters of unknown gender, whose
    voices alternate male and female, a first-person narrator read in the narrator's
    voice, and the narrator's voice of their gender where it is not the built-in one."""
    config = config or VoicesConfig()
    locale = book_locale(language, config)
    label = registry.info(engine).label
    offered = {v.name: v for v in voices if v.engine == engine}
    chosen = {
        s.name for s in config.speakers.values() if s.voice.name_for(engine)
    }  # the user's own choice needs no note
    genders = {s.name: s.gender for s in config.speakers.values() if s.gender}
    storyteller = [
        c.name for c in characters if c.name not in chosen and reads_as_narrator(c, config)
    ]
    chosen.update(storyteller)  # the narrator's voice is no pick of casting's
    by_lines = sorted(characters, key=lambda c: (-c.lines, c.name))
    notes: list[str] = []
    for name in storyteller:
        notes.append(
            f"the first-person narrator ({name}) speaks with the narrator's voice; for a "
            "voice of their own, write 'narrator: {first_person: own}' in voices.yaml"
        )
    teller = _storyteller(characters, config)
    if (
        teller is not None
        and teller.gender is not None
        and _named_narrator(config, locale, engine) is None
        and cast.narrator.name != _default_narrator(locale, engine)
    ):
        person, voice = (
            ("a woman", "a woman's") if teller.gender == "female" else ("a man", "a man's")
        )
        notes.append(
            f"the book is told in the first person by {person} ({teller.name}): the "
            f"narrator's voice is {voice}, {cast.narrator.name}; to choose another, write "
            "'narrator: <voice>' in voices.yaml"
        )

    own = [
        v
        for v in offered.values()
        if _locale_rank(v.locale, (locale,)) is not None and "Multilingual" not in v.name
    ]
    borrowed = [
        c.name
        for c in by_lines
        if c.name not in chosen
        and c.name in cast.speakers
        and cast.speakers[c.name].name in offered
        and _locale_rank(offered[cast.speakers[c.name].name].locale, (locale,)) is None
    ]
    if own and borrowed:
        lent = sorted({offered[cast.speakers[n].name].locale for n in borrowed})
        males = sum(v.gender == "Male" for v in own)
        females = sum(v.gender == "Female" for v in own)
        names = ", ".join(borrowed[:5]) + (", ..." if len(borrowed) > 5 else "")
        notes.append(
            f"{locale} has {males} male and {females} female {label} voices, so "
            f"{_count(len(borrowed), 'character')} speak with {' and '.join(lent)} voices "
            f"({names}); to keep to {locale} voices (reused at other pitches), write "
            f"'defaults: {{{locale}: {{borrow: none}}}}' in voices.yaml"
        )

    unsure = [
        c.name
        for c in by_lines
        if c.name in cast.speakers
        and c.name not in chosen
        and not (genders.get(c.name) or c.gender)
    ]
    pool = _pool(engine, locale, voices, config)
    if unsure and pool.male and pool.female:
        notes.append(
            f"{_count(len(unsure), 'character')} of unknown gender: voices alternate male and "
            "female; set gender in voices.yaml ('cast --write' adds the characters to it)"
        )
    return notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
