"""``stormwatch analyze`` and ``stormwatch eval`` (registered on the top-level typer app)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from stormwatch.analysis.stream import DEFAULT_BATCH_SIZE, Malformed, analyze_stream
from stormwatch.analysis.text_analyzer import TextAnalyzer
from stormwatch.textio import open_input, open_output


def analyze(
    input_path: Annotated[
        str,
        typer.Argument(
            metavar="INPUT", help="JSON Lines (.jsonl or .jsonl.gz) or plain text lines; '-' for stdin"
        ),
    ] = "-",
    output_path: Annotated[str, typer.Option("-o", "--output", help="JSON Lines file, '-' for stdout")] = "-",
    quarantine: Annotated[
        Path | None, typer.Option("--quarantine", help="write malformed input lines to this file")
    ] = None,
    fast_only: Annotated[bool, typer.Option("--fast-only", help="skip the deep (embedding) tier")] = False,
    batch_size: Annotated[int, typer.Option(min=1)] = DEFAULT_BATCH_SIZE,
) -> None:
    """Add lang, sentiment, sentiment_score and cause to every JSON Lines record (all fields kept)."""
    analyzer = TextAnalyzer.load(deep=not fast_only)
    try:
        with (
            # gunzipped when gzip; a line with bytes that are not UTF-8 is reported, the rest goes on
            open_input(Path(input_path)) as source,
            open_output(Path(output_path)) as sink,
            contextlib.ExitStack() as stack,
        ):
            quarantine_file = (
                stack.enter_context(quarantine.open("w", encoding="utf-8")) if quarantine else None
            )

            def report(problem: Malformed) -> None:
                print(f"line {problem.line_number}: {problem.reason}; skipped", file=sys.stderr)
                if quarantine_file is not None:
                    quarantine_file.write(problem.raw if problem.raw.endswith("\n") else problem.raw + "\n")

            with _progress() as advance:
                analyze_stream(
                    source, sink, analyzer, on_malformed=report, on_batch=advance, batch_size=batch_size
                )
    except (OSError, EOFError) as error:  # EOFError: a cut-off .gz, after the lines before the cut
        print(f"analyze: {error}", file=sys.stderr)
        raise typer.Exit(1) from error


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    """A rich progress counter on stderr, only when stderr is a terminal (never pollutes pipes)."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.completed} mentions analysed"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("analyze", total=None)
        yield lambda n: progress.advance(task, n)


def evaluate(
    data: Annotated[
        Path | None,
        typer.Option(help="data directory (default: ../shared/data)", exists=True, file_okay=False),
    ] = None,
    fast_only: Annotated[bool, typer.Option("--fast-only", help="evaluate the fast tier only")] = False,
    speed_texts: Annotated[int, typer.Option(help="texts used for the throughput figures")] = 5000,
    json_output: Annotated[Path | None, typer.Option("--json", help="also write the figures here")] = None,
) -> None:
    """Held-out macro-recall / macro-F1 per dataset and language, cause F1, throughput; VADER as reference."""
    from stormwatch.analysis.evaluation import run_evaluation

    run_evaluation(data_directory=data, deep=not fast_only, speed_texts=speed_texts, json_path=json_output)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("eval")(evaluate)
