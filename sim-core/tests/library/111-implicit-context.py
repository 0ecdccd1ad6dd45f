# An error Python raises inside an except block has the handled one as its __context__.
def load(d, k):
    try:
        return d[k]
    except KeyError:
        return 1 / 0
try:
    load({}, "x")
except ZeroDivisionError as e:
    print(repr(e.__context__), e.__cause__, e.__suppress_context__)
try:
    try:
        int("x")
    except ValueError:
        undefined_name
except NameError as e:
    print(repr(e), repr(e.__context__))
