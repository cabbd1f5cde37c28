"""`livedesk plan`: the capacity planner on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import PlanningInputError


def _floats(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(x) for x in text.replace(";", ",").split(",") if x.strip()]
    except ValueError as e:
        raise PlanningInputError("invalid_profile", f"cannot read numbers from {text!r}") from e


def _cap(name: str, text: str) -> float | None:
    """A cap flag: a number, or none/geen/off to switch the cap off."""
    if text.strip().lower() in ("none", "geen", "off"):
        return None
    try:
        return float(text)
    except ValueError as e:
        raise PlanningInputError(
            "invalid_target", f'{name} must be a number or "none", not {text!r}', field=name
        ) from e


def plan_command(
    scenario: Annotated[
        Path | None, typer.Option("--scenario", "-s", help="YAML, TOML or JSON scenario file")
    ] = None,
    visitors_per_day: Annotated[float | None, typer.Option(help="visitors per day")] = None,
    visitors_per_hour: Annotated[
        str | None, typer.Option(help="24 or 168 comma-separated visitor counts")
    ] = None,
    hourly_profile: Annotated[str | None, typer.Option(help="24 comma-separated weights")] = None,
    chat_rate: Annotated[
        float | None, typer.Option(help="share of visitors who chat, 0.035")
    ] = None,
    aht: Annotated[float | None, typer.Option(help="mean chat duration, minutes")] = None,
    concurrency: Annotated[int | None, typer.Option(help="chats per operator at once")] = None,
    slowdown: Annotated[float | None, typer.Option(help="α: extra duration per extra chat")] = None,
    patience: Annotated[float | None, typer.Option(help="mean patience, minutes")] = None,
    target: Annotated[float | None, typer.Option(help="service level target, 0.8")] = None,
    answer_within: Annotated[float | None, typer.Option(help="answer threshold, seconds")] = None,
    max_abandon: Annotated[
        str | None, typer.Option(help='abandonment cap, 0.05; "none" switches it off')
    ] = None,
    max_occupancy: Annotated[
        str | None, typer.Option(help='occupancy cap, e.g. 0.85; "none" switches it off')
    ] = None,
    max_asa: Annotated[
        str | None, typer.Option(help='mean wait cap, seconds; "none" switches it off')
    ] = None,
    sl_variant: Annotated[str | None, typer.Option(help="primary | excl_short_abandons")] = None,
    model: Annotated[str | None, typer.Option(help="erlang-a | erlang-c")] = None,
    rule: Annotated[str | None, typer.Option(help="lag-aware | per-hour")] = None,
    opening: Annotated[str | None, typer.Option(help="opening hours, 09:00-23:00")] = None,
    shrinkage: Annotated[float | None, typer.Option(help="in-shift shrinkage, 0.15")] = None,
    absence: Annotated[float | None, typer.Option(help="vacation + sickness surcharge")] = None,
    salary: Annotated[float | None, typer.Option(help="gross monthly salary, €")] = None,
    employer_factor: Annotated[float | None, typer.Option(help="employer cost factor")] = None,
    price_per_chat: Annotated[float | None, typer.Option(help="provider price per chat")] = None,
    price_per_hour: Annotated[float | None, typer.Option(help="provider price per hour")] = None,
    lang: Annotated[str | None, typer.Option(help="nl | en")] = None,
    detail: Annotated[bool, typer.Option(help="print every hour with SL and abandonment")] = False,
    simulate_runs: Annotated[
        int, typer.Option("--simulate", help="check the plan with N simulated weeks")
    ] = 0,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="write hourly rows")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the whole plan")] = None,
    charts: Annotated[Path | None, typer.Option(help="directory for charts")] = None,
    chart_format: Annotated[str, typer.Option(help="svg | png")] = "svg",
    from_db: Annotated[bool, typer.Option("--from-db", help="estimate from Livedesk data")] = False,
    business: Annotated[str | None, typer.Option(help="business for --from-db")] = None,
    weeks: Annotated[int, typer.Option(help="weeks of history for --from-db")] = 4,
) -> None:
    """Plan staff and cost for live chat, in-house versus outsourced.

    Without arguments it plans the whitepaper's example.
    """
    from .scenario import Scenario, plan

    try:
        base = _base_fields(scenario, from_db, business, weeks)
        flags = {
            "visitors_per_day": visitors_per_day,
            "visitors_per_hour": _floats(visitors_per_hour),
            "hourly_profile": _floats(hourly_profile),
            "chat_rate": chat_rate,
            "aht_min": aht,
            "concurrency": concurrency,
            "slowdown": slowdown,
            "patience_min": patience,
            "target_sl": target,
            "answer_within_s": answer_within,
            "sl_variant": sl_variant,
            "model": model,
            "rule": rule,
            "opening": opening,
            "shrinkage": shrinkage,
            "absence_surcharge": absence,
            "gross_salary_month": salary,
            "employer_factor": employer_factor,
            "lang": lang,
        }
        caps = {"max_abandon": max_abandon, "max_occupancy": max_occupancy, "max_asa_s": max_asa}
        _override(base, flags, caps, price_per_chat, price_per_hour)
        result = plan(Scenario.from_dict(base))
        _emit(result, detail, simulate_runs, csv_out, json_out, charts, chart_format)
    except PlanningInputError as e:
        typer.echo(f"error: {e.message} [{e.code}]", err=True)
        raise typer.Exit(code=2) from e


def _override(
    base: dict[str, Any],
    flags: dict[str, Any],
    caps: dict[str, str | None],
    price_per_chat: float | None,
    price_per_hour: float | None,
) -> None:
    """The command line's options over the scenario file's (or the database's) fields."""
    base.update({k: v for k, v in flags.items() if v is not None})
    # a cap given as "none" must reach the scenario as None, so it overrides a file's cap
    base.update({k: _cap(k, v) for k, v in caps.items() if v is not None})
    prices = [
        {"kind": "per_chat", "price": price_per_chat} if price_per_chat is not None else None,
        {"kind": "per_hour", "rate": price_per_hour} if price_per_hour is not None else None,
    ]
    if any(prices):
        base["prices"] = [p for p in prices if p]


def _base_fields(
    scenario: Path | None, from_db: bool, business: str | None, weeks: int
) -> dict[str, Any]:
    """The scenario file's fields, then what Livedesk's own data says (--from-db)."""
    from .scenario import Scenario

    base: dict[str, Any] = Scenario.from_file(scenario).to_dict() if scenario else {}
    if from_db:
        if not business:
            raise PlanningInputError("business_required", "--from-db needs --business SLUG")
        import asyncio

        from livedesk.settings import Settings

        from .from_db import estimate_from_db

        estimates = asyncio.run(estimate_from_db(Settings(), business, weeks))
        for note in estimates.notes:
            typer.echo(f"note: {note}")
        base.update(estimates.scenario_fields())
    return base


def _emit(
    result: Any,
    detail: bool,
    simulate_runs: int,
    csv_out: Path | None,
    json_out: Path | None,
    charts: Path | None,
    chart_format: str,
) -> None:
    """The plan as text, then the simulation check and the files asked for."""
    from .charts import write_charts
    from .report import render_text, write_outputs

    typer.echo(render_text(result, detail=detail))
    if simulate_runs > 0:
        sim = result.simulate(replications=simulate_runs)
        typer.echo("\n-- simulation --\n" + json.dumps(sim, indent=2))
    written = write_outputs(result, csv_out, json_out)
    if charts is not None:
        written += write_charts(result, charts, chart_format)
    for p in written:
        typer.echo(f"wrote {p}")


def register(app: typer.Typer) -> None:
    """Add `plan` to the main Livedesk CLI."""
    app.command("plan")(plan_command)
