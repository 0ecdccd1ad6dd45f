"""datetime: datetime, date and timedelta as CPython prints and computes them — fields, strftime, isoformat, arithmetic and comparisons, timedelta normalised to days, seconds and microseconds, and a bad date refused."""
from datetime import datetime, timedelta, date
import datetime as dtmod

d = datetime(2024, 2, 28, 23, 59, 30, 250000)
print(d, repr(d))
print(d + timedelta(seconds=45), d + timedelta(days=1, hours=1))
print(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond)
print(d.strftime("%Y-%m-%d %H:%M:%S.%f %a %A %b %B %j %p %I %y %%"))
print(d.isoformat(), d.isoformat(sep=" "), d.date(), repr(d.date()))
e = datetime(2024, 3, 1)
delta = e - d
print(delta, repr(delta), delta.days, delta.seconds, delta.microseconds, delta.total_seconds())
print(timedelta(hours=-1), repr(timedelta(0)), timedelta(weeks=1, milliseconds=1500))
print(timedelta(minutes=90) * 2, timedelta(hours=3) / 2, timedelta(hours=1) / timedelta(minutes=15))
print(d < e, d == datetime(2024, 2, 28, 23, 59, 30, 250000), max(d, e))
print(sorted([e, d]) == [d, e], -timedelta(seconds=5), abs(timedelta(seconds=-5)))
print(dtmod.date(2024, 1, 31).strftime("%d/%m/%Y"), date(2000, 1, 1) + timedelta(days=366))
now = datetime.now()
print(type(now).__name__, now.year >= 2024, isinstance(now, datetime))
try:
    datetime(2023, 2, 29)
except ValueError as err:
    print("ValueError:", err)
