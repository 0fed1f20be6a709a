"""The console channel: the same path as Slack and Telegram, in a terminal.

Interactive (stdin is a terminal): line editing and history (readline), choices as numbered
options (type the number), follow-ups that come due while the shell runs are printed.
Non-interactive (a pipe or a file): one message a line, each echoed as "you> ..." and
followed by the replies, so conversations can be scripted, tested and demoed.

It only translates: a line becomes an IncomingMessage, replies become text. What a message
means and what it changes is the dialogue's business.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from crm_core.clock import SystemClock
from intents.messages import Choice, Choices, File, Image, IncomingMessage, Reply, Text

Handle = Callable[[IncomingMessage], list[Reply]]
Reminders = Callable[[datetime], list[Reply]]
REMINDER_EVERY_S = 15.0


def render(reply: Reply, out_dir: Path | None = None) -> str:
    """A reply as console text (files and images are saved under `out_dir`)."""
    if isinstance(reply, Text):
        hint = "".join(f"  [{a.value}]" for a in reply.actions)
        return reply.text + hint
    if isinstance(reply, Choices):
        lines = [reply.text]
        lines += [f"  {i}. {option.label}" for i, option in enumerate(reply.options, 1)]
        return "\n".join(lines)
    if isinstance(reply, Image | File):
        name = reply.name if isinstance(reply, File) else f"{reply.title}.png"
        data = reply.content if isinstance(reply, File) else reply.png
        if out_dir is None:
            return f"[{name}: {len(data):,} bytes]"
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / name
        path.write_bytes(data)
        return f"[saved {path}]"
    return str(reply)


class ConsoleChannel:
    """Turns console lines into messages for one staff user and prints the replies."""

    def __init__(
        self,
        handle: Handle,
        user: str,
        reminders: Reminders | None = None,
        out: TextIO = sys.stdout,
        out_dir: Path | None = None,
        clock: Callable[[], datetime] = SystemClock(),
    ) -> None:
        self.handle = handle
        self.user = user
        self.reminders = reminders
        self.out = out
        self.out_dir = out_dir
        self.clock = clock
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        # the questions with numbered options open now: those of the last answer, and the
        # reminders shown since; a number typed answers the one question it can belong to
        self._open: list[Choices] = []

    def send(self, text: str) -> None:
        value = self._picked(text)
        if isinstance(value, Choices):  # a number that fits several questions: which?
            self._print([value])
            return
        message = IncomingMessage(
            channel="console", chat="console", user=self.user, text=value, received_at=self.clock()
        )
        replies = self.handle(message)
        self._print(replies)

    def _picked(self, text: str) -> str | Choices:
        """The option a number typed picks; the text itself when it is not a number of an
        open question; a question "which one?" when the number fits more than one."""
        stripped = text.strip()
        if not stripped.isdigit():
            return text
        number = int(stripped)
        with self._lock:
            fitting = [c for c in self._open if 1 <= number <= len(c.options)]
        if not fitting:
            return text
        if len(fitting) == 1:
            return fitting[0].options[number - 1].value
        options = tuple(
            Choice(f"{c.options[number - 1].label}: {_first_line(c.text)}", c.options[number - 1].value) for c in fitting
        )
        return Choices(f"“{stripped}” answers {len(fitting)} questions shown. Which did you mean?", options)

    def _print(self, replies: Iterable[Reply], added: bool = False) -> None:
        """Print replies; they replace the open questions, or with `added` (reminders shown
        between two messages) join them."""
        with self._lock:
            if not added:
                self._open = []
            for reply in replies:
                if isinstance(reply, Choices):
                    self._open.append(reply)
                self.out.write(render(reply, self.out_dir) + "\n")
            self.out.flush()

    def show_due(self) -> None:
        if self.reminders is not None:
            due = self.reminders(self.clock())
            if due:
                self._print(due, added=True)

    # -- the two ways to run ------------------------------------------------------------

    def run_script(self, lines: Iterable[str]) -> None:
        self.show_due()
        for line in lines:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if _is_quit(line):
                break
            self.out.write(f"you> {line}\n")
            self.send(line)
            self.out.write("\n")
            self.show_due()

    def run_interactive(self, history: Path | None = None, greeting: str = "") -> None:
        _enable_line_editing(history)
        if greeting:
            self.out.write(greeting + "\n")
        self.show_due()
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch_due, args=(stop,), daemon=True)
        watcher.start()
        try:
            while True:
                try:
                    line = input("you> ")
                except EOFError:
                    break
                if _is_quit(line):
                    break
                if line.strip():
                    self.send(line)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            _save_history(history)
            self.out.write("bye\n")

    def _watch_due(self, stop: threading.Event) -> None:
        while not stop.wait(REMINDER_EVERY_S):
            self.show_due()


def _first_line(text: str, limit: int = 80) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_quit(line: str) -> bool:
    """The shell's own way out, in both modes: the rest of a script after it is not run."""
    return line.strip().lower() in ("/quit", "/exit", "exit", "quit")


def _enable_line_editing(history: Path | None) -> None:
    try:
        import readline
    except ImportError:  # not on every platform; the shell works without it
        return
    if history is not None and history.exists():
        readline.read_history_file(history)
    readline.set_history_length(1000)


def _save_history(history: Path | None) -> None:
    try:
        import readline
    except ImportError:
        return
    if history is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history)
