"""`audiobook studio`: check and fix who speaks, in the browser, before rendering.

A local web app over one book: `session` holds the book's script as `script` and `render`
see it (with the line fixes and voices.yaml applied) and makes every change through the
files where fixes live; `server` serves it (aiohttp, bound to 127.0.0.1, a random token in
every URL) with the page in `static/` (plain HTML, CSS and JavaScript, nothing fetched from
the internet).
"""
