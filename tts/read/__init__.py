"""Stage 1, read: a file on disk (text in any encoding, or EPUB) -> a clean `Book` of chapters."""
