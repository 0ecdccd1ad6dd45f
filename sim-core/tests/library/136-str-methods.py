# str.istitle, isidentifier, isprintable, expandtabs and format_map.
for s in ["Hello World", "Hello world", "HELLO", "Hi 2 You", "", "A1b"]:
    print(repr(s), s.istitle())
for s in ["abc", "_x1", "1x", "", "a-b", "déjà"]:
    print(repr(s), s.isidentifier())
for s in ["abc", "a\tb", "a b", "a\nb", "\x7f", ""]:
    print(repr(s), s.isprintable())
print("a\tbc\td\n\tx".expandtabs(), "|", "ab\tc".expandtabs(4), "|", "x\ty".expandtabs(0))
print("{name} has {n:>3} items".format_map({"name": "queue", "n": 5}))
