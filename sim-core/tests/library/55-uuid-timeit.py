import timeit
import time
import uuid
from timeit import default_timer
from uuid import uuid4
u = uuid.uuid4()
s = str(u)
print(len(s), [len(part) for part in s.split('-')], s.count('-'))
print(s[14], s[19] in '89ab', u.version, len(u.hex), u.hex == s.replace('-', ''))
print(repr(u) == f"UUID('{s}')", type(u).__name__, isinstance(u, uuid.UUID))
print(int(u.hex, 16) == u.int, all(c in '0123456789abcdef-' for c in s))
ids = {str(uuid4()) for _ in range(200)}
print(len(ids), 'distinct ids')
t0 = default_timer()
time.sleep(0.25)
elapsed = default_timer() - t0
print(0.2 < elapsed < 1.0, isinstance(t0, float))
print(timeit.default_timer is time.perf_counter or timeit.default_timer.__name__ == 'perf_counter')
start = timeit.default_timer()
total = sum(range(1000))
print(total, default_timer() >= start)
try:
    uuid.uuid4(1)
except TypeError as e:
    print('TypeError:', e)
