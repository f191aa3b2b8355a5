"""Learner bugs in phase 03's vocab_files.py, each caught and named by phases/03_tokenization/test_vocab_files.py."""

MUTANTS = [
    {"name": "p03_bytes_to_unicode_soft_hyphen", "phase": 3, "module": "vocab_files.py", "task": "vocab_bytes_to_unicode",
     "old": "range(174, 256)", "new": "range(173, 256)",
     "says": ["174..255"]},
    {"name": "p03_load_skips_first_line", "phase": 3, "module": "vocab_files.py", "task": "vocab_load_gpt2",
     "old": 'if not line or (n == 1 and line.startswith("#version")):', "new": "if not line or n == 1:",
     "says": ["#version"]},
    {"name": "p03_load_duplicate_id", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "        if i in vocab:\n", "new": "        if False:\n",
     "says": ["VocabError"]},
    {"name": "p03_load_negative_id", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "or isinstance(i, bool) or i < 0:", "new": "or isinstance(i, bool):",
     "says": ["VocabError"]},
    {"name": "p03_load_line_off_by_one", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": 'raise VocabError(f"{merges_path}, line {n}: expected two tokens',
     "new": 'raise VocabError(f"{merges_path}, line {n - 1}: expected two tokens',
     "says": ["line"]},
    {"name": "p03_save_no_version_line", "phase": 3, "module": "vocab_files.py", "task": "vocab_save_load",
     "old": 'lines = ["#version: 0.2"] + [', "new": "lines = [",
     "says": ["#version: 0.2"]},
    {"name": "p03_load_result_unchecked", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": '(("first part", a), ("second part", b), ("result", a + b))', "new": '(("first part", a), ("second part", b))',
     "says": ["VocabError"]},
    {"name": "p03_vocab_ids_with_gaps", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "    if len(vocab) and max(vocab) != len(vocab) - 1:\n",
     "new": "    if False:\n",
     "says": ["ids 0-6 and 9"]},
    {"name": "p03_vocab_empty_token", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "        if text == \"\":\n",
     "new": "        if False:\n",
     "says": ["an empty token"]},
    {"name": "p03_vocab_merges_decode_uncaught", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "    except UnicodeDecodeError as exc:\n        raise VocabError(f\"{merges_path}: not UTF-8 text ({exc})\") from None\n",
     "new": "    except ValueError as exc:\n        raise exc\n",
     "says": ["should raise VocabError", "UnicodeDecodeError"]},
    {"name": "p03_vocab_pair_not_checked", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "        if len(token) > 1 and token not in made and not SPECIAL.fullmatch(spelling[i]):\n",
     "new": "        if False:\n",
     "says": ["no merge makes", "should raise VocabError"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p03_vocab_bool_id", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "if not isinstance(i, int) or isinstance(i, bool) or i < 0:",
     "new": "if not isinstance(i, int) or i < 0:",
     "says": ["isinstance(i, bool)"]},
    {"name": "p03_load_split_any_whitespace", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "parts = line.split(\" \")",
     "new": "parts = line.split()",
     "says": ["two spaces"]},
    {"name": "p03_vocab_gap_off_by_one", "phase": 3, "module": "vocab_files.py", "task": "vocab_rejects_corrupt",
     "old": "    if len(vocab) and max(vocab) != len(vocab) - 1:\n",
     "new": "    if len(vocab) and max(vocab) > len(vocab):\n",
     "says": ["max(ids) == n - 1"]},
]

ALTERNATIVES = [
    {"name": "p03_alt_bytes_to_unicode_gpt2", "phase": 3, "module": "vocab_files.py", "task": "vocab_bytes_to_unicode",
     "old": ("    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]\n"
             "    table, moved = {}, 0\n    for b in range(256):\n        if b in printable:\n"
             "            table[b] = chr(b)\n        else:\n            table[b] = chr(256 + moved)\n"
             "            moved += 1\n    return table\n"),
     "new": ("    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))\n"
             "    cs = bs[:]\n    n = 0\n    for b in range(2**8):\n        if b not in bs:\n"
             "            bs.append(b)\n            cs.append(2**8 + n)\n            n += 1\n"
             "    return dict(zip(bs, map(chr, cs)))\n")},
    {"name": "p03_alt_save_ensure_ascii", "phase": 3, "module": "vocab_files.py", "task": "vocab_save_load",
     "old": "json.dumps(table, ensure_ascii=False, indent=0)",
     "new": "json.dumps(table, ensure_ascii=True, indent=0)"},
]
