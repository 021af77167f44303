"""The parallel run hands out the longest test files first (tests/scheduling.py)."""

from __future__ import annotations

from tests.scheduling import UNKNOWN_PER_TEST, longest_first


def unit(tests: int) -> dict[str, bool]:
    return {f"t{i}": False for i in range(tests)}


def test_a_long_file_of_one_test_goes_before_files_of_many_short_tests() -> None:
    queue = {"many.py": unit(60), "one_long.py": unit(1), "short.py": unit(3)}
    seconds = {"many.py": 5.0, "one_long.py": 40.0, "short.py": 0.2}
    assert longest_first(queue, seconds) == ["one_long.py", "many.py", "short.py"]


def test_a_file_the_record_does_not_know_counts_a_tenth_of_a_second_per_test() -> None:
    queue = {"known.py": unit(2), "new.py": unit(50)}
    seconds = {"known.py": 50 * UNKNOWN_PER_TEST - 1}
    assert longest_first(queue, seconds) == ["new.py", "known.py"]


def test_files_expected_to_take_as_long_keep_their_order() -> None:
    queue = {"b.py": unit(1), "a.py": unit(1), "c.py": unit(1)}
    assert longest_first(queue, {}) == ["b.py", "a.py", "c.py"]
