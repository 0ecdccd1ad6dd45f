"""Challenge 6: the same deposit under 3.10

Challenge 5's deposits under CPython 3.10+. Can the balance still end below 20?

Topic: Challenges
Goal: account.balance < 20
GIL: cpython-3.10+
Par: impossible
Hint: Compare with challenge 5: the GIL's switch points decide what can interleave.
Output: varies
"""
import threading

class Account:
    def __init__(self):
        self.balance = 0

account = Account()

def deposit():
    account.balance += 10

threads = [threading.Thread(target=deposit) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("balance =", account.balance)
