"""asyncio cancellation and the loop's callbacks: a cancelled task sees CancelledError at
its await and may clean up; done callbacks, call_soon and call_later run in CPython's
order; the errors and messages of misuse are CPython's."""
import asyncio


async def worker(log):
    try:
        log.append("start")
        await asyncio.sleep(10)
        log.append("never")
    except asyncio.CancelledError:
        log.append("cancelled")
        raise
    finally:
        log.append("cleanup")


async def main():
    log = []
    t = asyncio.create_task(worker(log), name="job")
    await asyncio.sleep(0)
    print(t.get_name(), t.done(), t.cancelled())
    print(t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("awaiting it raised CancelledError")
    print(log, t.done(), t.cancelled(), t.cancel())

    loop = asyncio.get_running_loop()
    order = []
    loop.call_later(0.02, order.append, "later")
    loop.call_soon(order.append, "soon1")
    loop.call_soon(order.append, "soon2")
    h = loop.call_later(0.01, order.append, "cancelled timer")
    h.cancel()
    fut = loop.create_future()
    fut.add_done_callback(lambda f: order.append(("done", f.result())))
    loop.call_later(0.01, fut.set_result, 7)
    print(await fut, order)
    await asyncio.sleep(0.03)
    print(order)
    t0 = loop.time()
    await asyncio.sleep(0.01)
    print(loop.time() > t0)

    async def named():
        return asyncio.current_task().get_name()

    print(await asyncio.create_task(named(), name="worker-7"))

    async def bad():
        raise KeyError("k")

    t = asyncio.create_task(bad())
    await asyncio.sleep(0)
    print(t.done(), repr(t.exception()))
    try:
        t.result()
    except KeyError as e:
        print("result() raised", repr(e))
    f2 = loop.create_future()
    try:
        f2.result()
    except asyncio.InvalidStateError as e:
        print("InvalidStateError:", e)
    q = asyncio.Queue(maxsize=1)
    await q.put("a")
    print(q.full(), q.qsize())
    try:
        q.put_nowait("b")
    except asyncio.QueueFull:
        print("QueueFull")

    async def later_get():
        await asyncio.sleep(0.01)
        return q.get_nowait()

    getter = asyncio.create_task(later_get())
    await q.put("b")
    print("put b after", await getter, "was taken")
    print(q.get_nowait())
    try:
        q.get_nowait()
    except asyncio.QueueEmpty:
        print("QueueEmpty")
    lock = asyncio.Lock()
    try:
        lock.release()
    except RuntimeError as e:
        print("RuntimeError:", e)
    sem = asyncio.BoundedSemaphore(1)
    try:
        sem.release()
    except ValueError as e:
        print("ValueError:", e)
    try:
        await asyncio.wait_for(asyncio.sleep(0.01, result="r"), timeout=None)
    finally:
        print("wait_for without a timeout")
    return "main done"


print(asyncio.run(main()))
try:
    asyncio.run(42)
except ValueError as e:
    print("ValueError:", e)


async def outer():
    c = asyncio.sleep(0)
    try:
        asyncio.run(c)
    except RuntimeError as e:
        print("RuntimeError:", e)
    c.close()


coro = outer()
asyncio.run(coro)
try:
    asyncio.run(coro)
except RuntimeError as e:
    print("RuntimeError:", e)
