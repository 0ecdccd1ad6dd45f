# An event loop the program runs itself, as older tutorials do: get_event_loop,
# run_until_complete, gather and ensure_future outside a running loop, close,
# new_event_loop and set_event_loop; iscoroutinefunction.
import asyncio, threading

async def work(n):
    await asyncio.sleep(0.01 * n)
    return n * 10

async def bad():
    await asyncio.sleep(0)
    raise ValueError("bad")

loop = asyncio.get_event_loop()
print(loop is asyncio.get_event_loop(), loop.is_running(), loop.is_closed())
t = loop.create_task(work(1))
print(loop.run_until_complete(asyncio.gather(work(2), work(3))))
print(t.done(), t.result())
try:
    loop.run_until_complete(bad())
except ValueError as e:
    print("ValueError:", e)

async def check():
    return asyncio.get_event_loop() is loop, asyncio.get_running_loop().is_running()
print(loop.run_until_complete(check()))
loop.close()
print(loop.is_closed())
try:
    loop.run_until_complete(work(1))
except RuntimeError as e:
    print("RuntimeError:", e)

def in_thread():
    try:
        asyncio.get_event_loop()
    except RuntimeError as e:
        print("RuntimeError:", e)
th = threading.Thread(target=in_thread, name="worker")
th.start(); th.join()
print(asyncio.run(work(2)))
print(asyncio.iscoroutinefunction(work), asyncio.iscoroutinefunction(in_thread))
other = asyncio.new_event_loop()
asyncio.set_event_loop(other)
print(asyncio.get_event_loop() is other, other.run_until_complete(work(3)))
other.close()
asyncio.set_event_loop(None)
