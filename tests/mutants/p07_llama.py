"""Learner bugs in phase 07's llama_tokenizer.py, each caught and named by phases/07_generation/test_llama.py."""

MERGE_TEST = "(best is None or self.scores[merged] > self.scores[best])"

MUTANTS = [
    # encode: the dummy prefix, BOS and the empty text
    {"name": "p07_tok_no_dummy_space", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": "        if text:\n            ids.append(self.piece_id[b\" \"])\n", "new": "",
     "says": ["dummy prefix"]},
    {"name": "p07_tok_space_for_empty_text", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": "        if text:\n            ids.append(self.piece_id[b\" \"])\n",
     "new": "        ids.append(self.piece_id[b\" \"])\n",
     "says": ["only when the text is not empty"]},
    {"name": "p07_tok_no_bos_for_empty_text", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": "ids = [BOS] if bos else []", "new": "ids = [BOS] if bos and text else []",
     "says": ["bos alone"]},
    # encode: byte fallback
    {"name": "p07_tok_byte_offset_0", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": "ids.extend(byte + BYTE_OFFSET for byte in b)", "new": "ids.extend(byte for byte in b)",
     "says": ["b + 3"]},
    # encode: which pair merges
    {"name": "p07_tok_lowest_score_first", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": MERGE_TEST, "new": "(best is None or self.scores[merged] < self.scores[best])",
     "says": ["lowest score"]},
    {"name": "p07_tok_rightmost_on_tie", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": MERGE_TEST, "new": "(best is None or self.scores[merged] >= self.scores[best])",
     "says": ["not the rightmost"]},
    {"name": "p07_tok_first_pair_found", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_encode",
     "old": MERGE_TEST, "new": "best is None",
     "says": ["first pair that merges"]},
    # decode
    {"name": "p07_decode_keeps_space_after_bos", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_decode",
     "old": "if prev == BOS and piece.startswith(b\" \"):", "new": "if False:",
     "says": ["loses its leading space"]},
    {"name": "p07_decode_byte_tokens_as_text", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_decode",
     "old": "m = _BYTE_PIECE.fullmatch(piece)", "new": "m = None",
     "says": ["<0xC3> is the byte C3"]},
    {"name": "p07_decode_unk_piece", "phase": 7, "module": "llama_tokenizer.py", "task": "tok512_decode",
     "old": "if token in (UNK, BOS, EOS):", "new": "if token in (BOS, EOS):",
     "says": ["ids 0, 1 and 2"]},
]
