"""The demo's TOTP helper (also the tests' `totp_now`) never hands out a code about to expire."""

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    validate_totp_code,
)

from sellsafe.demo import totp


class Clock:
    """time.time and time.sleep for the module under test: sleeping moves the clock on."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _patch(monkeypatch, clock: Clock) -> None:
    monkeypatch.setattr(totp.time, "time", clock.time)
    monkeypatch.setattr(totp.time, "sleep", clock.sleep)


def test_a_code_with_time_left_is_given_at_once(monkeypatch):
    secret = generate_totp_secret()
    clock = Clock(1_000_000_000 * 30 + 10.0)  # 20 s left in the step
    _patch(monkeypatch, clock)
    code, left = totp.current_code(secret, margin=5)
    assert clock.slept == []
    assert left == 20
    assert code == format_hotp_value(hotp_value(secret, 1_000_000_000))


def test_a_code_near_the_end_of_its_step_waits_for_the_next(monkeypatch):
    secret = generate_totp_secret()
    clock = Clock(1_000_000_000 * 30 + 27.5)  # 2.5 s left: too little for a margin of 5
    _patch(monkeypatch, clock)
    code, left = totp.current_code(secret, margin=5)
    assert len(clock.slept) == 1 and 2.5 <= clock.slept[0] < 3
    assert left == 29
    assert code == format_hotp_value(hotp_value(secret, 1_000_000_001))


def test_the_code_is_the_one_the_server_accepts_now():
    secret = generate_totp_secret()
    code, left = totp.current_code(secret, margin=1)
    assert 1 <= left < 30
    assert validate_totp_code(secret, code)
    assert not validate_totp_code(secret, f"{(int(code) + 1) % 1_000_000:06d}")
