# SPDX-License-Identifier: GPL-2.0
"""The guest's result channel.

Guest tests do not report on the console (ttyS0, shared with printk,
where a kernel message can land inside a result line).  The VM has a
second serial port, ttyS1, that qemu writes to its own file; the guest
writes there, and nothing else does.  Every line is

    <uptime> <KIND> <words...>

    TTMH-CLOCK <clocksource>        once, at boot
    TTMH-CPUS <n>                   once
    TTMH-SWAP <disk|zram|none> <MiB>
    TTMH-BEGIN <test>               before each requested test
    TTMH-RESULT <name> PASS|FAIL|SKIP [detail]
    TTMH-END <test> rc=<status>     after it
    TTMH-DEMO / TTMH-REPORT / TTMH-BENCH <words...>
    TTMH-KTAP-MODULE <module>       a KUnit module the guest loaded
    TTMH-KTAP-BEGIN <suite>         then the suite's debugfs KTAP, raw,
    TTMH-KTAP-END <suite>           up to this line
    TTMH-DONE                       the guest finished

The verdict: every requested test must BEGIN, report at least one
result, and END with status 0; the guest must reach DONE; a line that
does not parse is a problem, not something to skip.
"""

import dataclasses
import re
from typing import Dict, List, Optional

from . import results

LINE = re.compile(r'^(\d+(?:\.\d+)?) (TTMH-[A-Z-]+)(?: (.*))?$')
RESULT = re.compile(r'^(\S+) (PASS|FAIL|SKIP)(?: (.*))?$')


@dataclasses.dataclass
class Test:
    name: str
    begin: Optional[float] = None
    end: Optional[float] = None
    rc: Optional[int] = None
    cases: List[results.Case] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Channel:
    tests: Dict[str, Test] = dataclasses.field(default_factory=dict)
    order: List[str] = dataclasses.field(default_factory=list)
    facts: dict = dataclasses.field(default_factory=dict)
    lines: Dict[str, List[str]] = dataclasses.field(default_factory=dict)
    ktap: Dict[str, List[str]] = dataclasses.field(default_factory=dict)
    modules: List[str] = dataclasses.field(default_factory=list)
    stray: List[results.Case] = dataclasses.field(default_factory=list)
    malformed: List[str] = dataclasses.field(default_factory=list)
    done: bool = False

    def running(self):
        """The test that began and has not ended, if any."""
        for name in reversed(self.order):
            t = self.tests[name]
            if t.end is None:
                return name
        return None

    def words(self, kind):
        """The lines of one kind (DEMO, REPORT, BENCH), without uptime."""
        return self.lines.get(kind, [])


def parse(lines):
    ch = Channel()
    current = None
    last = 0.0
    ktap_suite = None
    for n, raw in enumerate(lines, 1):
        ln = raw.rstrip('\r\n').replace('\r', '')
        if ktap_suite is not None:
            m = LINE.match(ln)
            if m and m.group(2) == 'TTMH-KTAP-END':
                ktap_suite = None
            else:
                ch.ktap[ktap_suite].append(ln)
            continue
        if not ln.strip():
            continue
        m = LINE.match(ln)
        if not m:
            ch.malformed.append('line %d: %r' % (n, ln[:120]))
            continue
        t, kind, rest = float(m.group(1)), m.group(2)[5:], m.group(3) or ''
        if kind == 'BEGIN':
            current = ch.tests.setdefault(rest, Test(rest))
            if rest not in ch.order:
                ch.order.append(rest)
            current.begin = last = t
        elif kind == 'END':
            words = rest.split()
            test = ch.tests.get(words[0]) if words else None
            rc = re.match(r'rc=(\d+)$', words[1]) if len(words) > 1 else None
            if test is None or rc is None:
                ch.malformed.append('line %d: %r' % (n, ln[:120]))
                continue
            test.end, test.rc = t, int(rc.group(1))
            current = None
        elif kind == 'RESULT':
            r = RESULT.match(rest)
            if not r:
                ch.malformed.append('line %d: %r' % (n, ln[:120]))
                continue
            case = results.Case(r.group(1), r.group(2), round(t - last, 2),
                                r.group(3) or '')
            last = t
            (current.cases if current else ch.stray).append(case)
        elif kind == 'KTAP-BEGIN':
            ktap_suite = rest
            ch.ktap[rest] = []
        elif kind == 'KTAP-MODULE':
            ch.modules.append(rest)
        elif kind == 'DONE':
            ch.done = True
        elif kind in ('CLOCK', 'CPUS', 'SWAP'):
            ch.facts[kind.lower()] = rest
        elif kind in ('DEMO', 'REPORT', 'BENCH'):
            ch.lines.setdefault(kind, []).append(rest)
        else:
            ch.malformed.append('line %d: %r' % (n, ln[:120]))
    if ktap_suite is not None:
        ch.malformed.append('KTAP of %s has no TTMH-KTAP-END' % ktap_suite)
    return ch


def read(path):
    try:
        with open(path, errors='replace') as f:
            return parse(f)
    except OSError:
        return parse([])


def verdict(ch, requested, timed_out=False):
    """(cases, problems): the guest's cases plus a FAIL case for every
    requested test that never began, never ended, exited non-zero or
    reported nothing; problems for the run as a whole."""
    cases, problems = [], []
    for name in requested:
        t = ch.tests.get(name)
        if t is None or t.begin is None:
            cases.append(results.Case(name, 'FAIL', None,
                                      'never started (guest test %s)' %
                                      name))
            continue
        cases += t.cases
        why = []
        if t.end is None:
            why.append('still running when the VM %s' %
                       ('timed out' if timed_out else 'stopped'))
        elif t.rc:
            why.append('exited with status %d' % t.rc)
        if not t.cases:
            why.append('reported no result')
        if why:
            secs = (t.end - t.begin) if t.end is not None else None
            cases.append(results.Case(name, 'FAIL', secs, ', '.join(why)))
    for c in ch.stray:
        cases.append(c)
    for name in ch.order:
        if name not in requested:
            problems.append('unrequested test %s ran' % name)
    if ch.malformed:
        problems.append('%d malformed channel lines, first %s' %
                        (len(ch.malformed), ch.malformed[0]))
    if not ch.done and not timed_out:
        problems.append('guest did not finish (no TTMH-DONE)')
    return cases, problems
