"""Pipe with a sentinel value

The worker receives until it sees the sentinel "STOP", then terminates; the main process sends three tasks and the sentinel, then joins it.

Topic: Pipes & queues
Notes: Sentinel value
Output: ordered
"""
from multiprocessing import Process, Pipe

# Define a sentinel value
SENTINEL = "STOP" # can be anything but it should not be a confused with the valid data that can be processed.

# Worker function
def worker(conn):
    while True:
        data = conn.recv()  # Receive data from the main process
        if data == SENTINEL:
            print("Worker received the sentinel value, terminating.")
            break
        print(f"Worker received: {data}")
    conn.close()

if __name__ == "__main__":
    # Create a Pipe
    parent_conn, child_conn = Pipe()

    # Start a worker process
    p = Process(target=worker, args=(child_conn,))
    p.start()

    # Send some data
    parent_conn.send("Task 1")
    parent_conn.send("Task 2")
    parent_conn.send("Task 3")

    # Send the sentinel value to terminate the worker
    parent_conn.send(SENTINEL)

    # Wait for the process to finish
    p.join()
    print("Main process finished.")
