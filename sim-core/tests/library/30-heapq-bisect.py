# heapq and bisect: the list after each operation, key=, user __lt__, and the errors
import bisect
import heapq
h = []
for x in [5, 1, 8, 3, 2, 9, 0]:
    heapq.heappush(h, x)
    print('push', x, h)
print('pop', [heapq.heappop(h) for _ in range(3)], h)
data = [9, 4, 7, 1, 8, 2, 6, 3]
heapq.heapify(data)
print('heapify', data)
print('pushpop', heapq.heappushpop(data, 5), data, heapq.heappushpop([], 7))
print('replace', heapq.heapreplace(data, 0), data)
print(heapq.nlargest(3, [5, 1, 8, 3, 9, 2]), heapq.nsmallest(2, [5, 1, 8, 3]), heapq.nlargest(2, ['bb', 'a', 'cc', 'ddd'], key=len), heapq.nsmallest(0, [1]))
print(list(heapq.merge([1, 4, 7], [2, 5], [3, 6])), list(heapq.merge(['a', 'ccc'], ['bb'], key=len)))
class Task:
    def __init__(self, pri, name):
        self.pri, self.name = pri, name
    def __lt__(self, other):
        return self.pri < other.pri
    def __repr__(self):
        return f'Task({self.pri}, {self.name!r})'
q = []
for t in [Task(3, 'c'), Task(1, 'a'), Task(2, 'b')]:
    heapq.heappush(q, t)
print(q, heapq.heappop(q), q)
for bad in [lambda: heapq.heappop([]), lambda: heapq.heapreplace([], 1), lambda: heapq.heappush((), 1), lambda: heapq.heappush([1, 'a'], 'b')]:
    try:
        bad()
    except (IndexError, TypeError) as e:
        print(type(e).__name__, e)
s = [1, 2, 4, 4, 7]
print(bisect.bisect_left(s, 4), bisect.bisect_right(s, 4), bisect.bisect(s, 4), bisect.bisect_left(s, 4, 0, 2), bisect.bisect_right(s, 4, lo=3))
bisect.insort(s, 5); bisect.insort_left(s, 4); bisect.insort_right(s, 0); bisect.insort(s, 3, hi=3)
print(s)
recs = [(1, 'a'), (3, 'c'), (5, 'e')]
print(bisect.bisect_left(recs, 3, key=lambda r: r[0]), bisect.bisect_right(recs, 3, key=lambda r: r[0]))
bisect.insort(recs, (4, 'd'), key=lambda r: r[0])
print(recs)
try:
    bisect.bisect_left(s, 1, -1)
except ValueError as e:
    print('ValueError', e)
