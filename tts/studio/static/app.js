// audiobook studio: the page. Plain JavaScript, no build step, nothing from the internet.
// Every URL is relative to the page's own (/<token>/), so the token goes with each request.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = {
  book: null,          // api/book
  version: 0,          // the version this page shows
  mode: "chapters",    // "chapters" or "doubtful"
  loaded: [],          // the parts shown, in order: {chapter, start, next}
  loading: false,
  selected: null,      // [chapter, index]
  undo: [],            // [{lines: [[ch, i, wasFixed, speaker, kind]], label}]
  lastFix: null,       // {chapter, index, method, before, speaker}: for "same pattern nearby"
  editing: null,       // the cast member whose editor is open
};

// --- talking to the server --------------------------------------------------------

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch (e) { data = null; }
  if (!response.ok) {
    throw new Error((data && data.error) || text.trim() || `${response.status} ${response.statusText}`);
  }
  return data;
}

function toast(message, isError) {
  const el = $("#toast");
  el.textContent = message;
  el.classList.toggle("error", !!isError);
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.hidden = true; }, isError ? 7000 : 3500);
}

function status(text) { $("#status").textContent = text; }

async function attempt(work) {
  try { return await work(); } catch (e) { toast(e.message, true); return null; }
}

// --- the book, the chapter list, the cast ------------------------------------------

async function loadBook() {
  const book = await api("api/book");
  state.book = book;
  state.version = book.version;
  document.title = `${book.title} — audiobook studio`;
  $("#title").textContent = book.title;
  const doubtful = book.chapters.reduce((n, c) => n + c.doubtful, 0);
  $("#doubtful-count").textContent = `(${doubtful})`;
  status(`${book.chapters.length} chapters · engine ${book.engine} · fixes in ${book.fixes_file}`);
  const notes = [...book.notes, ...book.warnings];
  $("#notes").textContent = notes.join(" · ");
  $("#notes").classList.toggle("problem", !!book.problem);
  if (book.problem) {
    $("#notes").textContent = `The files cannot be read as they are now, so the page shows them as they were: ${book.problem}`;
  }
  drawChapterList();
  drawCast();
}

function drawChapterList() {
  const list = $("#chapter-list");
  const items = [];
  for (const c of state.book.chapters) {
    const li = document.createElement("li");
    li.dataset.chapter = c.number;
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = c.title;
    li.title = `${c.title}: ${c.lines} lines of dialogue, ${c.doubtful} doubtful`;
    li.append(title);
    if (c.doubtful) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = `${c.doubtful}?`;
      li.append(badge);
    }
    items.push(li);
  }
  list.replaceChildren(...items);
  markCurrentChapter();
}

function markCurrentChapter() {
  const current = state.selected ? state.selected[0] : (state.loaded[0] || {}).chapter;
  for (const li of $("#chapter-list").children) {
    li.classList.toggle("current", Number(li.dataset.chapter) === current);
  }
}

function castNames() { return state.book.cast.map((c) => c.name); }

function drawCast() {
  const book = state.book;
  $("#voices-file").textContent = book.voices_file
    ? `Changes go to ${book.voices_file}` : (book.voices_note || "");
  const list = $("#cast");
  const rows = [];
  const narrator = document.createElement("li");
  narrator.className = "narrator";
  narrator.innerHTML = '<div class="row"><span class="key">n</span><span class="name"></span></div><div class="voice"></div>';
  narrator.querySelector(".name").textContent = "narrator";
  narrator.querySelector(".voice").textContent = describeVoice(book.narrator);
  narrator.querySelector(".row").addEventListener("click", () => toggleEditor(NARRATOR));
  if (state.editing === NARRATOR) narrator.append(voiceEditor(null, book.narrator));
  rows.push(narrator);
  book.cast.forEach((c, i) => {
    const li = document.createElement("li");
    li.className = "character";
    li.dataset.name = c.name;
    li.style.setProperty("--c", c.colour);
    const row = document.createElement("div");
    row.className = "row";
    const key = document.createElement("span");
    key.className = "key";
    key.textContent = i < 9 ? String(i + 1) : "";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = c.name;
    if (c.aliases.length) name.title = `also: ${c.aliases.join(", ")}`;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = `${c.lines} · ${c.gender || "?"}`;
    const listen = document.createElement("button");
    listen.className = "audition";
    listen.title = `Hear ${c.name}'s voice on one of their lines`;
    listen.textContent = "▶";
    listen.addEventListener("click", (e) => { e.stopPropagation(); audition(c.name); });
    row.append(key, swatch, name, count, listen);
    row.addEventListener("click", () => toggleEditor(c.name));
    const voice = document.createElement("div");
    voice.className = "voice";
    voice.textContent = (c.voice ? describeVoice(c.voice) : "unknown voice") +
      (c.aliases.length ? ` · also ${c.aliases.join(", ")}` : "");
    li.append(row, voice);
    if (state.editing === c.name) li.append(editor(c));
    rows.push(li);
  });
  list.replaceChildren(...rows);
  const names = $("#cast-names");
  names.replaceChildren(...castNames().map((n) => { const o = document.createElement("option"); o.value = n; return o; }));
}

