"""`navigator eval FILE.jsonl`: routing accuracy against {"q": ..., "expect": id|null} lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from navigator.brain.answerer import Answerer
from navigator.commands.ask import build_answerer
from navigator.errors import UserError


@dataclass
class Report:
    in_scope: int = 0
    out_of_scope: int = 0
    top1: int = 0
    top3: int = 0
    abstained: int = 0
    misses: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        ratio = lambda a, b: round(a / b, 4) if b else None  # noqa: E731
        return {"questions": self.in_scope + self.out_of_scope, "top1": ratio(self.top1, self.in_scope),
                "top3": ratio(self.top3, self.in_scope), "abstain": ratio(self.abstained, self.out_of_scope),
                "overall": ratio(self.top1 + self.abstained, self.in_scope + self.out_of_scope)}


def read_cases(path: Path) -> list[tuple[str, str | None]]:
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            cases.append((item["q"], item["expect"]))
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserError(f'{path}:{number}: expected {{"q": "...", "expect": "service-id" or null}}') from None
    return cases


def evaluate(answerer: Answerer, cases: list[tuple[str, str | None]]) -> Report:
    report = Report()
    for question, expect in cases:
        got = answerer.ask(question).service_ids
        if expect is None:
            report.out_of_scope += 1
            if not got:
                report.abstained += 1
            else:
                report.misses.append(f"{question!r}: expected no service (out of scope), got {got}")
            continue
        report.in_scope += 1
        report.top1 += bool(got) and got[0] == expect
        report.top3 += expect in got[:3]
        if not got or got[0] != expect:
            report.misses.append(f"{question!r}: expected {expect}, got {got or 'nothing (abstained)'}")
    return report


def run(args) -> int:
    report = evaluate(build_answerer(args.config), read_cases(args.file))
    figures = report.figures()
    if args.json:
        print(json.dumps({**figures, "misses": report.misses}, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.file}: {figures['questions']} questions ({report.in_scope} in scope, {report.out_of_scope} out of scope)")
    print(f"  top-1   {figures['top1']}\n  top-3   {figures['top3']}\n  abstain {figures['abstain']}\n"
          f"  overall {figures['overall']}")
    for miss in report.misses:
        print(f"  miss: {miss}")
    return 0
