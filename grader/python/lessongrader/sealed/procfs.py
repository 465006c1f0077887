"""What the kernel says about a worker, read from /proc by the trusted side.

Nothing here asks the worker: CPU time is what the kernel charged to its tasks (schedstat, in
nanoseconds, plus the utime+stime of threads that already ended), memory is VmRSS, and its
helper processes are found by walking /proc/<pid>/task/*/children.
"""

import os

TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
WORKER_MARK = "lessongrader.sealed.worker"


def children(pid):
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found.extend(int(child) for child in file.read().split())
        except OSError:
            continue
    return found


def descendants(pid):
    result, pending = [], [pid]
    while pending:
        for child in children(pending.pop()):
            result.append(child)
            pending.append(child)
    return result


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def find_worker(launched_pid):
    """The host pid of the worker: the launched process itself, or (behind a launcher) the deepest
    descendant whose command line marks it as the worker. None if it is not there (yet)."""
    chain = [launched_pid, *descendants(launched_pid)]
    marked = [pid for pid in chain if WORKER_MARK in cmdline(pid)]
    return marked[-1] if marked else None


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as file:
        text = file.read()
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "


def cpu_ns(pid):
    """CPU time the kernel charged to process `pid` (all its threads, live and ended), in ns."""
    fields = _stat_fields(pid)
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    precise = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as file:
                precise += int(file.read().split()[0])
    except (OSError, ValueError, IndexError):
        precise = 0
    # schedstat is exact but forgets threads that ended; stat's ticks remember them.
    return max(precise, ticks * TICK_NS)


def tree_cpu_ns(pid):
    """cpu_ns of the worker and of every helper process it still has, plus reaped children's."""
    fields = _stat_fields(pid)
    total = cpu_ns(pid) + (int(fields[13]) + int(fields[14])) * TICK_NS  # cutime, cstime
    for child in descendants(pid):
        try:
            total += cpu_ns(child)
        except OSError:
            continue
    return total


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as file:
        for line in file:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no VmRSS for pid {pid}")


def namespace_pid(pid):
    """The pid as the process itself sees it (the last NSpid entry), or None."""
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("NSpid:"):
                    return [int(x) for x in line.split()[1:]]
    except OSError:
        return None
    return None


def parent(pid):
    return int(_stat_fields(pid)[1])
