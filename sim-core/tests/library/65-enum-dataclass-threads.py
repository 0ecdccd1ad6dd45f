# enum + dataclasses in a threaded worker pool: each job's state moves through an Enum
import threading
from dataclasses import dataclass, field
from enum import Enum, auto

class State(Enum):
    PENDING = auto()
    RUNNING = auto()
    DONE = auto()

@dataclass(order=True)
class Job:
    priority: int
    name: str = field(compare=False)
    state: State = field(default=State.PENDING, compare=False)
    history: list = field(default_factory=list, compare=False, repr=False)

    def advance(self, to):
        self.history.append((self.state.name, to.name))
        self.state = to

jobs = [Job(3, 'c'), Job(1, 'a'), Job(2, 'b')]
lock = threading.Lock()
done = []

def work(job):
    job.advance(State.RUNNING)
    with lock:
        done.append(job.name)
    job.advance(State.DONE)

threads = [threading.Thread(target=work, args=(j,)) for j in sorted(jobs)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(done), [j.state for j in jobs], jobs[0])
print(min(jobs), jobs[1].history, all(j.state is State.DONE for j in jobs))
counts = {s: 0 for s in State}
for j in jobs:
    counts[j.state] += 1
print(counts)
