"""Learner bugs in phase 07's stream.py, each caught and named by phases/07_generation/test_stream.py."""

MUTANTS = [
    {"name": "p07_stream_decodes_each_chunk", "phase": 7, "module": "stream.py", "task": "utf8_stream",
     "old": "        cut = complete_prefix(data)\n", "new": "        cut = len(data)\n",
     "says": ["came out as U+FFFD", "keep its first bytes"]},
    {"name": "p07_stream_holds_everything", "phase": 7, "module": "stream.py", "task": "utf8_stream",
     "old": "        cut = complete_prefix(data)\n", "new": "        cut = 0\n",
     "says": ["as soon as its last byte arrives"]},
    {"name": "p07_stream_no_4_byte_characters", "phase": 7, "module": "stream.py", "task": "utf8_stream",
     "old": "    return 4 if first < 0xF8 else 0\n", "new": "    return 0\n",
     "says": ["4-byte character", "11110xxx"]},
    {"name": "p07_stream_checks_last_byte_only", "phase": 7, "module": "stream.py", "task": "utf8_stream",
     "old": "    while i >= 0 and len(data) - i <= 4 and 0x80 <= data[i] < 0xC0:\n        i -= 1\n", "new": "",
     "says": ["3-byte character"]},
    {"name": "p07_stream_flush_drops_rest", "phase": 7, "module": "stream.py", "task": "utf8_stream",
     "old": 'text, self.pending = self.pending.decode("utf-8", errors="replace"), b""',
     "new": 'text, self.pending = "", b""',
     "says": ["flush() decodes what is left"]},
]
