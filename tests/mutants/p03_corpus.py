"""Learner bugs in phase 03's corpus.py, each caught and named by phases/03_tokenization/test_corpus.py."""

MUTANTS = [
    {"name": "p03_load_big_endian", "phase": 3, "module": "corpus.py", "task": "corpus_load_tokens",
     "old": 'return np.memmap(path, dtype="<u2", mode="r")', "new": 'return np.memmap(path, dtype=">u2", mode="r")',
     "says": ["little-endian"]},
    {"name": "p03_load_no_odd_check", "phase": 3, "module": "corpus.py", "task": "corpus_load_tokens",
     "old": "    if size % 2:\n", "new": "    if False:\n",
     "says": ["odd.bin", "% 2"]},
    {"name": "p03_encode_file_vocab_boundary", "phase": 3, "module": "corpus.py", "task": "corpus_encode_file",
     "old": "if tokenizer.vocab_size > MAX_IDS:", "new": "if tokenizer.vocab_size >= MAX_IDS:",
     "says": ["65536"]},
    {"name": "p03_encode_file_in_place", "phase": 3, "module": "corpus.py", "task": "corpus_encode_file_atomic",
     "old": 'tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")', "new": "tmp = dst",
     "says": ["deleted the old dst", "never to dst itself"]},
    {"name": "p03_encode_file_newline_translated", "phase": 3, "module": "corpus.py", "task": "corpus_encode_file",
     "old": 'open(src, encoding="utf-8", newline="")', "new": 'open(src, encoding="utf-8")',
     "says": ["newline"]},
    {"name": "p03_load_empty_file_mapped", "phase": 3, "module": "corpus.py", "task": "corpus_load_tokens",
     "old": "    if size == 0:\n", "new": "    if False:\n",
     "says": ["cannot map 0 bytes"]},
]
