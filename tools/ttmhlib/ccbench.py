# SPDX-License-Identifier: GPL-2.0
"""ccache's depend mode against its default, on a cold cache.

On a miss, ccache in its default mode runs the preprocessor once more, to
hash the preprocessed source, before it compiles. In depend mode
(CCACHE_DEPEND) it hashes the headers the compiler lists in the
dependency file that kbuild asks for anyway (-Wp,-MMD), and skips that
second pass. Every compile of a cold make test is such a miss.

This compiles every Nth C file of the UML KUnit build
(build/out/uml/compile_commands.json: build it first with tools/ttmh
kunit) into a scratch directory, with a new empty cache each time,
alternating the two modes round by round so that both see the same load.
It prints each round's seconds and ccache's own counters (every call must
be a miss), and the ratio of the sums.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from . import proc, settings

COMMANDS = os.path.join(settings.OUT, 'uml', 'compile_commands.json')


def sample(step):
    """Every @step-th C file kbuild compiled through ccache."""
    with open(COMMANDS) as f:
        entries = json.load(f)
    return [e for e in entries if e['command'].startswith('ccache gcc') and
            e['file'].endswith('.c')][::step]


def scratch_command(cmd, out, i):
    """@cmd, with its object and dependency files moved to @out."""
    cmd = re.sub(r' -o \S+', ' -o %s/%d.o' % (out, i), cmd)
    return re.sub(r'-Wp,-MMD,\S+', '-Wp,-MMD,%s/%d.d' % (out, i), cmd)


def cold_round(entries, depend, out):
    """Compile @entries into an empty cache; (seconds, ccache counters)."""
    cache = tempfile.mkdtemp(prefix='ccache-', dir=out)
    env = proc.ccache_env()
    env.pop('CCACHE_DEPEND', None)
    env.pop('CCACHE_NODEPEND', None)
    env['CCACHE_DIR'] = cache
    env['CCACHE_DEPEND' if depend else 'CCACHE_NODEPEND'] = 'true'
    t = time.time()
    for i, e in enumerate(entries):
        subprocess.run(scratch_command(e['command'], out, i), shell=True,
                       cwd=e['directory'], env=env, check=True)
    took = time.time() - t
    stats = subprocess.run(['ccache', '--print-stats'], env=env, check=True,
                           capture_output=True, text=True).stdout
    counters = dict(line.split('\t', 1) for line in stats.splitlines()
                    if '\t' in line)
    shutil.rmtree(cache)
    keep = ('direct_cache_miss', 'preprocessed_cache_miss', 'cache_miss',
            'direct_cache_hit', 'preprocessed_cache_hit')
    return took, {k: int(counters.get(k, 0)) for k in keep}


def main(args):
    if not os.path.exists(COMMANDS):
        proc.die('no %s: run tools/ttmh kunit first' % proc.rel(COMMANDS))
    entries = sample(args.step)
    out = tempfile.mkdtemp(prefix='ccbench-')
    sums = {False: 0.0, True: 0.0}
    try:
        print('files %d (every %dth C file of %s)' %
              (len(entries), args.step, proc.rel(COMMANDS)), flush=True)
        for r in range(args.rounds):
            for depend in (False, True):
                took, c = cold_round(entries, depend, out)
                sums[depend] += took
                print('round %d %s %.1f s %s' %
                      (r, 'depend' if depend else 'default', took,
                       ' '.join('%s=%d' % kv for kv in c.items())),
                      flush=True)
                if c['direct_cache_hit'] or c['preprocessed_cache_hit']:
                    proc.die('a hit in an empty cache')
    finally:
        shutil.rmtree(out)
    print('sum default %.1f s depend %.1f s ratio %.3f' %
          (sums[False], sums[True], sums[True] / sums[False]))
    return 0
