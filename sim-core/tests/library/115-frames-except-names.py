# In generators and coroutines too: the name of except E as e is gone after the handler,
# and an error raised inside an except block is chained to the handled one.
import asyncio
def gen():
    try:
        yield 1
        raise KeyError("k")
    except KeyError as e:
        yield repr(e)
    try:
        yield e
    except NameError as n:
        yield "NameError: " + str(n)
print(list(gen()))
async def load(d, k):
    try:
        await asyncio.sleep(0)
        return d[k]
    except KeyError:
        await asyncio.sleep(0)
        return 1 / 0
async def main():
    try:
        await load({}, "x")
    except ZeroDivisionError as e:
        print(repr(e.__context__))
    try:
        print(e)
    except UnboundLocalError as u:
        print("UnboundLocalError:", u)
asyncio.run(main())
