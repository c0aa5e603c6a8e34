"""`navigator llm check`: reach the [llm] endpoint with a tiny streamed request and report."""

from __future__ import annotations

import json

from navigator.config import load_config
from navigator.errors import UserError


def check(args) -> int:
    config = load_config(args.config)
    settings = config.llm
    if not (settings.base_url and settings.model):
        raise UserError(f"{config.source}: [llm] base_url and model must be set to check the model "
                        "(see the comments in kiosk_config.toml)")
    from navigator.llm.openai_chat import OpenAIChat

    report = OpenAIChat(settings).check()
    if args.json:
        print(json.dumps({**report.to_json(), "enabled": settings.enabled}, ensure_ascii=False))
        return 0 if report.ok else 1
    print(f"LLM endpoint: {report.provider} {report.endpoint}, model {report.model}, timeout {settings.timeout_s:g} s")
    if report.key_set:
        print(f"API key: ${report.key_env} is set")
    else:
        print(f"API key: ${report.key_env} is not set (fine for a local server; OpenAI and Azure need it: "
              f"export {report.key_env}=... in the kiosk's environment, never in kiosk_config.toml)")
    if report.ok:
        print(f"OK: first text after {report.first_token_s:.2f} s, whole reply {report.total_s:.2f} s ({report.reply!r})")
    else:
        print(f"FAILED: {report.error}")
        print("The kiosk still answers every question from the catalog while the model is unreachable.")
    if not settings.enabled:
        print("Note: [llm] enabled = false, so the kiosk does not use this model yet.")
    return 0 if report.ok else 1
