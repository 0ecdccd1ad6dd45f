"""asyncio.LifoQueue and PriorityQueue (a heap by the items' <, as heapq), a waiting get woken by a put."""
import asyncio

async def main():
    lq = asyncio.LifoQueue()
    pq = asyncio.PriorityQueue()
    for x in [5, 1, 4, 1, 3, 9, 2, 6]:
        await lq.put(x)
        pq.put_nowait((x, str(x)))
    print([lq.get_nowait() for _ in range(lq.qsize())])
    out = []
    while not pq.empty():
        out.append(await pq.get())
    print(out, type(pq).__name__, type(lq).__name__)

    async def consumer(q):
        return await q.get()

    q = asyncio.PriorityQueue(maxsize=2)
    c = asyncio.create_task(consumer(q))
    await asyncio.sleep(0)
    await q.put((2, "b"))
    print(await c)

asyncio.run(main())
