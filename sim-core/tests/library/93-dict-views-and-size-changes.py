# Dict views are live, and a dict or set that changes size while a loop runs over it
# raises RuntimeError at the next step (the classic check-then-modify race, in one thread).
d = {'a': 1, 'b': 2, 'c': 3}
print(d.keys(), d.values(), d.items())
print(len(d.keys()), 'a' in d.keys(), ('a', 1) in d.items(), 2 in d.values(), 5 in d.values())
print(sorted(d.keys() - {'a'}), sorted(d.keys() & {'a', 'z'}), d.keys() == {'a', 'b', 'c'}, list(d.items()))
print(sorted(d.items(), key=lambda kv: -kv[1]))
for k, v in d.items():
    d[k] = v * 10
print(d)
try:
    for k in d:
        if k == 'a':
            del d[k]
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    for k in d.keys():
        d['new' + k] = 1
except RuntimeError as e:
    print("RuntimeError:", e)
s = {1, 2, 3}
try:
    for x in s:
        s.add(x + 10)
except RuntimeError as e:
    print("RuntimeError:", e)
ks = d.keys()
d['zz'] = 0
print(ks, len(ks), bool({}.keys()), list(reversed(d.keys()))[:2])
print(type(d.keys()).__name__, type(d.items()).__name__)
for k in list(d):
    del d[k]
print(d, dict(zip(['x'], [1])).items())
d = {'a': 1}
try:
    for k in d:
        d['b'] = 2
except RuntimeError as e:
    print("last step:", e)
it = iter(d)
next(it); d['c'] = 3
for _ in range(2):
    try:
        next(it)
    except RuntimeError as e:
        print("sticky:", e)
it2 = iter({'x': 1})
print(list(it2)); 
e = {}
e['v'] = e.items()
print(e)
f = {}
f['v'] = f.values()
print(f['v'])
s = {1}
try:
    for x in s:
        s.add(2)
except RuntimeError as err:
    print(err)
