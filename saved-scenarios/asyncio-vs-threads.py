"""Sequential vs threads vs asyncio: the same downloads three ways

DOWNLOADS downloads of DOWNLOAD_TIME seconds each (sleeps standing in for the network), done one after another, then by one thread each, then by one asyncio task each. Both concurrent versions take about the time of one download, as the notes say: threads because a waiting thread releases the GIL, tasks because a waiting task gives the loop to the next. Only the threads need the GIL handed over between them.

Topic: Asyncio
Notes: Python concurrency with asyncio
Output: varies
"""
import asyncio
import threading
import time

DOWNLOADS = 5  # slider: 1..50 Downloads
DOWNLOAD_TIME = 0.2  # slider: 0.01..2 One download (s)


def download_blocking(n):
    time.sleep(DOWNLOAD_TIME)


async def download_async(n):
    await asyncio.sleep(DOWNLOAD_TIME)


t0 = time.perf_counter()
for n in range(DOWNLOADS):
    download_blocking(n)
sequential = time.perf_counter() - t0

t0 = time.perf_counter()
threads = [threading.Thread(target=download_blocking, args=(n,)) for n in range(DOWNLOADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
threaded = time.perf_counter() - t0


async def main():
    await asyncio.gather(*(download_async(n) for n in range(DOWNLOADS)))


t0 = time.perf_counter()
asyncio.run(main())
with_asyncio = time.perf_counter() - t0

print(f"sequential: {sequential:.2f} s")
print(f"threads:    {threaded:.2f} s")
print(f"asyncio:    {with_asyncio:.2f} s")
