# ascii(), str.maketrans and translate, threading.TIMEOUT_MAX, and bytes as a type.
import threading
print(threading.TIMEOUT_MAX)
print(ascii('héllo ☃'), ascii(['é', 1]), ascii("plain"), ascii('𝄞'))
print('abc'.translate(str.maketrans('ab', 'xy', 'c')), str.maketrans({'a': 'A'}), 'hello'.translate({ord('l'): None}))
table = str.maketrans({'a': '4', 'e': '3', 'o': 0x30})
print("a lot of code".translate(table))
print(bytes, ascii, type(b"x") is bytes, type(b"x"))
