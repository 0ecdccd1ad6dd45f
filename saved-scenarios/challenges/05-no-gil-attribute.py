"""Challenge 5: no GIL, no safety

Free-threaded, two threads each deposit 10 into `account.balance`. Make the balance end below 20.

Topic: Challenges
Goal: account.balance < 20
GIL: free-threaded
Par: 1
Hint: Without a GIL another thread runs between the load of `balance` and its store.
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
