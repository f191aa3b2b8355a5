"""Learner bugs in phase 03's bpe.py, each caught and named by test_bpe_train.py and test_bpe_encode.py."""

MUTANTS = [
    # training: the pairs counted, the tie rule, the boundaries
    {"name": "p03_merge_word_overlapping", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "            out.append(new_id)\n            i += 2\n", "new": "            out.append(new_id)\n            i += 1\n",
     "says": ["merge"]},
    {"name": "p03_train_tie_smallest_pair", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "    return tuple(255 - x for x in token) + (256,)\n", "new": "    return tuple(token) + (256,)\n",
     "says": ["greatest pair"]},
    {"name": "p03_train_tie_prefix_greater", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "    return tuple(255 - x for x in token) + (256,)\n", "new": "    return tuple(255 - x for x in token) + (-1,)\n",
     "says": ["a prefix sorts before its extensions"]},
    {"name": "p03_train_unweighted_counts", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "        for pair in zip(word, word[1:]):\n            pair_counts[pair] = pair_counts.get(pair, 0) + freq\n",
     "new": "        for pair in zip(word, word[1:]):\n            pair_counts[pair] = pair_counts.get(pair, 0) + 1\n",
     "says": ["weight each pre-token"]},
    {"name": "p03_train_across_pretokens", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "counted = count_pretokens(text, special_tokens, num_workers) if n_merges else {}",
     "new": ("counted = {p.encode('utf-8'): 1 for p in split_on_special(text, special_tokens) "
             "if p not in special_tokens} if n_merges else {}"),
     "says": ["spans two pre-tokens"]},
    {"name": "p03_train_zero_merges_refused", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "if vocab_size < 256 + len(special_tokens):", "new": "if vocab_size <= 256 + len(special_tokens):",
     "says": ["no merge", "256 + len(special_tokens) is allowed"]},
    {"name": "p03_train_specials_counted", "phase": 3, "module": "bpe.py", "task": "bpe_train_special_tokens",
     "old": "counted = count_pretokens(text, special_tokens, num_workers) if n_merges else {}",
     "new": "counted = count_pretokens(text, (), num_workers) if n_merges else {}",
     "says": ["special tokens"]},
    # encoding: the rank, the ids, the specials
    {"name": "p03_encode_first_merge_found", "phase": 3, "module": "bpe.py", "task": "bpe_encode_gpt2_tricky",
     "old": "if found is not None and (best is None or found[0] < best[1][0]):",
     "new": "if found is not None and best is None:",
     "says": ["lowest rank"]},
    {"name": "p03_encode_byte_id_is_byte", "phase": 3, "module": "bpe.py", "task": "bpe_encode_gpt2_tricky",
     "old": "ids = [byte_id[x] for x in pretoken]", "new": "ids = list(pretoken)",
     "says": ["byte"]},
    {"name": "p03_encode_merged_id_is_256_plus_rank", "phase": 3, "module": "bpe.py", "task": "bpe_round_trip",
     "old": "(rank, self.token_id[a + b]))", "new": "(rank, 256 + rank))",
     "says": ["not 256 + its rank"]},
    {"name": "p03_special_id_is_len", "phase": 3, "module": "bpe.py", "task": "bpe_encode_special_tokens",
     "old": "new_id = max(self.vocab, default=-1) + 1", "new": "new_id = len(self.vocab)",
     "says": ["max(vocab) + 1", "not len(vocab)"]},
    {"name": "p03_vocab_size_len", "phase": 3, "module": "bpe.py", "task": "bpe_encode_special_tokens",
     "old": "        return max(self.vocab) + 1\n", "new": "        return len(self.vocab)\n",
     "says": ["max(vocab) + 1", "not len(vocab)"]},
    {"name": "p03_encode_specials_ignored", "phase": 3, "module": "bpe.py", "task": "bpe_encode_special_tokens",
     "old": "for piece in split_on_special(text, self.special_tokens):", "new": "for piece in [text] if text else []:",
     "says": ["special"]},
    # streaming
    {"name": "p03_iterable_ignores_specials", "phase": 3, "module": "bpe.py", "task": "bpe_encode_iterable",
     "old": "            limit -= max(map(len, self.special_tokens)) - 1\n", "new": "",
     "says": ["the start of a longer one"]},
    {"name": "p03_iterable_drops_tail", "phase": 3, "module": "bpe.py", "task": "bpe_encode_iterable",
     "old": '        yield from self.encode("".join(parts))\n', "new": "",
     "says": ["chunk"]},
    {"name": "p03_iterable_reads_all", "phase": 3, "module": "bpe.py", "task": "bpe_encode_iterable",
     "old": "        for chunk in iterable:\n", "new": "        for chunk in list(iterable):\n",
     "says": ["whole input"]},
    {"name": "p03_iterable_cut_anywhere", "phase": 3, "module": "bpe.py", "task": "bpe_encode_iterable",
     "old": "            cut = self.safe_cut(buffer)\n", "new": "            cut = len(buffer)\n",
     "says": ["keep the end of the text back"]},
    # decoding
    {"name": "p03_decode_checks_in_a_first_pass", "phase": 3, "module": "bpe.py", "task": "bpe_decode",
     "old": '            return b"".join([vocab[i] for i in ids])\n',
     "new": ('            for i in ids:                # check every id first...\n'
             '                vocab[i]\n'
             '            return b"".join(vocab[i] for i in ids)   # ...then join: a generator is empty by now\n'),
     "says": ["read only once"]},
    {"name": "p03_decode_token_by_token", "phase": 3, "module": "bpe.py", "task": "bpe_decode",
     "old": 'return self.decode_bytes(ids).decode("utf-8", errors="replace")',
     "new": 'return "".join(self.vocab[i].decode("utf-8", errors="replace") for i in ids)',
     "says": ["decode"]},
    {"name": "p03_train_tie_by_ids", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "        keys.append(order_key(vocab[new_id]))\n", "new": "        keys.append((-new_id,))  # a merged token: its id decides\n",
     "says": ["not ids"]},
    # boundaries, aliasing, laziness and types a first version gets wrong
    {"name": "p03_train_stale_dropped", "phase": 3, "module": "bpe.py", "task": "bpe_train_matches_slow_trainer",
     "old": "            if n > 0:\n                heapq.heappush(heap, (-n, keys[a], keys[b], a, b))\n",
     "new": "",
     "says": ["the counts of the pairs"]},
    {"name": "p03_special_always_appended", "phase": 3, "module": "bpe.py", "task": "bpe_encode_special_tokens",
     "old": "            if s.encode(\"utf-8\") not in self.token_id:\n",
     "new": "            if True:\n",
     "says": ["absent from vocab"]},
    {"name": "p03_decode_errors_ignore", "phase": 3, "module": "bpe.py", "task": "bpe_decode",
     "old": "return self.decode_bytes(ids).decode(\"utf-8\", errors=\"replace\")",
     "new": "return self.decode_bytes(ids).decode(\"utf-8\", errors=\"ignore\")",
     "says": ["errors='replace'"]},
    {"name": "p03_train_merges_ignore_specials", "phase": 3, "module": "bpe.py", "task": "bpe_train_special_tokens",
     "old": "n_merges = vocab_size - 256 - len(special_tokens)",
     "new": "n_merges = vocab_size - 256",
     "says": ["n_merges = vocab_size - 256 - len(special_tokens)"]},
]

