"""Learner bugs in phase 01's io.py, each caught and named by phases/01_foundations/test_safetensors.py."""

MUTANTS = [
    # type confusion in the header: JSON true/false are bools, and bool is an int in Python
    {"name": "p01_io_bool_as_int", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "return isinstance(x, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in x)",
     "new": "return isinstance(x, list) and all(isinstance(v, int) for v in x)",
     "says": ["bool", "subclass of int"]},
    # a reserved name as a tensor name
    {"name": "p01_io_save_metadata_name", "phase": 1, "module": "io.py", "task": "io_save_rejects_bad_input",
     "old": "if not isinstance(name, str) or name == METADATA:", "new": "if not isinstance(name, str):",
     "says": ["__metadata__", "reserved"]},
    # the tiling of the data buffer
    {"name": "p01_io_gap_allowed", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "        if begin != position:", "new": "        if begin < position:",
     "says": ["sort the entries by begin"]},
    {"name": "p01_io_trailing_allowed", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "    if position != data_len:", "new": "    if position > data_len:",
     "says": ["end of the data buffer"]},
    {"name": "p01_io_size_ignores_itemsize", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "if end - begin != math.prod(shape) * DTYPES[dtype].itemsize:", "new": "if end - begin < math.prod(shape):",
     "says": ["itemsize"]},
    {"name": "p01_io_negative_dims", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "if not ints(shape) or any(d < 0 for d in shape):", "new": "if not ints(shape):",
     "says": [">= 0"]},
    {"name": "p01_io_metadata_values_unchecked", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):",
     "new": "if not isinstance(entry, dict):",
     "says": ["metadata value must be a str"]},
    # the length prefix
    {"name": "p01_io_prefix_unchecked", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "    if len(prefix) < 8:\n        raise", "new": "    if len(prefix) < 0:\n        raise",
     "says": ["read 8 bytes"]},
    # the writer: padding, byte order, atomicity
    {"name": "p01_io_no_padding", "phase": 1, "module": "io.py", "task": "io_readable_by_safetensors",
     "old": '    raw += b" " * (-len(raw) % 8)\n', "new": "",
     "says": ["multiple of 8"]},
    {"name": "p01_io_write_in_place", "phase": 1, "module": "io.py", "task": "io_atomic_save",
     "old": 'tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")', "new": "tmp = path",
     "says": ["temporary file"]},
    {"name": "p01_io_load_read_only", "phase": 1, "module": "io.py", "task": "io_round_trip",
     "old": "buffer = memoryview(bytearray(f.read()))", "new": "buffer = f.read()",
     "says": ["writable"]},
    # keys given twice, JSON too deep, dimensions no array can have
    {"name": "p01_io_last_duplicate_wins", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "json.loads(raw.decode(\"utf-8\"), object_pairs_hook=unique)", "new": "json.loads(raw.decode(\"utf-8\"))",
     "says": ["object_pairs_hook"]},
    {"name": "p01_io_recursion_uncaught", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "    except RecursionError:\n        raise SafetensorsError(", "new": "    except KeyError:\n        raise SafetensorsError(",
     "says": ["recursionerror"]},
    {"name": "p01_io_huge_dimension", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "        if any(d >= 2**63 for d in shape) or", "new": "        if False and",
     "says": ["below 2**63"]},
]

ALTERNATIVES = [
    {"name": "p01_alt_io_ints_type_is", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "return isinstance(x, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in x)",
     "new": "return type(x) is list and all(type(v) is int for v in x)"},
    {"name": "p01_alt_io_tiling_by_sum", "phase": 1, "module": "io.py", "task": "io_rejects_corrupt",
     "old": "    for begin, end, name in sorted(spans):\n",
     "new": "    for begin, end, name in sorted(spans, key=lambda s: (s[0], s[1])):\n"},
]
