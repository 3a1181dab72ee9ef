# SPDX-License-Identifier: GPL-2.0
"""Cases, runs and build/logs/results.json.

A Case is one result: a KUnit case, a guest result, a harness unit test,
or a verdict of the harness itself (a guest test that reported nothing,
a run that timed out).  A Run groups the cases of one UML or VM boot with
its problems (timeout, splats, missing modules) and the facts measured
there (clocksource, vCPUs).  "make test" counts every FAIL case and every
problem as a failure; the summary line "N passed, N failed" stays last.

KTAP is parsed with the kernel's own kunit_parser (tools/testing/kunit
of the tree): plans, crashes and the "# Expected ..." diagnostics.
"""

import dataclasses
import importlib
import io
import json
import os
import re
import sys
import time
from typing import List, Optional

from . import proc, series, settings


@dataclasses.dataclass
class Case:
    name: str
    status: str                 # PASS, FAIL or SKIP
    seconds: Optional[float] = None
    detail: str = ''


@dataclasses.dataclass
class Run:
    name: str
    kind: str                   # 'uml', 'vm', 'harness'
    log: str = ''
    seconds: float = 0.0
    cases: List[Case] = dataclasses.field(default_factory=list)
    problems: List[str] = dataclasses.field(default_factory=list)
    facts: dict = dataclasses.field(default_factory=dict)

    def fail(self, problem):
        self.problems.append(problem)

    def counts(self):
        p = sum(c.status == 'PASS' for c in self.cases)
        f = sum(c.status == 'FAIL' for c in self.cases) + len(self.problems)
        s = sum(c.status == 'SKIP' for c in self.cases)
        return p, f, s

    def report(self):
        """Print the run's failures, problems and counts."""
        for c in self.cases:
            if c.status == 'FAIL':
                print('  FAIL %s: %s (log: %s)' % (c.name, c.detail,
                                                  self.log))
        for p in self.problems:
            print('  PROBLEM %s: %s (log: %s)' % (self.name, p, self.log))
        p, f, s = self.counts()
        proc.say('%s: %d passed, %d failed, %d skipped' % (self.name, p, f, s))


class Results:
    """Every run of one "make test"; written to build/logs/results.json
    after each run, so that a run that dies half way leaves its record."""

    def __init__(self, path=settings.RESULTS_JSON):
        self.path = path
        self.runs = []
        self.t0 = time.time()

    def add(self, run):
        self.runs.append(run)
        run.report()
        self.write()

    def totals(self):
        p = f = s = 0
        for r in self.runs:
            a, b, c = r.counts()
            p, f, s = p + a, f + b, s + c
        return p, f, s

    def write(self):
        p, f, s = self.totals()
        doc = {
            'passed': p, 'failed': f, 'skipped': s,
            'seconds': round(time.time() - self.t0, 1),
            'runs': [dataclasses.asdict(r) for r in self.runs],
        }
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as fh:
            json.dump(doc, fh, indent=1)
        os.replace(tmp, self.path)

    def summary(self):
        p, f, s = self.totals()
        line = '%d passed, %d failed' % (p, f)
        return line + (', %d skipped' % s if s else '')


# --------------------------------------------------------------------------
# KTAP

def kunit_parser():
    """The tree's kunit_parser, its printer sent to a buffer."""
    path = series.kunit_tool_path()
    if not os.path.isdir(path):
        proc.die('no %s: run "make tree" first' % proc.rel(path))
    if path not in sys.path:
        sys.path.insert(0, path)
    printer = importlib.import_module('kunit_printer')
    parser = importlib.import_module('kunit_parser')
    parser.stdout = printer.Printer(io.StringIO())
    return parser


STATUS = {'SUCCESS': 'PASS', 'SKIPPED': 'SKIP'}


def _detail(test):
    """The diagnostics kunit_parser kept with a test (its "# ..." lines,
    "Expected ..." and what follows), one line."""
    lines = [ln.strip() for ln in test.log]
    text = ' | '.join(ln for ln in lines if ln and not ln.startswith(
        ('# Subtest', '# module', '# Totals', 'KTAP version')) and
        not re.match(r'^# \S+: pass:\d+', ln))
    status = test.status.name
    if status not in STATUS and status != 'FAILURE':
        text = (status.lower().replace('_', ' ') + ('; ' + text if text
                                                    else ''))
    return text[:1000]


def flatten(test, prefix, timing=None):
    """Leaf tests of a kunit_parser Test as Cases named suite.case[.param]."""
    out = []
    for i, sub in enumerate(test.subtests, 1):
        own = sub.name or '(case %d: no result)' % i
        name = own if not prefix else prefix + '.' + own
        if sub.subtests:
            out += flatten(sub, name, timing)
            if sub.status.name in ('TEST_CRASHED', 'FAILURE_TO_PARSE_TESTS',
                                   'NO_TESTS'):
                out.append(Case(name, 'FAIL', None, _detail(sub)))
        else:
            out.append(Case(name, STATUS.get(sub.status.name, 'FAIL'),
                            (timing or {}).get(name), _detail(sub)))
    return out


def parse_ktap(lines, timing=None):
    """(cases, errors) of a KTAP document (or kernel output holding one)."""
    parser = kunit_parser()
    test = parser.parse_run_tests(list(lines))
    errors = []
    if test.status.name == 'FAILURE_TO_PARSE_TESTS':
        errors.append('no KTAP output')
    if test.counts.errors:
        errors.append('%d KTAP parse errors' % test.counts.errors)
    cases = flatten(test, '', timing)
    if not cases and not errors:
        errors.append('KTAP with no test cases')
    return cases, errors


TIMED = re.compile(r'^\[\s*(\d+\.\d+)\]\s?(.*)$')
SUBTEST = re.compile(r'^(\s*)# Subtest: (\S+)')
RESULT_LINE = re.compile(r'^(\s*)(?:not )?ok \d+ (?:- )?(\S+)')


def ktap_timing(lines):
    """{suite.case[.param]: seconds} from a console log with printk times:
    the time from the previous KTAP line of the same suite to the case's
    result line."""
    timing = {}
    stack = []                  # [(indent, name, last time)]
    for raw in lines:
        m = TIMED.match(raw.rstrip('\r\n'))
        if not m:
            continue
        t, ln = float(m.group(1)), m.group(2)
        s = SUBTEST.match(ln)
        if s:
            indent = len(s.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append([indent, s.group(2), t])
            continue
        r = RESULT_LINE.match(ln)
        if not r or not stack:
            continue
        indent = len(r.group(1))
        while stack and stack[-1][0] > indent:
            stack.pop()
        if not stack:
            continue
        if stack[-1][0] == indent and stack[-1][1] == r.group(2):
            stack.pop()         # a suite's own result line
            if stack:
                stack[-1][2] = t
            continue
        name = '.'.join([e[1] for e in stack] + [r.group(2)])
        timing[name] = round(t - stack[-1][2], 3)
        stack[-1][2] = t
    return timing
