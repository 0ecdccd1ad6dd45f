//! Python scenarios: the language against real `python3` (and stored expectations where
//! there is none), refusals with their line, hostile input, and CPython fidelity.

use indexmap::IndexMap;
use sim_core::event::{EventKind, GilReason};
use sim_core::model::{GilMode, RuntimeSettings};
use sim_core::py::run::run_source;
use sim_core::py::value::V;
use sim_core::trace::Trace;
use std::process::Command;
use std::time::Duration;

fn settings(gil: GilMode) -> RuntimeSettings {
    RuntimeSettings { gil, ..RuntimeSettings::default() }
}

fn stdout_of(t: &Trace) -> String {
    let mut s = String::new();
    for e in &t.events {
        if let EventKind::Print { line, stderr: false } = &e.kind {
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

fn stderr_of(t: &Trace) -> String {
    let mut s = String::new();
    for e in &t.events {
        if let EventKind::Print { line, stderr: true } = &e.kind {
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

fn run(src: &str) -> (String, String, i64) {
    run_with(src, GilMode::Cpython310, &IndexMap::new())
}

fn run_with(src: &str, gil: GilMode, overrides: &IndexMap<String, V>) -> (String, String, i64) {
    let (trace, code) = run_source("case.py", src, overrides, settings(gil), Some(Duration::from_secs(60)))
        .unwrap_or_else(|e| panic!("does not compile:\n{e}\n--- source ---\n{src}"));
    (stdout_of(&trace), stderr_of(&trace), code)
}

fn python3(src: &str) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("tl-py-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(format!("case{}.py", src.len() ^ (src.as_ptr() as usize)));
    std::fs::write(&path, src).ok()?;
    let out = Command::new("python3").arg(&path).env_remove("PYTHONUNBUFFERED").output().ok()?;
    let _ = std::fs::remove_file(&path);
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// (construct, program, what Python prints).
const CASES: &[(&str, &str, &str)] = &[
    ("print sep end", "print(1, 'a', sep='-', end='!\\n')\nprint()\nprint('x', flush=True)", "1-a!\n\nx\n"),
    (
        "int unbounded",
        "import math\nprint(math.factorial(30))\nprint(2**100 // 7, -(2**70) % 9, 10**20 + 1)",
        "265252859812191058636308480000000\n181092942889747057356671886482 2 100000000000000000001\n",
    ),
    (
        "int ops",
        "print(7 // 2, -7 // 2, 7 % -3, -7 % 3, 2 ** -1, 7 / 2, divmod(-7, 2), abs(-3), 1 << 70)",
        "3 -4 -2 2 0.5 3.5 (-4, 1) 3 1180591620717411303424\n",
    ),
    (
        "float repr",
        "print(0.1 + 0.2, 1e16, 1.5e-5, 123456789.0, 2.0, -0.0, 1/3, 1e300*10)",
        "0.30000000000000004 1e+16 1.5e-05 123456789.0 2.0 -0.0 0.3333333333333333 1e+301\n",
    ),
    (
        "round bankers",
        "print(round(0.5), round(1.5), round(2.5), round(-2.5), round(2.675, 2), round(1234, -2), round(1250, -2))",
        "0 2 2 -2 2.67 1200 1200\n",
    ),
    ("bool None", "print(True + 1, None, not None, True and 3, 0 or 'x', None is None)", "2 None True 3 x True\n"),
    (
        "str methods",
        "s = ' Hello, World '\nprint(s.strip().lower(), s.split(','), '-'.join(['a','b']), s.replace('l', 'L', 2), 'abc'.upper().center(7, '*'))",
        "hello, world [' Hello', ' World '] a-b  HeLLo, World  **ABC**\n",
    ),
    (
        "fstring spec",
        "x = 3.14159\nn = 1234567\nprint(f'{x:.2f}|{x:8.3f}|{n:,}|{n:>10}|{\"ab\":^6}|{42:05d}|{0.5:.0%}|{255:x}|{x!r}|{n=}')",
        "3.14|   3.142|1,234,567|   1234567|  ab  |00042|50%|ff|3.14159|n=1234567\n",
    ),
    (
        "format method",
        "print('{} and {} {name}'.format('a', 'b', name='c'), '{1}{0}'.format('x', 'y'), '%d-%s-%.1f' % (3, 'x', 2.25))\ntry:\n    '{} {1}'.format(1, 2)\nexcept ValueError as e:\n    print(e)",
        "a and b c yx 3-x-2.2\ncannot switch from automatic field numbering to manual field specification\n",
    ),
    (
        "list ops",
        "a = [3, 1, 2]\na.append(5)\na.sort()\nprint(a, a[1:3], a[::-1], a[-1], len(a), a.pop(0), a, a.index(3), [0] * 3, a + [9])",
        "[2, 3, 5] [2, 3] [5, 3, 2, 1] 5 4 1 [2, 3, 5] 1 [0, 0, 0] [2, 3, 5, 9]\n",
    ),
    (
        "tuple dict set",
        "t = (1, 'a')\nd = {'x': 1, 'y': 2}\nd['z'] = 3\ns = {3, 1, 2}\nprint(t, (5,), d, d.get('q', 0), list(d.items()), sorted(s), 2 in s, {1, 2} | {3}, len(d))",
        "(1, 'a') (5,) {'x': 1, 'y': 2, 'z': 3} 0 [('x', 1), ('y', 2), ('z', 3)] [1, 2, 3] True {1, 2, 3} 3\n",
    ),
    (
        "comprehensions",
        "print([x * x for x in range(5) if x % 2 == 0], {k: v for k, v in zip('ab', (1, 2))}, {x % 3 for x in range(9)}, sum(x for x in range(4)))",
        "[0, 4, 16] {'a': 1, 'b': 2} {0, 1, 2} 6\n",
    ),
    (
        "slicing",
        "s = 'abcdef'\nprint(s[1:4], s[::2], s[-2:], s[:-3], list(range(10))[2:8:3])",
        "bcd ace ef abc [2, 5]\n",
    ),
    ("chained compare", "x = 5\nprint(1 < x < 10, 1 < x > 6, 'a' < 'b' <= 'b')", "True False True\n"),
    (
        "builtins",
        "print(list(enumerate('ab', 1)), list(zip([1, 2], 'xy')), sorted([3, 1, 2], reverse=True), list(reversed([1, 2])), min(3, 1), max([1, 5, 2]), any([0, 1]), all([]), list(map(str, [1, 2])), list(filter(None, [0, 1, 2])), int('42'), float('1.5'), str(7), repr('x'), isinstance(1, int), isinstance(True, int), tuple([1]), dict(a=1), set([1, 1]))",
        "[(1, 'a'), (2, 'b')] [(1, 'x'), (2, 'y')] [3, 2, 1] [2, 1] 1 5 True True ['1', '2'] [1, 2] 42 1.5 7 'x' True True (1,) {'a': 1} {1}\n",
    ),
    (
        "functions",
        "def f(a, b=2, *args, c=3, **kw):\n    return (a, b, args, c, kw)\nprint(f(1), f(1, 5, 6, 7, c=8, d=9))\ng = lambda x, y=1: x + y\nprint(g(2), g(2, y=3))",
        "(1, 2, (), 3, {}) (1, 5, (6, 7), 8, {'d': 9})\n3 5\n",
    ),
    (
        "closures nonlocal global",
        "n = 0\ndef make():\n    c = 0\n    def inc():\n        nonlocal c\n        global n\n        c += 1\n        n += 10\n        return c\n    return inc\ni = make()\ni()\nprint(i(), n)",
        "2 20\n",
    ),
    (
        "loops else break continue",
        "for i in range(5):\n    if i == 1:\n        continue\n    if i == 3:\n        break\n    print(i)\nelse:\n    print('no')\nwhile False:\n    pass\nelse:\n    print('else')",
        "0\n2\nelse\n",
    ),
    (
        "try except finally",
        "def f(x):\n    try:\n        return 10 / x\n    except ZeroDivisionError as e:\n        print('caught', e)\n        return -1\n    else:\n        print('never')\n    finally:\n        print('finally')\nprint(f(2), f(0))\ntry:\n    [][1]\nexcept (KeyError, IndexError) as e:\n    print(type(e).__name__, str(e))\ntry:\n    {}['k']\nexcept LookupError as e:\n    print(repr(e), e)",
        "finally\ncaught division by zero\nfinally\n5.0 -1\nIndexError list index out of range\nKeyError('k') 'k'\n",
    ),
    (
        "raise assert",
        "class MyError(Exception):\n    pass\ntry:\n    raise MyError('bad', 2)\nexcept Exception as e:\n    print(e, e.args)\ntry:\n    assert 1 == 2, 'nope'\nexcept AssertionError as e:\n    print('assert', e)",
        "('bad', 2) ('bad', 2)\nassert nope\n",
    ),
    (
        "classes",
        "class A:\n    kind = 'a'\n    def __init__(self, x):\n        self.x = x\n    def get(self):\n        return self.x\n    def __str__(self):\n        return f'A<{self.x}>'\nclass B(A):\n    def get(self):\n        return super().get() * 2\nb = B(4)\nprint(b.get(), b.kind, str(b), isinstance(b, A), B.__name__)\nb.y = 1\ndel b.y\nprint(hasattr(b, 'y'))",
        "8 a A<4> True B\nFalse\n",
    ),
    (
        "unpacking del",
        "a, (b, c), *d = 1, (2, 3), 4, 5\nprint(a, b, c, d)\nx = [1, 2, 3]\ndel x[0]\nfirst, *rest = x\nprint(first, rest)",
        "1 2 3 [4, 5]\n2 [3]\n",
    ),
    (
        "with several items",
        "import threading\na = threading.Lock()\nb = threading.RLock()\nwith a, b:\n    print(a.locked())\nprint(a.locked())",
        "True\nFalse\n",
    ),
    (
        "threading basics",
        "import threading\ndef w(n):\n    print('worker', n, threading.current_thread().name)\nt = threading.Thread(target=w, args=(1,))\nt.start()\nt.join()\nprint(t.is_alive(), t.name, threading.current_thread().name)",
        "worker 1 Thread-1 (w)\nFalse Thread-1 (w) MainThread\n",
    ),
    (
        "thread subclass",
        "import threading\nclass T(threading.Thread):\n    def __init__(self, k):\n        super().__init__(name=f'T{k}')\n        self.k = k\n    def run(self):\n        print('run', self.k, self.name)\nts = [T(i) for i in range(2)]\nfor t in ts:\n    t.start()\n    t.join()",
        "run 0 T0\nrun 1 T1\n",
    ),
    (
        "queue",
        "import queue\nq = queue.Queue(maxsize=1)\nq.put('a')\ntry:\n    q.put('b', timeout=0.01)\nexcept queue.Full:\n    print('full')\nprint(q.get(), q.empty())\ntry:\n    q.get_nowait()\nexcept queue.Empty:\n    print('empty')\nl = queue.LifoQueue()\np = queue.PriorityQueue()\nfor i in (2, 1, 3):\n    l.put(i)\n    p.put(i)\nprint([l.get() for _ in range(3)], [p.get() for _ in range(3)])",
        "full\na True\nempty\n[3, 1, 2] [1, 2, 3]\n",
    ),
    (
        "lock errors",
        "import threading\nl = threading.Lock()\ntry:\n    l.release()\nexcept RuntimeError as e:\n    print(e)\ns = threading.BoundedSemaphore(1)\ntry:\n    s.release()\nexcept ValueError as e:\n    print(e)\nprint(l.acquire(blocking=False), l.acquire(False), l.acquire(timeout=0.01))",
        "release unlocked lock\nSemaphore released too many times\nTrue False False\n",
    ),
    (
        "futures",
        "from concurrent.futures import ThreadPoolExecutor, as_completed\ndef sq(x):\n    return x * x\nwith ThreadPoolExecutor(max_workers=2) as ex:\n    fs = [ex.submit(sq, i) for i in range(4)]\n    print([f.result() for f in fs], list(ex.map(sq, [5, 6])))\n    print(sorted(f.result() for f in as_completed(fs)))",
        "[0, 1, 4, 9] [25, 36]\n[0, 1, 4, 9]\n",
    ),
    (
        "formatting edges",
        "print(format('ab', '05'), format(5, '<05'), format(-42, '06'), '%5s|%-5s|' % ('ab', 'cd'), 'ab'.center(5), 'title'.center(20, '='))",
        "ab000 50000 -00042    ab|cd   |   ab  =======title========\n",
    ),
    (
        "iterators and instance callables",
        "import itertools\nc = itertools.count()\nprint(next(c), next(c), [x for x, _ in zip(itertools.count(5), range(3))])\nit = iter([1, 2])\nprint(it.__next__())\nclass C:\n    def __init__(self):\n        self.n = 0\n        self.bump = self.inc\n    def inc(self):\n        self.n += 1\nc2 = C()\nc2.bump()\nprint(c2.n)",
        "0 1 [5, 6, 7]\n1\n1\n",
    ),
    (
        "exception args and str",
        "class MyErr(Exception):\n    def __init__(self, code):\n        self.code = code\ntry:\n    raise MyErr(5)\nexcept MyErr as e:\n    print(str(e), e.args, e.code)",
        "5 (5,) 5\n",
    ),
    (
        "fork copies the target's arguments",
        "import multiprocessing\ndef f(lst):\n    lst.append(1)\nif __name__ == '__main__':\n    data = []\n    p = multiprocessing.Process(target=f, args=(data,))\n    p.start()\n    p.join()\n    print(data)",
        "[]\n",
    ),
    (
        "property staticmethod classmethod threading.local",
        "import threading\nclass Account:\n    rate = 2\n    def __init__(self, balance):\n        self._balance = balance\n    @property\n    def balance(self):\n        return self._balance\n    @staticmethod\n    def add(a, b):\n        return a + b\n    @classmethod\n    def make(cls, n):\n        return cls(n * cls.rate)\na = Account.make(5)\nprint(a.balance, Account.add(1, 2), a.add(3, 4))\ndata = threading.local()\ndef w(n):\n    data.x = n\n    print(n, data.x)\nfor i in range(2):\n    t = threading.Thread(target=w, args=(i,))\n    t.start()\n    t.join()\nprint(hasattr(data, 'x'))",
        "10 3 7\n0 0\n1 1\nFalse\n",
    ),
    (
        "Condition over a given lock",
        "import threading\nlock = threading.Lock()\ncond = threading.Condition(lock)\nwith lock:\n    print(cond.wait(timeout=0.01))\nitems = []\nnot_empty = threading.Condition(lock)\nnot_full = threading.Condition(lock)\ndef producer():\n    for i in range(5):\n        with not_full:\n            while len(items) >= 2:\n                not_full.wait()\n            items.append(i)\n            not_empty.notify()\ndef consumer():\n    got = []\n    for _ in range(5):\n        with not_empty:\n            while not items:\n                not_empty.wait()\n            got.append(items.pop(0))\n            not_full.notify()\n    print(got)\nc = threading.Thread(target=consumer)\np = threading.Thread(target=producer)\nc.start()\np.start()\nc.join()\np.join()",
        "False\n[0, 1, 2, 3, 4]\n",
    ),
    (
        "nested reprs and Pool callbacks",
        "from multiprocessing import Pool\ndef sq(x):\n    return x * x\nif __name__ == '__main__':\n    print({'t1': ValueError('bad')}, [(1, KeyError('k'))])\n    res = []\n    with Pool(2) as pool:\n        for i in range(3):\n            pool.apply_async(sq, (i,), callback=res.append)\n        pool.close()\n        pool.join()\n    print(sorted(res))",
        "{'t1': ValueError('bad')} [(1, KeyError('k'))]\n[0, 1, 4]\n",
    ),
    (
        "futures.wait",
        "import time\nfrom concurrent.futures import ThreadPoolExecutor, wait, FIRST_COMPLETED\ndef bad():\n    raise ValueError('x')\ndef slow():\n    time.sleep(0.3)\n    return 1\nwith ThreadPoolExecutor(2) as ex:\n    done, not_done = wait([ex.submit(bad)])\n    print(len(done), len(not_done), type(list(done)[0].exception()).__name__)\n    fs = [ex.submit(slow), ex.submit(pow, 2, 3)]\n    done, not_done = wait(fs, return_when=FIRST_COMPLETED)\n    print([f.result() for f in done], len(not_done))",
        "1 0 ValueError\n[8] 1\n",
    ),
    (
        "thread reprs and current_process",
        "import threading, multiprocessing\ndef w():\n    print(repr(threading.current_thread()).split(' ')[0])\nt = threading.Thread(target=w, name='w')\nprint(t)\nt.start()\nt.join()\nprint(multiprocessing.current_process().name, threading.main_thread().name)",
        "<Thread(w, initial)>\n<Thread(w,\nMainProcess MainThread\n",
    ),
    (
        "partial and sys.exit code path",
        "from functools import partial\ndef p(a, b, c=0):\n    return a * 100 + b * 10 + c\nf = partial(p, 1, c=3)\nprint(f(2))",
        "123\n",
    ),
    (
        "fork copies state",
        "import multiprocessing\ndata = [0]\ndef child():\n    data.append(1)\n    print('child', data)\nif __name__ == '__main__':\n    p = multiprocessing.Process(target=child)\n    data.append(9)\n    p.start()\n    p.join()\n    print('parent', data, p.exitcode)",
        "child [0, 9, 1]\nparent [0, 9] 0\n",
    ),
    (
        "fork copies a Process subclass's attributes",
        "from multiprocessing import Process\nclass W(Process):\n    def __init__(self, n):\n        super().__init__()\n        self.items = [n]\n    def run(self):\n        self.items.append(40)\n        print('child', self.items)\nif __name__ == '__main__':\n    w = W(4)\n    w.start()\n    w.join()\n    print('parent', w.items, w.exitcode)",
        "child [4, 40]\nparent [4] 0\n",
    ),
    (
        "Manager lists and dicts are shared with children",
        "from multiprocessing import Process, Manager\ndef add(l, d, i):\n    l.append(i)\n    d[i] = i * i\nif __name__ == '__main__':\n    with Manager() as m:\n        l = m.list()\n        d = m.dict()\n        ps = [Process(target=add, args=(l, d, i)) for i in range(3)]\n        for p in ps:\n            p.start()\n        for p in ps:\n            p.join()\n        print(sorted(l), sorted(d.items()))",
        "[0, 1, 2] [(0, 0), (1, 1), (2, 4)]\n",
    ),
    (
        "PriorityQueue uses the items' __lt__, in heapq's order",
        "import queue\nclass Job:\n    def __init__(self, p, name):\n        self.p, self.name = p, name\n    def __lt__(self, other):\n        return self.p > other.p\nq = queue.PriorityQueue()\nfor p, n in [(1, 'low'), (5, 'high'), (3, 'mid'), (5, 'high2')]:\n    q.put(Job(p, n))\nprint([q.get().name for _ in range(4)])\nq.put({})\ntry:\n    q.put({})\nexcept TypeError as e:\n    print(e)",
        "['high', 'high2', 'mid', 'low']\n'<' not supported between instances of 'dict' and 'dict'\n",
    ),
    (
        "as_completed yields each future as it finishes",
        "import time\nfrom concurrent.futures import ThreadPoolExecutor, as_completed\ndef work(t):\n    time.sleep(t)\n    print('done', t)\n    return t\nwith ThreadPoolExecutor(3) as ex:\n    fs = [ex.submit(work, t) for t in (0.3, 0.1, 0.2)]\n    for f in as_completed(fs):\n        print('got', f.result())",
        "done 0.1\ngot 0.1\ndone 0.2\ngot 0.2\ndone 0.3\ngot 0.3\n",
    ),
    (
        "Pool.close refuses new work; join needs close",
        "from multiprocessing import Pool\ndef sq(x):\n    return x * x\nif __name__ == '__main__':\n    p = Pool(2)\n    try:\n        p.join()\n    except ValueError as e:\n        print(e)\n    print(p.map(sq, [1, 2, 3]))\n    p.close()\n    try:\n        p.map(sq, [4])\n    except ValueError as e:\n        print(e)\n    p.join()",
        "Pool is still running\n[1, 4, 9]\nPool not running\n",
    ),
    (
        "collections.deque: maxlen, rotate, both ends, indexing",
        "from collections import deque\nd = deque([1, 2, 3], maxlen=4)\nd.append(4); d.append(5); d.appendleft(0)\nprint(d, len(d), d[0], d[-1], d.maxlen)\nd.rotate(1); print(d)\nd.rotate(-2); print(d)\nprint(d.popleft(), d.pop(), list(d), 2 in d, 9 in d, bool(deque()))\nd.extend([7, 8]); d.extendleft([10, 11]); print(d)\ne = deque()\ntry:\n    e.pop()\nexcept IndexError as x:\n    print('IndexError:', x)\nprint(deque('abc'), deque(range(3), 2), [x * 2 for x in deque([1, 2])])\nf = deque([3, 1, 3]); print(f.count(3), f.index(1)); f.remove(3); print(f); f[0] = 9; print(f, isinstance(f, deque))",
        "deque([0, 2, 3, 4], maxlen=4) 4 0 4 4\ndeque([4, 0, 2, 3], maxlen=4)\ndeque([2, 3, 4, 0], maxlen=4)\n2 0 [3, 4] False False False\ndeque([11, 10, 3, 4], maxlen=4)\nIndexError: pop from an empty deque\ndeque(['a', 'b', 'c']) deque([1, 2], maxlen=2) [2, 4]\n2 1\ndeque([1, 3])\ndeque([9, 3]) True\n",
    ),
    (
        "defaultdict, Counter and OrderedDict",
        "from collections import defaultdict, Counter, OrderedDict\ngroups = defaultdict(list)\nfor w in ['apple', 'avocado', 'banana', 'blueberry', 'cherry']:\n    groups[w[0]].append(w)\nprint(groups)\nprint(dict(groups), groups['z'], len(groups), groups.default_factory)\ncounts = defaultdict(int)\nfor ch in 'mississippi':\n    counts[ch] += 1\nprint(sorted(counts.items()), counts.get('q'), 'q' in counts)\nc = Counter('mississippi')\nprint(c, c['s'], c['z'], c.most_common(2))\nc.update('ss'); c.subtract({'i': 4}); print(c, c.total())\nprint(Counter(a=3, b=1) + Counter(a=1, c=2), Counter(a=3, b=1) - Counter(a=1, b=2))\nprint(sorted(Counter('aab').elements()), isinstance(c, Counter), isinstance(c, dict))\no = OrderedDict([('a', 1), ('b', 2), ('c', 3)])\no.move_to_end('a'); print(o, list(o))\no.move_to_end('c', last=False); print(o.popitem(), o.popitem(last=False), o)\nprint(OrderedDict(), Counter(), defaultdict(int))",
        "defaultdict(<class 'list'>, {'a': ['apple', 'avocado'], 'b': ['banana', 'blueberry'], 'c': ['cherry']})\n{'a': ['apple', 'avocado'], 'b': ['banana', 'blueberry'], 'c': ['cherry']} [] 4 <class 'list'>\n[('i', 4), ('m', 1), ('p', 2), ('s', 4)] None False\nCounter({'i': 4, 's': 4, 'p': 2, 'm': 1}) 4 0 [('i', 4), ('s', 4)]\nCounter({'s': 6, 'p': 2, 'm': 1, 'i': 0}) 9\nCounter({'a': 4, 'c': 2, 'b': 1}) Counter({'a': 2})\n['a', 'a', 'b'] True True\nOrderedDict([('b', 2), ('c', 3), ('a', 1)]) ['b', 'c', 'a']\n('a', 1) ('c', 3) OrderedDict([('b', 2)])\nOrderedDict() Counter() defaultdict(<class 'int'>, {})\n",
    ),
    (
        "futures as dict keys (the same object from submit and as_completed)",
        "from concurrent.futures import ThreadPoolExecutor, as_completed\ndef sq(x):\n    return x * x\nwith ThreadPoolExecutor(max_workers=3) as ex:\n    futs = {ex.submit(sq, x): x for x in range(5)}\n    out = sorted((futs[f], f.result()) for f in as_completed(futs))\nprint(out)",
        "[(0, 0), (1, 1), (2, 4), (3, 9), (4, 16)]\n",
    ),
    (
        "random as CPython's: the Mersenne Twister, seeded from an int or a str; big ranges",
        "import random, sys\nrandom.seed(1)\nprint([random.randint(1, 100) for _ in range(10)], random.random())\nprint(random.choice('abcdef'), random.sample(range(20), 5), random.uniform(1, 2), random.randrange(0, 100, 5))\nl = list(range(10)); random.shuffle(l); print(l)\nprint(random.randint(0, sys.maxsize), random.randrange(-10**30, 10**30))\nrandom.seed('threads')\nprint(random.random(), random.getrandbits(8), random.getrandbits(100))\ntry:\n    random.randint(5, 3)\nexcept ValueError as e:\n    print('ValueError:', e)",
        "[18, 73, 98, 9, 33, 16, 64, 98, 58, 61] 0.651592972722763\nb [3, 15, 0, 12, 13] 1.6074379962852603 0\n[1, 6, 9, 5, 2, 0, 8, 3, 4, 7]\n7031976986307758809 106741422601581100663006128121\n0.10273728822535166 45 303829526662801179879169925975\nValueError: empty range for randrange() (5, 4, -1)\n",
    ),
    (
        "map_async and starmap_async return at once; the callback runs before get() returns",
        "from multiprocessing import Pool\nimport time\ndef slow(x):\n    time.sleep(0.2)\n    return x * x\ndef boom(x):\n    raise ValueError('boom %d' % x)\nif __name__ == '__main__':\n    got = []\n    with Pool(2) as p:\n        r = p.map_async(slow, [1, 2, 3], callback=got.append)\n        print('ready at once:', r.ready())\n        print(r.get(timeout=5), r.ready(), r.successful(), got)\n        r2 = p.starmap_async(pow, [(2, 3), (3, 2)])\n        print(r2.get())\n        errs = []\n        r3 = p.map_async(boom, [1], error_callback=errs.append)\n        try:\n            r3.get()\n        except ValueError as e:\n            print('get() re-raises:', e, len(errs))",
        "ready at once: False\n[1, 4, 9] True True [[1, 4, 9]]\n[8, 9]\nget() re-raises: boom 1 1\n",
    ),
    (
        "containers that hold themselves: repr, ==, and wait() of a non-future, as CPython",
        "l = [1]\nl.append(l)\nd = {'k': 1}\nd['self'] = d\nprint(l, d)\nt = ()\nfor _ in range(60):\n    t = (t, t)\nprint(t == t, [t] == [t])\na = []; a.append(a)\nb = []; b.append(b)\ntry:\n    print(a == b)\nexcept RecursionError as e:\n    print('RecursionError:', e)\nimport concurrent.futures as cf\ntry:\n    cf.wait([1])\nexcept AttributeError as e:\n    print('AttributeError:', e)",
        "[1, [...]] {'k': 1, 'self': {...}}\nTrue True\nRecursionError: maximum recursion depth exceeded in comparison\nAttributeError: 'int' object has no attribute '_condition'\n",
    ),
    (
        "an instance attribute shadows its class's method at a call site that found it",
        "class C:\n    def m(self):\n        return 'class'\nc = C()\nd = C()\nout = []\nfor i in range(7):\n    if i == 1:\n        c.m = lambda: 'attr'\n    if i == 2:\n        del c.m\n    if i == 3:\n        setattr(c, 'm', lambda: 'setattr')\n    if i == 4:\n        del c.__dict__['m']\n    if i == 5:\n        c.__dict__['m'] = lambda: 'dict'\n    if i == 6:\n        c.__dict__.pop('m')\n        d.__dict__.update(m=lambda: 'update')\n    out.append(c.m() + '/' + d.m())\nprint(out)\nseen = []\nfor o in [c, d, c, d]:\n    seen.append(o.m())\nc.m = lambda: 'late'\nfor o in [d, c]:\n    seen.append(o.m())\nprint(seen)\n",
        "['class/class', 'attr/class', 'class/class', 'setattr/class', 'class/class', 'dict/class', 'class/update']\n['class', 'update', 'class', 'update', 'update', 'late']\n",
    ),
    (
        "match: literal, capture, wildcard, or, as, guard, sequence with a star, mapping with **rest, class patterns (__match_args__, dataclass, namedtuple, int()), the names bound only when the whole pattern matched, CPython's TypeErrors",
        "from dataclasses import dataclass\nfrom collections import namedtuple, deque, defaultdict\nimport queue, threading\n\nclass Point:\n    __match_args__ = ('x', 'y')\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n@dataclass\nclass Job:\n    name: str\n    cost: int = 1\n\nPair = namedtuple('Pair', 'a b')\n\ndef describe(msg):\n    match msg:\n        case None:\n            return 'nothing'\n        case True:\n            return 'true'\n        case 0 | 1 as small:\n            return f'small {small}'\n        case int(n) if n < 0:\n            return f'negative {n}'\n        case int() | float():\n            return f'number {msg}'\n        case str() as s if s.startswith('cmd:'):\n            return 'command ' + s[4:]\n        case 'stop' | 'quit':\n            return 'stop'\n        case str(s):\n            return 'text ' + s\n        case []:\n            return 'empty'\n        case [x]:\n            return f'one {x}'\n        case [first, *rest] if len(rest) > 2:\n            return f'long {first} +{len(rest)}'\n        case [a, b, *_, z]:\n            return f'seq {a} {b} .. {z}'\n        case (a, b):\n            return f'pair {a} {b}'\n        case {'op': 'add', 'args': [x, y]}:\n            return f'add {x + y}'\n        case {'op': op, **rest}:\n            return f'op {op} {sorted(rest)}'\n        case Point(x=0, y=0):\n            return 'origin'\n        case Point(0, y):\n            return f'on y {y}'\n        case Point(x, y) if x == y:\n            return f'diagonal {x}'\n        case Point():\n            return 'point'\n        case Job(name, cost=c):\n            return f'job {name} {c}'\n        case Pair(a, b):\n            return f'pair-nt {a} {b}'\n        case {}:\n            return 'a mapping'\n        case _:\n            return 'other ' + type(msg).__name__\n\nfor m in [None, True, 0, 1, -5, 7, 2.5, 'cmd:go', 'stop', 'quit', 'hi', [], [9], [1, 2, 3, 4],\n          [1, 2, 3], (1, 2), 'ab', {'op': 'add', 'args': [2, 3]}, {'op': 'mul', 'x': 1, 'y': 2},\n          Point(0, 0), Point(0, 5), Point(3, 3), Point(1, 2), Job('build'), Job('test', 4),\n          Pair(1, 2), {'k': 1}, deque([1, 2]), range(3), b'xy', {1, 2}, defaultdict(int)]:\n    print(repr(m) if not isinstance(m, (Point, deque, defaultdict)) else type(m).__name__, '->', describe(m))\n\ndef worker(q, out, lock):\n    while True:\n        match q.get():\n            case ('task', n):\n                with lock:\n                    out.append(n * n)\n            case ('stop',):\n                break\nq = queue.Queue()\nout = []\nlock = threading.Lock()\nts = [threading.Thread(target=worker, args=(q, out, lock)) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor i in range(5):\n    q.put(('task', i))\nfor _ in ts:\n    q.put(('stop',))\nfor t in ts:\n    t.join()\nprint(sorted(out))\n\nx = 'unbound'\nmatch [1, 2]:\n    case [x, 3]:\n        pass\n    case _:\n        pass\nprint('x after failed match:', x)\n\ntry:\n    match Point(1, 2):\n        case Point(1, 2, 3):\n            pass\nexcept TypeError as e:\n    print('TypeError:', e)\ntry:\n    match 5:\n        case int(1, 2):\n            pass\nexcept TypeError as e:\n    print('TypeError:', e)\ntry:\n    match Point(1, 2):\n        case Point(1, x=2):\n            pass\nexcept TypeError as e:\n    print('TypeError:', e)\nclass R:\n    __match_args__ = ['x']\ntry:\n    match R():\n        case R(1):\n            pass\nexcept TypeError as e:\n    print('TypeError:', e)\n",
        "None -> nothing\nTrue -> true\n0 -> small 0\n1 -> small 1\n-5 -> negative -5\n7 -> number 7\n2.5 -> number 2.5\n'cmd:go' -> command go\n'stop' -> stop\n'quit' -> stop\n'hi' -> text hi\n[] -> empty\n[9] -> one 9\n[1, 2, 3, 4] -> long 1 +3\n[1, 2, 3] -> seq 1 2 .. 3\n(1, 2) -> pair 1 2\n'ab' -> text ab\n{'op': 'add', 'args': [2, 3]} -> add 5\n{'op': 'mul', 'x': 1, 'y': 2} -> op mul ['x', 'y']\nPoint -> origin\nPoint -> on y 5\nPoint -> diagonal 3\nPoint -> point\nJob(name='build', cost=1) -> job build 1\nJob(name='test', cost=4) -> job test 4\nPair(a=1, b=2) -> pair 1 2\n{'k': 1} -> a mapping\ndeque -> pair 1 2\nrange(0, 3) -> seq 0 1 .. 2\nb'xy' -> other bytes\n{1, 2} -> other set\ndefaultdict -> a mapping\n[0, 1, 4, 9, 16]\nx after failed match: unbound\nTypeError: Point() accepts 2 positional sub-patterns (3 given)\nTypeError: int() accepts 1 positional sub-pattern (2 given)\nTypeError: Point() got multiple sub-patterns for attribute 'x'\nTypeError: R.__match_args__ must be a tuple (got list)\n",
    ),
    (
        "match in a generator, a coroutine, a class body and a closure",
        "def g(xs):\n    for x in xs:\n        match x:\n            case int(n):\n                yield n * 2\n            case [a, *rest]:\n                yield from rest\n            case {'v': v} if v > 3:\n                yield ('big', v)\n            case _:\n                yield 'other'\nprint(list(g([1, [1, 2, 3], 'z', {'v': 5}])))\nimport asyncio\nasync def handle(msg):\n    await asyncio.sleep(0)\n    match msg:\n        case ('ping', n):\n            return n + 1\n        case _:\n            return None\nasync def main():\n    print(await asyncio.gather(handle(('ping', 1)), handle('x')))\nasyncio.run(main())\nclass K:\n    match 3:\n        case int(z):\n            w = z * 2\nprint(K.w, K.z)\ndef closure():\n    match [1, 2]:\n        case [a, b]:\n            return lambda: a + b\nprint(closure()())\n",
        "[2, 2, 3, 'other', ('big', 5)]\n[2, None]\n6 3\n3\n",
    ),
    (
        "hashlib: md5, sha1, sha2 digests, update and copy, new(name), pbkdf2_hmac, CPython's errors, hashing in threads",
        "import hashlib\nimport threading\nfrom concurrent.futures import ThreadPoolExecutor\n\nprint(hashlib.sha256(b'abc').hexdigest())\nprint(hashlib.md5(b'hello world').hexdigest())\nprint(hashlib.sha1(b'').hexdigest())\nprint(hashlib.sha224(b'x' * 3000).hexdigest())\nprint(hashlib.sha384(b'threadline').hexdigest()[:32])\nh = hashlib.sha512()\nh.update(b'part one, ')\nc = h.copy()\nh.update(b'part two')\nprint(h.name, h.digest_size, h.block_size, len(h.digest()), h.hexdigest()[:24])\nprint(c.hexdigest()[:24], hashlib.sha512(b'part one, ').hexdigest()[:24])\nprint(hashlib.new('SHA256', b'abc').hexdigest() == hashlib.sha256(b'abc').hexdigest())\nprint(hashlib.sha256('caf\\u00e9'.encode()).digest()[:4])\nprint(hashlib.pbkdf2_hmac('sha256', b'password', b'salt', 1000).hex())\nprint(hashlib.pbkdf2_hmac('sha1', b'pw', b'NaCl', 2, dklen=30).hex())\nfor bad in [lambda: hashlib.sha256('text'), lambda: hashlib.sha256(5), lambda: hashlib.new('sha999')]:\n    try:\n        bad()\n    except (TypeError, ValueError) as e:\n        print(type(e).__name__ + ':', e)\n\ndef work(i):\n    return hashlib.pbkdf2_hmac('sha256', ('pw%d' % i).encode(), b'salt', 2000).hex()[:16]\nwith ThreadPoolExecutor(4) as ex:\n    print(list(ex.map(work, range(4))))\nlock = threading.Lock()\nseen = {}\ndef hash_chunks(name, data):\n    h = hashlib.sha256()\n    for k in range(0, len(data), 4096):\n        h.update(data[k:k + 4096])\n    with lock:\n        seen[name] = h.hexdigest()[:12]\nts = [threading.Thread(target=hash_chunks, args=(n, bytes(range(256)) * 64)) for n in 'ab']\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint(sorted(seen.items()))\n",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n5eb63bbbe01eeed093cb22bb8f5acdc3\nda39a3ee5e6b4b0d3255bfef95601890afd80709\ne4ccb50ff46e7eaea035629217fa3d66947fc9d849dfb2a846aa5784\n5d58aba3d2503a68d0ef0e43061a6060\nsha512 64 128 64 c3c0f29cb972baad232e0edc\nda1fa0da92a79a3625aaf22d da1fa0da92a79a3625aaf22d\nTrue\nb'\\x85\\x0f}\\xc4'\n632c2812e46d4604102ba7618e9d6d7d2f8128f6266b4a03264d2a0460b7dcb3\n6aa434152f79c656b1c10d16c2479b64ad4e74220fdf740161c0c80015f3\nTypeError: Strings must be encoded before hashing\nTypeError: object supporting the buffer API required\nValueError: unsupported hash type sha999\n['30d68f5e2b55f37c', 'c12c2f0b0cf70db1', '653bac4f6e3694e4', 'ff896bba3dbc6a09']\n[('a', 'a1f259d4365e'), ('b', 'a1f259d4365e')]\n",
    ),
    (
        "except*: split by type, a bare exception wrapped, handlers' raises collected, a bare raise kept in the group's shape, else and finally",
        "def show(f):\n    try:\n        f()\n        print('no exception')\n    except BaseException as e:\n        print(repr(e))\ndef a():\n    try:\n        raise ExceptionGroup('g', [ValueError(1)])\n    except* ValueError:\n        raise TypeError('t')\ndef b():\n    try:\n        raise ExceptionGroup('g', [ValueError(1), KeyError(2)])\n    except* ValueError as eg:\n        print('got', repr(eg))\ndef c():\n    try:\n        raise ValueError('naked')\n    except* ValueError as eg:\n        print('naked got', repr(eg))\ndef d():\n    try:\n        raise ValueError('naked')\n    except* TypeError:\n        print('no')\ndef e():\n    try:\n        raise ExceptionGroup('g', [ValueError(1), KeyError(2), ExceptionGroup('in', [ValueError(3), OSError(4)])])\n    except* ValueError as eg:\n        print('v', repr(eg))\n        raise\n    except* KeyError:\n        print('k')\n        raise RuntimeError('r')\ndef f():\n    try:\n        raise ExceptionGroup('g', [ValueError(1)])\n    except* ValueError:\n        pass\n    else:\n        print('else')\n    finally:\n        print('finally')\nfor fn in [a, b, c, d, e, f]:\n    show(fn)\n",
        "TypeError('t')\ngot ExceptionGroup('g', [ValueError(1)])\nExceptionGroup('g', [KeyError(2)])\nnaked got ExceptionGroup('', (ValueError('naked'),))\nno exception\nValueError('naked')\nv ExceptionGroup('g', [ValueError(1), ExceptionGroup('in', [ValueError(3)])])\nk\nExceptionGroup('', [RuntimeError('r'), ExceptionGroup('g', [ValueError(1), ExceptionGroup('in', [ValueError(3), OSError(4)])])])\nfinally\nno exception\n",
    ),
    (
        "except* around a TaskGroup, at module level, and CPython's TypeError for except* ExceptionGroup",
        "import asyncio\nasync def bad(n):\n    await asyncio.sleep(0.01 * n)\n    raise (ValueError if n % 2 else KeyError)(f'bad {n}')\nasync def main():\n    try:\n        async with asyncio.TaskGroup() as tg:\n            for n in range(1, 5):\n                tg.create_task(bad(n))\n    except* ValueError as eg:\n        print('values', sorted(str(e) for e in eg.exceptions))\n    except* KeyError as eg:\n        print('keys', sorted(str(e) for e in eg.exceptions))\nasyncio.run(main())\ntry:\n    raise ExceptionGroup('top', [OSError('disk'), ValueError('v')])\nexcept* OSError as eg:\n    print('os', repr(eg))\nexcept* ValueError:\n    print('value handled')\ntry:\n    try:\n        raise ValueError(1)\n    except* ExceptionGroup:\n        pass\nexcept TypeError as e:\n    print('TypeError:', e)\n",
        "values ['bad 1']\nos ExceptionGroup('top', [OSError('disk')])\nvalue handled\nTypeError: catching ExceptionGroup with except* is not allowed. Use except instead.\n",
    ),
    (
        "ExceptionGroup.split, subgroup (by type, tuple or predicate) and derive",
        "eg = ExceptionGroup('many', [ValueError(1), TypeError(2), ExceptionGroup('inner', [KeyError(3), ValueError(4)])])\nprint(repr(eg.subgroup(lambda e: isinstance(e, (KeyError, TypeError)))))\nprint(repr(eg.split((KeyError, TypeError))))\nprint(repr(eg.derive([OSError(5)])), eg.subgroup(OSError))\nprint(eg.split(ExceptionGroup)[0] is eg)\n",
        "ExceptionGroup('many', [TypeError(2), ExceptionGroup('inner', [KeyError(3)])])\n(ExceptionGroup('many', [TypeError(2), ExceptionGroup('inner', [KeyError(3)])]), ExceptionGroup('many', [ValueError(1), ExceptionGroup('inner', [ValueError(4)])]))\nExceptionGroup('many', [OSError(5)]) None\nTrue\n",
    ),
    (
        "match and except* as a review found them: a built-in type's subclass matching itself, mapping keys evaluated only for a mapping long enough, 'must be a type', a wrapped exception re-raised bare, an unhandled group copied, except* of a non-exception, the as-name deleted, split keeping the cause",
        "class MyInt(int):\n    pass\nclass K:\n    pass\nmatch MyInt(5):\n    case MyInt(x):\n        print('myint', x)\nfor subj in [5, {}, {'a': 1}]:\n    try:\n        match subj:\n            case {K.missing: 1}:\n                print('hit')\n            case _:\n                print('nomatch', subj)\n    except AttributeError as e:\n        print('AttributeError:', e)\nt = 3\ntry:\n    match 1:\n        case t():\n            pass\nexcept TypeError as e:\n    print('TypeError:', e)\ntry:\n    try:\n        raise ValueError(1)\n    except* ValueError:\n        raise\nexcept ExceptionGroup as e:\n    print('bare raise of a wrapped one:', repr(e))\neg0 = ExceptionGroup('g', [KeyError(1)])\ntry:\n    try:\n        raise eg0\n    except* ValueError:\n        pass\nexcept ExceptionGroup as e:\n    print('nothing handled:', repr(e), e is eg0)\nclass NotExc:\n    pass\ntry:\n    try:\n        raise ValueError(1)\n    except* NotExc:\n        pass\nexcept TypeError as e:\n    print('TypeError:', e)\ntry:\n    raise ExceptionGroup('g', [ValueError(1)])\nexcept* ValueError as named:\n    pass\ntry:\n    print(named)\nexcept NameError as e:\n    print('NameError:', e)\ntry:\n    try:\n        raise OSError('cause')\n    except OSError as c:\n        raise ExceptionGroup('g', [ValueError(1), TypeError(2)]) from c\nexcept ExceptionGroup as eg:\n    m, r = eg.split(ValueError)\n    print(repr(m.__cause__), repr(r.__cause__))\n",
        "myint 5\nnomatch 5\nnomatch {}\nAttributeError: type object 'K' has no attribute 'missing'\nTypeError: called match pattern must be a type\nbare raise of a wrapped one: ExceptionGroup('', (ValueError(1),))\nnothing handled: ExceptionGroup('g', [KeyError(1)]) False\nTypeError: catching classes that do not inherit from BaseException is not allowed\nNameError: name 'named' is not defined\nOSError('cause') OSError('cause')\n",
    ),
    (
        "hashlib: many updates, CPython's (and OpenSSL's) words for wrong arguments",
        "import hashlib\nh = hashlib.sha256()\nfor i in range(300):\n    h.update(bytes([i % 256]) * i)\nprint(h.hexdigest())\nh2 = hashlib.md5()\nh2.update(b\"a\" * 3000); h2.update(b\"\"); h2.update(b\"b\" * 63)\nprint(h2.hexdigest())\ntry: h.update(\"x\")\nexcept TypeError as e: print(e)\ntry: h.update()\nexcept TypeError as e: print(e)\ntry: hashlib.sha256(b\"a\", b\"b\")\nexcept TypeError as e: print(e)\nprint(hashlib.new(\"md5\", data=b\"q\").hexdigest())\ntry: hashlib.pbkdf2_hmac(\"sha256\", \"pw\", b\"s\", 1)\nexcept TypeError as e: print(e)\ntry: hashlib.pbkdf2_hmac(\"sha256\", b\"pw\", b\"s\", 0)\nexcept ValueError as e: print(e)\ntry: hashlib.pbkdf2_hmac(\"nope\", b\"pw\", b\"s\", 1)\nexcept ValueError as e: print(e)\nprint(hashlib.pbkdf2_hmac(\"sha512\", b\"\", b\"\", 1).hex()[:16])\n",
        "51cf3a33a0b478f9005908a23307bbe5edf16d4bae0ba3627ff88990a584a1f6\ned4d3c01c9ecd44210af5e53b5a19e58\nStrings must be encoded before hashing\nHASH.update() takes exactly one argument (0 given)\nopenssl_sha256() takes at most 1 positional argument (2 given)\n7694f4a66316e53c8cdd9d9954bd611d\na bytes-like object is required, not 'str'\niteration value must be greater than 0.\n[digital envelope routines] unsupported\n6d2ecbbbfb2e6dcd\n",
    ),
    (
        "bytes.fromhex, with CPython's positions for a bad digit",
        "print(bytes.fromhex('0aff 10'), bytes.fromhex(''), bytes.fromhex('deadbeef').hex())\nfor bad in ['0g', 'abc', ' 1']:\n    try:\n        bytes.fromhex(bad)\n    except ValueError as e:\n        print('ValueError:', e)\nimport hashlib\nprint(hashlib.sha256(b'').digest() == bytes.fromhex(hashlib.sha256(b'').hexdigest()))\n",
        "b'\\n\\xff\\x10' b'' deadbeef\nValueError: non-hexadecimal number found in fromhex() arg at position 1\nValueError: non-hexadecimal number found in fromhex() arg at position 3\nValueError: non-hexadecimal number found in fromhex() arg at position 2\nTrue\n",
    ),
    (
        "add_note: __notes__, CPython's TypeError for a non-str",
        "try:\n    e = ValueError('bad value')\n    e.add_note('while reading row 3')\n    e.add_note('second note\\nwith two lines')\n    print(e.__notes__)\n    raise e\nexcept ValueError as x:\n    print(str(x), len(x.__notes__))\ntry:\n    e.add_note(5)\nexcept TypeError as t:\n    print('TypeError:', t)\ndef f():\n    err = KeyError('k')\n    err.add_note('a note on the key')\n    raise err\ntry:\n    f()\nexcept KeyError as k:\n    print(k.__notes__)\n",
        "['while reading row 3', 'second note\\nwith two lines']\nbad value 2\nTypeError: note must be a str, not 'int'\n['a note on the key']\n",
    ),
];

/// Programs that exercise the frame loop's own paths (calls pushed and popped, `break` and
/// `continue` out of statements it hands to the tree walker, errors leaving frames).
const FRAME_LOOP_CASES: &[&str] = &[
    "def f(n):\n    if n == 0:\n        return 0\n    return f(n - 1) + 1\nprint(f(500))\n",
    "import sys\nsys.setrecursionlimit(400)\ndef g(n):\n    return g(n + 1)\ntry:\n    g(0)\nexcept RecursionError as e:\n    print('RecursionError', e)\nprint(g.__name__)\n",
    "import threading\nlock = threading.Lock()\ndef h(xs):\n    total = 0\n    for x in xs:\n        with lock:\n            if x == 3:\n                continue\n            if x == 8:\n                break\n        try:\n            if x == 5:\n                raise ValueError(x)\n        except ValueError as e:\n            total += 100\n            continue\n        finally:\n            total += 1\n        total = total + x\n    else:\n        print('no break')\n    return total\nprint(h(range(10)), h(range(3)))\n",
    "def w(n):\n    i = 0\n    while True:\n        i = i + 1\n        try:\n            if i > n:\n                return i * 10\n        finally:\n            pass\n    return -1\nprint(w(4))\n",
    "def a(d):\n    return d['k']\ndef b(d):\n    x = a(d)\n    return x\ndef c():\n    return b({})\ntry:\n    c()\nexcept KeyError as e:\n    print('caught', repr(e))\nc()\n",
    "class C:\n    def __init__(self, n=3):\n        self.n = n\n        self.items = []\n    def add(self, x, y=1):\n        self.items.append(x * y)\n        return self.n + x\n    def get(self, d, k):\n        return d.get(k, 0) + d.get(k)\nc = C()\nt = 0\nfor i in range(5):\n    t = c.add(t, 2)\nprint(t, c.items, c.get({'a': 1}, 'a'))\n",
    "def outer():\n    fs = []\n    for i in range(3):\n        def inner(k=i):\n            return k + n\n        fs.append(inner)\n    n = 10\n    return [f() for f in fs]\nprint(outer())\n",
    "counter = 0\ndef bump(n):\n    global counter\n    for _ in range(n):\n        counter += 1\n    return counter\nprint(bump(1000), 1 < counter < 2000, counter and 'yes' or 'no', 'big' if counter > 5 else 'small')\n",
    "def gen(n):\n    for i in range(n):\n        yield i * i\ndef use():\n    out = []\n    for v in gen(5):\n        out.append(v)\n    return out, sum(gen(4))\nprint(use())\n",
    "def u():\n    print(x)\n    x = 1\nu()\n",
    "def f(a, b):\n    return a - b\nprint(f(5, 2), f(*(1, 2)), f(b=1, a=9))\nprint(f(1))\n",
    "class CM:\n    def __init__(self, name, swallow=False):\n        self.name = name\n        self.swallow = swallow\n    def __enter__(self):\n        print('enter', self.name)\n        return self\n    def __exit__(self, t, v, tb):\n        print('exit', self.name, t.__name__ if t else None, v)\n        return self.swallow\ndef f(n):\n    with CM('a'), CM('b', swallow=True) as b:\n        print('in', b.name)\n        if n:\n            raise KeyError(n)\n        return 'ret'\n    return 'after'\nprint(f(0), f(1))\n",
    "def f():\n    for i in range(4):\n        try:\n            try:\n                if i == 1:\n                    continue\n                if i == 2:\n                    raise ValueError('v')\n                if i == 3:\n                    break\n            finally:\n                print('inner finally', i)\n        except ValueError as e:\n            print('caught', e)\n        else:\n            print('else', i)\n        finally:\n            print('outer finally', i)\n    return i\nprint(f())\n",
    "def f():\n    try:\n        1 / 0\n    except ZeroDivisionError:\n        x = undefined_name\ntry:\n    f()\nexcept NameError as e:\n    print(type(e.__context__).__name__, e)\nf()\n",
    "def g():\n    try:\n        return 'try'\n    finally:\n        print('cleanup')\ndef h():\n    while True:\n        try:\n            raise RuntimeError('x')\n        finally:\n            break\n    return 'swallowed'\ndef k():\n    try:\n        raise KeyError('k')\n    finally:\n        print('k finally')\nprint(g(), h())\nk()\n",
    "import threading\nrlock = threading.RLock()\nlock = threading.Lock()\ndef f(n):\n    with rlock:\n        if n > 2:\n            return n\n        return f(n + 1)\nprint(f(0), rlock.acquire(blocking=False))\ndef g():\n    with lock:\n        raise ValueError('inside with')\ntry:\n    g()\nexcept ValueError as e:\n    print(e, lock.locked())\ng()\n",
    "def a():\n    try:\n        b()\n    finally:\n        print('a finally')\ndef b():\n    try:\n        raise IndexError('deep')\n    except KeyError:\n        print('not this')\n    finally:\n        print('b finally')\ntry:\n    a()\nexcept IndexError as e:\n    print('got', e)\na()\n",
    "class CM:\n    def __enter__(self):\n        return self\n    def __exit__(self, *a):\n        return False\ndef f(done):\n    try:\n        while True:\n            if done:\n                break\n            with CM():\n                continue\n    except ValueError:\n        print('caught')\n    raise ValueError('after')\nf(True)\n",
    "def f():\n    try:\n        raise KeyError('old')\n    except KeyError:\n        for x in [1, 2]:\n            if x == 1:\n                break\n            try:\n                continue\n            finally:\n                pass\n    raise\nf()\n",
    "def f():\n    for i in range(3):\n        for x in [1, 2]:\n            if x == 1:\n                break\n            try:\n                continue\n            finally:\n                pass\n        try:\n            print('i', i)\n            continue\n        finally:\n            pass\nf()\n",
    "class A:\n    def m(self, x):\n        return 'old'\ndef swap():\n    A.m = lambda self, x: 'new'\n    return 0\ndef g():\n    return A().m(swap())\nprint(g())\n",
    "def f():\n    try:\n        1 / 0\n    except undefined_name:\n        pass\n    finally:\n        print('finally')\ntry:\n    f()\nexcept NameError as e:\n    print('NameError', e)\n",
    "def f():\n    x = 0\n    for i in range(5):\n        x += i\n        x -= 1\n    s = 'a'\n    s += 'b'\n    xs = [1]\n    xs += [2]\n    return x, s, xs\nprint(f())\n",
];

/// The frame loop (`sim_core::py::vm`) and the tree walker print the same for every program
/// of the language table and the frame loop's own cases.
#[test]
fn the_frame_loop_and_the_tree_walker_print_the_same() {
    use sim_core::py::run::PyRun;
    use std::sync::Arc;
    let run = |src: &str, frame_loop: bool| {
        let prog = sim_core::py::compile_with("case.py", src, &IndexMap::new(), frame_loop)
            .unwrap_or_else(|e| panic!("does not compile:\n{e}\n--- source ---\n{src}"));
        let trace =
            PyRun::start(Arc::new(prog), settings(GilMode::Cpython310), 0, None).finish(Some(Duration::from_secs(60)));
        (stdout_of(&trace), stderr_of(&trace))
    };
    let mut failures = Vec::new();
    let sources = CASES.iter().map(|(_, src, _)| *src).chain(FRAME_LOOP_CASES.iter().copied());
    for src in sources {
        let (on, off) = (run(src, true), run(src, false));
        if on != off {
            failures.push(format!(
                "--- source ---\n{src}--- frame loop ---\n{}{}--- tree walker ---\n{}{}",
                on.0, on.1, off.0, off.1
            ));
        }
    }
    // The frame loop's own cases print what python3 prints.
    for src in FRAME_LOOP_CASES {
        if let Some(py) = python3(src)
            && py != run(src, true).0
        {
            failures
                .push(format!("--- source ---\n{src}--- python3 ---\n{py}--- frame loop ---\n{}", run(src, true).0));
        }
    }
    assert!(failures.is_empty(), "{} programs differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_construct_prints_what_python_prints() {
    let have_python = Command::new("python3").arg("--version").output().is_ok();
    let mut failures = Vec::new();
    for (name, src, expected) in CASES {
        let (out, err, code) = run(src);
        if out != *expected || code != 0 {
            failures.push(format!("{name}: got\n{out}{err}(exit {code})\nexpected\n{expected}"));
        }
        if have_python
            && let Some(py) = python3(src)
            && py != *expected
        {
            failures.push(format!("{name}: the stored expectation differs from python3, which prints\n{py}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn subclassing_a_built_in_type_that_is_not_there_yet_says_so_at_its_line() {
    // `dict`, `list`, `set`, `int`, `float`, `str` and `tuple` can be subclassed (library
    // program 128). Another type CPython accepts as a base is refused as NotImplementedError
    // at the class statement — not a TypeError the program could take for its own mistake —
    // and one CPython refuses gets CPython's TypeError.
    for (base, src, says) in [
        (
            "frozenset",
            "class Tags(frozenset):\n    pass\n",
            "NotImplementedError: subclassing the built-in type 'frozenset' is not supported yet",
        ),
        (
            "enumerate",
            "x = 1\nclass Numbered(enumerate):\n    pass\n",
            "NotImplementedError: subclassing the built-in type 'enumerate' is not supported yet",
        ),
        ("bool", "class Flag(bool):\n    pass\n", "TypeError: type 'bool' is not an acceptable base type"),
    ] {
        let (out, err, code) = run(src);
        assert_eq!(out, "");
        assert_eq!(code, 1);
        let line = if base == "enumerate" { 2 } else { 1 };
        assert!(err.contains(&format!("File \"case.py\", line {line}, in <module>")), "{err}");
        assert!(err.ends_with(&format!("{says}\n")), "{err}");
    }
}

#[test]
fn uncaught_exceptions_print_python_tracebacks() {
    let src = "def f(x):\n    return 1 / x\n\nf(0)\n";
    let (out, err, code) = run(src);
    assert_eq!(out, "");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "Traceback (most recent call last):\n  File \"case.py\", line 4, in <module>\n    f(0)\n  File \"case.py\", line 2, in f\n    return 1 / x\nZeroDivisionError: division by zero\n"
    );
    // An exception group: CPython 3.11's boxes, nested, each member with the frames it left
    // (a TaskGroup's members from their tasks; CPython's asyncio frames are not Threadline's).
    let (_, err, code) =
        run("raise ExceptionGroup('top', [OSError('disk'), ExceptionGroup('inner', [KeyError(3), ValueError(4)])])\n");
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "  + Exception Group Traceback (most recent call last):\n  |   File \"case.py\", line 1, in <module>\n  |     raise ExceptionGroup('top', [OSError('disk'), ExceptionGroup('inner', [KeyError(3), ValueError(4)])])\n  | ExceptionGroup: top (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | OSError: disk\n    +---------------- 2 ----------------\n    | ExceptionGroup: inner (2 sub-exceptions)\n    +-+---------------- 1 ----------------\n      | KeyError: 3\n      +---------------- 2 ----------------\n      | ValueError: 4\n      +------------------------------------\n"
    );
    // Notes (`add_note`) after the error line, a group's and a member's in their boxes.
    let (_, err, _) = run(
        "eg = ExceptionGroup('g', [ValueError(1)])\neg.add_note('group note')\neg.exceptions[0].add_note('member note')\nraise eg\n",
    );
    assert_eq!(
        err,
        "  + Exception Group Traceback (most recent call last):\n  |   File \"case.py\", line 4, in <module>\n  |     raise eg\n  | ExceptionGroup: g (1 sub-exception)\n  | group note\n  +-+---------------- 1 ----------------\n    | ValueError: 1\n    | member note\n    +------------------------------------\n"
    );
    let (_, err, code) = run(
        "import asyncio\nasync def bad(n):\n    await asyncio.sleep(0.01 * n)\n    raise ValueError(f'bad {n}')\nasync def ok():\n    await asyncio.sleep(1)\nasync def main():\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(bad(1))\n        tg.create_task(bad(1))\nasyncio.run(main())\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "  + Exception Group Traceback (most recent call last):\n  |   File \"case.py\", line 11, in <module>\n  |     asyncio.run(main())\n  |   File \"case.py\", line 8, in main\n  |     async with asyncio.TaskGroup() as tg:\n  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)\n  +-+---------------- 1 ----------------\n    | Traceback (most recent call last):\n    |   File \"case.py\", line 4, in bad\n    |     raise ValueError(f'bad {n}')\n    | ValueError: bad 1\n    +---------------- 2 ----------------\n    | Traceback (most recent call last):\n    |   File \"case.py\", line 4, in bad\n    |     raise ValueError(f'bad {n}')\n    | ValueError: bad 1\n    +------------------------------------\n"
    );
    let src = "import threading\nl = threading.Lock()\ndef w():\n    l.release()\nt = threading.Thread(target=w)\nt.start()\nt.join()\nprint('main goes on')\n";
    let (out, err, code) = run(src);
    assert_eq!(out, "main goes on\n");
    assert_eq!(code, 0, "an exception in a thread does not change the exit status");
    assert!(err.starts_with("Exception in thread Thread-1 (w):\nTraceback (most recent call last):\n"), "{err}");
    assert!(
        err.ends_with("  File \"case.py\", line 4, in w\n    l.release()\nRuntimeError: release unlocked lock\n"),
        "{err}"
    );
    // Through asyncio: the frames the exception left in a coroutine, a task and a gather's
    // child are in the traceback, as in CPython's (whose asyncio frames, `runners.py` and
    // `base_events.py`, Threadline has not).
    for (how, line) in
        [("await boom()", 6), ("await asyncio.create_task(boom())", 6), ("await asyncio.gather(ok(), boom())", 6)]
    {
        let src = format!(
            "import asyncio\nasync def boom():\n    await asyncio.sleep(0)\n    raise KeyError('k')\nasync def main():\n    {how}\nasync def ok():\n    return 1\nasyncio.run(main())\n"
        );
        let (_, err, code) = run(&src);
        assert_eq!(code, 1);
        assert_eq!(
            err,
            format!(
                "Traceback (most recent call last):\n  File \"case.py\", line 9, in <module>\n    asyncio.run(main())\n  File \"case.py\", line {line}, in main\n    {how}\n  File \"case.py\", line 4, in boom\n    raise KeyError('k')\nKeyError: 'k'\n"
            ),
            "{how}"
        );
    }
    // The last line is `str(e)`: a user `__str__`, a KeyError's repr.
    let (_, err, _) =
        run("class Funds(Exception):\n    def __str__(self):\n        return 'not enough money'\nraise Funds()\n");
    assert!(err.ends_with("Funds: not enough money\n"), "{err}");
    let (_, err, _) = run("d = {}\nd['missing']\n");
    assert!(err.ends_with("KeyError: 'missing'\n"), "{err}");
    let (_, _, code) = run("import sys\nsys.exit(3)\n");
    assert_eq!(code, 3);
    // Each process's exit status is in the summary.
    let src = "import multiprocessing, sys\ndef ok():\n    pass\ndef bad():\n    sys.exit(4)\nif __name__ == '__main__':\n    ps = [multiprocessing.Process(target=f) for f in (ok, bad)]\n    for p in ps:\n        p.start()\n    for p in ps:\n        p.join()\n    print([p.exitcode for p in ps])\n";
    let (trace, code) =
        run_source("procs.py", src, &IndexMap::new(), settings(GilMode::Cpython310), None).expect("compiles");
    assert_eq!((stdout_of(&trace), code), ("[0, 4]\n".to_string(), 0));
    let s = sim_core::summary::Summary::of_trace(&trace);
    let codes: Vec<Option<i64>> = s.processes.iter().map(|p| p.exitcode).collect();
    assert_eq!(codes, vec![Some(0), Some(0), Some(4)]);
}

fn compile_err(src: &str) -> sim_core::py::CompileError {
    match sim_core::py::compile("bad.py", src, &IndexMap::new()) {
        Ok(_) => panic!("compiled:\n{}", src.chars().take(300).collect::<String>()),
        Err(e) => e,
    }
}

#[test]
fn syntax_errors_and_unsupported_constructs_name_their_line() {
    let e = compile_err("x = 1\ndef f()\n    pass\n");
    assert_eq!((e.ty, e.line), ("SyntaxError", 2));
    assert_eq!(e.message, "expected ':'");
    let shown = e.to_string();
    assert!(shown.contains("File \"bad.py\", line 2") && shown.contains("def f()"), "{shown}");
    for (src, line, words) in [
        ("x = 1\n\nasync def f():\n    yield 1\n    return 2\n", 5, "'return' with value in async generator"),
        ("xs = []\nys = [x async for x in xs]\n", 2, "asynchronous comprehension outside of an asynchronous function"),
        (
            "async def f():\n    def g():\n        return [await h() for _ in 'ab']\n",
            3,
            "asynchronous comprehension outside of an asynchronous function",
        ),
        (
            "async def f(xs):\n    while [x async for x in xs]:\n        pass\n",
            2,
            "an async comprehension inside a condition",
        ),
        ("async def f(ag):\n    return [(yield x) async for x in ag]\n", 2, "'yield' inside list comprehension"),
        ("def f(y):\n    return {(yield k): 1 for k in y}\n", 2, "'yield' inside dict comprehension"),
        ("def g():\n    while (yield 1):\n        pass\n", 2, "'yield' inside a condition"),
        ("def g(x):\n    return x and (yield)\n", 2, "'yield' inside a condition"),
        ("x = 1\nyield x\n", 2, "'yield' outside function"),
        ("def f():\n    await g()\n", 2, "'await' outside async function"),
        ("def f(l):\n    async with l:\n        pass\n", 2, "'async with' outside async function"),
        ("def f(xs):\n    async for x in xs:\n        pass\n", 2, "'async for' outside async function"),
        ("class C[T]:\n    pass\n", 1, "a generic class is not supported yet"),
        (
            "def f():\n    try:\n        pass\n    except* ValueError:\n        return 1\n",
            5,
            "'break', 'continue' and 'return' cannot appear in an except* block",
        ),
        // `match`'s compile-time errors, CPython's words at CPython's line.
        (
            "match 1:\n    case x:\n        pass\n    case 2:\n        pass\n",
            2,
            "name capture 'x' makes remaining patterns unreachable",
        ),
        ("match 1:\n    case _:\n        pass\n    case 2:\n        pass\n", 2, "wildcard makes remaining patterns"),
        ("match 1:\n    case [a, a]:\n        pass\n", 2, "multiple assignments to name 'a' in pattern"),
        ("def g(x):\n    match x:\n        case y if (yield y):\n            pass\n", 3, "'yield' inside a condition"),
        ("match 1:\n    case [*a, *b]:\n        pass\n", 2, "multiple starred names in sequence pattern"),
        ("match 1:\n    case 1 | x:\n        pass\n", 2, "alternative patterns bind different names"),
        ("match 1:\n    case (x | [x, y]):\n        pass\n", 2, "name capture 'x' makes remaining"),
        ("match {}:\n    case {'a': 1, 'a': 2}:\n        pass\n", 2, "mapping pattern checks duplicate key ('a')"),
        ("match {}:\n    case {1: a, 1.0: b}:\n        pass\n", 2, "mapping pattern checks duplicate key (1.0)"),
        ("match 1:\n    case P(x=1, x=2):\n        pass\n", 2, "attribute name repeated in class pattern: x"),
        ("match 1:\n    case [x] | [x, x]:\n        pass\n", 2, "multiple assignments to name 'x' in pattern"),
        (
            "match 1:\n    case (_ as y):\n        pass\n    case 2:\n        pass\n",
            2,
            "wildcard makes remaining patterns unreachable",
        ),
        (
            "match 1:\n    case 1 | x:\n        pass\n    case 2:\n        pass\n",
            2,
            "name capture 'x' makes remaining patterns unreachable",
        ),
        ("import numpy\n", 1, "module 'numpy' is not available in Threadline"),
        ("import os\nfrom contextlib import asynccontextmanager\n", 2, "contextlib.asynccontextmanager"),
        ("from os import path\nbreak\n", 2, "'break' outside loop"),
        ("def f():\n    x = 1\n    def g():\n        nonlocal y\n", 4, "no binding for nonlocal 'y' found"),
        ("x = 1\nnonlocal x\n", 2, "nonlocal declaration not allowed at module level"),
    ] {
        let e = compile_err(src);
        assert_eq!(e.line, line, "{src}: {e}");
        assert!(e.message.contains(words), "{src}: {e}");
    }
}

#[test]
fn hostile_input_is_refused_or_stopped_never_a_panic() {
    // 100 000 nested parentheses.
    let deep = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let e = compile_err(&deep);
    assert_eq!(e.line, 1, "{e}");
    // A `case` pattern nested 50 000 deep: refused at its line.
    let e = compile_err(&format!("match 1:\n    case {}x{}:\n        pass\n", "[".repeat(50_000), "]".repeat(50_000)));
    assert_eq!(e.line, 2, "{e}");
    // 100 000 nested unary minus and a deep expression chain.
    let e = compile_err(&format!("x = {}1\n", "-".repeat(100_000)));
    assert_eq!(e.line, 1);
    // A 10 MB file compiles (or is refused) without a panic.
    let big = "x = 1\n".repeat(10 << 20 >> 3);
    let _ = sim_core::py::compile("big.py", &big, &IndexMap::new());
    // Huge literals.
    let e = compile_err(&format!("x = {}\n", "9".repeat(5000)));
    assert!(e.message.contains("4300"), "{e}");
    // Unbounded recursion: RecursionError.
    let (_, err, code) = run("def f(n):\n    return f(n + 1)\nf(0)\n");
    assert!(err.ends_with("RecursionError: maximum recursion depth exceeded\n"), "{err}");
    assert_eq!(code, 1);
    // A huge power is a MemoryError, not an allocation of the machine.
    let (_, err, _) = run("x = 2 ** (10 ** 12)\n");
    assert!(err.ends_with("MemoryError\n"), "{err}");
    // while True: stopped by the wall limit.
    let t0 = std::time::Instant::now();
    let (trace, _) = run_source(
        "spin.py",
        "while True:\n    pass\n",
        &IndexMap::new(),
        settings(GilMode::Cpython310),
        Some(Duration::from_millis(300)),
    )
    .expect("compiles");
    assert!(t0.elapsed() < Duration::from_secs(20));
    assert!(trace.events.iter().any(|e| matches!(e.kind, EventKind::ThreadStopped)));
    // A million threads requested: each start is real, so the run refuses past its limit
    // with CPython's words for a failed start, and a traceback at the line.
    let (trace, code) = run_source(
        "many.py",
        "import threading\nfor i in range(1000000):\n    threading.Thread(target=print, args=(i,)).start()\n",
        &IndexMap::new(),
        settings(GilMode::Cpython310),
        Some(Duration::from_secs(120)),
    )
    .expect("compiles");
    let err = stderr_of(&trace);
    assert!(
        err.ends_with(&format!("RuntimeError: {}\n", sim_core::py::too_many_threads())) && err.contains("line 3"),
        "{err}"
    );
    assert_eq!(code, 1);
    assert_eq!(trace.threads.len(), sim_core::py::MAX_THREADS_PER_RUN);
}

fn counter_program(body: &str, threads: usize, iterations: usize) -> String {
    format!(
        "import threading\ncounter = 0\nlock = threading.Lock()\ndef one():\n    return 1\ndef work():\n    global counter\n    for _ in range({iterations}):\n{body}\nts = [threading.Thread(target=work) for _ in range({threads})]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint(counter)\n"
    )
}

fn final_counter(src: &str, gil: GilMode) -> i64 {
    let (out, err, _) = run_with(src, gil, &IndexMap::new());
    out.trim().parse().unwrap_or_else(|_| panic!("not a number: {out:?} {err}"))
}

#[test]
fn counter_increments_are_atomic_under_310_but_not_with_a_call_or_under_39() {
    const N: usize = 1_000_000;
    // `counter += 1` and the split load/store: no eval-breaker between load and store.
    for body in ["        counter += 1", "        tmp = counter\n        tmp += 1\n        counter = tmp"] {
        let src = counter_program(body, 2, N);
        assert_eq!(final_counter(&src, GilMode::Cpython310), 2 * N as i64, "{body}");
    }
    // The Lock version never loses one, in any mode.
    let locked = counter_program("        with lock:\n            counter += 1", 2, 200_000);
    for gil in GilMode::ALL {
        assert_eq!(final_counter(&locked, gil), 400_000, "{gil:?}");
    }
    // A call between load and store, 3.9 and free-threaded: updates are lost (a race is
    // probabilistic: any of three tries is enough).
    let lossy = |body: &str, gil: GilMode, n: usize| {
        let src = counter_program(body, 2, n);
        (0..3).any(|_| final_counter(&src, gil) < 2 * n as i64)
    };
    assert!(lossy("        counter = counter + one()", GilMode::Cpython310, 300_000), "call between load and store");
    assert!(lossy("        counter += 1", GilMode::Cpython39, 300_000), "3.9");
    assert!(lossy("        counter += 1", GilMode::FreeThreaded, 300_000), "free-threaded");
}

#[test]
fn hashing_lets_the_gil_go_as_cpython_does_and_stops_when_told() {
    // pbkdf2_hmac and a hash of 2 KB or more run without the GIL (CPython's
    // Py_BEGIN_ALLOW_THREADS): the worker drops it for the work; a small hash keeps it.
    let src = "import hashlib, threading\ndef work():\n    hashlib.pbkdf2_hmac('sha256', b'pw', b'salt', 20000)\n    hashlib.sha256(b'x' * 4096).hexdigest()\n    hashlib.md5(b'small').hexdigest()\nt = threading.Thread(target=work)\nt.start()\nt.join()\nprint('done')\n";
    let (trace, code) =
        run_source("hash.py", src, &IndexMap::new(), settings(GilMode::Cpython310), Some(Duration::from_secs(60)))
            .expect("compiles");
    assert_eq!(code, 0);
    let io_drops: Vec<u32> = trace
        .events
        .iter()
        .filter(|e| e.thread == 1 && matches!(e.kind, EventKind::GilReleased { reason: GilReason::Io }))
        .map(|e| e.line)
        .collect();
    assert_eq!(io_drops, [3, 4], "the GIL let go for pbkdf2 and the 4 KB hash, not the small one");
    // A billion rounds asked for: Stop (here the run's wall limit) still ends it.
    let t0 = std::time::Instant::now();
    let (trace, _) = run_source(
        "rounds.py",
        "import hashlib\nhashlib.pbkdf2_hmac('sha256', b'p', b's', 10 ** 9)\n",
        &IndexMap::new(),
        settings(GilMode::Cpython310),
        Some(Duration::from_millis(300)),
    )
    .expect("compiles");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    assert!(trace.events.iter().any(|e| matches!(e.kind, EventKind::ThreadStopped)));
}

#[test]
fn the_semaphore_example_lets_threads_0_1_2_in_first() {
    let src = include_str!("../../saved-scenarios/semaphore.py");
    let mut ov = IndexMap::new();
    ov.insert("HOLD".to_string(), V::Float(0.05));
    let (out, _, _) = run_with(src, GilMode::Cpython310, &ov);
    let acquired: Vec<&str> = out.lines().filter(|l| l.contains("acquired")).take(3).collect();
    assert_eq!(acquired.len(), 3, "{out}");
    for (i, l) in acquired.iter().enumerate() {
        assert!(l.starts_with(&format!("Thread {i} ")), "first wave: {acquired:?}");
    }
}

#[test]
fn events_carry_lines_and_the_trace_carries_the_source() {
    let src = "import threading\nl = threading.Lock()\n\ndef w():\n    with l:\n        pass\n\nt = threading.Thread(target=w)\nt.start()\nt.join()\n";
    let (trace, _) =
        run_source("lines.py", src, &IndexMap::new(), settings(GilMode::Cpython310), None).expect("compiles");
    assert_eq!(trace.source.as_ref().map(|s| s.text.as_str()), Some(src));
    assert_eq!(trace.resources.len(), 1);
    assert_eq!(trace.resources[0].name, "l");
    assert_eq!(trace.threads.len(), 2);
    let acquired: Vec<u32> =
        trace.events.iter().filter(|e| matches!(e.kind, EventKind::Acquired { .. })).map(|e| e.line).collect();
    assert_eq!(acquired, vec![5]);
    trace.check().expect("the trace is consistent");
    let json = trace.to_json();
    let back = Trace::from_json(&json).expect("round trip");
    assert_eq!(back.threads.len(), 2);
}

#[test]
fn sliders_are_read_from_comments_and_overrides_checked() {
    let src = "THREADS = 6  # slider: 1..32 Threads\nHOLD = 0.5  # slider: 0.01..5 Hold (s)\nprint(THREADS, HOLD)\n";
    let (meta, sliders) = sim_core::py::describe("s.py", src).expect("compiles");
    assert_eq!(meta.topic, "My scenarios");
    assert_eq!(sliders.len(), 2);
    assert_eq!(
        (sliders[0].name.as_str(), sliders[0].min, sliders[0].max, sliders[0].float),
        ("THREADS", 1.0, 32.0, false)
    );
    assert!(sliders[1].float);
    let mut ov = IndexMap::new();
    ov.insert("THREADS".to_string(), V::Int(8));
    let (out, _, _) = run_with(src, GilMode::Cpython310, &ov);
    assert_eq!(out, "8 0.5\n");
    ov.insert("THREADS".to_string(), V::Int(99));
    let e = sim_core::py::compile("s.py", src, &ov).expect_err("out of range");
    assert!(e.message.contains("outside its slider range"), "{e}");
    let mut ov = IndexMap::new();
    ov.insert("NOPE".to_string(), V::Int(1));
    let e = sim_core::py::compile("s.py", src, &ov).expect_err("unknown");
    assert!(e.message.contains("not a slider"), "{e}");
}

#[test]
fn two_tasks_awaiting_each_other_end_in_recursion_error_not_an_abort() {
    // At asyncio.run's shutdown each task's cancel() cancels the other's: CPython raises
    // RecursionError; the simulator must too, not overflow its own stack.
    let src = "import asyncio\n\nasync def a():\n    await asyncio.sleep(0)\n    await tb\n\nasync def b():\n    await asyncio.sleep(0)\n    await ta\n\nasync def main():\n    global ta, tb\n    ta = asyncio.create_task(a())\n    tb = asyncio.create_task(b())\n    await asyncio.sleep(0.05)\n    print('main done')\n\nasyncio.run(main())\n";
    let (out, err, code) = run(src);
    assert_eq!(out, "main done\n");
    assert_eq!(code, 1);
    assert!(err.contains("RecursionError: maximum recursion depth exceeded while calling a Python object"), "{err}");
}

#[test]
fn an_await_cycle_is_named_as_such() {
    let src = "import asyncio\n\nasync def a():\n    await asyncio.sleep(0)\n    await tb\n\nasync def b():\n    await asyncio.sleep(0)\n    await ta\n\nasync def main():\n    global ta, tb\n    ta = asyncio.create_task(a())\n    tb = asyncio.create_task(b())\n    await ta\n\nasyncio.run(main())\n";
    let (trace, _) =
        run_source("cycle.py", src, &IndexMap::new(), settings(GilMode::Cpython310), Some(Duration::from_secs(60)))
            .expect("compiles");
    let words = sim_core::summary::Summary::of_trace(&trace).deadlock.expect("a deadlock").words;
    assert!(
        words.contains("That is an await cycle: Task-2 (a) awaits Task-3 (b), which awaits Task-2 (a)."),
        "{words}"
    );
}

#[test]
fn a_priority_queue_runs_lt_outside_any_rust_lock() {
    // `__lt__` is Python: it may block, or call the queue. A put from inside it waits for
    // the queue's mutex as in CPython (which hangs): here a deadlock the run reports, never
    // a Rust lock held while Python runs.
    let src = "import queue\nq = queue.PriorityQueue()\nclass Job:\n    def __init__(self, p):\n        self.p = p\n    def __lt__(self, other):\n        if self.p == 2:\n            q.put_nowait(Job(0))\n        return self.p < other.p\nq.put(Job(1))\nq.put(Job(2))\nprint('never printed')\n";
    let started = std::time::Instant::now();
    let (trace, _) =
        run_source("pq.py", src, &IndexMap::new(), settings(GilMode::Cpython310), Some(Duration::from_secs(60)))
            .expect("compiles");
    assert!(started.elapsed() < Duration::from_secs(30));
    let words = sim_core::summary::Summary::of_trace(&trace).deadlock.expect("a deadlock").words;
    assert!(words.contains("MainThread waits for q"), "{words}");
    // A plain `__lt__` that blocks briefly (sleeps) while another thread gets: both finish,
    // in priority order.
    let src = "import queue, threading, time\nq = queue.PriorityQueue()\nclass Job:\n    def __init__(self, p):\n        self.p = p\n    def __lt__(self, other):\n        time.sleep(0.001)\n        return self.p < other.p\nfor p in [3, 1, 2]:\n    q.put(Job(p))\ngot = []\ndef worker():\n    while True:\n        try:\n            got.append(q.get_nowait().p)\n        except queue.Empty:\n            return\nts = [threading.Thread(target=worker) for _ in range(2)]\nfor t in ts:\n    t.start()\nfor t in ts:\n    t.join()\nprint(sorted(got), q.qsize())\n";
    let (out, err, _) = run(src);
    assert_eq!(out, "[1, 2, 3] 0\n", "{err}");
}

#[test]
fn recursion_follows_setrecursionlimit_and_tracebacks_fold_repeated_lines() {
    // As CPython: the limit is the program's to raise; past it (or past what the thread's
    // stack holds) a RecursionError, never a crash; a traceback prints a repeated frame three
    // times, then how many more times it repeated.
    let src = "import sys\nprint(sys.getrecursionlimit())\nsys.setrecursionlimit(3000)\nprint(sys.getrecursionlimit())\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nprint(f(2500))\ntry:\n    f(10 ** 6)\nexcept RecursionError as e:\n    print('RecursionError:', e)\ntry:\n    sys.setrecursionlimit(1)\nexcept RecursionError as e:\n    print('too low')\nf(10 ** 6)\n";
    let (out, err, code) = run(src);
    assert_eq!(out, "1000\n3000\n2500\nRecursionError: maximum recursion depth exceeded\ntoo low\n", "{err}");
    assert_eq!(code, 1);
    assert!(err.contains("  [Previous line repeated "), "{err}");
    assert!(err.lines().count() < 20, "folded: {err}");
    assert!(err.trim_end().ends_with("RecursionError: maximum recursion depth exceeded"), "{err}");
}

#[test]
fn a_failing_done_callback_is_logged_and_a_failing_initializer_breaks_the_pool() {
    // As concurrent.futures: a done callback's exception is logged and the worker goes on
    // (it used to end the worker, so the next task never finished); an initializer's is
    // logged and the pool broken, its waiting and later tasks failing with BrokenThreadPool
    // (the program used to run to its end with the futures never done).
    let src = BROKEN_POOL;
    let (out, err, code) = run(src);
    assert_eq!(code, 0, "{err}");
    let want = "after add_done_callback\nnext 3\nBrokenThreadPool A thread initializer failed, the thread pool is not usable anymore\nBrokenThreadPool A thread initializer failed, the thread pool is not usable anymore\nend\n";
    assert_eq!(out, want);
    if let Some(py) = python3(src) {
        assert_eq!(out, py, "python3 prints the same");
    }
    assert_eq!(err.matches("exception calling callback for <Future at 0x").count(), 2, "{err}");
    assert!(err.contains("RuntimeError: cb fails"), "{err}");
    assert!(err.contains("Exception in initializer:") && err.contains("ValueError: no connection"), "{err}");
}

const BROKEN_POOL: &str = r#"from concurrent.futures import ThreadPoolExecutor
def cb(fut):
    raise RuntimeError("cb fails")
with ThreadPoolExecutor(1) as ex:
    f = ex.submit(lambda: 1); f.result()
    f.add_done_callback(cb)
    print("after add_done_callback")
    g = ex.submit(lambda: 2)
    g.add_done_callback(cb)
    print("next", ex.submit(lambda: 3).result())
def bad_init():
    raise ValueError("no connection")
ex = ThreadPoolExecutor(max_workers=1, initializer=bad_init)
f = ex.submit(lambda: 1)
try:
    f.result()
except Exception as e:
    print(type(e).__name__, e)
try:
    ex.submit(lambda: 2)
except Exception as e:
    print(type(e).__name__, e)
print("end")
"#;

#[test]
fn str_encode_makes_bytes_that_decode_back() {
    // `encode` once returned the str itself, which then printed and measured as a str.
    let (out, err, code) = run("s = 'héllo'.encode('utf-8')\nprint(type(s).__name__, len(s), s, s.decode())\n");
    assert_eq!((err.as_str(), code), ("", 0));
    assert_eq!(out, "bytes 6 b'h\\xc3\\xa9llo' héllo\n");
}
