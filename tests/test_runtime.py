"""core.runtime: batch processes tune the cycle collector while they work, and only then."""

from __future__ import annotations

import gc

from badger.core.runtime import settled_for_batches


def test_the_collector_is_tuned_inside_and_restored_after():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with settled_for_batches():
        assert gc.get_threshold()[0] == 20_000
        assert gc.get_freeze_count() > frozen  # what the process held on entry
        cycle: list = []
        cycle.append(cycle)  # cycles made inside are still collected
        del cycle
        assert gc.collect() >= 1
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen
