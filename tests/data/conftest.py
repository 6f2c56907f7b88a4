"""Fixtures of the data tests."""

import signal

import pytest


@pytest.fixture
def no_hang():
    """Fail (instead of hanging the suite) if the test runs over 60 s; a decoder loop returns to Python per frame."""

    def on_alarm(signum, frame):
        raise TimeoutError("video reading hung for 60 s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
