"""nr.random.get_state / set_state: the global host generator's state can be saved and put back (exact resume)."""
import json

import numpy as np
import pytest

import nr_core as nr


def test_state_after_seed_is_numpys_pcg64_state():
    nr.random.seed(5)
    assert nr.random.get_state() == np.random.default_rng(5).bit_generator.state


def test_set_state_repeats_every_kind_of_draw():
    nr.random.seed(1)
    nr.random.normal((3,))                                   # move away from the seeded state
    saved = json.loads(json.dumps(nr.random.get_state()))    # survives a text checkpoint
    first = [nr.random.normal((5,)).numpy(), nr.random.uniform((4,)).numpy(),
             nr.random.randint(0, 100, (6,)).numpy(), nr.random.permutation(9).numpy()]
    nr.random.set_state(saved)
    again = [nr.random.normal((5,)).numpy(), nr.random.uniform((4,)).numpy(),
             nr.random.randint(0, 100, (6,)).numpy(), nr.random.permutation(9).numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_get_state_is_a_copy():
    nr.random.seed(2)
    saved = nr.random.get_state()
    reference = np.random.default_rng(2).bit_generator.state
    nr.random.normal((10,))
    assert saved == reference


@pytest.mark.parametrize("bad", [None, {"bit_generator": "MT19937"}, {"bit_generator": "PCG64", "state": {}}])
def test_set_state_refuses_foreign_or_malformed_states(bad):
    with pytest.raises(ValueError, match="random.set_state"):
        nr.random.set_state(bad)
