# class-body annotations: recorded in __annotations__ in order, with or without a value
import dataclasses

class Config:
    host: str
    port: int = 8080
    debug = False
    retries: 'int' = 3

    def show(self):
        return f'{self.host}:{self.port}'

print(Config.__annotations__, list(Config.__annotations__))
print(Config.port, Config.retries, hasattr(Config, 'host'), Config.debug)
c = Config()
c.host = 'localhost'
print(c.show(), dataclasses.is_dataclass(Config))

@dataclasses.dataclass
class Empty:
    pass
print(Empty(), Empty() == Empty(), dataclasses.fields(Empty))

@dataclasses.dataclass
class Mixed:
    a: int
    b = 5
    c: str = 'c'
    def total(self):
        return self.a + self.b
m = Mixed(1)
print(m, m.total(), [f.name for f in dataclasses.fields(m)], Mixed.__match_args__)
try:
    Mixed(1, 2, 3)
except TypeError as e:
    print('TypeError:', e)
try:
    Empty(1)
except TypeError as e:
    print('TypeError:', e)
