"""Challenge 8: check, then act on a stale check

Two threads withdraw 80 from a balance of 100, each after checking there is enough. Overdraw the account.

Topic: Challenges
Goal: balance < 0
GIL: cpython-3.10+
Par: 1
Hint: The check and the withdrawal are separate steps, and `print` is a call.
Output: varies
"""
import threading

balance = 100

def withdraw(amount):
    global balance
    if balance >= amount:
        print("enough for", amount)
        balance -= amount

threads = [threading.Thread(target=withdraw, args=(80,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("balance =", balance)