function describeVoice(v) {
  const extra = [];
  if (v.rate && v.rate !== "+0%") extra.push(`rate ${v.rate}`);
  if (v.pitch && v.pitch !== "+0Hz") extra.push(`pitch ${v.pitch}`);
  return extra.length ? `${v.name} (${extra.join(", ")})` : v.name;
}

function toggleEditor(name) {
  state.editing = state.editing === name ? null : name;
  drawCast();
}

function button(label, action, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (title) b.title = title;
  b.addEventListener("click", action);
  return b;
}

function field(placeholder, value) {
  const input = document.createElement("input");
  input.type = "text";
  input.placeholder = placeholder;
  input.value = value || "";
  return input;
}

function pair(...children) {
  const div = document.createElement("div");
  div.className = "pair";
  div.append(...children);
  return div;
}

const NARRATOR = "\u0000narrator";  // the narrator's editor: no character has this name

function editor(c) {
  const box = document.createElement("div");
  box.className = "editor";
  const rename = field("new name", c.name);
  rename.className = "rename-input";
  box.append(pair(rename, button("Rename", () => castChange({action: "rename", name: c.name, new: rename.value}))));

  const others = document.createElement("select");
  others.className = "merge-select";
  for (const other of castNames()) {
    if (other === c.name) continue;
    const o = document.createElement("option");
    o.value = other;
    o.textContent = other;
    others.append(o);
  }
  box.append(pair(document.createTextNode("is also"), others, button("Merge", () => {
    if (others.value) castChange({action: "merge", keep: c.name, other: others.value});
  }, `The other name becomes an alias of ${c.name}: its lines are ${c.name}'s`)));

  const gender = document.createElement("select");
  gender.className = "gender-select";
  for (const [value, label] of [["", "gender unknown"], ["male", "male"], ["female", "female"]]) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    if ((c.gender || "") === value) o.selected = true;
    gender.append(o);
  }
  gender.addEventListener("change", () => castChange({action: "gender", name: c.name, gender: gender.value}));
  box.append(pair(gender, button("Not a character", () => castChange({action: "not-character", name: c.name}),
    `"${c.name}" is not a person: its lines go to the unknown voice`)));

  box.append(...voiceEditor(c.name, c.voice).children);
  return box;
}

function voiceEditor(name, current) {
  // a voice from the engine's for the book's language (and the character's gender; the
  // narrator: any), with rate and pitch; Try plays it on one of their lines first
  const box = document.createElement("div");
  box.className = "editor";
  const voice = document.createElement("select");
  voice.className = "voice-select";
  const all = document.createElement("input");
  all.type = "checkbox";
  const allLabel = document.createElement("label");
  allLabel.append(all, " every voice");
  const rate = field("rate +0%", current ? current.rate : "");
  rate.className = "rate-input";
  const pitch = field("pitch +0Hz", current ? current.pitch : "");
  pitch.className = "pitch-input";
  const fill = async () => {
    const who = name === null ? "" : `name=${encodeURIComponent(name)}&`;
    const found = await attempt(() => api(`api/voices?${who}${all.checked ? "all=1" : ""}`));
    if (!found) return;
    voice.replaceChildren(...found.voices.map((v) => {
      const o = document.createElement("option");
      o.value = v.name;
      o.textContent = `${v.name} (${v.gender})`;
      if (current && current.name === v.name) o.selected = true;
      return o;
    }));
  };
  all.addEventListener("change", fill);
  fill();
  const trial = () => ({voice: voice.value, rate: rate.value, pitch: pitch.value});
  const change = () => (name === null
    ? {action: "narrator-voice", ...trial()}
    : {action: "voice", name, ...trial()});
  box.append(pair(voice, allLabel));
  box.append(pair(rate, pitch,
    button("Try", () => audition(name, trial()), "Hear this voice on one of their lines before choosing it"),
    button("Set voice", () => castChange(change()))));
  return box;
}

