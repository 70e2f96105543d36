"""Two error families: what a user caused and can fix, and everything else (bugs)."""


class UserError(Exception):
    """Bad input or configuration: one clear sentence, shown without a traceback.

    The CLI prints it on stderr and exits 2; the app shows it with ``st.error``.
    """


class FileRejected(UserError):
    """A whole input file cannot be ingested (unreadable, or a required column missing)."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
