# Async comprehensions: `async for` in a comprehension, `await` in its element or
# conditions, nested, over async generators, and two tasks building theirs at once.
import asyncio

log = []

async def ticker(name, n):
    for i in range(n):
        log.append(f"{name}{i}")
        await asyncio.sleep(0)
        yield i

async def double(x):
    await asyncio.sleep(0)
    return 2 * x

async def is_even(x):
    await asyncio.sleep(0)
    return x % 2 == 0

async def boom(x):
    await asyncio.sleep(0)
    if x == 2:
        raise ValueError(f"bad {x}")
    return x

async def builder(name):
    return [(name, v) async for v in ticker(name, 3)]

async def main():
    x = "outer"
    a = [x async for x in ticker("a", 3)]
    print(a, x)
    print([y for y in range(6) if await is_even(y)])
    print([[await double(y) for y in range(x)] for x in range(3)])
    print({k: v async for k in ticker("k", 2) for v in [await double(k)]})
    agen = (await double(i) async for i in ticker("g", 3))
    print(type(agen).__name__, [v async for v in agen])
    print(sorted({await double(z) for z in range(4)}))
    both = await asyncio.gather(builder("p"), builder("q"))
    print(both)
    print(log)
    try:
        [await boom(i) for i in range(4)]
    except ValueError as e:
        print("caught:", e)

def plain(s):
    # An async generator expression may be made in a plain function.
    return (x async for x in s)

async def more():
    # An inner async comprehension makes the outer one async too.
    print([[y async for y in ticker("n", x)] for x in range(3)])
    print([v async for v in plain(ticker("p", 2))])
    # A dict comprehension's key is evaluated before its value.
    it = iter(range(4))
    print({next(it): next(it) async for _ in ticker("d", 2)})
    print({await double(k): await double(k + 10) for k in range(2)})
    try:
        (x async for x in 5)
    except TypeError as e:
        print("TypeError:", e)

asyncio.run(main())
asyncio.run(more())
