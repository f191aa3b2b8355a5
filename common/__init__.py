"""The bridge between phases: where each phase's code lives, and helpers the graders share.

Phase code reaches an earlier phase with ``load``::

    from common import load
    Matrix = load(1, "matrix").Matrix

A notebook binds itself to its phase with :class:`Phase`.
"""

from common import memory
from common.phases import current_phase, load, phase_name, repo_root, source_dir, under_test
from common.notebook import Phase

memory.tune()  # NumPy's large temporaries reused instead of mapped afresh (see common/memory.py)

__all__ = ["Phase", "current_phase", "load", "phase_name", "repo_root", "source_dir", "under_test"]
