"""Stage 4, speak: a `Script` -> `Request`s -> `Clip`s, through an engine, cached, concurrent,
retried and resumable."""
