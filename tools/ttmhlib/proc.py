# SPDX-License-Identifier: GPL-2.0
"""Running commands: every long step prints its stage and elapsed time,
keeps a full log, and prints the log's tail when it fails."""

import os
import subprocess
import sys
import threading
import time

from . import settings

T0 = time.time()


class Failure(Exception):
    """A step failed; the command line prints it and exits non-zero."""


def elapsed(t=None):
    s = int(time.time() - (T0 if t is None else t))
    return '%d:%02d' % (s // 60, s % 60)


def say(msg):
    print('[%s] %s' % (elapsed(), msg), flush=True)


def die(msg):
    raise Failure(msg)


def rel(path):
    return os.path.relpath(path, settings.ROOT)


def tail(path, n=40):
    try:
        with open(path, errors='replace') as f:
            lines = f.readlines()
    except OSError:
        return ''
    return ''.join(lines[-n:])


def ccache_env(env=None):
    env = dict(os.environ if env is None else env)
    env.setdefault('CCACHE_BASEDIR', settings.ROOT)
    env.setdefault('CCACHE_NOHASHDIR', 'true')
    env.setdefault('CCACHE_MAXSIZE', '20G')
    env.setdefault('CCACHE_COMPILERCHECK', 'content')
    # On a miss, hash the headers of kbuild's dependency file rather than
    # preprocess once more: a cold compile takes about a quarter less
    # (tools/ttmh ccache-bench; README).
    if 'CCACHE_NODEPEND' not in env:
        env.setdefault('CCACHE_DEPEND', 'true')
    env['KBUILD_BUILD_TIMESTAMP'] = settings.KERNEL_TIMESTAMP
    env['KBUILD_BUILD_USER'] = 'ttmh'
    env['KBUILD_BUILD_HOST'] = 'ttmh'
    # Keep the kernel release stable across series edits.
    env['LOCALVERSION'] = ''
    return env


def capture(cmd, cwd=None, env=None, check=True, input=None):
    """Run a short command and return its CompletedProcess."""
    r = subprocess.run(cmd, cwd=cwd, env=env, input=input, text=True,
                       capture_output=True)
    if check and r.returncode:
        sys.stderr.write(r.stdout[-4000:] + r.stderr[-4000:])
        die('command failed (%d): %s' % (r.returncode, ' '.join(cmd)))
    return r


def run(cmd, log, cwd=None, env=None, check=True, stage=None, heartbeat=60):
    """Run a long command with its output in log; print a heartbeat."""
    os.makedirs(os.path.dirname(log), exist_ok=True)
    t = time.time()
    stage = stage or cmd[0]
    say('%s ... (log: %s)' % (stage, rel(log)))
    with open(log, 'w') as f:
        f.write('$ %s\n' % ' '.join(cmd))
        f.flush()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=f,
                             stderr=subprocess.STDOUT, text=True,
                             stdin=subprocess.DEVNULL)
        done = threading.Event()

        def beat():
            while not done.wait(heartbeat):
                last = tail(log, 1).strip()[:100]
                say('  %s: still running (%s) %s' % (stage, elapsed(t), last))
        threading.Thread(target=beat, daemon=True).start()
        rc = p.wait()
        done.set()
    say('%s: %s in %s' % (stage, 'done' if rc == 0 else 'FAILED (%d)' % rc,
                          elapsed(t)))
    if check and rc:
        sys.stderr.write('---- last lines of %s ----\n%s' % (rel(log),
                                                            tail(log)))
        die('%s failed (log: %s)' % (stage, rel(log)))
    return rc
