"""The ``rnnproof`` command line: one parser, one subcommand module each.

Exit codes mean the same everywhere: 0 all good, 1 a step refuted or a check failed, 2 bad
usage or bad input (the message names what and where), 3 an internal error (a bug).  No traceback reaches the user for
an error rnnproof raises on purpose.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

from rnnproof.derivations.errors import RnnproofError

__all__ = ["main", "build_parser", "COMMANDS", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

#: subcommand modules under rnnproof.commands, in help order
COMMANDS = ("list", "derive", "check", "report", "verify", "grade")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 on bad usage; keep that, with our prefix
        self.print_usage(sys.stderr)
        print(f"rnnproof: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The full parser; each command module adds its own subparser."""
    from rnnproof import __version__

    parser = _Parser(prog="rnnproof", description="Derive, check and report the gradient identities of RNNs.")
    parser.add_argument("--version", action="version", version=f"rnnproof {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    parser._subcommands = {}  # name -> its parser, for usage errors that belong to a subcommand
    for name in COMMANDS:
        if importlib.util.find_spec(f"rnnproof.commands.{name}") is None:
            continue  # a command whose module is not written yet is simply absent from --help
        module = importlib.import_module(f"rnnproof.commands.{name}")
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
        parser._subcommands[name] = p
    return parser


def _parse(parser, argv):
    """Parse ``argv``; an unknown option after a subcommand is that subcommand's usage error.

    argparse hands a subcommand's unrecognised arguments back to the top-level parser, which
    would print the top-level usage for ``rnnproof report --no-pfd``; the subcommand's own usage
    (and its own suggestion) is what the user needs.
    """
    args, extra = parser.parse_known_args(argv)
    if extra:
        sub = getattr(parser, "_subcommands", {}).get(getattr(args, "command", None), parser)
        sub.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = _parse(parser, argv)
    try:
        return int(args._run(args))
    except RnnproofError as exc:
        print(f"rnnproof: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rnnproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug in rnnproof, not in the input: say so plainly
        if os.environ.get("RNNPROOF_DEBUG"):
            raise
        print(f"rnnproof: internal error: {type(exc).__name__}: {exc}\n"
              "  (a bug in rnnproof; rerun with RNNPROOF_DEBUG=1 for the traceback and please report it)",
              file=sys.stderr)
        return EXIT_INTERNAL