async function castChange(change) {
  status("Changing the cast: the book is read again…");
  const done = await attempt(() => api("api/cast", change));
  status("");
  if (!done) return;
  if (change.action === "rename") state.editing = change.new.trim();
  if (change.action === "not-character") state.editing = null;
  toast(describeChange(change));
  await refresh(done.version);
}

function describeChange(c) {
  switch (c.action) {
    case "rename": return `${c.name} is now ${c.new}`;
    case "merge": return `${c.other} is now an alias of ${c.keep}`;
    case "not-character": return `${c.name} is not a character: their lines go to the unknown voice`;
    case "gender": return `${c.name}: ${c.gender || "gender unknown"}`;
    case "voice": return `${c.name} speaks with ${c.voice}`;
    case "narrator-voice": return `The narrator reads with ${c.voice}`;
    default: return "changed";
  }
}

// --- lines -------------------------------------------------------------------------

function lineRow(line, showWhere) {
  if (line.kind === "pause") {
    const div = document.createElement("div");
    div.className = "pause";
    div.textContent = "· · ·";
    return div;
  }
  if (line.kind === "heading") {
    const h = document.createElement("h2");
    h.className = "chapter-head";
    h.textContent = line.text;
    return h;
  }
  const row = document.createElement("div");
  row.className = `line ${line.kind}`;
  row.dataset.ch = line.chapter;
  row.dataset.i = line.index;
  fillRow(row, line, showWhere);
  row.addEventListener("click", () => select(line.chapter, line.index));
  return row;
}

function fillRow(row, line, showWhere) {
  row.className = `line ${line.kind}`;
  row.classList.toggle("doubtful", line.doubtful);
  row.classList.toggle("fixed", line.fixed);
  if (state.selected && state.selected[0] === line.chapter && state.selected[1] === line.index) {
    row.classList.add("selected");
  }
  row.style.setProperty("--c", line.colour || "#999");
  row.line = line;
  const who = document.createElement("span");
  who.className = "who";
  if (line.kind === "dialogue") {
    who.textContent = line.speaker || "unknown";
  } else {
    who.textContent = "narrator";
  }
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = line.text;
  if (showWhere) {
    const where = document.createElement("div");
    where.className = "where";
    where.textContent = chapterTitle(line.chapter);
    text.prepend(where);
  }
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = line.voice || "";
  if (line.kind === "dialogue") {
    const sure = document.createElement("span");
    sure.className = "sure";
    const bar = document.createElement("i");
    const confidence = line.confidence || 0;
    bar.style.width = `${Math.round(confidence * 100)}%`;
    sure.title = `${Math.round(confidence * 100)}% sure`;
    sure.append(bar);
    meta.append(sure);
  }
  row.replaceChildren(who, text, meta);
  if (line.why) {
    const why = document.createElement("div");
    why.className = "why";
    why.textContent = (line.doubtful ? "doubtful, read by the unknown voice: " : "") + line.why;
    row.append(why);
  }
}

function chapterTitle(number) {
  const c = state.book.chapters.find((x) => x.number === number);
  return c ? c.title : `#${number}`;
}

async function showChapter(number) {
  state.mode = "chapters";
  $("#filter-doubtful").checked = false;
  state.loaded = [];
  $("#lines").replaceChildren();
  await loadPart(number, 0);
  $("#script").scrollTop = 0;
  const first = firstLine();
  if (first) select(first[0], first[1], true);
}

