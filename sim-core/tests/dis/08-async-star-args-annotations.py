import asyncio
async def work(n: int) -> int:
    await asyncio.sleep(0.1)
    async with lock:
        x = 1
    async for i in agen():
        print(i)
    return n
def f(*args, **kw):
    g(*args, **kw)
    g(1, *args)
    g(a=1, **kw)
    yield from range(3)
x: int = 5
y: str
asyncio.run(work(1))
