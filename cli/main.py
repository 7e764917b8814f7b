"""The ``escalade`` command line.

Exit status: 0 done; 2 the input or the pack is invalid (message on stderr, no traceback);
1 anything else (one line on stderr; set ESCALADE_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from .inputs import open_input

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


def _fail(status: int, message: str) -> NoReturn:
    click.echo(f"escalade: {message}", err=True)
    sys.exit(status)


def _guarded(func: F) -> F:
    """Map escalade's errors to exit statuses and messages; never show a traceback."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            from escalade import InvalidCase, InvalidPack, UnsupportedLanguage
        except ImportError as exc:  # e.g. durable-rules built without the 3.13 fix
            _fail(EXIT_ERROR, str(exc))
        try:
            return func(*args, **kwargs)
        except (InvalidCase, InvalidPack, UnsupportedLanguage) as exc:
            _fail(EXIT_INVALID, str(exc))
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("ESCALADE_DEBUG"):
                traceback.print_exc()
            _fail(EXIT_ERROR, f"internal error: {type(exc).__name__}: {exc}")

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="escalade", prog_name="escalade")
def cli() -> None:
    """What to do when collectors keep calling after a Huabei deferral or installment plan.

    Evaluate a case JSON against a rule pack (the built-in cn-huabei pack by default).
    """


def _read_input(case: str) -> bytes:
    """The case's bytes, read no further than one byte past the size limit (parse_case then
    refuses it), so an endless stream or a device cannot exhaust memory."""
    from escalade import DEFAULT_LIMITS

    with open_input(case, "a case file") as (stream, _):
        return stream.read(DEFAULT_LIMITS.max_input_bytes + 1)


@cli.command()
@click.argument("case", metavar="CASE.json|CASES.jsonl|-")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True,
              help="text: a plan for a person; json: the decision (contract v1). Batch mode "
                   "always writes JSON Lines.")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True,
              help="Language of titles, reasons, steps and advice.")
@click.option("--pack", "pack_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Rule pack directory (default: the built-in cn-huabei pack).")
@click.option("--explain", is_flag=True,
              help="Also list the rules that did not fire, with the first condition that failed.")
@click.option("--jsonl/--no-jsonl", "jsonl", default=None,
              help="Batch mode: the input is JSON Lines, one case per line, and every line gives "
                   "one output line. Default: on for *.jsonl and *.ndjson files, off otherwise "
                   "(use --jsonl for standard input).")
@click.option("--out", "out", metavar="FILE", default=None,
              help="Write the output to FILE, atomically (a temporary file renamed into place "
                   "when complete; nothing is left on failure or interruption). Default: "
                   "standard output.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Batch mode: worker processes (0: one per CPU). The output is the same, byte "
                   "for byte, whatever the number.")
@click.option("--trace-personal", is_flag=True,
              help="Add to each fired rule's trace the case events behind it, phone numbers and "
                   "notes included (JSON output). Without it no number or note is ever output "
                   "or logged.")
@click.option("--verbose", "-v", count=True,
              help="Log to stderr (-v: info, -vv: debug). Logs never contain numbers or notes.")
@click.pass_context
@_guarded
def evaluate(ctx: click.Context, case: str, fmt: str, lang: str, pack_dir: Path | None,
             explain: bool, jsonl: bool | None, out: str | None, jobs: int,
             trace_personal: bool, verbose: int) -> None:
    """Evaluate one case (a file, or - for standard input), or a batch of cases.

    \b
    Batch mode (--jsonl, or a *.jsonl/*.ndjson file): every input line gives exactly one
    output line, in order: the decision (compact JSON), or an error record
      {"line": N, "error": "invalid_case", "case_id": ID|null,
       "problems": [{"path": ..., "message": ...}]}
    ("evaluation_failed" instead of "invalid_case" if the engine failed on a valid case).
    A summary goes to stderr ("N ok, N rejected, N lines"), with a progress bar on a terminal.

    \b
    Exit status: 0 every case evaluated; 2 invalid input (single case), or some lines rejected
    (batch: all still accounted for); 1 anything else; 128+N interrupted by signal N.
    """
    from escalade import Engine, parse_case
    from escalade.render import render_text

    from .batch import check_out, is_batch_name, run_batch

    _configure_logging(verbose)
    check_out(out)
    batch = jsonl if jsonl is not None else (case != "-" and is_batch_name(case))
    if batch:
        from escalade.batch import Options

        if ctx.get_parameter_source("fmt") is click.core.ParameterSource.COMMANDLINE \
                and fmt != "json":
            raise click.UsageError("batch mode writes JSON Lines; --format text is for one case")
        run_batch(case, out, pack_dir, Options(lang=lang, explain=explain,
                                               trace_personal=trace_personal),
                  jobs or os.cpu_count() or 1)
    if jobs != 1:
        raise click.UsageError("--jobs is for batch mode (--jsonl)")
    raw = _read_input(case)
    try:
        validated = parse_case(raw)
    except Exception as exc:
        from escalade import InvalidCase

        if isinstance(exc, InvalidCase):
            _fail(EXIT_INVALID, f"{case}: {exc}")
        raise
    with Engine(pack_dir) as engine:
        decision = engine.evaluate(validated, lang=lang, explain=explain,
                                   trace_personal=trace_personal)
        if fmt == "json":
            text = decision.model_dump_json(indent=2) + "\n"
        else:
            text = render_text(decision, engine.pack, findings=explain)
    if out is None or out == "-":
        click.echo(text, nl=False)
    else:
        from .atomic import atomic_output

        with atomic_output(Path(out)) as sink:
            sink.write(text.encode("utf-8"))


def _configure_logging(verbose: int) -> None:
    """-v: INFO, -vv: DEBUG records of the ``escalade`` logger on stderr."""
    if verbose <= 0:
        return
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("escalade: %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("escalade")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)


@cli.command()
@click.argument("pack_dir", required=False, type=click.Path(path_type=Path))
@_guarded
def validate(pack_dir: Path | None) -> None:
    """Check a rule pack (default: the built-in one). Problems name file, line and rule id."""
    from escalade import Engine, load_pack

    pack = load_pack(pack_dir)
    Engine(pack).close()  # also proves durable_rules accepts the compiled ruleset
    click.echo(f"ok: {pack.name} {pack.version}: {len(pack.rules)} rules, "
               f"{len(pack.advice)} advice items ({pack.directory})")


@cli.command()
@click.argument("which", type=click.Choice(["case", "decision"]), default="case")
@_guarded
def schema(which: str) -> None:
    """Print the JSON Schema of the case (input) or the decision (output)."""
    from escalade import Case, Decision

    model = Case if which == "case" else Decision
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


def main() -> None:
    """Console-script entry point."""
    try:
        from escalade import tune_malloc
    except ImportError:
        pass  # reported with its fix by the command itself
    else:
        tune_malloc()  # this process is ours: keep durable_rules' session blocks on the heap
    cli(prog_name="escalade")


if __name__ == "__main__":
    main()
