"""The importers' promise: parsing a file never raises; a bug becomes one clear line and a logged traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from perfdash.ingest.csvtext import CsvShapeError
from perfdash.ingest.model import Parsed, Problem

_Args = ParamSpec("_Args")


def never_raises(name: str) -> Callable[[Callable[_Args, Parsed]], Callable[_Args, Parsed]]:
    """Wrap a parse function so unreadable CSV or a bug comes back as one clear problem, never a traceback.

    The analyst sees one line; the traceback goes to the "perfdash" log for whoever fixes the importer.
    """

    def decorate(parse: Callable[_Args, Parsed]) -> Callable[_Args, Parsed]:
        @wraps(parse)
        def safe(*args: _Args.args, **kwargs: _Args.kwargs) -> Parsed:
            try:
                return parse(*args, **kwargs)
            except CsvShapeError as error:
                return Parsed(format=name, problems=list(error.problems))
            except Exception as error:  # the contract is to report, never to break the upload page
                logging.getLogger("perfdash").exception("the %s importer failed on a file", name)
                return Parsed(
                    format=name,
                    problems=[
                        Problem(
                            f"perfdash could not read this file: the {name} importer met something it does not "
                            f"handle ({type(error).__name__}); the details are in the perfdash log",
                            fix="check the file is the unchanged download; if it is, send it to the perfdash team "
                            "with the time of this upload",
                        )
                    ],
                )

        return safe

    return decorate
