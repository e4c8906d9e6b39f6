"""The `kb` command: options in, library calls, results out (JSON for programs). No logic here."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys

import click

from kb.errors import KBError
from kb.knowledge_base import KnowledgeBase
from kb.search import MODES, Filters, Hit

index_option = click.option(
    "--index", "index_dir", default=lambda: os.environ.get("KB_INDEX", "index"), show_default="index/ or $KB_INDEX",
    type=click.Path(file_okay=False), help="Index folder.",
)
model_option = click.option(
    "--model", default=None, help="sentence-transformers model name or path (default: the index's model, or $KB_MODEL, or multilingual-e5-small).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def user_errors(command):
    """Turn the library's errors into one line and a non-zero exit, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (KBError, ValueError) as e:
            raise click.ClickException(str(e)) from None

    return wrapper


def echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def log(message: str) -> None:
    click.echo(message, err=True)


@click.group()
@click.version_option(package_name="kb")
def cli():
    """kb: search meeting minutes by meaning, in Swedish or English."""


@cli.command()
@click.argument("corpus", required=False, default=lambda: os.environ.get("KB_CORPUS", "corpus"), type=click.Path())
@index_option
@model_option
@click.option("--rebuild", is_flag=True, help="Start the index from scratch.")
@click.option("--no-wait", is_flag=True, help="Fail at once if another update is running.")
@json_option
@user_errors
def index(corpus, index_dir, model, rebuild, no_wait, as_json):
    """Bring the index up to date with the minutes in CORPUS (default corpus/ or $KB_CORPUS)."""
    with KnowledgeBase(index_dir, model=model, log=log) as kb:
        summary = kb.update(corpus, rebuild=rebuild, progress=not as_json and sys.stderr.isatty(), wait=not no_wait)
    if as_json:
        echo_json(summary.to_dict())
        return
    for name in ("added", "changed", "removed", "unchanged"):
        files = getattr(summary, name)
        if files:
            click.echo(f"{name}: {len(files)} file(s)" + ("" if name == "unchanged" else ": " + ", ".join(files)))
    for move in summary.renamed:
        click.echo(f"renamed: {move['from']} -> {move['to']}")
    for skip in summary.skipped:
        click.echo(f"skipped: {skip['file']}: {skip['problem']}")
    if summary.items_embedded:
        click.echo(f"embedded {summary.items_embedded} item(s); {summary.items_total} item(s) in the index")
    else:
        click.echo(f"nothing new to embed; {summary.items_total} item(s) in the index")


@cli.command()
@click.argument("query")
@click.option("-k", "--top", "k", default=5, show_default=True, type=click.IntRange(min=1), help="Number of hits.")
@click.option("--mode", type=click.Choice(MODES), default="hybrid", show_default=True)
@click.option("--org", help="Only items by this organisation.")
@click.option("--speaker", help="Only items by this speaker.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only meetings on or after this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only meetings on or before this date.")
@click.option("--meeting", help="Only this meeting (its date, title or file).")
@index_option
@model_option
@json_option
@user_errors
def search(query, k, mode, org, speaker, since, until, meeting, index_dir, model, as_json):
    """Search the minutes; QUERY in Swedish or English."""
    filters = Filters(org=org, speaker=speaker, since=_date(since), until=_date(until), meeting=meeting)
    with KnowledgeBase(index_dir, model=model, log=log) as kb:
        hits = kb.search(query, k=k, mode=mode, filters=filters)
    if as_json:
        echo_json([hit.to_dict() for hit in hits])
    elif not hits:
        click.echo("no hits")
    else:
        for hit in hits:
            click.echo(format_hit(hit))


@cli.command()
@index_option
@json_option
@user_errors
def stats(index_dir, as_json):
    """What the index holds: meetings, items, model, size."""
    with KnowledgeBase(index_dir, log=log) as kb:
        info = kb.stats()
    if as_json:
        echo_json(info)
        return
    click.echo(f"index:    {info['index']}")
    click.echo(f"model:    {info['model']} ({info['dim']} dimensions)")
    click.echo(f"meetings: {info['meetings']}")
    click.echo(f"items:    {info['items']} ({info['passages']} passages embedded)")
    click.echo(f"size:     {info['index_bytes'] / 1e6:.1f} MB")
    for m in info["meetings_list"]:
        click.echo(f"  {m['date'] or '????-??-??'}  {m['title']}  ({m['items']} items, {m['source']})")


@cli.command("eval")
@click.argument("queries", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", "modes", type=click.Choice(MODES), multiple=True, help="Modes to measure (default: all).")
@click.option("--misses", is_flag=True, help="Also list the queries whose item was not ranked first.")
@index_option
@model_option
@json_option
@user_errors
def evaluate(queries, modes, misses, index_dir, model, as_json):
    """Measure hit@1, hit@3, MRR@10 and recall@10 on a JSONL query set."""
    from kb.evaluate import load_queries, metrics, run_queries

    query_set = load_queries(queries)
    report = {}
    with KnowledgeBase(index_dir, model=model, log=log) as kb:
        for mode in modes or MODES:
            results = run_queries(kb, query_set, mode)
            report[mode] = metrics(results)
            report[mode]["misses"] = [
                {"query": r.query["query"], "rank": r.rank} for r in results if r.rank != 1
            ]
    if as_json:
        echo_json(report if misses else {m: {k: v for k, v in r.items() if k != "misses"} for m, r in report.items()})
        return
    click.echo(f"{'mode':<8} {'queries':>7} {'hit@1':>6} {'hit@3':>6} {'MRR@10':>7} {'recall@10':>9}")
    for mode, r in report.items():
        click.echo(f"{mode:<8} {r['queries']:>7} {r['hit@1']:>6.3f} {r['hit@3']:>6.3f} {r['mrr@10']:>7.3f} {r['recall@10']:>9.3f}")
    if misses:
        for mode, r in report.items():
            for miss in r["misses"]:
                click.echo(f"{mode}: rank {miss['rank'] or '>10'}: {miss['query']}")


def format_hit(hit: Hit) -> str:
    who = " – ".join(part for part in (hit.organisation, hit.speaker) if part)
    head = f"{hit.rank}. [{hit.score:.3f}] {hit.date or 'no date'}  {who or '(no speaker named)'}"
    where = f"{hit.source}:{hit.line_start}-{hit.line_end}" + (f" (page {hit.page})" if hit.page else "")
    body = "\n".join("   " + line for line in hit.text.splitlines())
    section = f"   section: {hit.section}\n" if hit.section else ""
    return f"{click.style(head, bold=True)}\n{body}\n{section}   {where}\n"


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def main() -> None:
    cli(prog_name="kb")
