from typing import (Any, Callable, Dict, Generic, Iterable, Iterator, List, Optional, Sequence, Set, Tuple,
                    TypeVar, Union, Mapping, TYPE_CHECKING, cast)
import typing
T = TypeVar('T')
Vector = List[float]
def scale(v: Vector, k: float = 2.0) -> Vector:
    return [x * k for x in v]
def first(xs: Sequence[T]) -> Optional[T]:
    return xs[0] if xs else None
def apply(f: Callable[[int], str], xs: Iterable[int]) -> Iterator[str]:
    return map(f, xs)
class Stack(Generic[T]):
    size: int = 0
    def __init__(self) -> None:
        self.items: List[T] = []
    def push(self, item: T) -> None:
        self.items.append(item)
        self.size += 1
count: int = 3
table: Dict[str, Tuple[int, ...]] = {'a': (1, 2)}
s: Stack[int] = Stack()
s.push(5)
print(scale([1.0, 2.5]), first([]), first('xy'), list(apply(str, range(3))), count, table)
print(s.items, s.size, Stack.size, TYPE_CHECKING, cast(int, 'not checked'))
print(List, Dict[str, List[int]], Optional[int], Union[int, str], Any, T, typing.Set[Stack])
print(Callable[[int, str], bool], Tuple[int, ...], Mapping[str, Any], Iterable[T], Set)
def annotated(a: 'Stack[int]', *args: int, b: Union[int, None] = None, **kw: Any) -> 'str':
    return f'{a.size} {args} {b} {kw}'
print(annotated(s, 1, 2, b=3, c=4))
