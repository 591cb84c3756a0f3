"""The studio in a real browser: headless Chromium (Debian's `chromium`) driven by
Playwright, on the chapter written for the tests, spoken by the tone engine. What a user
does: open the page, filter the doubtful lines, give one to a character with the keyboard,
type a new name, merge it into a character, listen to a line, render and play the result;
then the files on disk and `script --format jsonl` say the same.

Screenshots at 1280 px wide go to artifacts/ (not committed) for a reviewer to look at.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import CHROMIUM, FLAGS
from studio_client import CHAPTER_EN, Studio, served

HOW = (
    "install Debian's chromium ('apt-get install chromium') and the test extra "
    "(pip install -e '.[test]', which brings playwright)"
)
try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    pytestmark = pytest.mark.skip(reason=f"needs playwright: {HOW}")
else:
    if not CHROMIUM.is_file():
        pytestmark = pytest.mark.skip(reason=f"needs {CHROMIUM}: {HOW}")

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
WAIT = 15_000
"""Milliseconds a step may take before the test fails."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fresh profile of its own."""
    profile = tempfile.mkdtemp(prefix="studio-chromium-")
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def studio(in_tmp: Path, tone_engine: str) -> Iterator[Studio]:
    with served(in_tmp, tone_engine) as running:
        yield running


@pytest.fixture
def page(browser: Any, studio: Studio) -> Iterator[Page]:
    opened = browser.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.goto(studio.url)
    opened.wait_for_selector("body[data-ready='1']", timeout=WAIT)
    yield opened
    opened.close()
    assert not errors, errors


def row(page: Page, index: int, chapter: int = 1) -> Any:
    return page.locator(f'#lines .line[data-ch="{chapter}"][data-i="{index}"]')


def who(page: Page, index: int) -> str:
    return row(page, index).locator(".who").inner_text()


def wait_for_who(page: Page, index: int, name: str) -> None:
    page.wait_for_function(
        """([i, name]) => {
            const r = document.querySelector(`#lines .line[data-ch="1"][data-i="${i}"] .who`);
            return r && r.textContent === name;
        }""",
        arg=[index, name],
        timeout=WAIT,
    )


