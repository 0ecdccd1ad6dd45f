# dataclasses: ClassVar is not a field, user-defined methods are kept, classmethod factories
from dataclasses import dataclass, field, fields, asdict
from typing import ClassVar

@dataclass
class Account:
    owner: str
    balance: int = 0
    count: ClassVar[int] = 0
    history: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        Account.count += 1

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError(f'bad amount {amount}')
        self.balance += amount
        self.history.append(amount)
        return self

    @classmethod
    def empty(cls, owner):
        return cls(owner)

    def __repr__(self):
        return f'<{self.owner}: {self.balance}>'

a = Account('ann').deposit(5).deposit(7)
b = Account.empty('bob')
print(a, b, Account.count, [f.name for f in fields(Account)], a.history)
print(asdict(a), a == Account('ann', 12, [5, 7]), a == Account('ann', 12))
try:
    b.deposit(-1)
except ValueError as e:
    print('ValueError:', e)
try:
    Account()
except TypeError as e:
    print('TypeError:', e)
try:
    Account('x', 1, [], 4)
except TypeError as e:
    print('TypeError:', e)
