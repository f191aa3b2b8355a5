"""``python -m grader N``: grade phase N and print the report (also ``make grade PHASE=N``)."""

from __future__ import annotations

import argparse
import sys

from grader import engine, report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m grader", description="Grade one phase of the course.")
    p.add_argument("phase", type=int, help="phase number, 1 to 10")
    p.add_argument("--impl", default="phases",
                   help="code to grade: 'phases' (yours, default), 'solutions' (the reference) or a folder")
    p.add_argument("--prior", choices=["phases", "solutions"], default=None,
                   help="code of the earlier phases (default: the same as --impl)")
    p.add_argument("--task", action="append", default=[], help="grade only this task (repeatable)")
    p.add_argument("--tests-dir", default=None, help="folder of the grader's test_*.py (default: the phase's folder)")
    p.add_argument("--hidden", metavar="DIR", default=None,
                   help="instructors: a folder of test_*.py whose cases join the phase's tasks of the same name")
    p.add_argument("--json", metavar="PATH", help="also write the result as JSON")
    p.add_argument("--gradescope", metavar="PATH", help="also write Gradescope's results.json")
    p.add_argument("--list", action="store_true", help="list the phase's tasks and points, grade nothing")
    p.add_argument("--verify", action="store_true",
                   help="instructors: refuse to grade when the grader's own files differ from phases/manifest.json, "
                        "list the submission's constructs that can fool a check (grader/flags.py), and grade "
                        "isolated (--isolate)")
    p.add_argument("--isolate", action="store_true",
                   help="run the code under test in a process of its own, apart from the checks (grader/remote.py)")
    p.add_argument("--strict", action="store_true",
                   help="exit with status 1 unless every task graded here passes (default: 0 whatever the score)")
    args = p.parse_args(argv)
    try:
        grade = engine.run(args.phase, impl=args.impl, prior=args.prior, tasks=args.task,
                           tests_dir=args.tests_dir, list_only=args.list, verify=args.verify, isolate=args.isolate,
                           hidden=args.hidden)
    except (engine.GraderError, LookupError) as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for t in grade.tasks:
            print(f"{t.name:<32} {t.max_score:>4g}  {t.title}")
        return 0
    print(report.terminal(grade))
    if args.json:
        report.write_json(report.as_json(grade), args.json)
    if args.gradescope:
        report.write_json(report.as_gradescope(grade), args.gradescope)
    if args.strict and any(t.status == "failed" for t in grade.tasks):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
