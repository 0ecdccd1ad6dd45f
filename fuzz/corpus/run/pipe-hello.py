"""Pipe: a child process sends a message

parent_conn, child_conn = Pipe(): the child sends on its end and closes it; the parent's recv() waits until the message arrives.

Topic: Pipes & queues
Notes: Example: Using Pipe in Multiprocessing
Output: ordered
"""
from multiprocessing import Process, Pipe

# Function to run in a child process
def worker(conn):
    conn.send("Hello from child process!")
    conn.close()

if __name__ == "__main__":
    # Create a Pipe
    parent_conn, child_conn = Pipe()

    # Start a process
    p = Process(target=worker, args=(child_conn,))
    p.start()

    # Receive data from the child process
    print("Received:", parent_conn.recv())

    p.join()