async function loadPart(number, start) {
  // a chapter is sent a part at a time (a book without headings is one long chapter)
  if (state.loading || state.loaded.some((p) => p.chapter === number && p.start === start)) return;
  if (!state.book.chapters.some((c) => c.number === number)) return;
  state.loading = true;
  try {
    const part = await api(`api/chapter/${number}?start=${start}`);
    const block = document.createElement("div");
    block.className = "chapter";
    block.dataset.chapter = number;
    block.dataset.start = start;
    block.dataset.count = part.lines.length;
    if (start === 0 && !part.lines.some((l) => l.kind === "heading")) {
      const h = document.createElement("h2");
      h.className = "chapter-head";
      h.textContent = part.title;
      block.append(h);
    }
    block.append(...part.lines.map((l) => lineRow(l, false)));
    $("#lines").append(block);
    state.loaded.push({chapter: number, start, next: part.next});
    markCurrentChapter();
  } catch (e) {
    toast(e.message, true);
  } finally {
    state.loading = false;
  }
  updateMore();
}

function nextPart() {
  // what follows the last part shown: the chapter's next part, else the next chapter
  const last = state.loaded[state.loaded.length - 1];
  if (!last) return null;
  if (last.next !== null) return {chapter: last.chapter, start: last.next};
  const next = nextChapterAfter(last.chapter);
  return next === null ? null : {chapter: next, start: 0};
}

async function loadNextPart() {
  const next = nextPart();
  if (next === null) return false;
  await loadPart(next.chapter, next.start);
  return true;
}

function nextChapterAfter(number) {
  const numbers = state.book.chapters.map((c) => c.number);
  const at = numbers.indexOf(number);
  return at >= 0 && at + 1 < numbers.length ? numbers[at + 1] : null;
}

function updateMore() {
  const more = $("#more");
  if (state.mode !== "chapters") { more.textContent = ""; return; }
  const next = nextPart();
  if (next === null) more.textContent = "The end of the book.";
  else if (next.start > 0) more.textContent = `More of ${chapterTitle(next.chapter)}…`;
  else more.textContent = `${chapterTitle(next.chapter)} follows…`;
}

async function showDoubtful() {
  state.mode = "doubtful";
  $("#filter-doubtful").checked = true;
  state.loaded = [];
  const found = await attempt(() => api("api/doubtful"));
  if (!found) return;
  const block = document.createElement("div");
  const head = document.createElement("h2");
  head.className = "chapter-head";
  head.textContent = found.total
    ? `${found.total} doubtful lines, the least sure first` + (found.total > found.lines.length ? ` (the first ${found.lines.length})` : "")
    : "No doubtful lines: the reader is sure of every line.";
  block.append(head, ...found.lines.map((l) => lineRow(l, true)));
  $("#lines").replaceChildren(block);
  $("#script").scrollTop = 0;
  updateMore();
  const first = firstLine();
  if (first) select(first[0], first[1], true);
}

function rows() { return [...document.querySelectorAll("#lines .line")]; }
function rowOf(ch, i) { return document.querySelector(`#lines .line[data-ch="${ch}"][data-i="${i}"]`); }
function firstLine() {
  const row = document.querySelector("#lines .line.dialogue") || document.querySelector("#lines .line");
  return row ? [Number(row.dataset.ch), Number(row.dataset.i)] : null;
}

function select(ch, i, quiet) {
  for (const old of document.querySelectorAll("#lines .line.selected")) old.classList.remove("selected");
  state.selected = [ch, i];
  const row = rowOf(ch, i);
  if (!row) return;
  row.classList.add("selected");
  if (!quiet) row.scrollIntoView({block: "nearest"});
  showDetail(row.line);
  markCurrentChapter();
}

