from __future__ import annotations

import io

from gateway.loading.progress import BarProgress, NoProgress, progress_for


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_shown_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = progress_for(stream)
    assert isinstance(progress, NoProgress)
    progress.start(total_bytes=100)
    progress.advance(file="launches.csv", done_bytes=50, rows=1000)
    progress.stop()
    assert stream.getvalue() == ""


def test_a_bar_is_drawn_on_a_terminal() -> None:
    stream = Terminal()
    progress = progress_for(stream)
    assert isinstance(progress, BarProgress)
    progress.start(total_bytes=100)
    progress.advance(file="launches.csv", done_bytes=50, rows=1000)
    progress.stop()
    drawn = stream.getvalue()
    assert "launches.csv" in drawn
    assert "1,000 rows" in drawn
