"""nr-run's command line for each MPI flavour, and its argument checks (launching is tested in test_mpi.py)."""
from __future__ import annotations

import pytest

from nr_distributed import run


def test_mpich_gets_its_hostfile_flag_and_inherits_the_environment():
    cmd = run.build_command("/v/bin/mpiexec", "mpich", 4, "hosts", ["NR_RUN_DIR"], ["/v/bin/python", "t.py"])
    assert cmd == ["/v/bin/mpiexec", "-n", "4", "-f", "hosts", "/v/bin/python", "t.py"]


def test_open_mpi_forwards_variables_and_may_oversubscribe(monkeypatch):
    monkeypatch.setattr(run.os, "cpu_count", lambda: 2)
    cmd = run.build_command("mpirun", "openmpi", 4, None, ["NR_RUN_DIR", "OMP_NUM_THREADS"], ["py", "t.py"])
    assert cmd == ["mpirun", "-n", "4", "--oversubscribe", "-x", "NR_RUN_DIR", "-x", "OMP_NUM_THREADS", "py", "t.py"]
    cmd = run.build_command("mpirun", "openmpi", 2, "hosts", [], ["py", "t.py"])
    assert cmd == ["mpirun", "-n", "2", "--hostfile", "hosts", "py", "t.py"]


def test_the_environments_mpiexec_is_found_and_recognised():
    path = run.find_mpiexec()
    assert path.endswith(("mpiexec", "mpirun"))
    assert run.flavour(path) in ("mpich", "openmpi", "other")


def test_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        run.main(["-n", "0", "train.py"])
    assert "-n must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run.main(["-n", "2"])
    assert "give a script to run" in capsys.readouterr().err
