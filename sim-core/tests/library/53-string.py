import string
from string import ascii_letters, digits, punctuation
print(string.ascii_lowercase)
print(string.ascii_uppercase)
print(ascii_letters, len(ascii_letters))
print(digits, string.hexdigits, string.octdigits)
print(punctuation, len(punctuation))
print(repr(string.whitespace))
print(repr(string.printable), len(string.printable))
def classify(text):
    kinds = {'letter': 0, 'digit': 0, 'punct': 0, 'space': 0}
    for ch in text:
        if ch in ascii_letters:
            kinds['letter'] += 1
        elif ch in digits:
            kinds['digit'] += 1
        elif ch in punctuation:
            kinds['punct'] += 1
        elif ch in string.whitespace:
            kinds['space'] += 1
    return kinds
print(classify('Thread-1 took 12 ms!\n'))
print(string.capwords('hello   wide\tworld'), string.capwords('a-b-c', '-'))
print(''.join(c for c in 'h3ll0, w0rld' if c not in digits + punctuation))
print(all(c in string.printable for c in 'ok\n'), '\x00' in string.printable)
try:
    string.nothing
except AttributeError as e:
    print('AttributeError:', e)
