"""``stormwatch detect``: replay a recorded stream through the whole pipeline in event time."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Annotated

import typer

from stormwatch.ingest.mention import MentionIn
from stormwatch.ingest.parsing import RecordError, parse_mention
from stormwatch.ingest.readers import read_json_lines
from stormwatch.ingest.window import DEFAULT_WINDOW, TimeWindow
from stormwatch.pipeline import Pipeline
from stormwatch.textio import open_input, open_output, progress
from stormwatch.workspace.config import ConfigError, load_config

DEFAULT_BRAND = "default"


def detect(
    input_path: Annotated[
        Path, typer.Argument(metavar="[INPUT]", help="JSON Lines of mentions, gzipped or not; - for stdin.")
    ] = Path("-"),
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where crisis events go; - for stdout.")
    ] = Path("-"),
    config: Annotated[Path | None, typer.Option("--config", help="Workspace TOML with the brands.")] = None,
    fast: Annotated[
        bool,
        typer.Option(
            "--fast",
            help="Only the fast analysis tier: about three times quicker, but its judgements (and so "
            "its crises) differ from the live service's, which also uses the deep tier.",
        ),
    ] = False,
) -> None:
    """Replay mentions in event time and print a JSON line each time a crisis opens or escalates.

    Each input line needs id, source, created_at (ISO 8601), text and author, and may have
    author_followers (without it, reach is unknown), brand, lang, reply_to and url. Brands missing
    from the config get defaults. Gzipped input (.jsonl.gz) is read as it is.
    """
    from stormwatch.analysis.text_analyzer import TextAnalyzer

    try:
        workspace = load_config(config)
    except ConfigError as error:
        from stormwatch.i18n.refusal import cli_said

        raise typer.BadParameter(cli_said(error), param_hint="--config") from error
    # The live service's analyser by default, so that a replay gives the crises the live stream would.
    pipeline = Pipeline.for_config(TextAnalyzer.load(deep=not fast), workspace)
    with open_input(input_path) as source, open_output(output) as sink:
        mentions = _mentions(source, workspace.ingest.window())
        for update in pipeline.replay(progress(mentions, "Replaying")):
            # The contract: openings, escalations and reopenings (a new wave of a matter just closed).
            if update.kind in ("opened", "escalated", "reopened"):
                sink.write(json.dumps(update.as_json(), ensure_ascii=False) + "\n")
                sink.flush()


def _mentions(source: IO[str], window: TimeWindow = DEFAULT_WINDOW) -> Iterator[MentionIn]:
    for record in read_json_lines(source):
        if record.fields is None:
            _report(record.line, None, str(record.error or "unreadable"))
            continue
        try:
            mention = parse_mention(record.fields, window=window)
        except RecordError as error:
            _report(record.line, error.field, error.message)
            continue
        yield mention if mention.brand else replace(mention, brand=DEFAULT_BRAND)


def _report(line: int, field: str | None, message: str) -> None:
    where = f"line {line}" + (f", field {field}" if field else "")
    print(f"stormwatch detect: skipped {where}: {message}", file=sys.stderr)
