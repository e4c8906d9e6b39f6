"""The `kb` command: options in, library calls, results out (JSON for programs). No logic here.

Every error is one line on stderr and a non-zero exit, a bad option or value included (2), never
a traceback (KB_DEBUG=1 shows one for an unexpected error). Human output shows control
characters in file names and texts as escapes (\x1b, \n in a name), so no file can move the
cursor, recolour the terminal or break a line of the output; JSON escapes them itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sys

import click

from kb.errors import KBError
from kb.knowledge_base import KnowledgeBase
from kb.lexical import matching_words
from kb.readers import DEFAULT_LIMITS, Limits
from kb.search import DEFAULT_MODE, MODES, Filters, Hit

index_option = click.option(
    "--index", "index_dir", default=lambda: os.environ.get("KB_INDEX", "index"), show_default="index/ or $KB_INDEX",
    type=click.Path(file_okay=False), help="Index folder.",
)
model_option = click.option(
    "--model", default=None, help="sentence-transformers model name or path (default: the index's model, or $KB_MODEL, or multilingual-e5-small).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def limit_options(command):
    command = click.option("--max-text-mb", type=click.IntRange(min=1), default=DEFAULT_LIMITS.max_text_chars // 10**6,
                           show_default=True, help="Text read from one file, in millions of characters; a file with more is skipped.")(command)
    return click.option("--max-file-mb", type=click.IntRange(min=1), default=DEFAULT_LIMITS.max_file_bytes // 2**20,
                        show_default=True, help="Size of one file, and of a Word file or PDF stream unpacked; a larger one is skipped.")(command)


def limits_of(max_file_mb: int, max_text_mb: int) -> Limits:
    return Limits(max_file_bytes=max_file_mb * 2**20, max_text_chars=max_text_mb * 10**6)


def user_errors(command):
    """Turn the library's errors into one line and a non-zero exit, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (KBError, ValueError) as e:
            raise click.ClickException(str(e)) from None

    return wrapper


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text, lines: bool = False) -> str:
    """Text safe to print: control characters (and Unicode's direction overrides) as escapes;
    newlines too, unless `lines` (a text printed line by line)."""
    if text is None:
        return ""
    text = str(text)
    if not lines:
        text = text.replace("\n", "\\n")
    return _CONTROL.sub(lambda m: _escape(m.group()), text)


