"""CPU time per process group during each phase of an `analytics-bench` run: the profile
behind docs/performance.md's "what limits each figure".

    python3 scripts/bench/cpu_by_process.py target/release/analytics-bench --sink all --no-build

Runs the command, passes its output through, timestamps each line and reads utime+stime of
every process named like a database server, the service or the bench from /proc every
50 ms (a process that exits keeps its last reading). A phase starts at a line saying
"<sink>: baseline into" or "<sink>: pipeline into" and ends at the bench's next line; for
each phase it prints the wall time and the CPU seconds of each group that used any. The
phase's wall time includes the bench's own set-up and checks around the timed part."""
import os
import subprocess
import sys
import threading
import time

# Process names (as /proc/<pid>/stat gives them, 15 characters at most) of each group.
GROUPS = {
    "postgres": ["postgres"],
    "redis": ["redis-server"],
    "mongo": ["secantusd-rs", "secantusd-py"],
    "service": ["livekit-analyti"],
    "bench": ["analytics-bench"],
}
TICK = os.sysconf("SC_CLK_TCK")
last_seen = {}


def cpu_by_group():
    """CPU seconds used so far by each group, counting exited processes at their last reading."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                data = stat.read()
        except OSError:
            continue
        name = data[data.index("(") + 1 : data.rindex(")")]
        fields = data[data.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / TICK
        for group, names in GROUPS.items():
            if name in names:
                last_seen[pid] = (group, seconds)
    totals = dict.fromkeys(GROUPS, 0.0)
    for group, seconds in last_seen.values():
        totals[group] += seconds
    return totals


def main():
    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append((time.time(), cpu_by_group()))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    lines = []
    bench = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in bench.stdout:
        lines.append((time.time(), line.rstrip()))
        print(line.rstrip(), flush=True)
    bench.wait()
    done.set()
    sampler.join()

    def at(moment):
        return [totals for taken, totals in samples if taken <= moment][-1]

    for index, (start, line) in enumerate(lines):
        if " baseline into" in line or " pipeline into" in line:
            end = lines[index + 1][0] if index + 1 < len(lines) else lines[-1][0]
            before, after = at(start), at(end)
            used = " ".join(
                f"{group}={after[group] - before[group]:.2f}s"
                for group in GROUPS
                if after[group] - before[group] > 0.005
            )
            print(f"phase {line.split(' into')[0]} {end - start:.2f}s: {used}")
    sys.exit(bench.returncode)


if __name__ == "__main__":
    main()
