x = 9 ** 9 ** 9
print(x)
