import textwrap
from textwrap import dedent, fill, indent, shorten, wrap
text = ('Threadline runs Python programs on a simulated interpreter with a global lock, '
        'so well-known races, deadlocks and starvation show up step by step.')
print(wrap(text, 30))
print(fill(text, width=40))
print(fill(text, 25, initial_indent='* ', subsequent_indent='  '))
print(wrap('a supercalifragilisticexpialidocious word', 10))
print(wrap('a supercalifragilisticexpialidocious word', 10, break_long_words=False))
print(wrap('self-contained, well-known co-operation', 12), wrap('x-y-z abc-def', 5, break_on_hyphens=False))
print(wrap('tabs\there  and\nnewlines', 12), wrap('', 5), wrap('   ', 5))
print(shorten(text, 50), '|', shorten('Hello  world!', width=12), '|', shorten('Hello world', 11))
print(shorten(text, 40, placeholder='...'), '|', fill(text, 30, max_lines=2))
code = '''
    def worker():
        lock.acquire()

    \t
        return 1
'''
print(repr(dedent(code)))
print(repr(dedent('  a\n    b\n  c')), repr(dedent('\ta\n  b')))
print(indent('line one\n\nline two\n', '> '))
print(indent('a\nb\n', '+ ', lambda line: True), end='')
print(indent('x\r\ny', '. ').split('\r\n'))
for bad in (lambda: wrap(text, 0), lambda: shorten(text, 3), lambda: wrap(text, colour=1)):
    try:
        bad()
    except (ValueError, TypeError) as e:
        print(type(e).__name__ + ':', e)