function showDetail(line) {
  const box = $("#line-detail");
  box.classList.remove("muted");
  const parts = [];
  const add = (label, value) => {
    const p = document.createElement("div");
    const b = document.createElement("b");
    b.textContent = `${label}: `;
    p.append(b, value);
    parts.push(p);
  };
  add("Where", `${chapterTitle(line.chapter)}, line ${line.line} of the file`);
  add("Who", line.kind === "dialogue" ? (line.speaker || "nobody named") : "the narrator");
  add("Voice", line.voice || "none");
  if (line.kind === "dialogue") {
    add("How sure", `${Math.round((line.confidence || 0) * 100)}%` +
      (line.doubtful ? ` (below ${Math.round(state.book.threshold * 100)}%: the unknown voice reads it)` : ""));
  }
  if (line.why) add("Why", line.why);
  const play = button("▶ Listen (p)", () => playLine(line.chapter, line.index));
  play.id = "play-line";
  const actions = pair(play, button("Someone else… (t)", openNameDialog),
    button("Narration (n)", () => assign(null)));
  if (line.fixed) actions.append(button("Drop the fix", () => unfix(line)));
  parts.push(actions);
  box.replaceChildren(...parts);
}

async function move(step) {
  const all = rows();
  if (!all.length) return;
  let at = state.selected ? all.indexOf(rowOf(state.selected[0], state.selected[1])) : -1;
  at = at < 0 ? 0 : at + step;
  if (at >= all.length && state.mode === "chapters" && (await loadNextPart())) {
    return move(step);
  }
  at = Math.max(0, Math.min(all.length - 1, at));
  const row = all[at];
  select(Number(row.dataset.ch), Number(row.dataset.i));
}

// --- fixing lines ------------------------------------------------------------------

async function assign(speaker, keys, label) {
  const targets = keys || (state.selected ? [state.selected] : []);
  if (!targets.length) { toast("Pick a line first (j / k)", true); return; }
  const before = targets.map(([ch, i]) => {
    const row = rowOf(ch, i);
    const line = row ? row.line : null;
    return [ch, i, line ? line.fixed : false, line ? line.speaker : null, line ? line.kind : null];
  });
  const done = await attempt(() => api("api/lines", {lines: targets, speaker}));
  if (!done) return;
  state.undo.push({lines: before, label: label || "the fix"});
  const first = before[0];
  const firstRow = rowOf(first[0], first[1]);
  if (!keys && firstRow && firstRow.line) {
    state.lastFix = {chapter: first[0], index: first[1], method: firstRow.line.method, before: first[3], speaker};
  }
  toast(`${targets.length > 1 ? targets.length + " lines" : "The line"} → ${speaker || "the narrator"} (u undoes)`);
  await refresh(done.version);
  if (!keys) move(1);
}

async function undo() {
  const last = state.undo.pop();
  if (!last) { toast("Nothing to undo"); return; }
  let version = null;
  for (const [ch, i, wasFixed, speaker, kind] of last.lines) {
    const done = wasFixed
      ? await attempt(() => api("api/lines", {lines: [[ch, i]], speaker: kind === "dialogue" ? speaker : null}))
      : await attempt(() => api("api/unfix", {chapter: ch, index: i}));
    if (done) version = done.version;
  }
  toast(`Undone: ${last.label}`);
  if (version !== null) await refresh(version);
  const [ch, i] = last.lines[0];
  select(ch, i);
}

async function unfix(line) {
  const done = await attempt(() => api("api/unfix", {chapter: line.chapter, index: line.index}));
  if (done) { state.undo.push({lines: [[line.chapter, line.index, true, line.speaker, line.kind]], label: "dropping the fix"}); await refresh(done.version); }
}

function assignNumber(n) {
  const name = castNames()[n - 1];
  if (name === undefined) { toast(`The cast has no character ${n}`, true); return; }
  assign(name);
}

function openNameDialog() {
  if (!state.selected) { toast("Pick a line first (j / k)", true); return; }
  const dialog = $("#name-dialog");
  const input = $("#name-input");
  input.value = "";
  $("#name-warning").hidden = true;
  dialog.confirmed = null;
  dialog.showModal();
  input.focus();
}

async function nameChosen(event) {
  event.preventDefault();
  const dialog = $("#name-dialog");
  const name = $("#name-input").value.trim();
  if (!name) return;
  if (!castNames().includes(name) && dialog.confirmed !== name) {
    const found = await attempt(() => api(`api/close?name=${encodeURIComponent(name)}`));
    if (found && found.close.length) {
      const warning = $("#name-warning");
      warning.textContent = `“${name}” is close to ${found.close.join(", ")}: is it them? ` +
        `Pick that name, or press Enter again to make “${name}” a new character with a voice of their own.`;
      warning.hidden = false;
      dialog.confirmed = name;
      return;
    }
  }
  dialog.close();
  await assign(name);
}

