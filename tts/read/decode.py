"""A book file's bytes -> text, and the error every reader raises about a file.

`decode_text` finds the encoding of a plain-text book by trying the encodings
its readers' books come in (UTF-8 and UTF-16 with or without a byte-order mark,
GB18030, Big5, then what a detector suggests) and keeping the first reading that
looks like prose; valid UTF-8 or a byte-order mark is no guess, so it only has to
be free of control characters (a page of dialogue may be mostly quote marks).
Bytes that are no text at all (a PDF, a ZIP, an image) are refused with the fix.
`file_error` is the `InputError` that starts with the file's path, which the
plain-text and EPUB readers both raise.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from tts.errors import InputError
from tts.read.clean import HAN

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (.epub/.docx/.zip)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7z archive"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office document"),
    (b"ID3", "an MP3 file"),
    (b"RIFF", "a RIFF (WAV/WebP) file"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_FIX = "save it as plain text (.txt, UTF-8) and try again"

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_LETTER_RE = re.compile(
    f"[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff{HAN}\u3040-\u30ff\uac00-\ud7a3]+"
)
_HAN_RUN_RE = re.compile(f"[{HAN}]+")
_ASCII_LETTER_RE = re.compile("[A-Za-z]")
_HAN_IN_WORD = f"[A-Za-z][{HAN}]|[{HAN}][A-Za-z]"
"""Han glued to a Latin letter; a pattern string that re compiles on first use (a Han class
takes milliseconds to compile, and only texts with Latin letters need it)."""
_ACCENTED_RE = re.compile("[\u0080-\u024f]+")

_COMMON_HAN = frozenset(
    "的一是不了人我在有他這这個个們们中來来上大為为和國国地到以說说時时要就出會会可也你對对生能而子"
    "那得於于著着下自之年過过發发後后作裡里用道行所然家種种事成方多經经麼么去法學学如都同現现當当沒没"
    "動动面起看定天分還还進进好小部其些主樣样理心她本前開开但因只從从想實实日軍军者意無无力它與与長长"
    "把機机十民第公此已工使情明性知全三又關关點点正業业外將将兩两高間间由問问很最重並并物手應应戰战向"
    "頭头文體体政美相見见被利什二等產产或新己制身果加西斯月話话合回特代內内信表化老給给世位次度門门任"
    "常先海通教兒儿原東东聲声提立及比員员解水名真論论處处走義义各入幾几口認认條条平系氣气題题活爾尔更"
    "別别打女變变四神總总何電电數数安少報报才結结反受目太量再感建務务做接必場场件計计管期市直德資资命"
    "山金指克許许統统區区保至隊队形社便空決决治展馬马科司五基眼書书非則则聽听白卻却界達达光放強强即像"
    "難难且權权思王象完設设式色路記记南品住告類类求據据程北邊边死張张該该交規规萬万取拉格望覺觉術术領"
    "领共確确傳传師师觀观清今切院讓让識识候帶带導导爭争運运笑飛飞風风步改收根干造言聯联持組组每濟济車"
    "车親亲極极林服快辦办議议往元英士證证近失轉转夫令準准布始怎呢存未遠远叫台單单影具羅罗字愛爱擊击流"
    "備备兵連连調调深商算質质團团集百需價价花黨党華华城石級级整府離离況况亞亚請请技際际約约示復复病息究"
    "線线似官火斷断精滿满支視视消越器容照須须九增研寫写稱称企八功嗎吗包片史委乎查輕轻易早曾除農农找裝装"
    "廣广顯显吧阿李標标談谈吃圖图念六引歷历首醫医局突專专費费號号盡尽另周較较注語语仅仅考落青隨随選选列"
    "武紅红響响雖虽推勢势參参希古眾众構构房半節节土投某案黑維维革劃划敵敌致陳陈律足態态護护七興兴派孩"
    "驗验責责營营星夠够章音跟志底站嚴严巴例防族供效續续施留講讲型料終终答緊紧黃黄絕绝奇察母京段依批群"
    "項项故按河米圍围江織织害斗雙双境客紀纪采舉举殺杀攻父蘇苏密低朝友訴诉止細细願愿千值仍男錢钱破網网"
    "熱热助倒育屬属坐帝限船臉脸職职速刻樂乐否剛刚威毛狀状率甚獨独球般普怕彈弹校苦創创假久錯错承印晚蘭"
    "兰試试股拿腦脑預预誰谁益陽阳若哪微尼繼继送急血驚惊傷伤素藥药適适波夜省初喜衛卫源食險险待述陸陆習"
    "习置居勞劳財财環环排福納纳歡欢雷警獲获模充負负雲云停木游龍龙樹树疑層层冷洲沖冲射略範范竟句室異异"
    "激漢汉村哈策演簡简卡罪判擔担州靜静退既衣您宗積积餘余痛檢检差富靈灵協协角佔占配征修皮揮挥勝胜降階"
    "阶審审沉堅坚善媽妈劉刘讀读啊超免壓压銀银買买皇養养伊懷怀執执副亂乱爭抗犯追幫帮宣佛歲岁航優优怪香"
)
"""The most frequent Chinese characters, both scripts: a right decoding is full of them."""


def file_error(path: Path, what: str) -> InputError:
    """The error for a book file: its path, then what is wrong with it and the fix."""
    return InputError(f"{path}: {what}")


def _bom_less_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for BOM-less UTF-16 with mostly ASCII text, else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:65536]
    half = len(sample) // 2
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    if odd_nul > 0.3 * half and even_nul < 0.02 * half:
        return "utf-16-le"
    if even_nul > 0.3 * half and odd_nul < 0.02 * half:
        return "utf-16-be"
    return None


def _han(text: str) -> str:
    """The Han characters in the first part of `text`, the part a decoding is judged on."""
    return "".join(_HAN_RUN_RE.findall(text[:200_000]))


def _common_share(han: str) -> float:
    """Share of these Han characters that are everyday ones."""
    return sum(map(_COMMON_HAN.__contains__, han)) / len(han) if han else 0.0


def _visible(sample: str) -> int:
    return len(sample) - sample.count(" ") - sample.count("\n") - sample.count("\t")


def _is_binary(sample: str) -> bool:
    """Control characters or broken bytes all through it: data, not text, in any encoding."""
    visible = _visible(sample)
    controls = len(_CONTROL_RE.findall(sample))
    replacements = sample.count("\ufffd")
    return controls > 0.01 * visible or replacements > 0.005 * visible


def _plausibility(text: str) -> float:
    """0 for garbage, higher for text that reads like a book (letters, few controls)."""
    sample = text[:200_000]
    visible = _visible(sample)
    if visible <= 0 or _is_binary(sample):
        return 0.0
    letters = len(sample) - len(_LETTER_RE.sub("", sample))
    accented = len(sample) - len(_ACCENTED_RE.sub("", sample))
    if accented > 0.3 * max(letters, 1):
        return 0.0  # CJK bytes read as Latin-1/cp1252: a soup of accented letters
    score = letters / visible
    han = _han(sample)
    if (
        han
        and _ASCII_LETTER_RE.search(sample)
        and len(re.findall(_HAN_IN_WORD, sample)) > 0.2 * len(han)
    ):
        return 0.0  # accented Latin read as double-byte Chinese: Han glued inside words
    if len(han) >= 4:
        # A wrong legacy CJK decoding is still all Han, but rarely common Han.
        common = _common_share(han)
        if common < 0.15:
            return 0.0
        score = min(score, 0.5 + common)
    return score


_PLAUSIBLE = 0.5


def _legacy_name(name: str) -> str:
    """The codec to decode with for what a detector calls the bytes."""
    name = codecs.lookup(name).name
    if name in ("gbk", "gb2312", "gb18030", "hz"):
        return "gb18030"
    if name in ("big5", "cp950"):
        return "cp950"
    return name


_CHINESE_LEGACY = ("gb18030", "cp950")


def _other_candidates(data: bytes) -> list[str]:
    """Encodings to try, in order, once GB18030 and Big5 have failed."""
    from charset_normalizer import from_bytes

    # Our readers' books are Chinese or English: Western Latin goes before whatever
    # single-byte code page the detector prefers for a few accented letters.
    names = ["cp1252"]
    best = from_bytes(data[:262_144]).best()
    if best is not None:
        names.append(_legacy_name(best.encoding))
    names += ["big5hkscs", "latin-1"]
    if len(data) % 2 == 0:
        names += ["utf-16-le", "utf-16-be"]
    return list(dict.fromkeys(names))


def _decode_lenient(data: bytes, name: str) -> str | None:
    """Decode, skipping a few broken byte sequences (a cut-off last character, a bad
    sector); None when the bytes are not in this encoding at all."""
    try:
        return data.decode(name)
    except LookupError:
        return None
    except UnicodeDecodeError:
        pass
    text = data.decode(name, errors="replace")
    bad = text.count("\ufffd")
    decoded = len(text) - len(text.encode("ascii", "ignore")) - bad  # good non-ASCII characters
    if bad > max(4, len(data) // 5000) or decoded < 20 * bad:
        return None
    return text.replace("\ufffd", "")


def _try(data: bytes, name: str) -> tuple[float, str]:
    text = _decode_lenient(data, name)
    if text is None:
        return 0.0, ""
    return _plausibility(text), text


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """The text and the name of the encoding it was read in."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(name.replace("-sig", "")), name
            except UnicodeDecodeError as exc:
                raise file_error(
                    path,
                    f"starts with a {name} byte-order mark but is not {name} "
                    f"({exc.reason} at byte {exc.start}); {_FIX}",
                ) from None
    utf16 = _bom_less_utf16(data)
    if utf16 is not None:
        try:
            return data.decode(utf16), utf16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        # BOM-less UTF-16 of Chinese text has NULs only in its ASCII (newlines, digits).
        for name in ("utf-16-le", "utf-16-be") if len(data) % 2 == 0 else ():
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            if _plausibility(text) >= _PLAUSIBLE:
                return text, name
        raise file_error(path, f"holds binary data (NUL bytes), not text; {_FIX}")
    utf8 = _decode_lenient(data, "utf-8")
    if utf8 is not None:
        return utf8, "utf-8"
    # GB18030 decodes most Big5 bytes too (into rare characters): take the better reading.
    scored = [(*_try(data, name), name) for name in _CHINESE_LEGACY]
    chinese = max(scored, key=lambda x: (x[0] >= _PLAUSIBLE, _common_share(_han(x[1]))))
    best: tuple[float, str, str] | None = chinese if chinese[0] >= _PLAUSIBLE else None
    if best is None:
        for name in _other_candidates(data):
            score, text = _try(data, name)
            if score >= _PLAUSIBLE:
                best = (score, text, name)
                break
    if best is None:
        raise file_error(
            path, f"cannot tell the text encoding (not UTF-8, GB18030, Big5 or UTF-16); {_FIX}"
        )
    return best[1], best[2]


_EMPTY = "is empty; give a text file that holds the book"
_UNICODE = frozenset({"utf-8", *(name for _, name in _BOMS)})
"""The encodings a reading in is no guess: valid UTF-8, or a byte-order mark."""


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """A text file's bytes -> (text, encoding name); `path` only names the file in errors.

    Line endings become '\\n'; a leading byte-order mark is dropped. Raises the
    `InputError` that says what the bytes are instead (nothing, a PDF, a ZIP, text
    in no encoding we know) and how to fix it.
    """
    if not data or data.isspace():  # (not data.strip(), without copying the file)
        raise file_error(path, _EMPTY)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise file_error(path, f"is {kind}, not text; {_FIX}")
    text, encoding = _decode(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():
        raise file_error(path, _EMPTY)
    if encoding in _UNICODE:
        # Bytes that are valid UTF-8 (or carry a byte-order mark) are text in that encoding
        # unless they hold data: a page of dialogue may be mostly quote marks, not letters.
        looks_wrong = _is_binary(text[:200_000])
    else:
        looks_wrong = _plausibility(text) < 0.3
    if looks_wrong:
        raise file_error(path, f"does not look like text in {encoding}; {_FIX}")
    return text, encoding
