# Threadline external corpus program 045.
# Source: https://github.com/dhellmann/pymotw-3/blob/8c3750a62580da538b1056a5287fb806f0f51d0a/source/multiprocessing/multiprocessing_get_logger.py
# Repository: dhellmann/pymotw-3  path: source/multiprocessing/multiprocessing_get_logger.py  commit: 8c3750a62580da538b1056a5287fb806f0f51d0a
# Licence: BSD-3-Clause (source code; prose is CC BY-NC-SA, not copied)
# Author: Doug Hellmann (Python 3 Module of the Week)
# Edits: none

#!/usr/bin/env python3
# encoding: utf-8
#
# Copyright (c) 2009 Doug Hellmann All rights reserved.
#
"""
"""

#end_pymotw_header
import multiprocessing
import logging
import sys


def worker():
    print('Doing some work')
    sys.stdout.flush()


if __name__ == '__main__':
    multiprocessing.log_to_stderr()
    logger = multiprocessing.get_logger()
    logger.setLevel(logging.INFO)
    p = multiprocessing.Process(target=worker)
    p.start()
    p.join()