async function sameNearby() {
  const fix = state.lastFix;
  if (!fix) { toast("Fix a line first; then s offers the same fix for the same pattern nearby"); return; }
  const q = new URLSearchParams({chapter: fix.chapter, index: fix.index, method: fix.method || "", speaker: fix.before || ""});
  const found = await attempt(() => api(`api/similar?${q}`));
  if (!found) return;
  if (!found.lines.length) { toast("No other line nearby has the same pattern"); return; }
  $("#similar-intro").textContent =
    `${found.lines.length} lines nearby were given to ${fix.before || "nobody"} the same way. Give the ticked ones to ${fix.speaker || "the narrator"}?`;
  $("#similar-list").replaceChildren(...found.lines.map((l) => {
    const li = document.createElement("li");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.ch = l.chapter;
    box.dataset.i = l.index;
    const label = document.createElement("label");
    label.append(box, ` ${l.text}`);
    li.append(label);
    return li;
  }));
  const dialog = $("#similar-dialog");
  dialog.returnValue = "";
  dialog.showModal();
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "ok") return;
    const keys = [...dialog.querySelectorAll("input:checked")].map((b) => [Number(b.dataset.ch), Number(b.dataset.i)]);
    if (keys.length) await assign(fix.speaker, keys, `the same fix on ${keys.length} lines`);
  }, {once: true});
}

// --- listening ---------------------------------------------------------------------

function play(url) {
  const player = $("#player");
  if (play.last) URL.revokeObjectURL(play.last);  // the clip before: no longer needed
  play.last = url;
  player.src = url;
  player.play().catch((e) => {
    if (e.name !== "AbortError") toast(`Cannot play: ${e.message}`, true);
  });
}

async function playLine(ch, i) {
  status("Speaking the line…");
  const url = `api/audio/line/${ch}/${i}`;
  // ask first, so a refusal is shown as the server words it
  const response = await fetch(url);
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    toast((data && data.error) || `cannot speak the line (${response.status})`, true);
    status("");
    return;
  }
  const blob = await response.blob();
  play(URL.createObjectURL(blob));
  const row = rowOf(ch, i);
  status(`Playing ${chapterTitle(ch)}${row && row.line ? `, line ${row.line.line} of the file` : ""}`);
}

async function audition(name, trial) {
  const who = name === null ? {role: "narrator"} : {name};
  const q = new URLSearchParams({...who, ...(trial || {})});
  const response = await fetch(`api/audio/audition?${q}`);
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    toast((data && data.error) || `cannot speak (${response.status})`, true);
    return;
  }
  play(URL.createObjectURL(await response.blob()));
  status(`Playing ${name === null ? "the narrator" : name}'s voice on one of their lines`);
}

// --- rendering ---------------------------------------------------------------------

async function render() {
  const started = await attempt(() => api("api/render", {}));
  if (!started) return;
  $("#render-panel").hidden = false;
  $("#result-audio").removeAttribute("src");
  $("#result-chapters").replaceChildren();
  pollRender();
}

async function pollRender() {
  const job = await attempt(() => api("api/render"));
  if (!job) return;
  const percent = Math.round(job.fraction * 100);
  $("#render-progress").value = job.fraction;
  if (job.state === "running") {
    $("#render-state").textContent = `${job.stage || "starting"} ${percent}%`;
    setTimeout(pollRender, 400);
    return;
  }
  if (job.state === "failed") {
    $("#render-state").textContent = `The render stopped: ${job.error}`;
    return;
  }
  if (job.state === "done") {
    const minutes = Math.floor(job.seconds / 60);
    const seconds = Math.round(job.seconds % 60).toString().padStart(2, "0");
    $("#render-state").textContent = `Wrote ${state.book.output} (${minutes}:${seconds})` +
      (job.warnings.length ? ` · ${job.warnings.join(" · ")}` : "");
    $("#render-progress").value = 1;
    const audio = $("#result-audio");
    audio.src = `output/${encodeURIComponent(job.file)}`;
    $("#result-chapters").replaceChildren(...job.chapters.map((c) => {
      const li = document.createElement("li");
      li.textContent = `${c.title} (${Math.floor(c.start / 60)}:${Math.round(c.start % 60).toString().padStart(2, "0")})`;
      li.addEventListener("click", () => { audio.currentTime = c.start; audio.play().catch(() => {}); });
      return li;
    }));
  }
}

