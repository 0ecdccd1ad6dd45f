# Threadline external corpus program 035.
# Source: https://github.com/dhellmann/pymotw-3/blob/8c3750a62580da538b1056a5287fb806f0f51d0a/source/concurrent.futures/futures_process_pool_broken.py
# Repository: dhellmann/pymotw-3  path: source/concurrent.futures/futures_process_pool_broken.py  commit: 8c3750a62580da538b1056a5287fb806f0f51d0a
# Licence: BSD-3-Clause (source code; prose is CC BY-NC-SA, not copied)
# Author: Doug Hellmann (Python 3 Module of the Week)
# Edits: none

#!/usr/bin/env python3
# encoding: utf-8
#
# Copyright (c) 2016 Doug Hellmann.  All rights reserved.
# Written for https://pymotw.com
#
"""Detecting broken process pools.
"""

#end_pymotw_header
from concurrent import futures
import os
import signal


with futures.ProcessPoolExecutor(max_workers=2) as ex:
    print('getting the pid for one worker')
    f1 = ex.submit(os.getpid)
    pid1 = f1.result()

    print('killing process {}'.format(pid1))
    os.kill(pid1, signal.SIGHUP)

    print('submitting another task')
    f2 = ex.submit(os.getpid)
    try:
        pid2 = f2.result()
    except futures.process.BrokenProcessPool as e:
        print('could not start new tasks: {}'.format(e))
