"""One error type for everything a user can get wrong, printed like a compiler's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input, located as precisely as we can."""

    path: str
    """The file, relative to the site root where possible (posix separators)."""
    line: int
    """1-based line in ``path``; 0 when the problem is about the file as a whole."""
    message: str

    def format(self, severity: str = "error") -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {severity}: {self.message}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.message)


class DigestError(Exception):
    """Bad input: carries every diagnostic found, never a traceback for the user."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[DigestError], tuple[list[Diagnostic]]]:
        # Raised in a worker process, it must arrive in the parent whole.
        return (type(self), (self.diagnostics,))

    @classmethod
    def at(cls, path: str, line: int, message: str) -> DigestError:
        return cls(Diagnostic(path, line, message))
