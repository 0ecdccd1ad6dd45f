"""asyncio: a race across an await, and asyncio.Lock

One thread, no preemption, and still a lost update: each of TASKS withdrawals checks the balance, awaits (a database call, here `asyncio.sleep(0)`), then withdraws. Every task passes the check before any withdraws, so the balance goes negative. Tasks switch only at an `await` — but an `await` between a check and its act is enough. Set USE_LOCK to 1: `async with lock` makes check-and-withdraw one step again.

Topic: Asyncio
Notes: Python concurrency with asyncio
Output: ordered
"""
import asyncio

TASKS = 3  # slider: 2..20 Withdrawals
USE_LOCK = 0  # slider: 0..1 Use asyncio.Lock

balance = 100


async def withdraw(n, amount, lock):
    global balance
    if USE_LOCK:
        async with lock:
            if balance >= amount:
                await asyncio.sleep(0)  # the database call
                balance -= amount
    else:
        if balance >= amount:
            await asyncio.sleep(0)  # the database call: other tasks run here
            balance -= amount


async def main():
    lock = asyncio.Lock()
    await asyncio.gather(*(withdraw(n, 60, lock) for n in range(TASKS)))
    print(f"balance: {balance}")


asyncio.run(main())
