#!/usr/bin/env python3
"""vigil plan --slurm under a real single-node Slurm (issue 16), started by this test itself.

As root (CI runs as root on a fresh Debian 12 with no systemd): a munge key and munged on a socket
of its own, a slurm.conf for this host with its cores (nproc) and memory, slurmctld and slurmd in
the foreground; once `sinfo` shows the node idle, the plan's submit.sh submits the job array of
units and the merge-and-report job that depends on it (afterok). When the merge job is done, the
merged case must be identical in content to a single `vigil scan` of the same images, and the
report the merge job wrote must verify. Daemons that cannot start fail the test with their logs
(never a skip). Every daemon is stopped at the end.
A unit task cancelled before it runs, and a unit task killed by its time limit for real (a plan
with --slurm-time 1, one unit's writes to its store slowed by the fault shim so that it
outlives the minute; KillWait=5): the task ends TIMEOUT, the merge job never runs (afterok), `vigil merge`
refuses naming the unit (exit 2, no case store), and after the unit runs again (without the
slowdown) the merge is identical to a single scan.
Usage: test_scale_slurm.py VIGIL TESTDATA_DIR FAULT_SHIM_SO
"""
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import vigil_e2e as e2e  # noqa: E402

VIGIL, TESTDATA, FAULT_SHIM = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
IMAGES = ["gpt_corrupt.E01", "ntfs.raw", "fat32.raw"]
CONTENT_TABLES = ["evidence", "volumes", "items", "perceptual", "hash_sets", "matches", "records",
                  "warnings", "run_extractors"]
PINNED = "1767225600"


def content(db_path):
    db = sqlite3.connect(db_path)
    try:
        out = {t: list(db.execute(f"SELECT * FROM {t} ORDER BY rowid")) for t in CONTENT_TABLES}
        out["runs"] = list(db.execute(
            "SELECT status, tool_version, git_commit, settings, summary FROM runs ORDER BY id"))
        return out
    finally:
        db.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=60):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f"--- {path} (last {n} lines) ---\n" + "".join(f.readlines()[-n:])
    except OSError as e:
        return f"--- {path}: {e}\n"


