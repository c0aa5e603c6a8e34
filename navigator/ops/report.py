"""Staff usage report from the anonymous counts: a summary and a PNG chart (matplotlib, Agg)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from navigator.ops.usage import LATENCY_BUCKETS, connect

CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "TakaoGothic", "Yu Gothic", "Meiryo")


@dataclass
class Summary:
    days: int
    since: str
    total: int = 0
    answered: int = 0
    abstained: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    latency: dict[str, int] = field(default_factory=dict)
    top_services: list[tuple[str, str, int]] = field(default_factory=list)   # (id, name, count)
    unanswered_by_day: dict[str, int] = field(default_factory=dict)
    unanswered_questions: list[tuple[str, int]] = field(default_factory=list)  # only with store_transcripts

    def to_json(self) -> dict:
        return asdict(self)


def summarize(db_path: Path, days: int = 30, names: dict[str, str] | None = None, today: dt.date | None = None) -> Summary:
    since = ((today or dt.date.today()) - dt.timedelta(days=days - 1)).isoformat()
    summary = Summary(days=days, since=since)
    if not db_path.is_file():
        return summary
    db = connect(db_path)
    try:
        def grouped(column: str, where: str = "") -> dict[str, int]:
            rows = db.execute(f"SELECT {column}, SUM(count) FROM counts WHERE day >= ? {where} GROUP BY {column} "
                              "ORDER BY SUM(count) DESC", (since,))
            return {key: int(n) for key, n in rows}

        summary.by_outcome = grouped("outcome")
        summary.by_language = grouped("language")
        summary.by_channel = grouped("channel")
        order = [name for _, name in LATENCY_BUCKETS] + ["unknown"]
        latency = grouped("latency")
        summary.latency = {name: latency[name] for name in order if name in latency}
        summary.total = sum(summary.by_outcome.values())
        summary.answered = summary.by_outcome.get("answered", 0)
        summary.abstained = summary.total - summary.answered
        summary.top_services = [(sid, (names or {}).get(sid, sid), n)
                                for sid, n in grouped("service_id", "AND service_id != ''").items()][:15]
        summary.unanswered_by_day = dict(sorted(grouped("day", "AND service_id = ''").items()))
        summary.unanswered_questions = [(text, int(n)) for text, n in db.execute(
            "SELECT text, SUM(count) FROM unanswered_text WHERE day >= ? GROUP BY text ORDER BY SUM(count) DESC "
            "LIMIT 20", (since,))]
    finally:
        db.close()
    return summary


def text_report(summary: Summary) -> str:
    lines = [f"利用状況 / usage since {summary.since} ({summary.days} days): {summary.total} questions, "
             f"{summary.answered} answered, {summary.abstained} not answered"]
    if not summary.total:
        lines.append("  no counts yet: set [privacy] usage_stats = true in kiosk_config.toml to collect them")
        return "\n".join(lines)
    lines.append("  languages: " + ", ".join(f"{k} {v}" for k, v in summary.by_language.items()))
    lines.append("  channels:  " + ", ".join(f"{k} {v}" for k, v in summary.by_channel.items()))
    lines.append("  outcomes:  " + ", ".join(f"{k} {v}" for k, v in summary.by_outcome.items()))
    lines.append("  answer time: " + ", ".join(f"{k} {v}" for k, v in summary.latency.items()))
    lines.append("  most asked services:")
    lines += [f"    {n:5d}  {name} ({sid})" for sid, name, n in summary.top_services[:10]]
    if summary.unanswered_questions:
        lines.append("  unanswered questions (personal data removed):")
        lines += [f"    {n:5d}  {text}" for text, n in summary.unanswered_questions[:10]]
    return "\n".join(lines)


def cjk_font() -> str | None:
    """The first installed font that has Japanese glyphs (for chart labels)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def save_chart(summary: Summary, path: Path) -> Path:
    """Two panels: the most asked services, and unanswered questions per day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = cjk_font()
    params = {"font.family": [font, "DejaVu Sans"]} if font else {}
    with plt.rc_context(params):
        fig, (top, missed) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 1]})
        services = list(reversed(summary.top_services[:10]))
        top.barh([name for _, name, _ in services] or ["（なし）"], [n for *_, n in services] or [0], color="#2b7bb9")
        top.set_title("よく聞かれた手続き / most asked services")
        top.set_xlabel("件数 / count")
        if summary.unanswered_questions:   # kept only with [privacy] store_transcripts = true
            questions = list(reversed(summary.unanswered_questions[:10]))
            missed.barh([_short(text) for text, _ in questions], [n for _, n in questions], color="#d9822b")
            missed.set_title("答えられなかった質問 / not answered")
            missed.set_xlabel("件数 / count")
        else:
            days = list(summary.unanswered_by_day)
            missed.bar([d[5:] for d in days] or ["—"], [summary.unanswered_by_day[d] for d in days] or [0],
                       color="#d9822b")
            missed.set_title("答えられなかった質問（日別）/ not answered per day")
            missed.set_ylabel("件数 / count")
            missed.tick_params(axis="x", rotation=60)
        fig.suptitle(f"町田市役所 AIナビ 利用状況 {summary.since}〜（{summary.total}件、回答 {summary.answered}件）")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return path
