import asyncio
import threading


async def add(a, b):
    await asyncio.sleep(0.05)
    return a + b


async def fail():
    await asyncio.sleep(0.01)
    raise ValueError("no luck")


def worker(loop):
    fut = asyncio.run_coroutine_threadsafe(add(1, 2), loop)
    print("result:", fut.result(timeout=2))
    bad = asyncio.run_coroutine_threadsafe(fail(), loop)
    try:
        bad.result()
    except ValueError as e:
        print("raised:", e)
    print("done:", fut.done(), bad.done())


async def main():
    loop = asyncio.get_running_loop()
    t = threading.Thread(target=worker, args=(loop,))
    t.start()
    await asyncio.to_thread(t.join)
    print("joined")


asyncio.run(main())
try:
    asyncio.run_coroutine_threadsafe(42, None)
except TypeError as e:
    print("TypeError:", e)
