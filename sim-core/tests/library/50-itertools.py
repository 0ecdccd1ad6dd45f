from itertools import (accumulate, chain, combinations, combinations_with_replacement, compress, count, cycle,
                       dropwhile, filterfalse, groupby, islice, pairwise, permutations, product, repeat, starmap,
                       takewhile, tee, zip_longest)
import operator

print(list(islice(count(), 5)), list(islice('abcdefg', 2, None, 2)), list(islice(count(10, 5), 1, 4)))
print(list(zip(count(1), 'abc')), list(zip(cycle('xy'), range(5))), list(map(pow, range(4), repeat(2))))
print(list(chain('ab', [1, 2], ())), list(chain.from_iterable(['xy', 'z'])))
print(list(product('ab', range(2))), len(list(product(range(3), repeat=3))))
print(list(permutations('abc', 2)), list(combinations(range(4), 3)))
print(list(combinations_with_replacement('ab', 2)), list(permutations([])), list(combinations('a', 2)))
for k, g in groupby('aaabccdd'):
    print(k, list(g), end='; ')
print()
print([(k, len(list(g))) for k, g in groupby([1, 3, 2, 4, 5], key=lambda x: x % 2)])
print(list(accumulate([1, 2, 3, 4])), list(accumulate([1, 2, 3], operator.mul, initial=10)))
print(list(accumulate([3, 1, 4], func=max)), list(zip_longest('abc', [1], fillvalue='-')))
print(list(starmap(pow, [(2, 3), (3, 2)])), list(takewhile(lambda x: x < 3, count())))
print(list(dropwhile(lambda x: x < 3, [1, 4, 2])), list(filterfalse(None, [0, 1, '', 'a'])))
print(list(compress('abcdef', [1, 0, 1, 0, 1])), list(pairwise('abcd')), list(repeat('z', 3)))
a, b = tee(iter([1, 2, 3]))
print(next(a), list(b), list(a))
n = 0
for x in cycle([1, 2, 3]):
    n += x
    if n > 10:
        break
print(n, repeat(7, 2), count(3), count(0, 2), next(enumerate(count(), start=5)))
print(type(islice([], 1)), type(map(len, [])), type(zip()), list(filter(None, islice(count(), 4))))
it = islice(count(), 3)
print(iter(it) is it, sum(it), list(it))
def bad(f):
    try:
        f()
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ':', e)
bad(lambda: islice('abc', -1)), bad(lambda: list(combinations('ab')))
bad(lambda: list(zip('ab', 'abc', strict=True))), bad(lambda: list(accumulate([1, 'a'])))
bad(lambda: product('a', repeat=-1)), bad(lambda: starmap(len)), bad(lambda: count('a'))
