"""Lay out an nbgrader course for instructors: ``python -m grader.course DIR [PHASE ...]``.

For each phase that has a grader, ``DIR/source/NN_name/`` gets the learner's files (the
skeleton modules, generated from ``solutions/`` by the release tool, so that nothing written in
the working copy of ``phases/`` reaches the class; the grader's ``test_*.py``; the handout) and
the REFERENCE notebook,
whose graded cells nbgrader locks and whose solution cells it strips on release. Then:

    cd DIR
    nbgrader generate_assignment 01_foundations      # release/01_foundations: what learners get
    nbgrader autograde 01_foundations                # after collecting submissions
    nbgrader generate_feedback 01_foundations

``nbgrader_config.py`` keeps the learner's modules when autograding (``exclude_overwriting``),
and puts back the instructor's copy of every other file, tests included.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from common.phases import phase_name, repo_root
from grader.release import release_files

CONFIG = '''\
# nbgrader configuration for the scratchgpt course (written by `python -m grader.course`).
import os  # noqa: E402

c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))  # the folder may move
c.CourseDirectory.course_id = "scratchgpt"
# Keep each learner's modules when autograding; every other file comes from source/.
c.Autograde.exclude_overwriting = {exclude!r}
c.ExecutePreprocessor.timeout = 900
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
# A submission holds one phase: earlier phases run on their reference code.
os.environ.setdefault("SCRATCHGPT_PRIOR", "solutions")
'''


def learner_modules(name: str) -> list[str]:
    """The files a learner writes in a phase (the modules and kernels generated from ``solutions/``)."""
    folder = repo_root() / "solutions" / name
    return sorted(p.name for pattern in ("*.py", "*.cu") for p in folder.glob(pattern))


def build(dest: Path, phases: list[int]) -> list[str]:
    """Write the course folder; return the assignment names."""
    dest = Path(dest).resolve()
    root = repo_root()
    names = []
    for n in phases:
        name = phase_name(n)
        phase_dir = root / "phases" / name
        if not any(phase_dir.glob("test_*.py")):
            continue
        src = dest / "source" / name
        if src.exists():
            shutil.rmtree(src)
        src.mkdir(parents=True)
        generated = {p.name: text for p, text in release_files(root).items() if p.parent.name == name}
        for f in phase_dir.iterdir():   # the grader, its conftest, the handout: what phases/ alone holds
            if f.is_file() and f.suffix not in (".ipynb", ".pyc") and f.name not in generated:
                shutil.copy2(f, src / f.name)
        for fname, text in generated.items():   # the skeletons, made from solutions/ (never the working copies)
            if not fname.endswith(".ipynb"):
                (src / fname).write_text(text, encoding="utf-8")
        for nb in (root / "solutions" / name).glob("*.ipynb"):
            shutil.copy2(nb, src / nb.name)
        names.append(name)
    exclude = {name: learner_modules(name) for name in names}
    (dest / "nbgrader_config.py").write_text(CONFIG.format(root=str(dest), exclude=exclude))
    return names


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.course", description="Lay out an nbgrader course folder.")
    p.add_argument("dest", help="the course folder to create or update")
    p.add_argument("phases", nargs="*", type=int, help="phases to include (default: every phase with a grader)")
    args = p.parse_args(argv)
    names = build(Path(args.dest), args.phases or list(range(1, 11)))
    if not names:
        print("no phase with a grader among those asked for", file=sys.stderr)
        return 1
    print(f"nbgrader course in {args.dest}: " + ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
