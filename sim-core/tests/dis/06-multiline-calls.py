x = (f(
  a).g())
y = f(
  a)
f(
 a).g()
z = [a,
 b]