def _escape(char: str) -> str:
    named = {"\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}
    if char in named:
        return named[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def echo_json(value) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def log(message: str) -> None:
    click.echo(clean(message), err=True)


class _KbGroup(click.Group):
    """click's group, with every error, a usage error included, as one line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except click.UsageError as e:
            subcommand = e.ctx.command_path.partition(" ")[2] if e.ctx is not None else ""
            _error(f"{e.format_message()} (see `kb {subcommand + ' ' if subcommand else ''}--help`)")
            code = e.exit_code
        except click.ClickException as e:
            _error(e.format_message())
            code = e.exit_code
        except click.Abort:
            click.echo("Aborted!", err=True)
            code = 1
        except BrokenPipeError:  # kb search ... | head
            sys.stdout = open(os.devnull, "w")
            code = 0
        except Exception as e:
            if os.environ.get("KB_DEBUG"):
                raise
            _error(f"unexpected {type(e).__name__}: {' '.join(str(e).split())[:300]}; please report it "
                   "(KB_DEBUG=1 shows where it happened)")
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


def _error(message: str) -> None:
    click.echo(f"Error: {clean(message)}", err=True)


@click.group(cls=_KbGroup)
@click.version_option(package_name="kb")
def cli():
    """kb: search meeting minutes by meaning, in Swedish or English."""


@cli.command()
@click.argument("corpus", required=False, default=lambda: os.environ.get("KB_CORPUS", "corpus"), type=click.Path())
@index_option
@model_option
@click.option("--rebuild", is_flag=True, help="Start the index from scratch.")
@click.option("--no-wait", is_flag=True, help="Fail at once if another update is running.")
@click.option("--follow-symlinks", is_flag=True, help="Also index files that links in the corpus point to outside it.")
# Dask's own variable for its scheduler; kb.cluster is imported only when a cluster is given.
@click.option("--cluster", default=lambda: os.environ.get("DASK_SCHEDULER_ADDRESS") or None, metavar="ADDRESS",
              show_default="$DASK_SCHEDULER_ADDRESS",
              help="Parse and embed on the workers of this Dask cluster (pip install 'kb[cluster]').")
@limit_options
@json_option
@user_errors
def index(corpus, index_dir, model, rebuild, no_wait, follow_symlinks, cluster, max_file_mb, max_text_mb, as_json):
    """Bring the index up to date with the minutes in CORPUS (default corpus/ or $KB_CORPUS)."""
    with KnowledgeBase(index_dir, model=model, log=log, limits=limits_of(max_file_mb, max_text_mb)) as kb:
        summary = kb.update(corpus, rebuild=rebuild, progress=not as_json and sys.stderr.isatty(), wait=not no_wait,
                            follow_symlinks=follow_symlinks, cluster=cluster)
    print_summary(summary, as_json)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@index_option
@model_option
@click.option("--no-wait", is_flag=True, help="Fail at once if another update is running.")
@limit_options
@json_option
@user_errors
def add(files, index_dir, model, no_wait, max_file_mb, max_text_mb, as_json):
    """Index these FILES now, without looking at the rest of the corpus (a file outside the corpus
    leaves the index at the next `kb index`)."""
    with KnowledgeBase(index_dir, model=model, log=log, limits=limits_of(max_file_mb, max_text_mb)) as kb:
        summary = kb.add(list(files), progress=not as_json and sys.stderr.isatty(), wait=not no_wait)
    print_summary(summary, as_json)


@cli.command()
@click.argument("files", nargs=-1, required=True)
@index_option
@click.option("--no-wait", is_flag=True, help="Fail at once if another update is running.")
@json_option
@user_errors
def remove(files, index_dir, no_wait, as_json):
    """Take FILES out of the index (as `kb stats` names them) without touching them; a file still in
    the corpus comes back at the next `kb index` unless its .kbignore names it."""
    with KnowledgeBase(index_dir, log=log) as kb:
        summary = kb.remove(list(files), wait=not no_wait)
    print_summary(summary, as_json)


def print_summary(summary, as_json: bool) -> None:
    """What an update did: a line per file added, changed, removed, renamed or skipped."""
    if as_json:
        echo_json(summary.to_dict())
        return
    for name in ("added", "changed", "removed"):
        for file in getattr(summary, name):
            click.echo(f"{name}: {clean(file)}")
    for move in summary.renamed:
        click.echo(f"renamed: {clean(move['from'])} -> {clean(move['to'])}")
    for skip in summary.skipped:
        click.echo(f"skipped: {clean(skip['file'])}: {clean(skip['problem'])}")
    if summary.unchanged:
        click.echo(f"unchanged: {len(summary.unchanged)} file(s)")
    if summary.items_embedded:
        click.echo(f"embedded {summary.items_embedded} item(s); {summary.items_total} item(s) in the index")
    else:
        click.echo(f"nothing new to embed; {summary.items_total} item(s) in the index")


@cli.command()
@click.argument("query")
@click.option("-k", "--top", "k", default=5, show_default=True, type=click.IntRange(min=1), help="Number of hits.")
@click.option("--mode", type=click.Choice(MODES), default=DEFAULT_MODE, show_default=True)
@click.option("--org", help="Only items by this organisation (whole words, any case, or an English alias).")
@click.option("--speaker", help="Only items by this speaker (whole words: Berg is not Blomberg).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only meetings on or after this date.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only meetings on or before this date.")
@click.option("--meeting", help="Only this meeting (its date, title or file).")
@click.option("--attendee", help="Only meetings this person attended, as the attendance lists name them (each word, any order).")
@index_option
@model_option
@json_option
@user_errors
def search(query, k, mode, org, speaker, since, until, meeting, attendee, index_dir, model, as_json):
    """Search the minutes; QUERY in Swedish or English."""
    filters = Filters(org=org, speaker=speaker, since=_date(since), until=_date(until), meeting=meeting,
                      attendee=attendee)
    with KnowledgeBase(index_dir, model=model, log=log) as kb:
        hits = kb.search(query, k=k, mode=mode, filters=filters)
    if as_json:
        echo_json([hit.to_dict() for hit in hits])
    elif not hits:
        click.echo("no hits")
    else:
        for hit in hits:
            click.echo(format_hit(hit, query))


@cli.command()
@click.argument("item_id", type=int)
@click.option("--around", default=2, show_default=True, type=click.IntRange(min=0), help="Items shown either side.")
@index_option
@json_option
@user_errors
def show(item_id, around, index_dir, as_json):
    """Print an item with the items around it in its meeting."""
    with KnowledgeBase(index_dir, log=log) as kb:
        hits = kb.show(item_id, around=around)
        meeting = kb.meeting_of(item_id)
    if as_json:
        echo_json({"meeting": meeting, "items": [{**hit.to_dict(), "selected": hit.item_id == item_id} for hit in hits]})
        return
    first = hits[0]
    click.echo(click.style(f"{clean(first.meeting)} {first.date or ''}  ({clean(first.source)})", bold=True))
    if meeting["place"]:
        click.echo(f"place: {clean(meeting['place'])}")
    for label, names in (("present", meeting["present"]), ("absent", meeting["absent"])):
        if names:
            click.echo(f"{label}: " + ", ".join(clean(name) for name in names))
    click.echo()
    for hit in hits:
        marker = ">>" if hit.item_id == item_id else "  "
        who = " – ".join(clean(part) for part in (hit.organisation, hit.speaker) if part)
        click.echo(f"{marker} #{hit.item_id} lines {hit.line_start}-{hit.line_end}  {who}")
        for line in clean(hit.text, lines=True).splitlines():
            click.echo(f"{marker}    {click.style(line, bold=hit.item_id == item_id)}")
        click.echo()


@cli.command()
@click.argument("party")
@click.argument("query", required=False)
@click.option("-k", "--top", "k", default=10, show_default=True, type=click.IntRange(min=1), help="With QUERY: how many items.")
@index_option
@json_option
@user_errors
def timeline(party, query, k, index_dir, as_json):
    """What an organisation or person (PARTY) said, meeting by meeting, oldest first."""
    with KnowledgeBase(index_dir, log=log) as kb:
        hits = kb.timeline(party, query=query, k=k)
    if as_json:
        echo_json([hit.to_dict() for hit in hits])
        return
    meeting = None
    for hit in hits:
        if (hit.date, hit.meeting) != meeting:
            meeting = (hit.date, hit.meeting)
            click.echo(click.style(f"{hit.date or 'no date'}  {clean(hit.meeting)}", bold=True))
        click.echo("   " + highlight(clean(hit.text, lines=True), query).replace("\n", "\n   "))
        click.echo(f"   #{hit.item_id} {clean(hit.source)}:{hit.line_start}-{hit.line_end}\n")


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
    click.echo(f"index:    {clean(info['index'])}")
    click.echo(f"model:    {info['model']} ({info['dim']} dimensions)")
    click.echo(f"meetings: {info['meetings']}")
    click.echo(f"items:    {info['items']} ({info['passages']} passages embedded)")
    click.echo(f"size:     {info['index_bytes'] / 1e6:.1f} MB")
    languages = info["languages"]
    other = {"sv": "English", "en": "Swedish"}.get(languages["minutes"])
    if other:
        kinds = [("English-Swedish", "english_swedish_dictionary", "dict-freedict-eng-swe"),
                 ("Swedish-English", "swedish_english_dictionary", "dict-freedict-swe-eng")]
        present = [name for name, key, _ in kinds if languages[key]]
        missing = [(name, package) for name, key, package in kinds if not languages[key]]
        have = ["Folkets lexikon"] * languages["folkets_lexikon"] + [f"FreeDict's {_dictionaries(present)}"] * bool(present)
        dictionaries = ", ".join(
            [f"with {' and '.join(have)}"] * bool(have)
            + [f"without FreeDict's {_dictionaries([name for name, _ in missing])} "
               f"({', '.join(package for _, package in missing)} not installed)"] * bool(missing))
        click.echo(f"languages: minutes in {languages['minutes']}; {other} questions moved toward them; "
                   f"hybrid search {dictionaries}")
    for m in info["meetings_list"]:
        click.echo(f"  {m['date'] or '????-??-??'}  {clean(m['title'])}  ({m['items']} items, {clean(m['source'])})")


def _dictionaries(names: list[str]) -> str:
    """"English-Swedish dictionary", or "English-Swedish and Swedish-English dictionaries"."""
    return " and ".join(names) + (" dictionaries" if len(names) > 1 else " dictionary")


@cli.command()
@index_option
@json_option
@user_errors
def parties(index_dir, as_json):
    """The organisations and speakers in the index, with their number of items and the dates of
    their first and last meeting."""
    with KnowledgeBase(index_dir, log=log) as kb:
        found = kb.parties()
    if as_json:
        echo_json(found)
        return
    for kind, entries in found.items():
        click.echo(click.style(f"{kind} ({len(entries)})", bold=True))
        width = max((len(clean(entry["name"])) for entry in entries), default=0)
        for entry in entries:
            span = " – ".join(dict.fromkeys(date for date in (entry["first"], entry["last"]) if date)) or "no date"
            click.echo(f"  {clean(entry['name']):<{width}}  {entry['items']:>5} item(s)  {span}")


@cli.command("eval")
@click.argument("queries", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--mode", "modes", type=click.Choice(MODES), multiple=True, help="Modes to measure (default: all).")
@click.option("--baseline", is_flag=True, help="Also measure the naive paragraph chunker on the same questions.")
@click.option("--misses", is_flag=True, help="Also list the queries whose item was not ranked first.")
@index_option
@model_option
@json_option
@user_errors
def evaluate(queries, modes, baseline, misses, index_dir, model, as_json):
    """Measure hit@1, hit@3, MRR@10 and recall@10 on query sets (.jsonl files, or folders with
    queries.jsonl), overall, per source and per language."""
    from kb.evaluate import evaluate as run, load_queries

    query_set = []
    for path in queries:
        try:
            query_set += load_queries(path)
        except RecursionError:
            raise KBError(f"{path}: a line nests too deeply to be a query") from None
    with KnowledgeBase(index_dir, model=model, log=log) as kb:
        report = run(kb, query_set, list(modes or MODES), with_baseline=baseline, log=log)
    if not misses:
        for system in report.values():
            for figures in system.values():
                figures.pop("misses")
    if as_json:
        echo_json(report)
        return
    click.echo(f"{'system':<10} {'mode':<8} {'set':<28} {'queries':>7} {'hit@1':>6} {'hit@3':>6} {'MRR@10':>7} {'recall@10':>9}")
    for system, by_mode in report.items():
        for mode, by_set in by_mode.items():
            for name, r in by_set.items():
                if name not in ("misses", "language gap"):
                    click.echo(f"{system:<10} {mode:<8} {name:<28} {r['queries']:>7} {r['hit@1']:>6.3f} "
                               f"{r['hit@3']:>6.3f} {r['mrr@10']:>7.3f} {r['recall@10']:>9.3f}")
    for system, by_mode in report.items():
        for mode, by_set in by_mode.items():
            if "language gap" in by_set:
                gap = by_set["language gap"]
                click.echo(f"{system} {mode}: Swedish minus English questions: hit@1 {gap['hit@1']:+.3f}, "
                           f"MRR@10 {gap['mrr@10']:+.3f}")
    if misses:
        for system, by_mode in report.items():
            for mode, by_set in by_mode.items():
                for miss in by_set["misses"]:
                    click.echo(f"{system} {mode}: rank {miss['rank'] or '>10'}: {miss['id'] or ''} {miss['query']}")


@cli.command()
@index_option
@json_option
@user_errors
def check(index_dir, as_json):
    """Verify the index: files whole, vectors, lexical index and metadata in agreement (exit 1 if not)."""
    with KnowledgeBase(index_dir, log=log) as kb:
        report = kb.check()
    if as_json:
        echo_json(report.to_dict())
    else:
        for problem in report.problems:
            click.echo(f"problem: {clean(problem)}")
        for leftover in report.leftovers:
            click.echo(f"leftover (harmless): {clean(leftover)}")
        if report.ok:
            counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
            click.echo(f"ok: {clean(report.index)} ({counts}; model {report.model})")
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("corpus", required=False, default=lambda: os.environ.get("KB_CORPUS", "corpus"),
                type=click.Path(exists=True, file_okay=False))
@index_option
@model_option
@click.option("--follow-symlinks", is_flag=True, help="Also index files that links in the corpus point to outside it.")
@limit_options
@json_option
@user_errors
def watch(corpus, index_dir, model, follow_symlinks, max_file_mb, max_text_mb, as_json):
    """Keep the index up to date while minutes in CORPUS are added, changed or removed; Ctrl-C stops."""
    from kb.watch import watch as watch_corpus

    reported_skips: list[dict] = []

    def report(summary):
        if as_json:
            click.echo(json.dumps({"time": dt.datetime.now().isoformat(timespec="seconds"), **summary.to_dict()},
                                  ensure_ascii=False))
            return
        if summary.added or summary.changed or summary.removed or summary.renamed:
            click.echo(f"{dt.datetime.now():%H:%M:%S} added {len(summary.added)}, changed {len(summary.changed)}, "
                       f"removed {len(summary.removed)}, renamed {len(summary.renamed)} file(s); "
                       f"{summary.items_total} item(s) in the index")
        for skip in summary.skipped:  # each once, not at every update
            if skip not in reported_skips:
                click.echo(f"skipped: {clean(skip['file'])}: {clean(skip['problem'])}")
        reported_skips[:] = summary.skipped

    with KnowledgeBase(index_dir, model=model, log=log, limits=limits_of(max_file_mb, max_text_mb)) as kb:
        log(f"watching {corpus}/ for changes; Ctrl-C stops")
        try:
            watch_corpus(kb, corpus, report, follow_symlinks=follow_symlinks)
        except KeyboardInterrupt:
            log("stopped; the index holds the last finished update")


@cli.command()
@click.argument("replicas", nargs=-1, required=True, type=click.Path(file_okay=False))
@index_option
@click.option("--no-wait", is_flag=True, help="Fail at once if the replica is being written.")
@json_option
@user_errors
def replicate(replicas, index_dir, no_wait, as_json):
    """Copy the index's live generation to each REPLICA folder and switch it there in one commit;
    searches on a replica go on during the switch and see the new generation after it."""
    from kb.replica import replicate as copy_to

    results = [copy_to(index_dir, replica, wait=not no_wait, log=log).to_dict() for replica in replicas]
    if as_json:
        echo_json(results)
        return
    for result in results:
        done = f"{result['copied_bytes'] / 2**20:.1f} MB copied" if result["copied_bytes"] else "up to date already"
        click.echo(f"{clean(result['replica'])}/: generation {result['generation']} ({done})")


@cli.command("mcp")
@index_option
@model_option
@user_errors
def mcp_command(index_dir, model):
    """Serve the index to an assistant over the Model Context Protocol on stdin/stdout (for an MCP
    client's configuration; needs `pip install 'kb[mcp]'`)."""
    from kb.mcp_server import serve

    serve(index_dir, model=model, log=log)


@cli.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; any but a loopback address needs --token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--token", default=lambda: os.environ.get("KB_TOKEN") or None, show_default="$KB_TOKEN",
              help="Every request must carry it (Authorization: Bearer, or a page opened once with ?token=); "
                   "KB_TOKEN keeps it out of the process list.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Requests answered at once (default: one per core, at most 4).")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=3600), default=10.0, show_default=True,
              help="Seconds a request may take before it is answered with an error.")
