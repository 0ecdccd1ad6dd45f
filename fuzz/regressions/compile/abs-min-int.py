x = -9223372036854775807 - 1
print(abs(x), -x, x // -1, divmod(x, -1))
