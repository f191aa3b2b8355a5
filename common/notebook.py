"""What a phase notebook needs: its own modules, and the grader's checks."""

from __future__ import annotations

import os
import types
from pathlib import Path

from common.phases import CHOICES, load


class Phase:
    """The phase a notebook belongs to.

    ``Phase(1)`` makes this notebook's folder the home of phase 1's modules, so that the
    learner's code in ``phases/01_foundations/`` (or a submission's copy of it) is what
    runs, and earlier phases resolve as the grader would resolve them.

    >>> phase = Phase(1)
    >>> Matrix = phase.module("matrix").Matrix
    >>> phase.check("matrix_matmul")        # the same check as `make grade PHASE=1`

    ``Phase(4, prior="solutions")`` runs this notebook and its checks on the reference code
    of phases 1 to 3, as ``make grade PHASE=4 PRIOR=solutions`` does: for a learner whose
    earlier phases are not finished yet.
    """

    def __init__(self, n: int, folder: str | os.PathLike | None = None, *, prior: str | None = None):
        self.n = int(n)
        self.folder = Path(folder or os.getcwd()).resolve()
        os.environ["SCRATCHGPT_PHASE"] = str(self.n)
        os.environ["SCRATCHGPT_IMPL_DIR"] = str(self.folder)
        if prior is not None:
            if prior not in CHOICES:
                raise ValueError(f"prior={prior!r}: expected one of {', '.join(CHOICES)}")
            os.environ["SCRATCHGPT_PRIOR"] = prior

    def module(self, name: str) -> types.ModuleType:
        """Import (or re-import, after an edit) this phase's module ``name``."""
        return load(self.n, name, reload=True)

    def check(self, task: str, *, quiet: bool = False) -> float | None:
        """Run one graded task in a fresh process; print PASS, FAIL (with what went wrong) or SKIP;
        return its points (None when the grader skips it here)."""
        from grader.notebook import check

        return check(self.n, task, folder=self.folder, quiet=quiet)
