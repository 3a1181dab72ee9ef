# SPDX-License-Identifier: GPL-2.0
"""The kernel-log splat scanner ("tools/ttmh scan-log LOG").

A splat starts at a headline (WARNING:, BUG:, Oops, KASAN:, a lockdep
report, ...) and runs until "---[ end trace", the next headline, or the
end of the log.  Lines inside a splat (its Call Trace, registers, the
lockdep chain) belong to it and are not reported again; a headline is
never swallowed by the splat before it, whether or not that one printed
an end marker (lockdep and RCU reports print none).

What is not a bug:
  - a WARNING that config/allowed-warnings names, for the KUnit test it
    was raised in (the next KTAP result line) and its file;
  - an OOM-kill report ("invoked oom-killer" up to "Killed process"):
    the scenarios count OOM kills themselves and decide what they mean;
  - an allocation failure report ("page allocation failure") of a task
    that the OOM killer killed in the same log: the consequence of an
    expected kill;
  - the failure of an allocation that may not block (GFP_ATOMIC,
    GFP_NOWAIT): those may fail by design, and their callers fall back
    (virtio-blk's indirect descriptors, under heavy swap I/O);
  - the failure of zram's allocation when page reclaim itself writes a
    page out to it (pageout() in the trace, no TTM frame): kswapd cannot
    reclaim for it, and zram fails that write, which reclaim retries.
    The same failure under TTM's shrinker (a ttm_ frame in the trace) is
    a splat: that is how the synchronous writeback from the shrinker was
    found.
  The failure of any other allocation, in any other task, is a splat.

A bare "Call Trace" outside any report is a splat too.
"""

import fnmatch
import os
import re
import sys

from . import settings

PRINTK_TIME = re.compile(r'^\[\s*\d+\.\d+\]\s?')
KTAP_RESULT = re.compile(r'^\s*(?:not )?ok \d+ (\S+)')
HEADLINE = re.compile(
    r'(WARNING:|BUG:|Oops|KASAN:|UBSAN:|kernel BUG at|'
    r'unreferenced object|INFO: task .* blocked|Kernel panic|'
    r'general protection|sleeping function called from invalid context|'
    r'possible circular locking|possible recursive locking|'
    r'inconsistent lock state|suspicious RCU usage|'
    r'possible irq lock inversion|lock held when returning|'
    r'held lock freed|DEBUG_LOCKS_WARN_ON|INFO: rcu_\w+ detected stall)')
STRAY = re.compile(r'Call Trace')
END_TRACE = re.compile(r'---\[ end trace')
OOM_START = re.compile(r'invoked oom-killer:')
OOM_END = re.compile(r'Out of memory.*: Killed process|oom_reaper')
KILLED = re.compile(r'Killed process (\d+) \(([^)]*)\)')
ALLOC_FAIL = re.compile(r'^(\S.*?): page allocation failure:')
NONBLOCKING = re.compile(r'mode:0x[0-9a-f]+\((GFP_ATOMIC|GFP_NOWAIT)\b')
TASK_LINE = re.compile(r'\bPID: (\d+) Comm: (\S+)')


def load_allowlist(path=None):
    """[(test or '*', glob of the WARNING line)] from allowed-warnings."""
    allow = []
    with open(path or settings.ALLOWLIST) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                test, where = line.split(None, 1)
                allow.append((test, where.strip()))
    return allow


def _allowed(allow, test, line):
    return any(t in (test, '*') and fnmatch.fnmatchcase(line, w)
               for t, w in allow)


def _zram_pageout(trace):
    """Page reclaim's own write of a page to zram, no TTM frame."""
    t = '\n'.join(trace)
    return bool(re.search(r'\bpageout\+', t) and
                re.search(r'\bzram_', t) and not re.search(r'\bv?ttm_', t))


class _Scan:
    def __init__(self, allow):
        self.allow = allow
        self.splats = []
        self.pending = []      # WARNINGs waiting for their KTAP test
        self.allocfail = []    # [lineno, text, pid, comm, trace]
        self.killed = set()    # pids and comms the OOM killer killed
        self.oom_reports = 0
        self.state = None      # None, 'splat', 'oom', 'allocfail'

    def bad(self, lineno, text):
        self.splats.append('line %d: %s' % (lineno, text))

    def line(self, lineno, ln):
        m = KILLED.search(ln)
        if m:
            self.killed.update((int(m.group(1)), m.group(2)))
        m = KTAP_RESULT.match(ln)
        if m:
            # A test's result ends whatever report came before it.
            self.state = None
            for n, text in self.pending:
                if not _allowed(self.allow, m.group(1), text):
                    self.bad(n, '%s (in %s)' % (text, m.group(1)))
            self.pending = []
            return
        m = ALLOC_FAIL.match(ln)
        if m:
            self.state = 'allocfail'
            self.allocfail.append([lineno, ln.strip(), None, m.group(1),
                                   []])
            return
        if OOM_START.search(ln):
            self.state = 'oom'
            self.oom_reports += 1
            return
        if HEADLINE.search(ln):
            self.state = 'splat'
            if 'WARNING:' in ln and 'possible' not in ln and \
                    'suspicious' not in ln and 'inconsistent' not in ln:
                self.pending.append((lineno, ln.strip()))
            else:
                self.bad(lineno, ln.strip())
            return
        if self.state == 'allocfail':
            m = TASK_LINE.search(ln)
            if m and self.allocfail[-1][2] is None:
                self.allocfail[-1][2] = int(m.group(1))
            self.allocfail[-1][4].append(ln)
        if self.state == 'oom' and OOM_END.search(ln):
            self.state = None
            return
        if END_TRACE.search(ln):
            self.state = None
            return
        if self.state is None and STRAY.search(ln):
            self.bad(lineno, ln.strip() + ' (outside any report)')

    def finish(self):
        for n, text in self.pending:
            if not _allowed(self.allow, '*', text):
                self.bad(n, text + ' (outside any test)')
        for n, text, pid, comm, trace in self.allocfail:
            victim = pid in self.killed if pid is not None else \
                comm in self.killed
            if not victim and not NONBLOCKING.search(text) and \
                    not _zram_pageout(trace):
                self.bad(n, text + ' (task %s was not OOM-killed)' %
                         (pid if pid is not None else comm))
        self.splats.sort(key=lambda s: int(s.split(':', 1)[0][5:]))
        return self.splats


def scan_lines(lines, allow=None):
    """Return the unexpected splats of a kernel log, as 'line N: text'."""
    s = _Scan(load_allowlist() if allow is None else allow)
    for n, ln in enumerate(lines, 1):
        s.line(n, PRINTK_TIME.sub('', ln.rstrip('\r\n')))
    return s.finish()


def scan_log(path, allow=None):
    with open(path, errors='replace') as f:
        return scan_lines(f, allow)


def check_run(rec, path):
    """Print the splats of a run's kernel log; each log with any is one
    problem of the run (a results.Run)."""
    splats = scan_log(path)
    for s in splats:
        print('  SPLAT %s' % s)
    if splats:
        rec.fail('%d unexpected splats in %s' % (
            len(splats), os.path.relpath(path, settings.ROOT)))


def main(args):
    """tools/ttmh scan-log LOG...: print unexpected splats; exit 1 if any."""
    allow = load_allowlist(args.allow) if args.allow else None
    total = 0
    for path in args.logs:
        splats = scan_log(path, allow)
        for s in splats:
            print('%s: %s' % (path, s))
        total += len(splats)
        print('%s: %d unexpected splat%s' % (
            os.path.relpath(path), len(splats), '' if len(splats) == 1 else
            's'), file=sys.stderr)
    return 1 if total else 0
