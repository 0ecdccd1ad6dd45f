# math.fsum correctly rounded; dates and datetimes formatted by a strftime spec in f-strings
# and str.format.
import math, datetime
print(math.fsum([0.1] * 10), math.fsum([1e100, 1.0, -1e100, 1e-100]), math.fsum(range(5)))
d = datetime.date(2024, 3, 5)
dt = datetime.datetime(2024, 3, 5, 14, 7, 9)
print(f"{d:%Y-%m-%d}", f"{dt:%H:%M:%S}", f"{d}", format(dt, ""), "{:%d/%m/%Y}".format(d))
