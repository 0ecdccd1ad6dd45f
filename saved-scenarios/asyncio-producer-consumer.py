"""asyncio: a producer and consumers on a bounded asyncio.Queue

A producer puts ITEMS items on a queue of size MAXSIZE; CONSUMERS consumers take them, each taking WORK seconds per item. When the queue is full the producer's `await queue.put()` suspends it until a consumer makes room; `queue.join()` waits until every item is processed, then the consumers are cancelled.

Topic: Asyncio
Notes: Python concurrency with asyncio
Output: unordered
"""
import asyncio

ITEMS = 6  # slider: 1..40 Items
MAXSIZE = 2  # slider: 1..10 Queue size
CONSUMERS = 2  # slider: 1..8 Consumers
WORK = 0.05  # slider: 0.01..1 Work per item (s)


async def producer(queue):
    for i in range(ITEMS):
        await queue.put(i)  # suspends while the queue is full
        print(f"produced {i}")


async def consumer(name, queue):
    while True:
        item = await queue.get()
        await asyncio.sleep(WORK)
        print(f"{name} consumed {item}")
        queue.task_done()


async def main():
    queue = asyncio.Queue(maxsize=MAXSIZE)
    consumers = [asyncio.create_task(consumer(f"consumer-{c}", queue)) for c in range(CONSUMERS)]
    await producer(queue)
    await queue.join()
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    print("all items processed")


asyncio.run(main())
