"""Stage 2, who speaks: a `Book` -> narration and dialogue `Segment`s, each line of dialogue
given to a `Character` with a confidence; the script as text, jsonl and a review page; the
line fixes a person made (`fixes`: `output/<book>.fixes.yaml`); why a line got its speaker,
in words (`reasons`)."""
