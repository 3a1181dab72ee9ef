# SPDX-License-Identifier: GPL-2.0
"""The Debian packages the project needs, installed with apt-get."""

import os
import subprocess

from . import proc, settings


def installed_version(pkg):
    r = subprocess.run(['dpkg-query', '-W', '-f=${Status}|${Version}', pkg],
                       capture_output=True, text=True)
    if r.returncode or not r.stdout.startswith('install ok installed'):
        return None
    return r.stdout.split('|', 1)[1]


def ensure(extra=()):
    """Install the base source and the packages; extra: job-specific."""
    wanted = settings.PACKAGES + list(extra)
    missing = [p for p in wanted if installed_version(p) is None]
    have_base = installed_version(settings.BASE_PKG)
    if not missing and have_base and os.path.exists(settings.BASE_TARBALL):
        if have_base != settings.BASE_VERSION:
            proc.say('WARNING: %s %s installed, the pinned base is %s' %
                     (settings.BASE_PKG, have_base, settings.BASE_VERSION))
        return
    if os.geteuid() != 0:
        proc.die('missing packages %s; run as root (apt-get)' % ' '.join(
            missing + ([] if have_base else [settings.BASE_PKG])))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    log = os.path.join(settings.LOGS, 'apt.log')
    proc.run(['apt-get', 'update', '-q'], log=log, env=env,
             stage='apt-get update')
    pin = '%s=%s' % (settings.BASE_PKG, settings.BASE_VERSION)
    install = ['apt-get', 'install', '-y', '-q', '--no-install-recommends']
    rc = proc.run(install + [pin] + missing, log=log + '.install', env=env,
                  check=False, stage='apt-get install')
    if rc:
        proc.say('WARNING: the pinned %s is not installable; falling back '
                 'to the newest %s. The series may not apply.' %
                 (pin, settings.BASE_PKG))
        proc.run(install + [settings.BASE_PKG] + missing,
                 log=log + '.install', env=env, stage='apt-get install')
