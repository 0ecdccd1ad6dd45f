# bytes: str.encode and decode, literals, indexing to ints, slicing, comparison, hashing,
# methods, encoding errors, and bytes through a multiprocessing Pipe (send_bytes too).
from multiprocessing import Pipe, Process
data = "héllo wörld".encode("utf-8")
print(type(data).__name__, len(data), data[1], data[:3], data, data.decode())
b = b'abc' + b"\x00\xff'q"
print(b, repr(b'it\'s'), b[-1], list(b'hi'), b'b' in b'abc', 98 in b'abc', b'x' * 3, 2 * b'y')
print(b'a,b,c'.split(b','), b' x '.strip(), b'abc'.upper(), b'abc'.hex(), b'-'.join([b'a', b'b']))
print(bytes(3), bytes([65, 66]), bytes("hi", "ascii"), b'abc' == b'abc', b'abc' < b'abd', {b'k': 1}[b'k'])
print(isinstance(b, bytes), "é".encode("ascii", errors="replace"), b'abc'.startswith(b'ab'), b'aXbX'.replace(b'X', b'-'))
try:
    "é".encode("ascii")
except UnicodeEncodeError as e:
    print("UnicodeEncodeError:", e)
try:
    b'\xff'.decode()
except UnicodeDecodeError as e:
    print("UnicodeDecodeError:", e)
def child(conn):
    msg = conn.recv()
    conn.send(msg.upper())
if __name__ == "__main__":
    a, c = Pipe()
    p = Process(target=child, args=(c,))
    p.start()
    a.send(b"ping")
    print(a.recv())
    p.join()
    x, y = Pipe()
    x.send_bytes(b"raw")
    print(y.recv_bytes())
# Wrong argument types, in CPython's words.
for f in [lambda: b'a' + 'b', lambda: b'abc'.startswith('a'), lambda: b'abc'.endswith(1), lambda: b'a,b'.split(','), lambda: 'x' in b'abc', lambda: b'ab'.find('a'), lambda: b'ab'.replace(b'a', 'c')]:
    try:
        f()
    except TypeError as e:
        print(e)
