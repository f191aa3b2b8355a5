"""Make the learner's files from the reference: ``python -m grader.release [--check]``.

Each module in ``solutions/NN_name/`` marks the learner's part of a function with

    ### BEGIN SOLUTION
    ...reference code...
    ### END SOLUTION

and the released module in ``phases/NN_name/`` has a stub there instead. Notebooks follow
nbgrader: in cells whose metadata says ``solution``, regions become ``# YOUR CODE HERE``
plus ``raise NotImplementedError()``; ``### BEGIN HIDDEN TESTS`` regions are dropped;
outputs are cleared. ``--check`` writes nothing and fails when ``phases/`` is stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from common.files import write_atomic
from common.phases import repo_root
from grader import manifest

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_DEF = re.compile(r"^(\s*)(?:async\s+)?(def|class)\s+(\w+)")


class ReleaseError(ValueError):
    """A source file whose markers cannot be released (unbalanced, outside a function)."""


def _qualname(lines: list[str], index: int, indent: int) -> str | None:
    """The dotted name of the function enclosing line ``index`` (indented by ``indent``)."""
    names, limit = [], indent
    for line in reversed(lines[:index]):
        m = _DEF.match(line)
        if m and len(m.group(1)) < limit:
            names.append((m.group(2), m.group(3)))
            limit = len(m.group(1))
            if limit == 0:
                break
    if not names or names[0][0] != "def":
        return None
    return ".".join(name for _, name in reversed(names))


def strip_module(text: str, where: str = "<source>") -> str:
    """Replace every solution region of a Python module by a ``NotImplementedError`` stub."""
    lines, out, i = text.splitlines(keepends=True), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == END:
            raise ReleaseError(f"{where}:{i + 1}: '{END}' without a '{BEGIN}' before it")
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        name = _qualname(lines, i, len(indent))
        if name is None:
            raise ReleaseError(f"{where}:{i + 1}: a solution region must sit inside a function body")
        j = i + 1
        while j < len(lines) and lines[j].strip() != END:
            if lines[j].strip() == BEGIN:
                raise ReleaseError(f"{where}:{j + 1}: '{BEGIN}' inside another solution region")
            j += 1
        if j == len(lines):
            raise ReleaseError(f"{where}:{i + 1}: '{BEGIN}' is never closed by '{END}'")
        out.append(f"{indent}# YOUR CODE HERE\n")
        out.append(f'{indent}raise NotImplementedError("{name}: not written yet; see its docstring and the handout")\n')
        i = j + 1
    return "".join(out)


CU_BEGIN, CU_END = "// ### BEGIN SOLUTION", "// ### END SOLUTION"
CU_STUB = "// YOUR CODE HERE (not written yet: see the comments above and the handout)"


def strip_cuda(text: str, where: str = "<source>") -> str:
    """Replace every solution region of a CUDA source (``// ### BEGIN SOLUTION`` ... ``// ### END
    SOLUTION``) by the line :data:`CU_STUB`: the kernel compiles and does nothing, and the graders
    report it as not written."""
    out = _strip_region(text, CU_BEGIN, CU_END, CU_STUB, where)
    return out + "\n" if text.endswith("\n") else out


def _strip_region(source: str, begin: str, end: str, replacement: str | None, where: str) -> str:
    lines, out, inside = source.splitlines(), [], False
    for n, line in enumerate(lines, 1):
        if line.strip() == begin:
            if inside:
                raise ReleaseError(f"{where}: line {n}: nested '{begin}'")
            inside = True
            if replacement is not None:
                pad = line[: len(line) - len(line.lstrip())]
                out.extend(pad + r for r in replacement.splitlines())
        elif line.strip() == end:
            if not inside:
                raise ReleaseError(f"{where}: line {n}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ReleaseError(f"{where}: '{begin}' is never closed")
    return "\n".join(out)


def strip_notebook(nb: dict, where: str = "<notebook>") -> dict:
    """The learner's copy of a reference notebook (a new dict; ``nb`` is untouched)."""
    nb = json.loads(json.dumps(nb))
    for k, cell in enumerate(nb["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        meta = cell.get("metadata", {}).get("nbgrader", {})
        here = f"{where}, cell {k}"
        if meta.get("solution"):
            if cell["cell_type"] == "code":
                if BEGIN in source:
                    source = _strip_region(source, BEGIN, END, "# YOUR CODE HERE\nraise NotImplementedError()", here)
                else:
                    source = "# YOUR CODE HERE\nraise NotImplementedError()"
            else:
                source = "YOUR ANSWER HERE"
        elif BEGIN in source:
            raise ReleaseError(f"{here}: solution markers in a cell not marked as a solution cell")
        if BEGIN_HIDDEN in source:
            source = _strip_region(source, BEGIN_HIDDEN, END_HIDDEN, None, here)
        cell["source"] = source
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell.get("metadata", {}).pop("execution", None)
    return nb


def notebook_text(nb: dict) -> str:
    """A notebook as nbformat writes it (one-space indent, sorted keys, final newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def release_files(root: Path | None = None) -> dict[Path, str]:
    """Every learner file that ``solutions/`` generates, with its content."""
    root = root or repo_root()
    files: dict[Path, str] = {}
    for src_dir in sorted(p for p in (root / "solutions").iterdir() if p.is_dir() and re.match(r"\d\d_", p.name)):
        dst_dir = root / "phases" / src_dir.name
        for src in sorted(src_dir.iterdir()):
            where = str(src.relative_to(root))
            if src.suffix == ".py":
                files[dst_dir / src.name] = strip_module(src.read_text(encoding="utf-8"), where)
            elif src.suffix == ".ipynb":
                files[dst_dir / src.name] = notebook_text(strip_notebook(json.loads(src.read_text(encoding="utf-8")), where))
            elif src.suffix == ".cu":
                files[dst_dir / src.name] = strip_cuda(src.read_text(encoding="utf-8"), where)
            elif src.name not in ("__pycache__", ".ipynb_checkpoints"):
                raise ReleaseError(f"{where}: only .py modules, .cu kernels and .ipynb notebooks are released")
    return files


def stale(root: Path | None = None) -> list[str]:
    """Learner files that differ from what ``solutions/`` generates (or have no source there)."""
    root = root or repo_root()
    expected = release_files(root)
    problems = [f"{p.relative_to(root)} is missing or out of date" for p, text in expected.items()
                if not p.is_file() or p.read_text(encoding="utf-8") != text]
    for phase_dir in {p.parent for p in expected}:
        for p in phase_dir.iterdir():
            generated = p.suffix in (".py", ".ipynb", ".cu") and not p.name.startswith(("test_", "conftest"))
            if generated and p not in expected:
                problems.append(f"{p.relative_to(root)} has no source in solutions/{phase_dir.name}/")
    if manifest.stale(root):
        problems.append(f"{manifest.MANIFEST} does not match the graders' files")
    return sorted(problems)


def _write(path: Path, text: str) -> None:
    write_atomic(path, text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.release", description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="write nothing; fail if phases/ is stale")
    args = p.parse_args(argv)
    try:
        if args.check:
            problems = stale()
            for line in problems:
                print(f"stale: {line}")
            if problems:
                print("phases/ is out of sync with solutions/: run `make release`.")
                return 1
            print("phases/ is in sync with solutions/.")
            return 0
        files = release_files()
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2
    root = repo_root()
    for path, text in files.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            _write(path, text)
            print(f"wrote {path.relative_to(root)}")
    if manifest.write(root):
        print(f"wrote {manifest.MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
