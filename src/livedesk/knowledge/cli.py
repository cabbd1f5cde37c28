"""`livedesk faq …`: evaluate FAQ suggestions on labelled queries."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer

from livedesk.knowledge.bands import Bands
from livedesk.knowledge.bot_eval import BotFigures, nested_bot_evaluation
from livedesk.knowledge.calibration import ConfidenceModel
from livedesk.knowledge.embedding import CachedEmbedder, get_embedder
from livedesk.knowledge.evaluate import (
    LabelledQuery,
    Metrics,
    build_registry,
    evaluate,
    load_faq_jsonl,
    load_queries_jsonl,
)
from livedesk.knowledge.learning_eval import Fitted, learning_for_business
from livedesk.knowledge.search_types import FaqDoc
from livedesk.knowledge.tuning import SignalCache, cross_validate, fit_defaults

app = typer.Typer(help="FAQ search: evaluate suggestions and the bot threshold.")


@app.callback()
def _main() -> None:
    """FAQ knowledge base tools."""


def _fmt(m: Metrics) -> str:
    auroc = "n/a" if m.auroc is None else f"{m.auroc:.3f}"
    best = "none" if m.best_bot_threshold is None else f"{m.best_bot_threshold:.3f}"
    return (
        f"R@1 {m.recall_at_1:.3f}  R@3 {m.recall_at_3:.3f}  MRR@10 {m.mrr_at_10:.3f}  "
        f"| no-answer @t={m.no_answer_threshold:.3f}: P {m.no_answer_precision:.3f} "
        f"R {m.no_answer_recall:.3f}  AUROC {auroc}  "
        f"| bot @{m.bot_threshold:.2f}: answers {m.bot_share:.1%} at precision "
        f"{m.bot_precision:.1%}; best ≥90%: {m.best_bot_share:.1%} (t={best})  "
        f"[{m.queries} queries, {m.answerable} answerable]"
    )


async def _from_db(slug: str) -> tuple[list[FaqDoc], list[LabelledQuery]]:
    """Published entries and logged operator choices of one business (settings from env)."""
    from sqlalchemy import select

    from livedesk.businesses.models import Business
    from livedesk.db import make_engine, make_sessionmaker
    from livedesk.knowledge.service import labelled_queries, published_docs
    from livedesk.settings import get_settings

    engine = make_engine(get_settings())
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            business_id = await session.scalar(select(Business.id).where(Business.slug == slug))
        if business_id is None:
            raise typer.BadParameter(f"no business with slug {slug!r}")
        return (
            await published_docs(sessions, business_id),
            await labelled_queries(sessions, business_id),
        )
    finally:
        await engine.dispose()


@app.command("evaluate")
def evaluate_cmd(
    faq: Path | None = typer.Option(None, "--faq", exists=True, help="FAQ entries (JSONL)."),
    queries: Path | None = typer.Option(None, "--queries", exists=True, help="Labelled queries."),
    from_db: bool = typer.Option(
        False,
        "--from-db",
        help="Use the published entries and the "
        "operators' logged choices of --business instead of files.",
    ),
    business: str | None = typer.Option(None, "--business", help="Business slug (--from-db)."),
    no_embeddings: bool = typer.Option(False, "--no-embeddings", help="Force lexical search."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    cross_validation: bool = typer.Option(
        False,
        "--cross-validate",
        help="Kept for old scripts: with two or more businesses figures are held out anyway.",
    ),
    fit: bool = typer.Option(False, "--fit", help="Also print weights/model fitted on all."),
    embedding_cache: Path | None = typer.Option(
        None, "--embedding-cache", help="Keep query/entry vectors in this .npz between runs."
    ),
    details: bool = typer.Option(False, "--details", help="List the misses and gaps."),
    learning: bool = typer.Option(
        False, "--learning", help="Replay earlier queries as choices; measure repeats and new."
    ),
) -> None:
    """Recall@1/3, MRR@10, no-answer detection, bot coverage, per business and overall."""
    if from_db:
        if not business:
            raise typer.BadParameter("--from-db needs --business SLUG")
        docs, labelled = asyncio.run(_from_db(business))
    elif faq is None or queries is None:
        raise typer.BadParameter("give --faq and --queries, or --from-db --business SLUG")
    else:
        docs = load_faq_jsonl(faq)
        labelled = load_queries_jsonl(queries)
    if not labelled:
        typer.echo("no labelled queries to evaluate", err=True)
        raise typer.Exit(1)
    embedder = None if no_embeddings else get_embedder(True)
    cached = CachedEmbedder(embedder, embedding_cache) if embedder is not None else None
    registry = build_registry(docs, use_embeddings=cached is not None, embedder=cached)
    report = evaluate(docs, labelled, registry=registry)
    businesses = len(report.per_tenant)
    if cross_validation and businesses < 2:
        typer.echo("leaving one business out needs two businesses")
    if businesses > 1:
        report.cross_validation = cross_validate(registry, labelled)
        cache = SignalCache(registry, labelled)
        report.cross_validation["bot"] = nested_bot_evaluation(cache, labelled, registry.method)
        if learning:
            report.cross_validation["learning"] = _learning(docs, labelled, report, cached)
    fitted: dict[str, Any] | None = fit_defaults(registry, labelled) if fit else None
    if cached is not None:
        cached.save()
    if as_json:
        out = report.to_dict()
        if fitted:
            out["fitted"] = fitted
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=float))
        return
    typer.echo(f"method: {report.method}")
    if report.cross_validation:
        _print_held_out(report.cross_validation)
        typer.echo("\nfootnote, in-sample (shipped weights and model, fitted on these queries):")
    else:
        typer.echo("in-sample (shipped weights and models):")
    for tenant, m in report.per_tenant.items():
        typer.echo(f"{tenant:>14}: {_fmt(m)}")
    typer.echo(f"{'micro-average':>14}: {_fmt(report.overall)}")
    if report.cross_validation:
        bot = report.cross_validation["bot"]
        typer.echo(f"{'shared bands':>14}: {_fmt_bot(BotFigures(**bot['in_sample']))}")
    if report.cross_validation and "learning" in report.cross_validation:
        _print_learning(report.cross_validation["learning"])
    if details:
        _print_details(report)
    if fitted:
        _print_fitted(fitted)


def _learning(
    docs: list[FaqDoc], labelled: list[LabelledQuery], report: Any, embedder: Any
) -> dict[str, Any]:
    """Per business, with the weights, model and bands its held-out fold was given."""
    out = {}
    for tenant, fold in report.cross_validation["bot"]["folds"].items():
        fitted = Fitted(
            fold["weights"],
            ConfidenceModel(**fold["model"]),
            ConfidenceModel(**fold["offer_model"]),
            Bands(**fold["bands"]),
        )
        own = [q for q in labelled if q.tenant == tenant]
        out[tenant] = learning_for_business(docs, own, fitted, embedder)
    return out


def _print_learning(learning: dict[str, Any]) -> None:
    typer.echo(
        "\nlearning (leave-one-business-out; earlier half of each entry's queries replayed):"
    )
    for tenant, ways in learning.items():
        for way, sets in ways.items():
            cells = "  ".join(
                f"{name} R@1 {f['recall_at_1']:.3f} R@3 {f['recall_at_3']:.3f} "
                f"bot success {f['success']:.1%} resolved {f['resolved']:.1%} [{f['queries']}]"
                for name, f in sets.items()
            )
            typer.echo(f"{tenant:>14} {way:>15}: {cells}")


def _fmt_bot(f: BotFigures) -> str:
    return (
        f"answered {f.answered:.1%} (right {f.answered_right:.1%})  offered {f.offered:.1%} "
        f"(right among {f.offered_right:.1%})  handed over {f.handed_over:.1%}  "
        f"| success {f.success:.1%}  resolved {f.resolved:.1%}  wrong {f.wrong:.1%}  "
        f"no-answer acted on {f.no_answer_acted:.1%}"
    )


def _print_held_out(cv: dict[str, Any]) -> None:
    typer.echo("\nleave-one-business-out: ranking (weights and confidence fitted on the others)")
    for tenant, fold in cv["folds"].items():
        typer.echo(f"{tenant:>14}: {_fmt(Metrics(**fold['metrics']))}")
    pooled = dict(cv["held_out_pooled"])
    typer.echo(
        f"{'pooled':>14}: R@1 {pooled['recall_at_1']:.3f}  R@3 {pooled['recall_at_3']:.3f}"
        f"  MRR@10 {pooled['mrr_at_10']:.3f}  AUROC {pooled['auroc']:.3f}"
    )
    bot = cv["bot"]
    typer.echo("\nleave-one-business-out: bot (band rule chosen without the held-out business)")
    for tenant, fold in bot["folds"].items():
        b = fold["bands"]
        typer.echo(
            f"{tenant:>14}: {_fmt_bot(BotFigures(**fold['figures']))}  "
            f"[bands answer {b['answer']:.3f} offer {b['offer']:.3f}; {fold['rule']}]"
        )
    typer.echo(f"{'pooled':>14}: {_fmt_bot(BotFigures(**bot['pooled']))}")
    shared = bot["shared"]
    typer.echo(
        f"{'new business':>14}: starts on answer {shared['bands']['answer']:.3f} "
        f"offer {shared['bands']['offer']:.3f} ({shared['rule']}, chosen and fitted on all)"
    )


def _print_details(report: Any) -> None:
    typer.echo(f"\nentries never found in the top 3 ({len(report.never_found)}):")
    for e in report.never_found:
        typer.echo(f"  {e['tenant']}/{e['entry_id']} {e['question']!r} ← {e['queries']}")
    no_answer = [g for g in report.gaps if g["expected"] is None]
    missed = [g for g in report.gaps if g["expected"] is not None]
    typer.echo(f"\nqueries the FAQ does not answer ({len(no_answer)}):")
    for g in no_answer:
        typer.echo(f"  {g['tenant']}: {g['query']!r} (top {g['top']}, conf {g['confidence']})")
    typer.echo(f"\nqueries whose entry is not in the top 3 ({len(missed)}):")
    for g in missed:
        typer.echo(
            f"  {g['tenant']}: {g['query']!r} expected {g['expected']}, got {g['top']} "
            f"(conf {g['confidence']})"
        )


def _print_fitted(fitted: dict[str, Any]) -> None:
    grid = {k: fitted[k] for k in ("method", "weights", "model")}
    typer.echo(f"\nfitted on all queries: {json.dumps(grid, default=float)}")
    typer.echo(
        "with the shipped weights (what calibration.DEFAULT_MODELS holds): "
        f"{json.dumps(fitted['shipped'], default=float)}"
    )
    if not fitted["same_weights"]:
        typer.echo(
            "note: the grid's best weights differ from the shipped ones; the first model "
            "describes the grid's ranking, not the product's"
        )