class SlurmCluster:
    """munged, slurmctld and slurmd for this host, in a folder of their own."""

    def __init__(self, root):
        self.root = root
        self.procs = []
        self.logs = []
        self.env = dict(os.environ, SLURM_CONF=os.path.join(root, "slurm.conf"), TZ="UTC",
                        SOURCE_DATE_EPOCH=PINNED)

    def start(self):
        for tool, package in (("munged", "munge"), ("slurmctld", "slurm-wlm"),
                              ("slurmd", "slurm-wlm"), ("sbatch", "slurm-wlm")):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not installed (Debian package {package})")
        if os.geteuid() != 0:
            raise RuntimeError("starting slurmd needs root (CI runs this test as root)")
        r = self.root
        for d in ("state", "spool", "munge"):
            os.makedirs(os.path.join(r, d), exist_ok=True)
        os.chmod(os.path.join(r, "munge"), 0o700)
        key = os.path.join(r, "munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        self.socket = os.path.join(r, "munge", "munge.socket")
        munged_log = os.path.join(r, "munge", "munged.log")
        self.logs.append(munged_log)
        self.spawn(["munged", "--foreground", "--force", "--key-file", key, "--socket", self.socket,
                    "--pid-file", os.path.join(r, "munge", "munged.pid"), "--log-file", munged_log,
                    "--seed-file", os.path.join(r, "munge", "munged.seed")], "munged")
        self.wait_for(lambda: os.path.exists(self.socket), 30, "munged's socket")

        host = socket.gethostname().split(".")[0]
        cpus = os.cpu_count() or 1
        with open("/proc/meminfo", encoding="ascii") as f:
            mem_kib = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        memory_mb = max(512, mem_kib // 1024 * 8 // 10)
        ctld_log, slurmd_log = os.path.join(r, "slurmctld.log"), os.path.join(r, "slurmd.log")
        self.logs += [ctld_log, slurmd_log]
        conf = f"""# A single-node Slurm for vigil's test (tests/e2e/test_scale_slurm.py)
ClusterName=vigiltest
SlurmctldHost={host}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
AuthType=auth/munge
AuthInfo=socket={self.socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={ctld_log}
SlurmdLogFile={slurmd_log}
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
MinJobAge=600
# A task past its time limit gets SIGTERM, then SIGKILL 5 s later (the time-limit test).
KillWait=5
OverTimeLimit=0
NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=vigil Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""
        with open(self.env["SLURM_CONF"], "w", encoding="ascii") as f:
            f.write(conf)
        self.spawn(["slurmctld", "-D", "-i", "-f", self.env["SLURM_CONF"]], "slurmctld")
        self.spawn(["slurmd", "-D", "-f", self.env["SLURM_CONF"]], "slurmd")

        def idle():
            s = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True,
                               env=self.env)
            return s.returncode == 0 and s.stdout.strip() == "idle"
        self.wait_for(idle, 120, "sinfo to show the node idle")
        self.cpus, self.memory_mb = cpus, memory_mb

    def spawn(self, cmd, name):
        out = open(os.path.join(self.root, name + ".out"), "w", encoding="utf-8")
        self.logs.append(out.name)
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=self.env)
        out.close()
        self.procs.append((name, p))

    def wait_for(self, ready, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for name, p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited ({p.returncode}) while waiting for {what}"
                                       + self.dump())
            if ready():
                return
            time.sleep(0.5)
        raise RuntimeError(f"no {what} after {seconds} s" + self.dump())

    def dump(self):
        return "\n" + "".join(tail(p) for p in self.logs)

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=20)


def task_states(env, job):
    """{array task id: state} of a job array."""
    s = subprocess.run(["scontrol", "show", "job", str(job)], capture_output=True, text=True,
                       env=env).stdout
    out = {}
    for record in s.split("\n\n"):
        t, st = re.search(r"ArrayTaskId=(\d+)\b", record), re.search(r"JobState=(\S+)", record)
        if t and st:
            out[int(t.group(1))] = st.group(1)
    return out


def job_state(env, job):
    s = subprocess.run(["scontrol", "show", "job", str(job)], capture_output=True, text=True,
                       env=env)
    states = re.findall(r"JobState=(\S+)", s.stdout)
    return states


class SlurmScale(unittest.TestCase):
    def test_job_array_and_merge(self):
        tmp = tempfile.mkdtemp(prefix="vigil_slurm_")
        cluster = SlurmCluster(os.path.join(tmp, "slurm"))
        try:
            try:
                cluster.start()
            except RuntimeError as e:
                self.fail(f"the single-node Slurm did not start: {e}")
            env = cluster.env
            images = [os.path.join(TESTDATA, i) for i in IMAGES]
            single = os.path.join(tmp, "single")
            r = subprocess.run([VIGIL, "scan", *images, "--case", single, "-q"],
                               capture_output=True, text=True, env=env)
            self.assertIn(r.returncode, (0, 1), r.stderr)

            case = os.path.join(tmp, "case")
            r = subprocess.run([VIGIL, "plan", *images, "--case", case, "--units", "5", "--slurm",
                                "--slurm-cpus", "1", "--slurm-mem", "1G", "--slurm-time",
                                "00:20:00", "--slurm-max-parallel", str(cluster.cpus),
                                "--case-number", "SLURM/1", "--exhibit", "E1", "-q"],
                               capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(case, "plan.json"), encoding="utf-8") as f:
                units = len(json.load(f)["units"])
            self.assertGreaterEqual(units, 4)
            with open(os.path.join(case, "slurm", "units.sbatch"), encoding="utf-8") as f:
                script = f.read()
            self.assertIn(f"#SBATCH --array=0-{units - 1}%{cluster.cpus}", script)
            self.assertIn("#SBATCH --cpus-per-task=1", script)

            r = subprocess.run([os.path.join(case, "slurm", "submit.sh")], capture_output=True,
                               text=True, env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr + cluster.dump())
            m = re.search(r"job array (\d+); merge and report: job (\d+)", r.stdout)
            self.assertTrue(m, r.stdout)
            array_job, merge_job = m.group(1), m.group(2)
            s = subprocess.run(["scontrol", "show", "job", merge_job], capture_output=True,
                               text=True, env=env)
            self.assertIn(f"Dependency=afterok:{array_job}", s.stdout)

            deadline = time.monotonic() + 600
            state = []
            while time.monotonic() < deadline:
                state = job_state(env, merge_job)
                if state and state[0] not in ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING"):
                    break
                time.sleep(1)
            logs = cluster.dump() + "".join(
                tail(os.path.join(case, "slurm", n)) for n in sorted(
                    os.listdir(os.path.join(case, "slurm"))) if n.endswith(".out"))
            self.assertEqual(state, ["COMPLETED"],
                             f"merge job {merge_job}: {state}; units: "
                             f"{job_state(env, array_job)}" + logs)
            self.assertEqual(set(job_state(env, array_job)), {"COMPLETED"}, logs)

            merged, expected = (content(os.path.join(c, "case.sqlite")) for c in (case, single))
            for t in expected:
                self.assertEqual(merged[t], expected[t], f"table {t} differs")
            r = subprocess.run([VIGIL, "report", "--verify", os.path.join(case, "report")],
                               capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr + logs)

            # A unit task that dies (cancelled here; a real time limit: check_time_limit): the
            # merge job never starts (afterok), `vigil merge` refuses the unfinished unit, the
            # unit runs again alone, and the merge is then the same.
            case2 = os.path.join(tmp, "case2")
            r = subprocess.run([VIGIL, "plan", *images, "--case", case2, "--units", "5",
                                "--slurm", "--slurm-cpus", "1", "--slurm-mem", "1G",
                                "--slurm-max-parallel", "1", "-q"],
                               capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            # Held, so that task 0 is cancelled before it can run.
            units_job = subprocess.run(
                ["sbatch", "--parsable", "--hold", os.path.join(case2, "slurm", "units.sbatch")],
                capture_output=True, text=True, env=env).stdout.strip().split(";")[0]
            merge2 = subprocess.run(
                ["sbatch", "--parsable", f"--dependency=afterok:{units_job}",
                 os.path.join(case2, "slurm", "merge.sbatch")],
                capture_output=True, text=True, env=env).stdout.strip().split(";")[0]
            self.assertTrue(units_job.isdigit() and merge2.isdigit(), (units_job, merge2))
            subprocess.run(["scancel", f"{units_job}_0"], env=env, check=True)
            subprocess.run(["scontrol", "release", units_job], env=env, check=True)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                states = job_state(env, units_job)
                if states and all(x in ("COMPLETED", "CANCELLED", "FAILED") for x in states):
                    break
                time.sleep(1)
            with open(os.path.join(case2, "plan.json"), encoding="utf-8") as f:
                units2 = len(json.load(f)["units"])
            # (Slurm may drop the record of a task cancelled before it ran.)
            self.assertEqual(job_state(env, units_job).count("COMPLETED"), units2 - 1,
                             job_state(env, units_job))
            self.assertFalse(os.path.exists(os.path.join(case2, "units", "0")))
            time.sleep(3)
            s = subprocess.run(["scontrol", "show", "job", merge2], capture_output=True,
                               text=True, env=env).stdout
            self.assertIn("JobState=PENDING", s, "the merge job must wait for every unit")
            self.assertFalse(os.path.exists(os.path.join(case2, "case.sqlite")))
            r = subprocess.run([VIGIL, "merge", "--case", case2], capture_output=True, text=True,
                               env=env)
            self.assertEqual(r.returncode, 2)
            self.assertIn("unit 0 has not finished", r.stderr)
            subprocess.run(["scancel", merge2], env=env, check=True)
            again = subprocess.run(
                ["sbatch", "--parsable", "--wait", "--array=0",
                 os.path.join(case2, "slurm", "units.sbatch")],
                capture_output=True, text=True, env=env, timeout=600)
            self.assertEqual(again.returncode, 0, again.stderr + cluster.dump())
            r = subprocess.run([VIGIL, "merge", "--case", case2], capture_output=True, text=True,
                               env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            merged2 = content(os.path.join(case2, "case.sqlite"))
            for t in expected:
                self.assertEqual(merged2[t], expected[t], f"table {t} differs after the re-run")
            self.check_time_limit(cluster, tmp, images, expected)
        finally:
            cluster.stop()
            shutil.rmtree(tmp, ignore_errors=True)

    def check_time_limit(self, cluster, tmp, images, expected):
        """A unit task killed by Slurm's time limit (1 minute), for real."""
        self.assertTrue(os.path.exists(FAULT_SHIM), f"{FAULT_SHIM} is missing (fault shim)")
        env = cluster.env
        case = os.path.join(tmp, "case3")
        r = subprocess.run([VIGIL, "plan", *images, "--case", case, "--units", "5", "--slurm",
                            "--slurm-cpus", "1", "--slurm-mem", "1G", "--slurm-time", "1",
                            "--slurm-max-parallel", str(cluster.cpus), "-q"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(case, "plan.json"), encoding="utf-8") as f:
            plan = json.load(f)
        with open(os.path.join(case, "slurm", "units.sbatch"), encoding="utf-8") as f:
            self.assertIn("#SBATCH --time=1\n", f.read())
        k = max(range(len(plan["units"])), key=lambda i: plan["units"][i]["entries"])
        # Every write to unit k's store waits 2 s (a slow disk): it cannot finish in a minute
        # (a unit store takes dozens of writes). sbatch passes its environment to the tasks
        # (--export=ALL); the other units are not slowed.
        slow_env = e2e.preload_env(
            env, FAULT_SHIM,
            VIGIL_FAULT_SLOW_PATH=os.path.join(case, "units", f"{k}.partial") + "/",
            VIGIL_FAULT_SLOW_MS="2000")
        started = time.monotonic()
        r = subprocess.run([os.path.join(case, "slurm", "submit.sh")], capture_output=True,
                           text=True, env=slow_env, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr + cluster.dump())
        m = re.search(r"job array (\d+); merge and report: job (\d+)", r.stdout)
        self.assertTrue(m, r.stdout)
        array_job, merge_job = m.group(1), m.group(2)
        final = ("COMPLETED", "TIMEOUT", "FAILED", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL")
        deadline = time.monotonic() + 400
        states = {}
        while time.monotonic() < deadline:
            states = task_states(env, array_job)
            if len(states) == len(plan["units"]) and all(v in final for v in states.values()):
                break
            time.sleep(1)
        elapsed = time.monotonic() - started
        logs = cluster.dump() + "".join(
            tail(os.path.join(case, "slurm", n)) for n in sorted(
                os.listdir(os.path.join(case, "slurm"))) if n.endswith(".out"))
        timed_out = {k for k, v in states.items() if v == "TIMEOUT"}
        # The slowed unit outlived its limit; every other unit completed.
        self.assertEqual(timed_out, {k}, f"{states}{logs}")
        self.assertEqual({i for i, v in states.items() if v == "COMPLETED"},
                         set(range(len(plan["units"]))) - {k}, f"{states}{logs}")
        print(f"time limit: {sorted(timed_out)} TIMEOUT after {elapsed:.0f} s")
        self.assertFalse(os.path.exists(os.path.join(case, "units", str(k))))
        # The merge job never runs: afterok can no longer be met.
        time.sleep(2)
        s = subprocess.run(["scontrol", "show", "job", merge_job], capture_output=True,
                           text=True, env=env).stdout
        self.assertIn("JobState=PENDING", s, "the merge job must not run after a TIMEOUT")
        self.assertFalse(os.path.exists(os.path.join(case, "case.sqlite")))
        r = subprocess.run([VIGIL, "merge", "--case", case], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(f"unit {k} has not finished", r.stderr)
        self.assertIn("nothing was merged", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(case, "case.sqlite")))
        subprocess.run(["scancel", merge_job], env=env, check=True)
        again = subprocess.run(
            ["sbatch", "--parsable", "--wait",
             f"--array={k}",
             os.path.join(case, "slurm", "units.sbatch")],
            capture_output=True, text=True, env=env, timeout=600)
        self.assertEqual(again.returncode, 0, again.stderr + cluster.dump())
        r = subprocess.run([VIGIL, "merge", "--case", case], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        merged = content(os.path.join(case, "case.sqlite"))
        for t in expected:
            self.assertEqual(merged[t], expected[t], f"table {t} differs after the time limit")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