def script_jsonl(book: Path) -> dict[int, dict[str, Any]]:
    from click.testing import CliRunner

    from tts.cli import main

    result = CliRunner().invoke(
        main, ["script", str(book), "--format", "jsonl", "--engine", "tone"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    return {x["index"]: x for x in lines}


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_open_filter_fix_with_the_keyboard_listen_and_render(page: Page, studio: Studio) -> None:
    assert page.locator("#title").inner_text() == "studio-chapter"
    assert page.locator("#lines .line.dialogue").count() >= 20
    assert who(page, 2) == "李振國"
    assert "named before a colon" in row(page, 2).locator(".why").inner_text()
    shoot(page, "studio-zh.png")

    # the doubtful lines, the least sure first
    page.keyboard.press("d")
    doubtful = len(studio.doubtful())
    page.wait_for_selector(f"text={doubtful} doubtful lines, the least sure first", timeout=WAIT)
    texts = page.locator("#lines .line .text").all_inner_texts()
    assert [t.split("\n")[-1] for t in texts][:3] == [
        "著火了！",
        "三號倉庫起火，請求支援！",
        "快，叫消防！",
    ]
    assert page.locator("#lines .line.doubtful").count() == doubtful
    shoot(page, "studio-zh-doubtful.png")

    # the first is selected; j j moves to 快，叫消防！, 1 gives it to the cast's first
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "selected" in (row(page, 35).get_attribute("class") or "")
    page.keyboard.press("1")
    wait_for_who(page, 35, "李振國")
    assert "fixed" in (row(page, 35).get_attribute("class") or "")
    fixes = studio.session.fixes_path.read_text(encoding="utf-8")
    assert "快，叫消防！" in fixes and "speaker: 李振國" in fixes

    # u undoes it, 1 again redoes it
    row(page, 35).click()
    page.keyboard.press("u")
    wait_for_who(page, 35, "老孫")
    assert "李振國" not in studio.session.fixes_path.read_text(encoding="utf-8")
    page.keyboard.press("1")
    wait_for_who(page, 35, "李振國")

    # a name typed close to a cast name is warned of; a new one makes a new character
    row(page, 37).click()
    page.keyboard.press("t")
    page.fill("#name-input", "許漫")
    page.keyboard.press("Enter")
    warning = page.locator("#name-warning")
    warning.wait_for(state="visible", timeout=WAIT)
    assert "close to 許曼" in warning.inner_text()
    page.fill("#name-input", "曼姐")
    page.keyboard.press("Enter")
    wait_for_who(page, 37, "曼姐")
    assert page.locator('#cast .character[data-name="曼姐"]').count() == 1

    # back to the whole chapter; listen to a line: the audio element gets audio/mpeg
    page.keyboard.press("d")
    row(page, 5).click()
    with page.expect_response(lambda r: "/api/audio/line/1/5" in r.url) as heard:
        page.keyboard.press("p")
    assert heard.value.status == 200
    assert heard.value.headers["content-type"] == "audio/mpeg"
    page.wait_for_function("document.querySelector('#player').duration > 0", timeout=WAIT)

    # render from the page, with progress, then play the result by its chapter list
    page.click("#render-button")
    page.wait_for_function(
        "document.querySelector('#render-state').textContent.startsWith('Wrote')",
        timeout=60_000,
    )
    written = Path("output/studio-chapter.mp3")
    assert written.is_file() and written.stat().st_size > 10_000
    assert page.locator("#result-chapters li").all_inner_texts() == ["第37章 夜查碼頭 (0:00)"]
    page.wait_for_function("document.querySelector('#result-audio').duration > 10", timeout=WAIT)
    shoot(page, "studio-zh-rendered.png")

    heard_lines = script_jsonl(studio.book)
    assert heard_lines[35]["speaker"] == "李振國" and heard_lines[35]["method"] == "fixed"
    assert heard_lines[37]["speaker"] == "曼姐"


def test_merge_two_characters_and_change_a_voice_in_the_cast_panel(
    page: Page, studio: Studio
) -> None:
    studio.post("api/lines", {"lines": [[1, 37]], "speaker": "曼姐"})
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT)
    page.locator('#cast .character[data-name="許曼"] .row').click()
    editor = page.locator('#cast .character[data-name="許曼"] .editor')
    editor.locator(".merge-select").select_option("曼姐")
    editor.get_by_role("button", name="Merge").click()
    page.wait_for_selector('#cast .character[data-name="曼姐"]', state="detached", timeout=WAIT)
    wait_for_who(page, 37, "許曼")
    voices = Path("voices.yaml").read_text(encoding="utf-8")
    assert "許曼" in voices and "曼姐" in voices
    assert script_jsonl(studio.book)[37]["speaker"] == "許曼"

    # a voice for her (her editor stays open): from the list for the book's language and
    # her gender, tried first
    editor = page.locator('#cast .character[data-name="許曼"] .editor')
    choices = editor.locator(".voice-select option")
    choices.first.wait_for(state="attached", timeout=WAIT)
    offered = choices.evaluate_all("(options) => options.map((o) => o.value)")
    assert offered and all(v.startswith("tone-zh-") for v in offered)
    before = studio.line(5)["voice"]
    chosen = next(v for v in reversed(offered) if v != before)
    editor.locator(".voice-select").select_option(chosen)
    editor.locator(".rate-input").fill("+10%")
    with page.expect_response(lambda r: "/api/audio/audition" in r.url) as tried:
        editor.get_by_role("button", name="Try").click()
    assert tried.value.headers["content-type"] == "audio/mpeg"
    editor.get_by_role("button", name="Set voice").click()
    page.wait_for_function(
        """(voice) => document.querySelector('#lines .line[data-ch="1"][data-i="5"] .meta')
            .textContent.startsWith(voice)""",
        arg=chosen,
        timeout=WAIT,
    )
    voices = Path("voices.yaml").read_text(encoding="utf-8")
    assert chosen in voices and "+10%" in voices
    assert script_jsonl(studio.book)[5]["voice"] == chosen


def test_a_change_in_another_tab_shows_up(browser: Any, page: Page, studio: Studio) -> None:
    other = browser.new_page()
    other.goto(studio.url)
    other.wait_for_selector("body[data-ready='1']", timeout=WAIT)
    row(page, 30).click()
    page.keyboard.press("1")  # 好了，你先回去 is 李振國's
    wait_for_who(page, 30, "李振國")
    wait_for_who(other, 30, "李振國")  # the other tab polls, and shows it
    other.wait_for_selector("text=Updated with a change made elsewhere", timeout=WAIT)
    other.close()


def test_an_english_chapter(browser: Any, in_tmp: Path, tone_engine: str) -> None:
    with served(in_tmp, tone_engine, CHAPTER_EN) as studio:
        page = browser.new_page()
        page.goto(studio.url)
        page.wait_for_selector("body[data-ready='1']", timeout=WAIT)
        assert who(page, 2) == "Elias"
        assert row(page, 2).locator(".why").inner_text() == "named after the quote"
        page.keyboard.press("j")
        shoot(page, "studio-en.png")
        page.close()


def test_the_same_fix_nearby_only_when_asked(page: Page, studio: Studio) -> None:
    # 許曼 is given lines 10, 12 and 18 by turn-taking; 10 and 12 are 周振邦's
    cast = [c["name"] for c in studio.get("api/book")["cast"]]
    row(page, 10).click()
    page.keyboard.press(str(cast.index("周振邦") + 1))  # his number in the cast
    wait_for_who(page, 10, "周振邦")
    assert who(page, 12) == "許曼" and who(page, 18) == "許曼"  # nothing else changed
    page.keyboard.press("s")
    dialog = page.locator("#similar-dialog")
    dialog.wait_for(state="visible", timeout=WAIT)
    assert "2 lines nearby were given to 許曼 the same way" in dialog.inner_text()
    boxes = dialog.locator("input[type=checkbox]")
    assert boxes.count() == 2
    boxes.nth(1).uncheck()  # line 18 is hers indeed
    dialog.get_by_role("button", name="Apply to the ticked lines").click()
    wait_for_who(page, 12, "周振邦")
    assert who(page, 18) == "許曼"
    lines = script_jsonl(studio.book)
    assert [lines[i]["speaker"] for i in (10, 12, 18)] == ["周振邦", "周振邦", "許曼"]