ALTERNATIVES = [
    {"name": "p03_alt_merge_word_flag", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": ("    out, i, n = [], 0, len(word)\n    while i < n:\n"
             "        if i < n - 1 and word[i] == a and word[i + 1] == b:\n"
             "            out.append(new_id)\n            i += 2\n        else:\n"
             "            out.append(word[i])\n            i += 1\n    return out\n"),
     "new": ("    out, skip = [], False\n    for x, y in zip(word, [*word[1:], None]):\n"
             "        if skip:\n            skip = False\n        elif x == a and y == b:\n"
             "            out.append(new_id)\n            skip = True\n        else:\n            out.append(x)\n"
             "    return out\n")},
    {"name": "p03_alt_encode_min_rank", "phase": 3, "module": "bpe.py", "task": "bpe_encode_gpt2_tricky",
     "old": ("            best = None  # (pair, (rank, merged id)) of the lowest rank so far\n"
             "            for pair in zip(ids, ids[1:]):\n"
             "                found = merge_rank.get(pair)\n"
             "                if found is not None and (best is None or found[0] < best[1][0]):\n"
             "                    best = (pair, found)\n"
             "            if best is None:\n                break\n"
             "            ids = merge_word(ids, best[0], best[1][1])\n"),
     "new": ("            pair = min(zip(ids, ids[1:]), key=lambda p: merge_rank.get(p, (float('inf'),))[0])\n"
             "            if pair not in merge_rank:\n                break\n"
             "            ids = merge_word(ids, pair, merge_rank[pair][1])\n")},
    {"name": "p03_alt_train_slow_max", "phase": 3, "module": "bpe.py", "task": "bpe_train_by_hand",
     "old": "    while len(merges) < n_merges and heap:\n",
     "new": ("    while len(merges) < n_merges and any(pair_counts.values()):  # the plain way: max over all pairs\n"
             "        a, b = max((p for p, c in pair_counts.items() if c > 0),\n"
             "                   key=lambda p: (pair_counts[p], vocab[p[0]], vocab[p[1]]))\n"
             "        neg = -pair_counts[(a, b)]\n"
             "        heap = [(neg, 0, 0, a, b)]\n")},
    {"name": "p03_alt_token_id_first_wins_loop", "phase": 3, "module": "bpe.py", "task": "bpe_round_trip",
     "old": "        self.token_id = {token: i for i, token in sorted(self.vocab.items(), reverse=True)}  # lowest id wins a duplicate\n",
     "new": "        self.token_id = {}\n        for i, token in sorted(self.vocab.items()):\n            self.token_id.setdefault(token, i)\n"},
]
