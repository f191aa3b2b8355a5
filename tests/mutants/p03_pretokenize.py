"""Learner bugs in phase 03's pretokenize.py, each caught and named by phases/03_tokenization/test_pretokenize.py."""

MUTANTS = [
    {"name": "p03_split_unescaped", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_split_on_special",
     "old": 'pattern = "(" + "|".join(regex.escape(s) for s in specials) + ")"',
     "new": 'pattern = "(" + "|".join(specials) + ")"',
     "says": ["part of a special token", "regex.escape"]},
    {"name": "p03_split_shorter_first", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_split_on_special",
     "old": "specials = sorted(set(special_tokens), key=len, reverse=True)",
     "new": "specials = sorted(set(special_tokens), key=len)",
     "says": ["longer special first"]},
    {"name": "p03_split_keeps_empty", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_split_on_special",
     "old": "return [piece for piece in regex.split(pattern, text) if piece]",
     "new": "return regex.split(pattern, text)",
     "says": ["drop empty pieces"]},
    {"name": "p03_split_empty_text", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_split_on_special",
     "old": "return [text] if text else []", "new": "return [text]",
     "says": ["empty text"]},
    {"name": "p03_pretokenize_ignorecase", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_gpt2_pattern",
     "old": "    return _GPT2.findall(text)\n", "new": "    return regex.findall(GPT2_PATTERN, text, regex.IGNORECASE)\n",
     "says": ["case-sensitive"]},
    {"name": "p03_count_specials_counted", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_count",
     "old": "pieces = [p for p in split_on_special(text, specials) if p not in specials]",
     "new": "pieces = split_on_special(text, specials)",
     "says": ["special"]},
    {"name": "p03_count_not_split_on_specials", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_count",
     "old": "pieces = [p for p in split_on_special(text, specials) if p not in specials]",
     "new": "pieces = [text] if text else []",
     "says": ["special"]},
    {"name": "p03_count_str_keys", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_count",
     "old": 'return {word.encode("utf-8"): n for word, n in counts.items()}',
     "new": "return dict(counts)",
     "says": ["UTF-8 bytes"]},
    {"name": "p03_count_parallel_cut_anywhere", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_count_parallel",
     "old": "    if num_workers > 1 and len(pieces) > 1 and \"fork\" in multiprocessing.get_all_start_methods():\n",
     "new": ("    if num_workers > 1:              # equal slices of the text, wherever they fall\n"
             "        joined = \"\".join(pieces)\n        step = -(-len(joined) // num_workers)\n"
             "        pieces = [joined[i:i + step] for i in range(0, len(joined), step)]\n"
             "    if num_workers > 1 and len(pieces) > 1 and \"fork\" in multiprocessing.get_all_start_methods():\n"),
     "says": ["never cut the text inside a piece"]},
]

ALTERNATIVES = [
    {"name": "p03_alt_split_by_scanning", "phase": 3, "module": "pretokenize.py", "task": "pretokenize_split_on_special",
     "old": ('    pattern = "(" + "|".join(regex.escape(s) for s in specials) + ")"\n'
             "    return [piece for piece in regex.split(pattern, text) if piece]\n"),
     "new": ("    out, start, i = [], 0, 0          # scan by hand, the longest special first at each place\n"
             "    while i < len(text):\n"
             "        hit = next((s for s in specials if text.startswith(s, i)), None)\n"
             "        if hit is None:\n            i += 1\n            continue\n"
             "        if i > start:\n            out.append(text[start:i])\n"
             "        out.append(hit)\n        i = start = i + len(hit)\n"
             "    if start < len(text):\n        out.append(text[start:])\n"
             "    return out\n")},
]