// --- keeping up with changes -------------------------------------------------------

async function refresh(version) {
  // after a change of our own (version given) or one made elsewhere
  await loadBook();
  if (version !== undefined) state.version = Math.max(state.version, version);
  // the lines shown, fetched again by the parts of chapters they belong to
  const parts = new Map();
  for (const r of rows()) {
    const ch = Number(r.dataset.ch);
    const i = Number(r.dataset.i);
    const part = parts.get(ch) || {from: i, to: i};
    part.from = Math.min(part.from, i);
    part.to = Math.max(part.to, i);
    parts.set(ch, part);
  }
  for (const [number, part] of parts) {
    for (let start = part.from; start <= part.to; start += 400) {
      const found = await attempt(() => api(`api/chapter/${number}?start=${start}&count=400`));
      if (!found) break;
      for (const line of found.lines) {
        const row = rowOf(line.chapter, line.index);
        if (row) fillRow(row, line, state.mode === "doubtful");
      }
    }
  }
  if (state.selected) {
    const row = rowOf(state.selected[0], state.selected[1]);
    if (row) showDetail(row.line);
  }
}

async function poll() {
  try {
    const found = await api("api/version");
    if (found.version !== state.version) {
      await refresh();
      toast("Updated with a change made elsewhere");
    }
  } catch (e) {
    status(`The studio does not answer (${e.message}); is 'audiobook studio' still running?`);
  }
  setTimeout(poll, 2000);
}

// --- keys --------------------------------------------------------------------------

function onKey(event) {
  if (event.target.closest("input, select, textarea, dialog") || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  const actions = {
    j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
    n: () => assign(null), u: undo, t: openNameDialog, "/": openNameDialog, s: sameNearby,
    d: () => (state.mode === "doubtful" ? showChapter(state.selected ? state.selected[0] : 1) : showDoubtful()),
    r: () => { if (window.confirm("Render the whole audiobook now?")) render(); }, "?": () => $("#help-dialog").showModal(),
    p: () => state.selected && playLine(...state.selected), " ": () => state.selected && playLine(...state.selected),
  };
  if (/^[1-9]$/.test(key)) {
    event.preventDefault();
    assignNumber(Number(key));
  } else if (actions[key]) {
    event.preventDefault();
    actions[key]();
  }
}

// --- start -------------------------------------------------------------------------

async function start() {
  document.addEventListener("keydown", onKey);
  $("#chapter-list").addEventListener("click", (e) => {
    const li = e.target.closest("li");
    if (li) showChapter(Number(li.dataset.chapter));
  });
  $("#filter-doubtful").addEventListener("change", (e) => {
    if (e.target.checked) showDoubtful(); else showChapter(state.selected ? state.selected[0] : state.book.chapters[0].number);
  });
  $("#render-button").addEventListener("click", render);
  $("#help-button").addEventListener("click", () => $("#help-dialog").showModal());
  $("#name-form").addEventListener("submit", nameChosen);
  for (const cancel of document.querySelectorAll("dialog .cancel")) {
    cancel.addEventListener("click", () => cancel.closest("dialog").close("cancel"));
  }
  $("#script").addEventListener("scroll", () => {
    const pane = $("#script");
    if (state.mode === "chapters" && pane.scrollTop + pane.clientHeight > pane.scrollHeight - 600) {
      loadNextPart();
    }
  }, {passive: true});
  try {
    await loadBook();
  } catch (e) {
    status(e.message);
    return;
  }
  if (state.book.chapters.length) await showChapter(state.book.chapters[0].number);
  document.body.dataset.ready = "1";
  setTimeout(poll, 2000);
}

start();
