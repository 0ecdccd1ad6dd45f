# statistics: exact means and spreads, result types as CPython gives them, StatisticsError
import statistics

d = [2, 4, 4, 4, 5, 5, 7, 9]
print(statistics.mean(d), statistics.mean([1, 2, 3]), statistics.mean([1, 2]), statistics.mean([0.1, 0.2, 0.4]), statistics.mean([True, False, True, True]))
print(statistics.fmean(d), statistics.fmean([0.1, 0.2, 0.4]), statistics.fmean([1, 2, 3], weights=[3, 2, 1]))
print(statistics.median(d), statistics.median([3, 1, 2]), statistics.median([1, 2, 3, 4]), statistics.median([1.5, 2.5]))
print(statistics.median_low([1, 2, 3, 4]), statistics.median_high([1, 2, 3, 4]), statistics.median_low(['b', 'a', 'c']))
print(statistics.mode(d), statistics.mode(['x', 'y', 'y', 'x']), statistics.multimode('aabbc'), statistics.multimode([]))
print(statistics.stdev(d), statistics.pstdev(d), statistics.variance(d), statistics.pvariance(d))
print(statistics.variance([1, 2, 3]), statistics.variance([1.0, 2, 3]), statistics.pvariance([1, 3]), statistics.stdev([1.5, 2.5, 2.5, 2.75, 3.25, 4.75]))
print(statistics.variance([1, 2, 3, 4], 2), statistics.pstdev([1, 2, 3, 4], mu=2.5), statistics.stdev(range(10)), statistics.mean(iter([10 ** 20, 1])))
print(statistics.mean([1e308, 1e308]), statistics.mean([0.1] * 10), sum([0.1] * 10) / 10, statistics.pvariance([0.1, 0.2, 0.3]))
for f, arg in [(statistics.mean, []), (statistics.fmean, []), (statistics.median, []), (statistics.mode, []),
               (statistics.variance, [1]), (statistics.stdev, [1]), (statistics.pvariance, []), (statistics.pstdev, [])]:
    try:
        f(arg)
    except statistics.StatisticsError as e:
        print(f.__name__, '->', type(e).__name__, e, isinstance(e, ValueError))
try:
    statistics.mean([1, 'a'])
except TypeError as e:
    print('TypeError', e)
print(statistics.StatisticsError.__mro__[1].__name__)
