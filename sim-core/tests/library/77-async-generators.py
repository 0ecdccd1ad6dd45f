"""Async generators and async for: an async generator awaiting between its yields, break and else in async for, a class with __aiter__/__anext__, asend and aclose running the finally, and plain for refused."""
import asyncio


async def ticker(n, delay):
    for i in range(n):
        await asyncio.sleep(delay)
        yield i
    print("ticker done")


class Countdown:
    def __init__(self, n):
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n == 0:
            raise StopAsyncIteration
        self.n -= 1
        await asyncio.sleep(0)
        return self.n


async def echo():
    received = []
    try:
        while True:
            v = yield len(received)
            received.append(v)
    finally:
        print("echo closing with", received)


async def main():
    async for i in ticker(3, 0.01):
        print("tick", i)
    async for i in ticker(5, 0):
        if i == 2:
            break
        print("early", i)
    else:
        print("not printed")
    async for i in Countdown(3):
        print("countdown", i)
    else:
        print("countdown finished")
    g = ticker(2, 0)
    print(type(g).__name__, await g.__anext__(), await anext_like(g))
    try:
        await g.__anext__()
    except StopAsyncIteration:
        print("StopAsyncIteration")
    e = echo()
    print(await e.asend(None), await e.asend("a"), await e.asend("b"))
    await e.aclose()
    try:
        for x in ticker(1, 0):
            pass
    except TypeError as err:
        print("TypeError:", err)


async def anext_like(g):
    return await g.__anext__()


asyncio.run(main())