@model_option
@user_errors
def serve_command(index_dir, host, port, token, threads, timeout, model):
    """Serve the index over HTTP: a search page in Swedish and English, and a JSON API (its docs at
    /api/docs). Updates by `kb index` or `kb watch` are picked up as they commit."""
    from kb.server import serve

    serve(index_dir, host=host, port=port, token=token, threads=threads, timeout=timeout, model=model, log=log)


def format_hit(hit: Hit, query: str | None = None) -> str:
    """A hit for people: rank, score (and why it ranks there when not by score alone), date, who;
    the text; its section; where it stands in the source, and its item id for `kb show`."""
    who = " – ".join(clean(part) for part in (hit.organisation, hit.speaker) if part)
    reason = f"  ({clean(hit.reason)})" if hit.reason else ""
    head = f"{hit.rank}. [{hit.score:.3f}] {hit.date or 'no date'}  {who or '(no speaker named)'}{reason}"
    where = f"{clean(hit.source)}:{hit.line_start}-{hit.line_end}" + (f" (page {hit.page})" if hit.page else "")
    body = "\n".join("   " + line for line in highlight(clean(hit.text, lines=True), query).splitlines())
    section = f"   section: {clean(hit.section)}\n" if hit.section else ""
    return f"{click.style(head, bold=True)}\n{body}\n{section}   {where}  #{hit.item_id}\n"


def highlight(text: str, query: str | None) -> str:
    """The words the query matches, in bold yellow (plain when output is not a terminal)."""
    if not query:
        return text
    words = matching_words(text, query)
    if not words:
        return text
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: click.style(m.group(0), fg="yellow", bold=True), text)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def main() -> None:
    cli(prog_name="kb")
