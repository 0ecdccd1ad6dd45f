"""pprint lays data out as CPython does (sorted dict keys, one item per line past 80 columns); sys.exc_info, getrecursionlimit, version_info, argv; an empty os.environ; traceback.format_exc and print_exc."""
import pprint
import sys
import os
import traceback

data = {"zeta": [1, 2, 3], "alpha": {"b": 2, "a": 1}, "mid": (1,)}
pprint.pprint(data)
big = {f"key{i:02d}": list(range(i, i + 6)) for i in range(8)}
pprint.pprint(big)
pprint.pprint([list(range(20)), "x" * 30, {"nested": [("a", 1), ("b", 2)] * 4}])
print(pprint.pformat({"b": 1, "a": 2}))
pprint.pprint({"b": 1, "a": 2}, sort_dicts=False)
print(sys.getrecursionlimit(), sys.version_info >= (3, 8), len(sys.argv), sys.exc_info())
print(os.environ.get("THREADLINE_NOPE", "default"))


def fail():
    raise ValueError("bad value")


try:
    fail()
except ValueError:
    t, v, tb = sys.exc_info()
    print(t.__name__, v)
    text = traceback.format_exc()
    print(text.splitlines()[0], "|", text.splitlines()[-1])
    traceback.print_exc()
print(repr(traceback.format_exc()))
