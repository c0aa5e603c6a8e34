"""The optional LLM endpoint: off is fine; when on, reuse the LLM engineer's reachability check."""

from __future__ import annotations

from navigator.ops.doctor.base import FAIL, OK, Check, Context


def llm_endpoint(ctx: Context) -> Check:
    llm = ctx.config.llm
    if not llm.enabled:
        return Check("LLM", OK, "off: answers come from the catalog alone ([llm] enabled = false)")
    if ctx.quick:
        return Check("LLM", OK, f"{llm.model} at {llm.base_url}; not contacted (--quick)")
    from navigator.llm.openai_chat import OpenAIChat  # lazy: only this check needs the openai client

    fix = (f"check the server is running and [llm] base_url/model in {ctx.config_file}, and that "
           f"${llm.api_key_env} is set; meanwhile the kiosk answers from the catalog alone")
    try:
        report = OpenAIChat(llm, environ=ctx.environ).check()
    except Exception as exc:  # a client that cannot even be built
        return Check("LLM", FAIL, f"{llm.base_url}: {type(exc).__name__}: {exc}", fix)
    data = report.to_json()
    if report.ok:
        timing = f", first token {report.first_token_s:.2f} s" if report.first_token_s is not None else ""
        return Check("LLM", OK, f"{report.model} at {report.endpoint} answers{timing}", data=data)
    return Check("LLM", FAIL, f"{report.model} at {report.endpoint}: {report.error}", fix, data)
