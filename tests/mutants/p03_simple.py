"""Learner bugs in phase 03's simple.py, each caught and named by phases/03_tokenization/test_simple.py."""

MUTANTS = [
    {"name": "p03_char_unsorted", "phase": 3, "module": "simple.py", "task": "simple_char_tokenizer",
     "old": "self.chars = sorted(set(chars))", "new": "self.chars = list(dict.fromkeys(chars))",
     "says": ["sorted list of characters"]},
    {"name": "p03_char_error_no_code_point", "phase": 3, "module": "simple.py", "task": "simple_char_tokenizer",
     "old": 'raise ValueError(f"character {ch!r} (U+{ord(ch):04X}) is not',
     "new": 'raise ValueError(f"character {ch!r} is not',
     "says": ["U+"]},
    {"name": "p03_word_ties_first_seen", "phase": 3, "module": "simple.py", "task": "simple_word_tokenizer",
     "old": "key=lambda w: (-counts[w], w)", "new": "key=lambda w: -counts[w]",
     "says": ["alphabetical"]},
    {"name": "p03_word_max_vocab_without_unk", "phase": 3, "module": "simple.py", "task": "simple_word_tokenizer",
     "old": "ranked = ranked[: max(0, max_vocab - 1)]", "new": "ranked = ranked[:max_vocab]",
     "says": ["counts <unk> too"]},
    {"name": "p03_word_space_before_punctuation", "phase": 3, "module": "simple.py", "task": "simple_word_tokenizer",
     "old": "if out and not PUNCTUATION.fullmatch(word):", "new": "if out:",
     "says": ["no space before a punctuation mark"]},
    {"name": "p03_word_unknown_dropped", "phase": 3, "module": "simple.py", "task": "simple_word_tokenizer",
     "old": "return [self.index.get(w, 0) for w in WORD_PATTERN.findall(text)]",
     "new": "return [self.index[w] for w in WORD_PATTERN.findall(text) if w in self.index]",
     "says": ["unknown word", "<unk>"]},
]

ALTERNATIVES = [
    {"name": "p03_alt_word_two_stable_sorts", "phase": 3, "module": "simple.py", "task": "simple_word_tokenizer",
     "old": "ranked = sorted(counts, key=lambda w: (-counts[w], w))",
     "new": "ranked = sorted(sorted(counts), key=counts.__getitem__, reverse=True)  # stable: ties stay alphabetical"},
]
