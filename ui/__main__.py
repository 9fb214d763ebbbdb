"""``python -m ui``: the same as ``rag chat``, with the same options (see ``python -m ui --help``)."""

import sys

from rag.cli import main


def _argv(args: list[str]) -> list[str]:
    """``--config`` belongs before the subcommand; everything else is a ``chat`` option."""
    front: list[str] = []
    rest = list(args)
    for i, a in enumerate(rest):
        if a == "--config" and i + 1 < len(rest):
            front = rest[i:i + 2]
            del rest[i:i + 2]
            break
        if a.startswith("--config="):
            front = [rest.pop(i)]
            break
    return [*front, "chat", *rest]


if __name__ == "__main__":
    sys.exit(main(_argv(sys.argv[1:])))
