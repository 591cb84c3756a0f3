"""Stage 1, read: a file on disk (text in any encoding, or EPUB) -> a clean `Book` of chapters.

load       `load_book(path, chapters=...)`: plain text or EPUB, then the chapters asked for
plain      a plain-text file -> `Book`: read, clean, paragraphs, chapters
decode     bytes -> text (a text file's encoding guessed); `file_error`, the error naming a file
epub/      an EPUB -> `Book`: container (ZIP, OPF, metadata, cover), xhtml (markup -> blocks),
           book (blocks -> titled chapters, notes and front matter left out)
clean      pure text repair: glyph swaps, invisible characters, site notices, Gutenberg text
chapters   chapter headings, and a book's paragraphs split into chapters at them
language   which language a book is in: 'zh-Hant', 'zh-Hans' or 'en'
selection  '3-7', '1,4,6-8' -> the chapters a user asked for
"""
