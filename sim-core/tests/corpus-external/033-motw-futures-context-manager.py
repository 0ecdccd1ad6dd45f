# Threadline external corpus program 033.
# Source: https://github.com/dhellmann/pymotw-3/blob/8c3750a62580da538b1056a5287fb806f0f51d0a/source/concurrent.futures/futures_context_manager.py
# Repository: dhellmann/pymotw-3  path: source/concurrent.futures/futures_context_manager.py  commit: 8c3750a62580da538b1056a5287fb806f0f51d0a
# Licence: BSD-3-Clause (source code; prose is CC BY-NC-SA, not copied)
# Author: Doug Hellmann (Python 3 Module of the Week)
# Edits: none

#!/usr/bin/env python3
# encoding: utf-8
#
# Copyright (c) 2016 Doug Hellmann.  All rights reserved.
# Written for https://pymotw.com
#
"""Running tasks in a managed group of threads.
"""

#end_pymotw_header
from concurrent import futures


def task(n):
    print(n)


with futures.ThreadPoolExecutor(max_workers=2) as ex:
    print('main: starting')
    ex.submit(task, 1)
    ex.submit(task, 2)
    ex.submit(task, 3)
    ex.submit(task, 4)

print('main: done')
