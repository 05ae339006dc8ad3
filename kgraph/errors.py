"""Errors that the CLI turns into one clear line and a non-zero exit."""


class KgraphError(Exception):
    """A user-facing failure: the message names the file, value or server at fault."""

    exit_code = 1


class InputError(KgraphError):
    """Bad input: a file that cannot be read, a value that cannot be parsed."""

    exit_code = 2


class NotBuiltError(KgraphError):
    """A subcommand that exists in the CLI but is not implemented yet."""

    exit_code = 3


class ServerError(KgraphError):
    """Neo4j (or Java) is missing, unreachable, or refused us."""

    exit_code = 4
