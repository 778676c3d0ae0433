"""The ``vane`` application: registers the commands and holds the global options.

Commands live one per module and import only what they need; anything heavy
(PyMC, ArviZ, plotting) is imported inside the commands that sample or draw.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.add import add
from cli.calibrate import calibrate
from cli.check import check
from cli.options import set_debugging
from cli.report import report
from cli.resolve import resolve
from cli.score import score
from cli.forecasts import forecast, import_forecasts, snapshot
from cli.indicators import app as indicator_app
from cli.setup import init, new
from cli.show import show
from cli.status import status

app = typer.Typer(
    name="vane",
    help="Weathervane: track competing scenarios, tag evidence, and see honest probabilities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors (for bug reports).")] = False,
) -> None:
    """Weathervane: track competing scenarios, tag evidence, and see honest probabilities."""
    set_debugging(debug)


for command in (init, new, check, add, status, show, report, resolve, snapshot, forecast, score, calibrate):
    app.command()(command)
app.command("import-forecasts")(import_forecasts)
app.add_typer(indicator_app, name="indicator")


def main() -> None:
    """Entry point of the ``vane`` console script."""
    app()


if __name__ == "__main__":
    main()
