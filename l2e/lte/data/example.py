"""The unit of Learning-to-Execute data: an input the model reads and the answer it writes."""

from dataclasses import dataclass

from l2e.lte.vocab import END_OF_INPUT, END_OF_OUTPUT


@dataclass(frozen=True)
class Example:
    """One example.

    ``source`` is the input in the model's character form (for programs, code lines joined by
    ``#``); ``target`` is the answer the model must write (without the final ``.``).
    ``text`` is the exact character string the model is trained on: ``source@target.``.
    """

    source: str
    target: str

    @property
    def text(self) -> str:
        return f"{self.source}{END_OF_INPUT}{self.target}{END_OF_OUTPUT}"

    @property
    def prompt(self) -> str:
        """What the model reads before it starts answering: ``source@``."""
        return self.source + END_OF_INPUT

    @property
    def answer(self) -> str:
        """What the model writes after the prompt: ``target.``."""
        return self.target + END_OF_OUTPUT
