s = 'x' * 10 ** 12
print(len(s))
